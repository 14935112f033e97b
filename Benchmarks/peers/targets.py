#!/usr/bin/env python3
"""Sets one measuring session's figures against the speed targets (issue 5), as ratios.

Reads the JSON that `backprop bench --output DIR` writes (DIR/bench.json), optionally a second
one taken with an empty kernel cache (the untuned GEMM defaults), the peers' JSON lists
(`run_all.py --json`, `tinygrad_peer.py --json`), and CLBlast's table (`run.sh` output), and
prints a Markdown table: each target, Backprop's figure, the reference's, the ratio, and whether
the target is met. Every ratio is between figures of the files given, so give it files from one
session on one machine (BENCHMARKS.md says how they were made).

    python3 Benchmarks/peers/targets.py --bench out/bench/bench.json \\
        --untuned out/bench-untuned/bench.json --peers out/peers-cpu.json out/tinygrad-*.json \\
        --clblast out/clblast.txt

Only the standard library is needed.
"""

import argparse
import json
import re
import statistics
import sys

BIG = "784,1024,1024,10"
SMALL = "784,128,10"


def load_records(path):
    data = json.load(open(path))
    return data["records"] if isinstance(data, dict) else data


def find(records, **want):
    """The records whose fields equal `want` (mode may be a prefix: jax's stochastic variants)."""
    out = []
    for r in records:
        ok = True
        for k, v in want.items():
            got = r.get(k)
            if k == "mode_prefix":
                ok = ok and str(r.get("mode", "")).startswith(v)
            elif got != v:
                ok = False
        if ok:
            out.append(r)
    return out


def best(records, key="median", **want):
    """The highest `key` among matching records (jax's fastest stochastic variant, say), or None."""
    found = [r for r in find(records, **want) if r.get(key) is not None]
    return max(found, key=lambda r: r[key]) if found else None


def fastest_time(records, **want):
    found = [r for r in find(records, **want) if r.get("reached", True) and r.get("seconds")]
    return min(found, key=lambda r: r["seconds"]) if found else None


def shape_dims(shape):
    m, n, k = (int(x) for x in shape.split("×"))
    return m, n, k


def step_gemms(sizes, batch):
    """(shape, op) of every product in one training step of a dense net on `batch` rows, as
    Backprop runs them: forward A·Wᵀ (NT), weight gradients δᵀ·A (TN), deltas δ·W (NN; none
    into the input layer). Shapes are written m×n×k as the bench names them."""
    out = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        out.append((f"{batch}×{fan_out}×{fan_in}", "NT"))
        out.append((f"{fan_out}×{fan_in}×{batch}", "TN"))
    for fan_in, fan_out in list(zip(sizes, sizes[1:]))[1:]:
        out.append((f"{batch}×{fan_in}×{fan_out}", "NN"))
    return out


def cblas_ceiling(gemm_records, sizes, batch):
    """Samples/s if a step cost only its products at the run's cblas_sgemm rates; None when a
    shape was not measured. Square shapes (1024×1024×1024) are found under the squares."""
    seconds = 0.0
    for shape, op in step_gemms(sizes, batch):
        # The cblas_sgemm reference rows ("cblas"; "cpu" in reports before the CPU path had
        # kernels of its own for skinny products).
        r = find(gemm_records, reference=True, shape=shape, op=op)
        if not r:
            return None, f"no cblas figure for {shape} {op}"
        m, n, k = shape_dims(shape)
        seconds += 2 * m * n * k / (r[0]["median"] * 1e9)
    return batch / seconds, None


def clblast_table(path):
    """{'NN 1024³': GFLOP/s, …} from run.sh's output."""
    rates = {}
    for line in open(path):
        m = re.match(r"^(NN|NT|TN) (\S+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)", line)
        if m:
            rates[f"{m.group(1)} {m.group(2)}"] = float(m.group(3))
    return rates


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bench", required=True, help="backprop bench --output DIR's bench.json (tuned)")
    p.add_argument("--untuned", help="the same with an empty kernel cache (GEMM defaults)")
    p.add_argument("--peers", nargs="*", default=[], help="peers' JSON lists")
    p.add_argument("--clblast", help="Benchmarks/peers/run.sh output (CLBlast untuned)")
    p.add_argument("--rounds", nargs="*", default=[],
                   help="round folders from Benchmarks/campaign.sh (bp-throughput/, jax.json, bp-accuracy/, "
                        "numpy.json): the CPU targets then use the median of the per-round ratios")
    p.add_argument("--clblast-tuned", type=float, default=None,
                   help="a tuned CLBlast 1024³ NN rate (GFLOP/s), when one was measured beside the rest")
    a = p.parse_args(argv)

    bench = load_records(a.bench)
    untuned = load_records(a.untuned) if a.untuned else []
    peers = [r for f in a.peers for r in load_records(f)]
    clb = clblast_table(a.clblast) if a.clblast else {}
    gemm = find(bench, section="gemm")
    cl_label = next((r["device"] for r in bench if r["device"].startswith("opencl")), None)

    rows = []

    def add_rounds(what, pairs, ref_name, target, unit, higher_is_better=True, note=""):
        """One row from (ours, reference) pairs, one per round: the ratio is the median of
        the per-round ratios, with their range; the figures are the rounds' medians."""
        pairs = [(o, r) for o, r in pairs if o is not None and r is not None]
        if not pairs:
            return add(what, None, None, ref_name, target, unit, higher_is_better, note)
        ratios = sorted(o / r for o, r in pairs)
        ratio = statistics.median(ratios)
        ours = statistics.median(o for o, _ in pairs)
        ref = statistics.median(r for _, r in pairs)
        goal = re.search(r"[0-9.]+", target)
        met = (ratio >= float(goal.group())) if higher_is_better else (ratio <= float(goal.group()))
        rows.append((what, fmt(ours, unit), fmt(ref, unit) + f" ({ref_name})",
                     f"{ratio:.2f}× [{ratios[0]:.2f}–{ratios[-1]:.2f}], {len(pairs)} rounds", target,
                     "met" if met else "**missed**", note))

    def add(what, ours, ref, ref_name, target, unit, higher_is_better=True, note=""):
        if ours is None or ref is None:
            rows.append((what, fmt(ours, unit), fmt(ref, unit) + f" ({ref_name})", "–", target, "not measured", note))
            return
        ratio = ours / ref
        goal = re.search(r"[0-9.]+", target)
        if goal is None:  # a reference shown beside the target's, with no target of its own
            verdict = ""
        elif (ratio >= float(goal.group())) if higher_is_better else (ratio <= float(goal.group())):
            verdict = "met"
        else:
            verdict = "**missed**"
        rows.append((what, fmt(ours, unit), fmt(ref, unit) + f" ({ref_name})", f"{ratio:.2f}×", target,
                     verdict, note))

    def thr(records, device, net, mode, peer=None, prefix=False):
        want = dict(section="throughput", device=device, net=net)
        if peer:
            want["peer"] = peer
        if prefix:
            want["mode_prefix"] = mode
        else:
            want["mode"] = mode
        r = best(records, **want)
        return r["median"] if r else None

    rounds = []
    for d in a.rounds:
        r = {}
        for key, path in [("bp", "bp-throughput/bench.json"), ("jax", "jax.json"), ("bpacc", "bp-accuracy/bench.json"),
                          ("numpy", "numpy.json")]:
            try:
                r[key] = load_records(f"{d}/{path}")
            except (OSError, ValueError):
                r[key] = []
        rounds.append(r)
    if rounds:
        for mode, target in [("minibatch-1024", "≥ 1.1× JAX"), ("minibatch-256", "≥ 1.1× JAX")]:
            add_rounds(f"CPU, {BIG}, {mode}", [(thr(r["bp"], "cpu", BIG, mode), thr(r["jax"], "cpu", BIG, mode, "jax"))
                                               for r in rounds], "JAX jit", target, "samples/s")
        for net, target in [(SMALL, "≥ 2× JAX"), (BIG, "≥ 1.5× JAX")]:
            add_rounds(f"CPU, {net}, stochastic",
                       [(thr(r["bp"], "cpu", net, "stochastic"), thr(r["jax"], "cpu", net, "stochastic", "jax", prefix=True))
                        for r in rounds], "JAX, fastest variant", target, "samples/s")

        def seconds(records, **want):
            t = fastest_time(find(records, section="time-to-accuracy", mode="minibatch-64", **want))
            return t["seconds"] if t else None
        add_rounds("MNIST split to 95%, CPU, 784,256,10, minibatch-64",
                   [(seconds(r["bpacc"], device="cpu"), seconds(r["numpy"], peer="numpy")) for r in rounds],
                   "NumPy", "≤ 0.5× NumPy", "s", higher_is_better=False)

    for mode, target in [("minibatch-1024", "≥ 1.1× JAX"), ("minibatch-256", "≥ 1.1× JAX")]:
        if not rounds:
            add(f"CPU, {BIG}, {mode}", thr(bench, "cpu", BIG, mode), thr(peers, "cpu", BIG, mode, "jax"), "JAX jit",
                target, "samples/s")
        add(f"CPU, {BIG}, {mode}", thr(bench, "cpu", BIG, mode), thr(peers, "cpu", BIG, mode, "torch"), "PyTorch",
            "(for reference)", "samples/s")
    ceiling, why = cblas_ceiling(gemm, [784, 1024, 1024, 10], 1024)
    add(f"CPU, {BIG}, minibatch-1024", thr(bench, "cpu", BIG, "minibatch-1024"), ceiling,
        "cblas_sgemm ceiling", "≥ 0.85× ceiling", "samples/s", note=why or "the step's 8 products at this run's cblas rates")
    for net, target in [(SMALL, "≥ 2× JAX"), (BIG, "≥ 1.5× JAX")]:
        if rounds:
            break
        add(f"CPU, {net}, stochastic", thr(bench, "cpu", net, "stochastic"),
            thr(peers, "cpu", net, "stochastic", "jax", prefix=True), "JAX, fastest variant", target, "samples/s")
    if cl_label:
        for label, records in [("tuned", bench), ("untuned defaults", untuned)]:
            r = find(records, section="gemm", device=cl_label, shape="1024×1024×1024", op="NN")
            ours = r[0]["median"] if r else None
            if label == "tuned":
                add(f"PoCL GEMM 1024³ NN, {label}", ours, a.clblast_tuned, "CLBlast tuned", "≥ 1.1× tuned CLBlast",
                    "GFLOP/s", note="the tuned CLBlast figure was given (--clblast-tuned), not measured in this session"
                    if a.clblast_tuned else "tuned CLBlast not measured in this session")
                cb = find(records, section="gemm", reference=True, shape="1024×1024×1024", op="NN")
                add(f"PoCL GEMM 1024³ NN, {label}", ours, cb[0]["median"] if cb else None, "cblas_sgemm",
                    "(for reference)", "GFLOP/s")
            else:
                add(f"PoCL GEMM 1024³ NN, {label}", ours, clb.get("NN 1024³"), "CLBlast untuned",
                    "≥ 3× untuned CLBlast", "GFLOP/s")
        add(f"PoCL, {BIG}, minibatch-256", thr(bench, cl_label, BIG, "minibatch-256"),
            tinygrad(peers, BIG, "minibatch-256"),
            "tinygrad OpenCL", "≥ 5× tinygrad", "samples/s")
        add(f"PoCL, {SMALL}, stochastic", thr(bench, cl_label, SMALL, "stochastic"),
            tinygrad(peers, SMALL, "stochastic"), "tinygrad OpenCL", "≥ 10× tinygrad", "samples/s")
        r = best(bench, section="throughput", device=cl_label, net=SMALL, mode="stochastic")
        if r and r.get("kernels_per_update") and r.get("empty_launch_seconds"):
            floor = r["kernels_per_update"] * r["empty_launch_seconds"]
            add(f"PoCL, {SMALL}, stochastic: µs an update", 1e6 / r["median"], floor * 1e6,
                f"{r['kernels_per_update']:.0f} kernels × {r['empty_launch_seconds'] * 1e6:.1f} µs empty launch",
                "≤ 1.5× launch floor", "µs", higher_is_better=False)
    tta = None if rounds else fastest_time(find(bench, section="time-to-accuracy", device="cpu", mode="minibatch-64"))
    ref = fastest_time(find(peers, section="time-to-accuracy", peer="numpy", mode="minibatch-64"))
    if not rounds:
        add("MNIST split to 95%, CPU, 784,256,10, minibatch-64", tta["seconds"] if tta else None,
            ref["seconds"] if ref else None, "NumPy", "≤ 0.5× NumPy", "s", higher_is_better=False)

    print("| what | Backprop | reference (same session) | ratio | target | |")
    print("| --- | ---: | ---: | ---: | --- | --- |")
    for what, ours, ref, ratio, target, verdict, note in rows:
        sep = " — " if verdict and note else ""
        print(f"| {what} | {ours} | {ref} | {ratio} | {target} | {verdict}{sep}{note} |")
    return 0


def tinygrad(peers, net, mode):
    r = best(peers, section="throughput", peer="tinygrad", net=net, mode=mode)
    return r["median"] if r else None


def fmt(v, unit):
    if v is None:
        return "–"
    if unit == "samples/s":
        return f"{v:,.0f}"
    if unit == "GFLOP/s":
        return f"{v:.1f} GFLOP/s"
    if unit == "µs":
        return f"{v:.0f} µs"
    return f"{v:.2f} {unit}"


if __name__ == "__main__":
    sys.exit(main())
