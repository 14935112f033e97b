#!/usr/bin/env bash
# Before/after throughput of two backprop binaries, interleaved round by round on one machine:
# 784,128,10 stochastic and 784,1024,1024,10 minibatch-256, on the CPU path and PoCL (opencl:0).
#   git worktree add ../before <commit> && (cd ../before && swift build -c release --product backprop)
#   swift build -c release --product backprop
#   Benchmarks/ab.sh ../before/.build/release/backprop .build/release/backprop OUT [ROUNDS]
# Prints each figure's median over the rounds and the after/before ratio of each round.
set -euo pipefail
before=$1 after=$2 out=$3 rounds=${4:-5}
rm -rf "$out"; mkdir -p "$out"
export BACKPROP_CACHE_DIR="$out/cache"   # one kernel cache, no stored tuning: both run the defaults
options() {  # binaries before the one-spelling change took --nets 784-128-10 and bare batch sizes
  if "$1" help bench 2>&1 | grep -q -- '--net '; then echo "--net $2 --modes $3"
  else echo "--nets ${2//,/-} --modes ${3#minibatch-}"; fi
}
for r in $(seq 1 "$rounds"); do
  for who in before after; do
    bp=${!who}
    $bp bench --device cpu --device opencl:0 --sections throughput $(options "$bp" 784,128,10 stochastic) \
      --samples 12000 --repeats 5 --output "$out/$who-small-$r" > "$out/$who-small-$r.txt" 2>&1
    $bp bench --device cpu --device opencl:0 --sections throughput $(options "$bp" 784,1024,1024,10 minibatch-256) \
      --samples 4096 --repeats 5 --output "$out/$who-big-$r" > "$out/$who-big-$r.txt" 2>&1
  done
done
python3 - "$out" <<'PY'
import glob, json, statistics as st, sys
rows = {}
for f in glob.glob(f"{sys.argv[1]}/*/bench.json"):
    who, size, r = f.split("/")[-2].split("-")
    for rec in json.load(open(f))["records"]:
        dev = "cpu" if rec["device"] == "cpu" else "pocl"
        rows.setdefault((size, dev), {}).setdefault(int(r), {})[who] = rec["median"]
names = {"small": "784,128,10 stochastic", "big": "784,1024,1024,10 minibatch-256"}
print("| figure | device | before (samples/s) | after | after/before per round | median ratio |")
print("|---|---|---:|---:|---|---:|")
for (size, dev), v in sorted(rows.items(), key=lambda kv: (kv[0][0] != "small", kv[0][1])):
    ratios = [v[r]["after"] / v[r]["before"] for r in sorted(v)]
    b, a = st.median(x["before"] for x in v.values()), st.median(x["after"] for x in v.values())
    print(f"| {names[size]} | {dev} | {b:,.0f} | {a:,.0f} | {', '.join(f'{x:.2f}' for x in ratios)} | {st.median(ratios):.2f} |")
PY
