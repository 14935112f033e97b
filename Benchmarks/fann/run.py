#!/usr/bin/env python3
"""FANN's classic benchmark table: Backprop's algorithms and live FANN on FANN's nine data sets.

  python3 Benchmarks/fann/run.py [--backprop PATH] [--data DIR] [--out DIR] [--quick] [--sets a,b]

For every set in ../shared/data/fann (FANN's train and test files): FANN's setup (sigmoid hidden
and output units, squared error, FANN's hidden sizes from the data README), trained by Backprop
with incremental training (stochastic, file order, lr 0.7, momentum 0.4, as FANN's incremental),
batch gradient descent (lr 0.7, as FANN's batch), iRPROP− (Δ0 0.1), Quickprop (FANN's
defaults), Levenberg–Marquardt, L-BFGS and Adam (its defaults: mini-batches of 32, lr 0.001),
each set's test file held out (--validation-data) and measured after every epoch; and by FANN
itself (Debian's libfann-dev, Benchmarks/peers/fann_peer.c, built here with cc) with
incremental (momentum 0.4), batch, iRPROP− and Quickprop, the same epoch budgets, in the same
run, interleaved set by set. Reported per run: the lowest test MSE by FANN's definition (the mean
over samples and outputs of (t − o)², not halved: 2·Backprop's mse loss / outputs), the epoch and
training seconds at which it was reached, and training seconds per epoch (test passes not
counted, on either side). Both sides run on one thread (OPENBLAS_NUM_THREADS=1; FANN has one).

Writes OUT/fann.json (every run) and OUT/fann.md (the tables), and prints the tables.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# FANN's hidden sizes and its published best test MSE per algorithm (the data README).
SETS = {
    "building": ("16", {"incremental": 0.005772, "batch": 0.006799, "rprop": 0.006306, "quickprop": 0.007466}),
    "diabetes": ("4", {"incremental": 0.1908, "batch": 0.1616, "rprop": 0.1634, "quickprop": 0.1674}),
    "gene": ("4+2", {"incremental": 0.07344, "batch": 0.07372, "rprop": 0.07537, "quickprop": 0.08416}),
    "mushroom": ("32", {"incremental": 3.549e-09, "batch": 0.0004148, "rprop": 4.63e-17, "quickprop": 0.002107}),
    "parity8": ("16", {"incremental": 0.02958, "batch": 0.25, "rprop": 9.309e-17, "quickprop": 0.25}),
    "robot": ("96", {"incremental": 0.005826, "batch": 0.007581, "rprop": 0.009034, "quickprop": 0.007903}),
    "soybean": ("16+8", {"incremental": 0.00872, "batch": 0.007411, "rprop": 0.04382, "quickprop": 0.01212}),
    "thyroid": ("16+8", {"incremental": 0.014, "batch": 0.04535, "rprop": 0.0109, "quickprop": 0.04427}),
    "two-spiral": ("20+10", {"incremental": 0.2025, "batch": 0.2458, "rprop": 0.2036, "quickprop": 0.2468}),
}

# Backprop's algorithms: the options after the common ones, and the epoch budget.
OURS = {
    # FANN's incremental training: one sample at a time in the file's order, lr 0.7, momentum 0.4.
    "incremental": (["--optimizer", "momentum", "--momentum", "0.4", "--lr", "0.7", "--mode", "stochastic", "--no-shuffle"], 2000),
    "batch": (["--optimizer", "sgd", "--lr", "0.7", "--mode", "batch"], 2000),
    "rprop": (["--optimizer", "rprop", "--lr", "0.1", "--mode", "batch"], 2000),
    "quickprop": (["--optimizer", "quickprop"], 2000),
    "lm": (["--optimizer", "lm"], None),  # by the size of its system: see lm_epochs
    "lbfgs": (["--optimizer", "lbfgs"], 1000),
    "adam": (["--optimizer", "adam"], 500),
}
FANN_ALGORITHMS = {"incremental": 2000, "batch": 2000, "rprop": 2000, "quickprop": 2000}


def header(path):
    with open(path) as f:
        return [int(v) for v in f.readline().split()]


def parameters(sizes):
    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))


def lm_epochs(p):
    # Each epoch accumulates JᵀJ (P² per residual) and factors P×P (P³/3) at least once.
    return 200 if p < 1000 else 50 if p < 3000 else 15


def backprop_run(binary, data, name, algorithm, sizes, options, epochs, folder):
    history = os.path.join(folder, f"{name}-{algorithm}.jsonl")
    train = f"fann:{os.path.join(data, name)}.train?task=regression"
    test = f"fann:{os.path.join(data, name)}.test?task=regression"
    command = [binary, "train", "--dataset", train, "--validation-data", test, "--layers", ",".join(map(str, sizes)),
               "--activation", "sigmoid", "--output", "sigmoid", "--loss", "mse", "--epochs", str(epochs),
               "--history", history, "--device", "cpu", "--quiet", "--json"] + options
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"status {result.returncode}"}
    rows = [json.loads(line) for line in open(history)]
    k = sizes[-1]
    mse = [2 * r["validation_loss"] / k for r in rows]
    best = min(range(len(mse)), key=lambda i: mse[i])
    seconds = [r["seconds"] for r in rows]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return {"best_test_mse": mse[best], "best_epoch": rows[best]["epoch"], "seconds_to_best": sum(seconds[:best + 1]),
            "final_test_mse": mse[-1], "epochs": len(rows), "seconds_per_epoch": sum(seconds) / len(seconds),
            "stop_reason": summary.get("stop_reason"), "test_mse_by_epoch": mse}


def epochs_to(run, target):
    """The first epoch whose test MSE is at or below `target`, or None."""
    for i, value in enumerate(run.get("test_mse_by_epoch", [])):
        if value <= target:
            return i + 1
    return None


def fann_run(peer, data, name, hidden, algorithm, epochs):
    train, test = os.path.join(data, name + ".train"), os.path.join(data, name + ".test")
    result = subprocess.run([peer, train, test, hidden, algorithm, str(epochs)], capture_output=True, text=True)
    if result.returncode != 0:
        return {"error": result.stderr.strip()}
    return json.loads(result.stdout)


def g(x):
    return "—" if x is None else f"{x:.4g}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backprop", default=os.path.join(ROOT, ".build/release/backprop"))
    parser.add_argument("--data", default=os.path.join(ROOT, "../shared/data/fann"))
    parser.add_argument("--out", default=None)
    parser.add_argument("--quick", action="store_true", help="a tenth of every epoch budget")
    parser.add_argument("--sets", default=",".join(SETS))
    args = parser.parse_args()
    if not os.path.exists(args.backprop):
        sys.exit(f"run.py: no {args.backprop}; build it (swift build -c release) or pass --backprop")
    folder = tempfile.mkdtemp(prefix="backprop-fann-")
    peer = os.path.join(folder, "fann_peer")
    build = subprocess.run(["cc", "-O2", "-o", peer, os.path.join(ROOT, "Benchmarks/peers/fann_peer.c"), "-lfloatfann", "-lm"],
                           capture_output=True, text=True)
    if build.returncode != 0:
        sys.exit("run.py: cannot build the FANN peer (apt-get install libfann-dev):\n" + build.stderr)
    scale = 0.1 if args.quick else 1.0
    cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read())
    flags = set(re.search(r"flags\s*:\s*(.*)", open("/proc/cpuinfo").read()).group(1).split())
    machine = {"cpu": cpu.group(1) if cpu else "?", "flags": sorted(f for f in flags if f.startswith(("avx", "fma", "sse4")))}
    results = {"machine": machine, "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "sets": {}}
    for name in args.sets.split(","):
        hidden, published = SETS[name]
        _, inputs, outputs = header(os.path.join(args.data, name + ".train"))
        sizes = [inputs] + [int(h) for h in hidden.split("+")] + [outputs]
        p = parameters(sizes)
        entry = {"sizes": sizes, "parameters": p, "published": published, "ours": {}, "fann": {}}
        for algorithm, (options, epochs) in OURS.items():
            budget = max(1, int((epochs or lm_epochs(p)) * scale))
            entry["ours"][algorithm] = backprop_run(args.backprop, args.data, name, algorithm, sizes, options, budget, folder)
            entry["ours"][algorithm]["budget"] = budget
            if algorithm in FANN_ALGORITHMS:
                entry["fann"][algorithm] = fann_run(peer, args.data, name, hidden, algorithm, budget)
        results["sets"][name] = entry
        print(f"{name}: done", file=sys.stderr, flush=True)

    lines = [f"Machine: {machine['cpu']} ({', '.join(machine['flags'])}); one thread each; {results['started']}.", "",
             "Lowest test MSE (FANN's definition), epoch reached in brackets:", "",
             "| set | FANN published best | live FANN best | incremental | batch | iRPROP− | Quickprop | LM | L-BFGS | Adam | ours best ≤ published? |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, e in results["sets"].items():
        pub_alg = min(e["published"], key=e["published"].get)
        live = {a: r for a, r in e["fann"].items() if "best_test_mse" in r}
        live_alg = min(live, key=lambda a: live[a]["best_test_mse"]) if live else None
        cells = []
        for a in OURS:
            r = e["ours"][a]
            cells.append(f"{g(r['best_test_mse'])} ({r['best_epoch']})" if "best_test_mse" in r else "error")
        ours_best = min((r["best_test_mse"] for r in e["ours"].values() if "best_test_mse" in r), default=None)
        met = ours_best is not None and ours_best <= e["published"][pub_alg]
        lines.append(f"| {name} | {g(e['published'][pub_alg])} ({pub_alg}) | "
                     + (f"{g(live[live_alg]['best_test_mse'])} ({live_alg}, {live[live_alg]['best_epoch']})" if live_alg else "—")
                     + " | " + " | ".join(cells) + f" | {'yes' if met else 'no'} |")
    lines += ["", "Training seconds per epoch, live FANN ÷ Backprop (above 1: Backprop faster); LM's seconds per epoch; the epochs LM takes to reach iRPROP−'s lowest test MSE:", "",
              "| set | P | incremental | batch | iRPROP− | Quickprop | LM s/epoch | iRPROP−: best at epoch | LM: epochs to that MSE | ratio |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for name, e in results["sets"].items():
        ratios = []
        for a in ("incremental", "batch", "rprop", "quickprop"):
            f, o = e["fann"].get(a, {}), e["ours"].get(a, {})
            ratios.append(f"{f['seconds_per_epoch'] / o['seconds_per_epoch']:.2f}×" if "seconds_per_epoch" in f and "seconds_per_epoch" in o else "—")
        lm, rp = e["ours"]["lm"], e["ours"]["rprop"]
        reached = epochs_to(lm, rp["best_test_mse"]) if "best_test_mse" in rp else None
        ratio = f"{rp['best_epoch'] / reached:.1f}×" if reached else "not reached"
        lines.append(f"| {name} | {e['parameters']} | " + " | ".join(ratios)
                     + f" | {g(lm.get('seconds_per_epoch'))} | {rp.get('best_epoch', '—')} | {reached or '—'} | {ratio} |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "fann.json"), "w") as f:
            json.dump(results, f, indent=1)
        with open(os.path.join(args.out, "fann.md"), "w") as f:
            f.write(table + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
