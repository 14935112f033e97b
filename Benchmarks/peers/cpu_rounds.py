#!/usr/bin/env python3
"""The table of Benchmarks/cpu-rounds.sh: for each configuration, Backprop's CPU figures (the
bench's, and what `backprop train` reports) and their ratios to JAX (one jitted call a step;
100 steps a call; the whole pass in one lax.scan) and to FANN, each ratio taken within a round,
then the median over the rounds (with the rounds' values). For batch-of-one rows, JAX counts at
its best of unpinned and pinned to one core. Only the standard library is needed.

    python3 Benchmarks/peers/cpu_rounds.py OUT
"""
import glob
import json
import os
import statistics
import sys

ROWS = [("784,128,10", "stochastic"), ("784,128,10", "minibatch-32"), ("784,1024,1024,10", "stochastic"),
        ("784,1024,1024,10", "minibatch-256"), ("784,1024,1024,10", "minibatch-1024")]
JAX = {"jit": "", "100/call": " (100 steps/call)", "epoch/call": " (epoch/call)"}


def records(path):
    try:
        data = json.load(open(path))
    except (OSError, ValueError):
        return []
    return data["records"] if isinstance(data, dict) else data


def figure(recs, peer, net, mode):
    for r in recs:
        if r.get("peer") == peer and r.get("net") == net and r.get("mode") == mode and r.get("section") == "throughput":
            return r
    return None


def main(out):
    rounds = sorted(glob.glob(os.path.join(out, "round*")), key=lambda p: int(p.rsplit("round", 1)[1]))
    table = {row: {} for row in ROWS}
    for d in rounds:
        bench = records(os.path.join(d, "bench-small", "bench.json")) + records(os.path.join(d, "bench-big", "bench.json"))
        # With OPENBLAS_CORETYPE set by the environment: the same rows with OpenBLAS choosing.
        own = records(os.path.join(d, "bench-small-own", "bench.json")) + records(os.path.join(d, "bench-big-own", "bench.json"))
        jax = records(os.path.join(d, "jax.json")) + records(os.path.join(d, "jax-pinned.json"))
        fann = []
        try:
            fann = [json.loads(line) for line in open(os.path.join(d, "fann.jsonl")) if line.startswith("{")]
        except OSError:
            pass
        for net, mode in ROWS:
            cell = table[(net, mode)]
            b = figure(bench, "backprop", net, mode)
            if not b:
                continue
            cell.setdefault("bench", []).append(b["median"])
            o = figure(own, "backprop", net, mode)
            if o:
                cell.setdefault("bench, OpenBLAS's choice", []).append(o["median"])
            if b.get("barrier_seconds"):
                cell.setdefault("barrier", []).append(b["barrier_seconds"] * 1e9)
            try:  # rounds taken before cpu-rounds.sh measured it have none
                size = "small" if net == ROWS[0][0] else "big"
                trip = float(open(os.path.join(d, f"pingpong-bench-{size}.txt")).read())
                cell.setdefault("round trip", []).append(trip)
            except (OSError, ValueError):
                pass
            tj = os.path.join(d, f"train-{net}-{mode}.json")  # as cpu-rounds.sh names them
            train = None
            try:
                train = json.load(open(tj))["samples_per_second"]
                cell.setdefault("train", []).append(train)
            except (OSError, ValueError, KeyError):
                pass
            for key, suffix in JAX.items():
                if mode != "stochastic" and key != "jit":
                    continue
                label = mode + suffix
                peers = [r["median"] for p in ("jax", "jax-pinned") if (r := figure(jax, p, net, label))]
                if peers:
                    best = max(peers)
                    cell.setdefault(f"jax {key}", []).append(best)
                    cell.setdefault(f"÷ jax {key}", []).append(b["median"] / best)
                    if o and key == "jit":
                        cell.setdefault("own ÷ jax jit", []).append(o["median"] / best)
                    if train:
                        cell.setdefault(f"train ÷ jax {key}", []).append(train / best)
            f = figure(fann, "fann", net, mode)
            if f:
                cell.setdefault("fann", []).append(f["median"])
                cell.setdefault("÷ fann", []).append(b["median"] / f["median"])
    cols = ["bench", "train", "barrier", "round trip", "bench, OpenBLAS's choice", "jax jit", "÷ jax jit", "train ÷ jax jit",
            "own ÷ jax jit", "jax 100/call", "÷ jax 100/call",
            "jax epoch/call", "÷ jax epoch/call", "train ÷ jax epoch/call", "fann", "÷ fann"]
    print(f"{len(rounds)} rounds; figures in samples/s (median over rounds), ratios: median [each round]; "
          "barrier: ns, right after the bench figure; round trip: ns, a cache line between CPUs 0 and 1 "
          "right before the bench process (Benchmarks/pingpong.c)\n")
    print("| config | " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for (net, mode), cell in table.items():
        def fmt(k):
            v = cell.get(k)
            if not v:
                return "–"
            m = statistics.median(v)
            if k.startswith("÷") or "÷" in k:
                return f"{m:.2f}× [{', '.join(f'{x:.2f}' for x in v)}]"
            if k in ("barrier", "round trip"):
                return f"{m:.0f} [{', '.join(f'{x:.0f}' for x in v)}]"
            return f"{m:,.0f}"
        print(f"| {net} {mode} | " + " | ".join(fmt(k) for k in cols) + " |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
