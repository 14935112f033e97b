#!/usr/bin/env bash
# Two builds of backprop against each other on the OpenCL device's stochastic rows, in
# interleaved rounds (issue 15's fused OpenCL step was measured so): per round and binary,
# `backprop bench` of 784,128,10 and 784,1024,1024,10 in stochastic mode (plain SGD; the
# bench's line on the launch floor gives µs an update) and `backprop train` with the default
# optimizer (Adam), whose JSON gives samples_per_second.
#
#   Benchmarks/opencl-stochastic-rounds.sh BEFORE AFTER OUT [ROUNDS] [DEVICE]
#     BEFORE, AFTER  two backprop binaries (e.g. a release build of a worktree at the old
#                    commit, and .build/release/backprop)
#     DEVICE         as `--device` takes it (default opencl)
#
# About 45 s a round and binary on 2 cores. Keep the machine otherwise idle.
set -uo pipefail
before="${1:?usage: Benchmarks/opencl-stochastic-rounds.sh BEFORE AFTER OUT [ROUNDS] [DEVICE]}"
after="${2:?usage}"
out="${3:?usage}"
rounds="${4:-3}"
device="${5:-opencl}"
mkdir -p "$out"
for r in $(seq 1 "$rounds"); do
  for name in before after; do
    if [ "$name" = before ]; then b="$before"; else b="$after"; fi
    "$b" bench --device "$device" --sections throughput --net 784,128,10 --net 784,1024,1024,10 --modes stochastic \
      --samples 20000 --repeats 3 > "$out/bench-$name-$r.txt" 2>&1
    for net in 784,128,10:20000 784,1024,1024,10:3000; do
      layers=${net%%:*}
      "$b" train --dataset "mnist-like:${net##*:}" --layers "$layers" --mode stochastic --epochs 1 --validation 0 \
        --device "$device" --json > "$out/train-$name-$r-$layers.json" 2>/dev/null
    done
  done
done
for f in "$out"/bench-*.txt; do echo "$(basename "$f"): $(grep 'that floor' "$f" | sed 's/.*stochastic: //' | tr '\n' ' ')"; done
for f in "$out"/train-*.json; do
  echo "$(basename "$f"): $(python3 -c "import json, sys; print(round(json.load(open(sys.argv[1]))['samples_per_second']))" "$f") samples/s"
done
