#!/usr/bin/env bash
# Two builds of backprop against each other on the CPU path's mini-batch rows, interleaved
# round by round (issue 15's row-split products were measured so): per round and binary,
# `backprop bench` of 784,1024,1024,10 at batches 256 and 1024, 784,256,256,10 at 64 and 256,
# and 784,128,10 at 32 and 512. Each round starts with a core-to-core round trip
# (Benchmarks/pingpong.c, CPUs 0 and 1): a few hundred ns means the hypervisor placed the two
# cores far apart, where OpenBLAS's own threads lose most.
#
#   Benchmarks/cpu-minibatch-ab.sh BEFORE AFTER OUT [ROUNDS]
#     BEFORE, AFTER  two backprop binaries (e.g. a release build of a worktree at the old
#                    commit, and .build/release/backprop)
#
# About 40 s a round on 2 cores. Keep the machine otherwise idle. Prints, for each row, the
# medians, the after/before ratio of each round with the round trip before and after it, and
# the median ratio over the rounds where both round trips read under 200 ns, and both over.
set -euo pipefail
before="${1:?usage: Benchmarks/cpu-minibatch-ab.sh BEFORE AFTER OUT [ROUNDS]}"
after="${2:?usage}"
out="${3:?usage}"
rounds="${4:-5}"
rm -rf "$out"; mkdir -p "$out"
cc -O2 -o "$out/pingpong" "$(dirname "$0")/pingpong.c" -lpthread
"$out/pingpong" > "$out/pingpong-0"
for r in $(seq 1 "$rounds"); do
  for who in before after; do
    bp=${!who}
    for row in "784,1024,1024,10 minibatch-256,minibatch-1024" "784,256,256,10 minibatch-64,minibatch-256" \
               "784,128,10 minibatch-32,minibatch-512"; do
      set -- $row
      "$bp" bench --device cpu --sections throughput --net "$1" --modes "$2" --samples 20000 --repeats 3 \
        --output "$out/$who-$r-$1" > "$out/$who-$r-$1.txt" 2>&1
    done
  done
  "$out/pingpong" > "$out/pingpong-$r"
done
python3 - "$out" <<'PY'
import glob, json, os, statistics as st, sys
out = sys.argv[1]
trip = lambda r: float(open(f"{out}/pingpong-{r}").read())
rows = {}
for f in glob.glob(f"{out}/*/bench.json"):
    who, r, _ = os.path.basename(os.path.dirname(f)).split("-", 2)
    for rec in json.load(open(f))["records"]:
        if rec.get("section") == "throughput":
            rows.setdefault(f'{rec["net"]} {rec["mode"]}', {}).setdefault(int(r), {})[who] = rec["median"]
print("| row | before (samples/s) | after | after/before per round (round trips ns) | median, near (< 200 ns) | median, far |")
print("|---|---:|---:|---|---:|---:|")
for key, v in rows.items():
    v = {r: x for r, x in sorted(v.items()) if "before" in x and "after" in x}
    ratios = [(x["after"] / x["before"], trip(r - 1), trip(r)) for r, x in v.items()]
    def med(sel):
        got = [q for q, a, b in ratios if sel(a) and sel(b)]
        return f"{st.median(got):.2f} ({len(got)})" if got else "—"
    b = st.median(x["before"] for x in v.values())
    a = st.median(x["after"] for x in v.values())
    per = ", ".join(f"{q:.2f} ({x:.0f}/{y:.0f})" for q, x, y in ratios)
    print(f"| {key} | {b:,.0f} | {a:,.0f} | {per} | {med(lambda t: t < 200)} | {med(lambda t: t >= 200)} |")
PY
