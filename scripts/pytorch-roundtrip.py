#!/usr/bin/env python3
"""PyTorch -> Backprop -> PyTorch and ONNX: the round trip a PyTorch user makes, with the
largest differences at each step.

  python3 scripts/pytorch-roundtrip.py [--backprop PATH] [--keep DIR]

Needs torch, safetensors, numpy, onnx and onnxruntime (pip; a CPU wheel of torch is enough) and
a built backprop (default: .build/release/backprop, else .build/debug/backprop). Not run by CI:
the ONNX half is tested there by the Swift tests, and CI has no torch.

1. A 4-16-3 tanh net built and trained in PyTorch on three Gaussian blobs, saved with
   save_file(model.state_dict()) as nn.Sequential names its tensors (0.weight, 2.weight).
2. backprop predict on those plain weights (--activation tanh) against PyTorch's softmax.
3. backprop train --init from them, 20 more epochs, --save; the checkpoint read back into
   nn.Linear layers with load_file, and its predictions compared with backprop predict.
4. backprop export --onnx of the trained checkpoint, run in onnxruntime, against PyTorch and
   against backprop predict.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnxruntime as ort
import torch
from safetensors.torch import load_file, save_file


def backprop_binary(given):
    if given:
        return given
    for candidate in (".build/release/backprop", ".build/debug/backprop"):
        if os.path.exists(candidate):
            return os.path.abspath(candidate)
    sys.exit("pytorch-roundtrip: build backprop first (swift build -c release) or pass --backprop PATH")


def run(binary, *args):
    result = subprocess.run([binary, *args], capture_output=True, text=True, env={**os.environ, "BACKPROP_DEVICE": "cpu"})
    if result.returncode != 0:
        sys.exit(f"pytorch-roundtrip: backprop {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def predict(binary, model, rows_csv, *extra):
    out = run(binary, "predict", "--model", model, "--input", rows_csv, "--format", "jsonl", *extra)
    return np.array([json.loads(line)["probabilities"] for line in out.splitlines()], dtype=np.float64)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backprop")
    parser.add_argument("--keep", help="write the files here instead of a temporary folder")
    args = parser.parse_args()
    binary = backprop_binary(args.backprop)
    folder = args.keep or tempfile.mkdtemp(prefix="backprop-roundtrip-")
    os.makedirs(folder, exist_ok=True)
    path = lambda name: os.path.join(folder, name)

    # Three blobs in four dimensions, as a CSV with a label column, and the feature rows alone.
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 2, size=(3, 4))
    labels = np.repeat(np.arange(3), 100)
    x = (centres[labels] + rng.normal(0, 1, size=(300, 4))).astype(np.float32)
    with open(path("blobs.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["a", "b", "c", "d", "label"])
        w.writerows([[*map(repr, map(float, row)), int(c)] for row, c in zip(x, labels)])
    np.savetxt(path("rows.csv"), x, delimiter=",", fmt="%.9g")

    # 1. Trained in PyTorch.
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    xt, yt = torch.from_numpy(x), torch.from_numpy(labels)
    for _ in range(50):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(xt), yt).backward()
        opt.step()
    save_file(net.state_dict(), path("torch.safetensors"))
    with torch.no_grad():
        torch_probs = torch.softmax(net(xt), dim=1).double().numpy()

    # 2. The plain weights in backprop predict.
    bp_plain = predict(binary, path("torch.safetensors"), path("rows.csv"), "--activation", "tanh")
    report = {"1 torch -> backprop predict (plain weights)": float(np.abs(bp_plain - torch_probs).max())}

    # 3. Trained on from them, saved, read back in PyTorch.
    run(binary, "train", "--dataset", "csv:" + path("blobs.csv"), "--init", path("torch.safetensors"),
        "--activation", "tanh", "--epochs", "20", "--split", "random", "--save", path("tuned.safetensors"), "--quiet")
    t = load_file(path("tuned.safetensors"))
    back = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))
    back.load_state_dict({f"{2 * i}.{p}": t[f"layers.{i}.{p}"] for i in range(2) for p in ("weight", "bias")})
    xn = xt
    if "normalization.offset" in t:
        xn = (xt - t["normalization.offset"]) * t["normalization.scale"]
    with torch.no_grad():
        torch_tuned = torch.softmax(back(xn), dim=1).double().numpy()
    bp_tuned = predict(binary, path("tuned.safetensors"), path("rows.csv"))
    report["2 backprop checkpoint -> torch nn.Linear"] = float(np.abs(torch_tuned - bp_tuned).max())

    # 4. Exported as ONNX, run in onnxruntime.
    run(binary, "export", "--model", path("tuned.safetensors"), "--onnx", path("tuned.onnx"), "--quiet")
    session = ort.InferenceSession(path("tuned.onnx"), providers=["CPUExecutionProvider"])
    (onnx_probs,) = session.run(["output"], {"input": x})
    onnx_probs = onnx_probs.astype(np.float64)
    report["3 onnxruntime vs backprop predict"] = float(np.abs(onnx_probs - bp_tuned).max())
    report["4 onnxruntime vs torch"] = float(np.abs(onnx_probs - torch_tuned).max())
    accuracy = float((bp_tuned.argmax(1) == labels).mean())

    print(f"files in {folder}; torch {torch.__version__}, onnxruntime {ort.__version__}; accuracy after backprop's epochs {accuracy:.4f}")
    for step, diff in report.items():
        print(f"  {step:45s} largest |difference| {diff:.3g}")
    return 0 if max(report.values()) <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
