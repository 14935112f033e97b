#!/usr/bin/env bash
# One measuring session behind BENCHMARKS.md: Backprop and its peers back to back on one
# machine, then interleaved rounds for the CPU targets (whose peers swing 30% from one
# minute to the next here), then the target table.
#
#   Benchmarks/campaign.sh OUT [ROUNDS]     # from the repository root, after
#                                           # swift build -c release and scripts/setup.sh
#
# Needs the peers' Python packages (Benchmarks/peers/README.md), libclblast-dev for the
# CLBlast row, and tinygrad for the OpenCL peer; a missing peer is reported and skipped.
# Takes 20–30 minutes on 2 cores. Keep the machine otherwise idle.
set -uo pipefail
out="${1:?usage: Benchmarks/campaign.sh OUT [ROUNDS]}"
rounds="${2:-3}"
bp=.build/release/backprop
peers=Benchmarks/peers
mkdir -p "$out"
export PYTHONUNBUFFERED=1
{
  echo "# start $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg) commit $(git rev-parse --short HEAD 2>/dev/null)"
  lscpu | grep -E 'Model name|^CPU\(s\)|L2|L3'
} > "$out/machine.txt"

# 1. Everything Backprop measures, tuned (the stored `backprop tune` result), then the GEMM
#    section again with an empty cache: the untuned defaults.
$bp bench --output "$out/bench" > "$out/bench.txt" 2>&1
BACKPROP_CACHE_DIR="$out/untuned-cache" $bp bench --sections gemm --device opencl \
  --output "$out/bench-untuned" > "$out/bench-untuned.txt" 2>&1
# 2. Peers: CLBlast untuned, NumPy/JAX/PyTorch on the CPU, tinygrad on OpenCL.
$peers/run.sh > "$out/clblast.txt" 2>&1
python3 $peers/run_all.py --peers numpy,jax,torch --sections throughput,time-to-accuracy \
  --modes stochastic,minibatch-256,minibatch-1024 --samples 12000 --repeats 3 --json "$out/peers-cpu.json" > "$out/peers-cpu.txt" 2>&1
DEV=CL python3 $peers/tinygrad_peer.py --sections throughput --net 784,128,10 --modes stochastic \
  --samples 4000 --repeats 3 --json "$out/tinygrad-small.json" > "$out/tinygrad.txt" 2>&1
DEV=CL python3 $peers/tinygrad_peer.py --sections throughput --net 784,1024,1024,10 --modes minibatch-256 \
  --samples 12000 --repeats 3 --json "$out/tinygrad-big.json" >> "$out/tinygrad.txt" 2>&1
# 3. Interleaved rounds: each CPU target's figure and its reference, minutes apart at most.
for r in $(seq 1 "$rounds"); do
  d="$out/rounds/$r"
  mkdir -p "$d"
  $bp bench --device cpu --sections throughput --net 784,128,10 --net 784,1024,1024,10 \
    --modes stochastic,minibatch-256,minibatch-1024 \
    --samples 12000 --repeats 3 --output "$d/bp-throughput" > "$d/bp-throughput.txt" 2>&1
  python3 $peers/jax_peer.py --sections throughput --modes stochastic,minibatch-256,minibatch-1024 --samples 12000 --repeats 3 \
    --json "$d/jax.json" > "$d/jax.txt" 2>&1
  $bp bench --device cpu --sections accuracy --output "$d/bp-accuracy" > "$d/bp-accuracy.txt" 2>&1
  python3 $peers/numpy_peer.py --sections time-to-accuracy --json "$d/numpy.json" > "$d/numpy.txt" 2>&1
done
echo "# end $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
python3 $peers/targets.py --bench "$out/bench/bench.json" --untuned "$out/bench-untuned/bench.json" \
  --peers "$out/peers-cpu.json" "$out"/tinygrad-*.json --clblast "$out/clblast.txt" \
  --rounds "$out"/rounds/* | tee "$out/targets.md"
