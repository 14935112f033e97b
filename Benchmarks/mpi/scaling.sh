#!/usr/bin/env bash
# Weak scaling of data-parallel training on this machine: 784-1024-1024-10, SGD, generated
# MNIST-shaped data, B samples per rank. For the CPU path and PoCL:
#   1 rank at batch B, one thread           (T1)
#   N ranks at global batch N·B, one thread each, over shared memory and over tcp loopback (TN)
#   1 process at batch N·B with N threads   (what the same cores do without MPI)
# E = TN / (N·T1). Throughput is `train --json`'s samples_per_second (the whole run, held-out
# evaluation excluded: --validation 0). Interleaved rounds; prints one line per figure.
#   Benchmarks/mpi/scaling.sh [N] [B] [ROUNDS]      (defaults 2, 256, 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-2}; B=${2:-256}; ROUNDS=${3:-3}
BIN=.build-mpi/release/backprop
[ -x "$BIN" ] || swift build -c release --traits MPI --scratch-path .build-mpi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
common=(train --dataset mnist-like:16384 --layers 784,1024,1024,10 --optimizer sgd --lr 0.01 --epochs 2 --validation 0 --quiet --json)
rate() { python3 -c 'import json,sys; print(round(json.loads(sys.stdin.read().strip().splitlines()[-1])["samples_per_second"]))'; }
for round in $(seq "$ROUNDS"); do
    for device in cpu opencl; do
        one=$(OPENBLAS_NUM_THREADS=1 POCL_CPU_MAX_CU_COUNT=1 "$BIN" "${common[@]}" --device $device --batch-size "$B" | rate)
        threads=$(OPENBLAS_NUM_THREADS=$N POCL_CPU_MAX_CU_COUNT=$N "$BIN" "${common[@]}" --device $device --batch-size $((N * B)) | rate)
        shm=$(mpirun -np "$N" --mca btl self,vader -x OPENBLAS_NUM_THREADS=1 -x POCL_CPU_MAX_CU_COUNT=1 \
            "$BIN" "${common[@]}" --device $device --batch-size $((N * B)) | rate)
        tcp=$(mpirun -np "$N" --mca btl self,tcp --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo \
            -x OPENBLAS_NUM_THREADS=1 -x POCL_CPU_MAX_CU_COUNT=1 \
            "$BIN" "${common[@]}" --device $device --batch-size $((N * B)) | rate)
        python3 -c "
one, threads, shm, tcp, n = $one, $threads, $shm, $tcp, $N
print(f'round $round $device: 1 rank {one}/s; {n} threads {threads}/s; {n} ranks shm {shm}/s (E {shm/(n*one):.2f}, {shm/threads:.2f}x threads); tcp {tcp}/s (E {tcp/(n*one):.2f})')"
    done
done
