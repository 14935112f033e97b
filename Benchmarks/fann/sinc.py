#!/usr/bin/env python3
"""sinc(10x) with a 1-20-1 tanh network: Levenberg–Marquardt, L-BFGS, Adam and iRPROP−,
epochs and seconds to MSE 1e-5 (or the MSE each reached), as torch-levenberg-marquardt's example.

  python3 Benchmarks/fann/sinc.py [--backprop PATH] [--points N] [--device cpu|opencl]

sinc(10x) = sin(10x)/(10x) on N points (default 20,000) evenly spaced in [−1, 1]; every
algorithm from the same seeded initial weights (Glorot for tanh), full batch but Adam (batches
of 1,000, lr 0.001 and 0.01), stopped at MSE 1e-5 (--target-loss 5e-6: the loss is ½·MSE for
one output) or at its epoch budget (LM 200, L-BFGS 2,000, Adam and iRPROP− 10,000). Prints a
Markdown table: epochs and seconds to MSE ≤ 1e-5, else the MSE at the end; and the MSE after
100 epochs.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNS = [
    ("Levenberg–Marquardt", ["--optimizer", "lm"], 200),
    ("L-BFGS", ["--optimizer", "lbfgs"], 2000),
    ("Adam lr 0.001, batches of 1000", ["--optimizer", "adam", "--batch-size", "1000"], 10000),
    ("Adam lr 0.01, batches of 1000", ["--optimizer", "adam", "--lr", "0.01", "--batch-size", "1000"], 10000),
    ("iRPROP−", ["--optimizer", "rprop", "--mode", "batch", "--lr", "0.1"], 10000),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backprop", default=os.path.join(ROOT, ".build/release/backprop"))
    parser.add_argument("--points", type=int, default=20000)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="backprop-sinc-")
    data = os.path.join(folder, "sinc.csv")
    with open(data, "w") as f:
        f.write("x,y\n")
        for i in range(args.points):
            x = -1 + 2 * i / (args.points - 1)
            f.write(f"{x!r},{(math.sin(10 * x) / (10 * x)) if x != 0 else 1.0!r}\n")
    print(f"sinc(10x), {args.points} points, 1-20-1 tanh, device {args.device}\n")
    print("| algorithm | epochs to MSE ≤ 1e-5 | seconds | MSE at the end | MSE after 100 epochs |")
    print("|---|---|---|---|---|")
    for name, options, budget in RUNS:
        history = os.path.join(folder, "history.jsonl")
        command = [args.backprop, "train", "--dataset", f"csv:{data}?target=y", "--layers", "1,20,1", "--activation", "tanh",
                   "--validation", "0", "--epochs", str(budget), "--target-loss", "5e-6", "--device", args.device,
                   "--history", history, "--quiet", "--json"] + options
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            print(f"| {name} | error: {result.stderr.strip()} | | | |")
            continue
        summary = json.loads(result.stdout.strip().splitlines()[-1])
        rows = [json.loads(line) for line in open(history)]
        mse_end = summary["train_mse"]
        at100 = 2 * rows[99]["loss"] if len(rows) >= 100 else None  # the epoch-100 pass's mean loss, ½·MSE
        reached = summary["stop_reason"] == "target loss reached"
        print(f"| {name} | {summary['epochs'] if reached else f'not within {budget}'} | {summary['seconds']:.3g} | "
              f"{mse_end:.3g} | {'reached earlier' if at100 is None else f'{at100:.3g}'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
