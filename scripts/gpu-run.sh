#!/usr/bin/env bash
# Every GPU measurement in one command, for a GPU host without Swift (the `device` tool's
# machine): the packed binary of scripts/package-gpu.sh, results into one folder, about
# 10 minutes in all (each step has its own time limit, so a hang costs only that step).
#
#   scripts/package-gpu.sh                       # here: dist/backprop-gpu
#   scripts/gpu-run.sh dist/backprop-gpu OUT     # on the GPU host, from the repository root
#
# OUT receives: devices.txt/.json; check-tiled.txt/.json and check-direct.txt/.json (the
# device's proof, both GEMM families); tune.txt/.json (the tiled search, stored for the
# benches after it); bench/ (GEMM rates to 4096³ and training throughput of 784-128-10
# stochastic and 784-1024-1024-10 mini-batch 1024; bench.json, bench.csv, charts);
# peak.txt (the device's fp32 peak and the formula); torch.json when PyTorch with CUDA is
# there; steps.txt (each step's exit status and seconds).
# The device is BACKPROP_GPU (default opencl:gpu). FMA lanes per compute unit, which OpenCL
# does not report, are GPU_FMA_LANES (default 128, the FP32 lanes of an NVIDIA SM on Hopper
# (H100, H200), Ada and GA10x; V100 and A100 have 64; set it for other GPUs).
set -uo pipefail
pack=${1:?usage: scripts/gpu-run.sh PACKED_DIR OUT}
out=${2:?usage: scripts/gpu-run.sh PACKED_DIR OUT}
run="$pack/run.sh"
dev=${BACKPROP_GPU:-opencl:gpu}
mkdir -p "$out"
export BACKPROP_CACHE_DIR="$out/cache"   # tuning and kernel binaries of this run only
: > "$out/steps.txt"

step() {  # step NAME LIMIT_SECONDS COMMAND...: stdout to NAME.json when it ends in --json
    local name=$1 limit=$2; shift 2
    local start=$SECONDS status
    if [ "${*: -1}" = "--json" ]; then
        timeout "$limit" "$@" > "$out/$name.json" 2> "$out/$name.txt"; status=$?
    else
        timeout "$limit" "$@" > "$out/$name.txt" 2>&1; status=$?
    fi
    echo "$name: exit $status, $(( SECONDS - start )) s (limit $limit s)" | tee -a "$out/steps.txt"
}

step devices 60 "$run" devices --compile --json
step check-tiled 120 "$run" check --device "$dev" --gemm-family tiled --json
step check-direct 120 "$run" check --device "$dev" --gemm-family direct --json
step tune 180 "$run" tune --device "$dev" --json
step bench 240 "$run" bench --device "$dev" --sections gemm,throughput --gemm-sizes 1024,2048,4096 \
    --gemm-batches 1024 --net 784,128,10 --net 784,1024,1024,10 --modes stochastic,minibatch-1024 \
    --repeats 3 --output "$out/bench"

# fp32 peak = compute units × clock (MHz) × FMA lanes per unit × 2 FLOP per FMA, from the
# first GPU that `devices` lists ("type gpu, 132 compute units at 1980 MHz, …").
lanes=${GPU_FMA_LANES:-128}
line=$("$run" devices 2>/dev/null | grep -m1 "type gpu")
cu=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) compute units.*/\1/p')
mhz=$(echo "$line" | sed -n 's/.* at \([0-9][0-9]*\) MHz.*/\1/p')
if [ -n "$cu" ] && [ -n "$mhz" ]; then
    echo "fp32 peak = $cu compute units × $mhz MHz × $lanes FMA lanes × 2 = $(( cu * mhz * lanes * 2 / 1000 )) GFLOP/s" > "$out/peak.txt"
else
    echo "fp32 peak: no GPU line in backprop devices (${line:-none})" > "$out/peak.txt"
fi
cat "$out/peak.txt"

if command -v python3 >/dev/null && python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    step torch 150 python3 Benchmarks/peers/torch_peer.py --device cuda --sections throughput,gemm \
        --net 784,128,10 --net 784,1024,1024,10 --modes stochastic,minibatch-1024 --repeats 3 --json "$out/torch.json"
else
    echo "torch: not run (no PyTorch with CUDA on this host)" | tee -a "$out/steps.txt"
fi
