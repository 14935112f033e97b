#!/usr/bin/env python3
"""Backprop's L-BFGS beside torch.optim.LBFGS(line_search_fn="strong_wolfe"), step by step.

  python3 scripts/lbfgs-vs-torch.py [--backprop PATH] [--steps N]

Needs torch, safetensors and numpy (a CPU wheel of torch is enough) and a built backprop
(default .build/release/backprop, else .build/debug/backprop). Not run by CI (no torch there).

A 1-8-1 tanh network with PyTorch's initial weights, on 64 points of sinc(10x), trained
full-batch by both: PyTorch with LBFGS(lr=1, history_size=10, max_iter=1,
line_search_fn="strong_wolfe"), one iteration per step(), on the loss Backprop minimises for
mse (half the squared error, averaged over the samples); Backprop with `train --init` from the
same weights, `--optimizer lbfgs`, one iteration per epoch. Prints the loss at the start of each
iteration from both (Backprop's from --history) and their largest relative difference.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from safetensors.torch import save_file


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backprop")
    parser.add_argument("--steps", type=int, default=12)
    args = parser.parse_args()
    binary = args.backprop or next((os.path.abspath(p) for p in (".build/release/backprop", ".build/debug/backprop")
                                    if os.path.exists(p)), None)
    if binary is None:
        sys.exit("lbfgs-vs-torch: build backprop first (swift build -c release) or pass --backprop PATH")
    folder = tempfile.mkdtemp(prefix="backprop-lbfgs-")
    x = np.linspace(-1, 1, 64, dtype=np.float32)
    y = np.sinc(10 * x / np.pi).astype(np.float32)
    with open(os.path.join(folder, "sinc.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["x", "y"])
        w.writerows([[repr(float(a)), repr(float(b))] for a, b in zip(x, y)])

    torch.manual_seed(3)
    net = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    save_file(net.state_dict(), os.path.join(folder, "start.safetensors"))
    xt, yt = torch.from_numpy(x)[:, None], torch.from_numpy(y)[:, None]
    opt = torch.optim.LBFGS(net.parameters(), lr=1, history_size=10, max_iter=1, line_search_fn="strong_wolfe")
    torch_losses = []

    def closure():
        opt.zero_grad()
        loss = 0.5 * ((net(xt) - yt) ** 2).mean()
        loss.backward()
        return loss

    for _ in range(args.steps):
        torch_losses.append(float(opt.step(closure).detach()))

    history = os.path.join(folder, "history.csv")
    result = subprocess.run([binary, "train", "--dataset", "csv:" + os.path.join(folder, "sinc.csv") + "?target=y",
                             "--init", os.path.join(folder, "start.safetensors"), "--activation", "tanh", "--loss", "mse",
                             "--optimizer", "lbfgs", "--epochs", str(args.steps), "--validation", "0",
                             "--history", history, "--quiet", "--device", "cpu"], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"lbfgs-vs-torch: backprop failed ({result.returncode}):\n{result.stderr}")
    with open(history, newline="") as f:
        ours = [float(row["loss"]) for row in csv.DictReader(f)]
    print(f"torch {torch.__version__}; loss at the start of each iteration")
    print(f"{'iteration':>9} {'torch':>14} {'backprop':>14} {'relative':>10}")
    worst = 0.0
    for i, (a, b) in enumerate(zip(torch_losses, ours), 1):
        rel = abs(a - b) / max(abs(a), 1e-30)
        worst = max(worst, rel)
        print(f"{i:>9} {a:>14.8g} {b:>14.8g} {rel:>10.2e}")
    if len(ours) < len(torch_losses):
        print(f"backprop stopped after {len(ours)} iterations (converged)")
    print(f"largest relative difference: {worst:.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
