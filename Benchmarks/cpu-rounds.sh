#!/usr/bin/env bash
# The CPU path against its peers at their strongest (issue 15), in interleaved rounds: each
# round runs `backprop bench` and `backprop train` on the five configurations, JAX (one jitted
# call a step, 100 steps a call, the whole pass in one lax.scan), the same JAX pinned to one
# core for the batch-of-one rows, and FANN's incremental training, minutes apart at most; then
# Benchmarks/peers/cpu_rounds.py prints the table of median ratios.
#
#   Benchmarks/cpu-rounds.sh OUT [ROUNDS]    # after swift build -c release; pip install jax;
#                                            # apt-get install libfann-dev
#
# About 4 minutes a round on 2 cores. Keep the machine otherwise idle.
set -uo pipefail
out="${1:?usage: Benchmarks/cpu-rounds.sh OUT [ROUNDS]}"
rounds="${2:-3}"
bp=.build/release/backprop
peers=Benchmarks/peers
samples=20000
mkdir -p "$out"
export PYTHONUNBUFFERED=1
{
  echo "# start $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg) commit $(git rev-parse --short HEAD 2>/dev/null)"
  lscpu | grep -E 'Model name|^CPU\(s\)|L2|L3'
  echo "OPENBLAS_CORETYPE: ${OPENBLAS_CORETYPE:-unset}"
  echo "flags: $(grep -m1 -o -w -E 'avx512[a-z_0-9]*|avx2|fma|amx[a-z_0-9]*' /proc/cpuinfo | sort -u | tr '\n' ' ')"

} > "$out/machine.txt"
cc -O2 -o "$out/fann_throughput" $peers/fann_throughput.c -lfloatfann -lm || echo "# no FANN (libfann-dev)" >> "$out/machine.txt"
# A core-to-core round trip before each bench process: where the two cores sat (55-85 ns near,
# 300+ ns far on the Zen 4 guest of BENCHMARKS.md), beside every two-thread figure.
cc -O2 -o "$out/pingpong" Benchmarks/pingpong.c -lpthread

small=784,128,10
big=784,1024,1024,10
for r in $(seq 1 "$rounds"); do
  d="$out/round$r"
  mkdir -p "$d"
  echo "# round $r $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  "$out/pingpong" > "$d/pingpong-bench-small.txt"
  $bp bench --device cpu --sections throughput --net $small --modes stochastic,minibatch-32 --samples $samples \
    --repeats 3 --output "$d/bench-small" > "$d/bench-small.txt" 2>&1
  "$out/pingpong" > "$d/pingpong-bench-big.txt"
  $bp bench --device cpu --sections throughput --net $big --modes stochastic,minibatch-256,minibatch-1024 \
    --samples $samples --repeats 3 --output "$d/bench-big" > "$d/bench-big.txt" 2>&1
  if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
    # The environment chose OpenBLAS's kernels; the same rows with OpenBLAS choosing for itself.
    env -u OPENBLAS_CORETYPE $bp bench --device cpu --sections throughput --net $small --modes stochastic,minibatch-32 \
      --samples $samples --repeats 3 --output "$d/bench-small-own" > "$d/bench-small-own.txt" 2>&1
    env -u OPENBLAS_CORETYPE $bp bench --device cpu --sections throughput --net $big \
      --modes stochastic,minibatch-256,minibatch-1024 --samples $samples --repeats 3 \
      --output "$d/bench-big-own" > "$d/bench-big-own.txt" 2>&1
  fi
  for row in "$small stochastic" "$small minibatch 32" "$big stochastic" "$big minibatch 256" "$big minibatch 1024"; do
    set -- $row
    name="$1-$2${3:+-$3}"
    $bp train --dataset mnist-like:$samples --layers "$1" --mode "$2" ${3:+--batch-size $3} --optimizer sgd --lr 0.01 \
      --epochs 2 --validation 0 --device cpu --json > "$d/train-$name.json" 2> "$d/train-$name.err"
  done
  python3 $peers/jax_peer.py --sections throughput --net $small --net $big --samples $samples --repeats 3 \
    --modes stochastic,minibatch-32,minibatch-256,minibatch-1024 --json "$d/jax.json" > "$d/jax.txt" 2>&1
  python3 $peers/jax_peer.py --pin --sections throughput --net $small --net $big --samples $samples --repeats 3 \
    --modes stochastic --json "$d/jax-pinned.json" > "$d/jax-pinned.txt" 2>&1
  if [ -x "$out/fann_throughput" ]; then
    { "$out/fann_throughput" $small 10000 3; "$out/fann_throughput" $big 1000 3; } > "$d/fann.jsonl" 2>&1
  fi
done
echo "# end $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
python3 $peers/cpu_rounds.py "$out" | tee "$out/table.md"
