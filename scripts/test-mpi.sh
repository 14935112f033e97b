#!/usr/bin/env bash
# Data parallelism over Open MPI, as CI runs it after `swift test`: builds backprop with the
# MPI trait (into .build-mpi), then on two ranks over loopback
#   - trains as one process would, on the CPU path and on PoCL: the saved weights must match a
#     one-process run with the same flags (float32 sums in another order: 1e-5 norm-wise; Adam,
#     L-BFGS and LM, which magnify rounding, 1e-4), and every rank's weights (BACKPROP_RANK_CHECKPOINTS,
#     a testing aid) must be rank 0's bit for bit;
#   - refuses stochastic mode (exit 64 from the job);
#   - ends the job, non-zero and within seconds, when one rank fails mid-run (its device made to
#     fail by BACKPROP_FAULT_AFTER_OPERATIONS): the other rank must not wait forever.
# Needs openmpi-bin and libopenmpi-dev (scripts/setup.sh installs them) and numpy.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --traits MPI --scratch-path .build-mpi
B="$PWD/.build-mpi/debug/backprop"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OPENBLAS_NUM_THREADS=1 POCL_CPU_MAX_CU_COUNT=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=(mpirun -np 2 --oversubscribe --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo)
failures=0

compare() {  # one.safetensors ranks.safetensors tolerance label
    python3 - "$@" <<'PY'
import json, struct, sys
import numpy as np
def load(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header, data = json.loads(raw[8:8 + n]), raw[8 + n:]
    return {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], dtype=np.float32)
            for k, v in header.items() if k.startswith("layers.")}
one, ranks = load(sys.argv[1]), load(sys.argv[2])
a = np.concatenate([one[k] for k in sorted(one)]).astype(np.float64)
b = np.concatenate([ranks[k] for k in sorted(ranks)]).astype(np.float64)
error = np.linalg.norm(a - b) / max(np.linalg.norm(a), 1e-30)
ok = error <= float(sys.argv[3])
print(f"test-mpi: {sys.argv[4]}: weights differ by {error:.3g} norm-wise ({'ok' if ok else 'FAIL'}, at most {sys.argv[3]})")
sys.exit(0 if ok else 1)
PY
}

for device in cpu opencl; do
    for case in "sgd --mode minibatch --batch-size 33|1e-5" "momentum --mode batch|1e-5" "adam --mode minibatch --batch-size 20|1e-4" \
                "quickprop|1e-5" "lbfgs|1e-4" "lm --loss mse --output sigmoid|1e-4"; do
        opts="${case%%|*}"; tolerance="${case##*|}"
        flags=(train --dataset circles:500 --layers 2,16,2 --optimizer $opts --epochs 4 --validation 0 --device "$device" --quiet)
        "$B" "${flags[@]}" --save "$work/one.safetensors"
        BACKPROP_RANK_CHECKPOINTS="$work" "${mpi[@]}" -x BACKPROP_RANK_CHECKPOINTS "$B" "${flags[@]}" --save "$work/ranks.safetensors"
        compare "$work/one.safetensors" "$work/ranks.safetensors" "$tolerance" "$device, --optimizer $opts, 2 ranks vs 1 process" || failures=$((failures + 1))
        # Every rank applied the same summed update: their weights agree bit for bit.
        compare "$work/rank-0.safetensors" "$work/rank-1.safetensors" 0 "$device, --optimizer $opts, rank 1 vs rank 0" \
            || failures=$((failures + 1))
    done
done

set +e
"${mpi[@]}" "$B" train --dataset xor --mode stochastic --epochs 1 --device cpu --quiet 2>"$work/stochastic.log"
status=$?
set -e
if [ "$status" -eq 0 ] || ! grep -q "stochastic" "$work/stochastic.log"; then
    echo "test-mpi: FAIL: stochastic mode over 2 ranks was not refused (status $status)" >&2; cat "$work/stochastic.log" >&2
    failures=$((failures + 1))
else
    echo "test-mpi: stochastic mode over 2 ranks refused (status $status)"
fi

start=$(date +%s)
set +e
timeout 120 mpirun --oversubscribe --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo \
    -np 1 "$B" train --dataset circles:2000 --layers 2,64,2 --mode minibatch --epochs 200 --device opencl --quiet : \
    -np 1 -x BACKPROP_FAULT_AFTER_OPERATIONS=400 "$B" train --dataset circles:2000 --layers 2,64,2 --mode minibatch \
    --epochs 200 --device opencl --quiet >"$work/fault.log" 2>&1
status=$?
set -e
seconds=$(( $(date +%s) - start ))
if [ "$status" -eq 0 ] || [ "$status" -eq 124 ] || ! grep -q "injected" "$work/fault.log"; then
    echo "test-mpi: FAIL: a rank whose device fails did not end the job (status $status after ${seconds}s)" >&2
    cat "$work/fault.log" >&2
    failures=$((failures + 1))
else
    echo "test-mpi: a failing rank ended the job with status $status after ${seconds}s"
fi

if [ "$failures" -ne 0 ]; then echo "test-mpi: $failures failure(s)" >&2; exit 1; fi
echo "test-mpi: all passed"
