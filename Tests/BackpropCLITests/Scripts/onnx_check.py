#!/usr/bin/env python3
"""Runs exported ONNX models in onnxruntime and compares them with `backprop predict`.

Usage: onnx_check.py MODEL.onnx INPUTS.csv EXPECTED.csv [MODEL.onnx INPUTS.csv EXPECTED.csv ...]

INPUTS.csv holds feature rows (no header); EXPECTED.csv is `predict --format csv` output
(a header, then sample, then the outputs, or sample,class,p0,p1,...). Each model is first
checked by onnx.checker (full_check: shapes inferred), then run on every input row at once.
Prints one JSON line per model: its largest absolute and relative differences. Exit status
1 when any difference exceeds 1e-5 relative to max(1, |expected|), 2 on a broken model.
"""
import csv
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort

TOLERANCE = 1e-5


def expected_outputs(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    # The probabilities (p0, p1, ...) of a classifier, or the outputs (output0, ...).
    columns = [i for i, name in enumerate(header) if name.startswith("p") or name.startswith("output")]
    return np.array([[float(r[i]) for i in columns] for r in body], dtype=np.float64)


def main(args):
    if len(args) == 0 or len(args) % 3 != 0:
        print(__doc__, file=sys.stderr)
        return 2
    worst = 0.0
    for model_path, inputs_path, expected_path in zip(args[0::3], args[1::3], args[2::3]):
        model = onnx.load(model_path)
        onnx.checker.check_model(model, full_check=True)
        session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
        x = np.loadtxt(inputs_path, delimiter=",", dtype=np.float32, ndmin=2)
        (y,) = session.run(["output"], {"input": x})
        y = y.astype(np.float64)
        want = expected_outputs(expected_path)
        if want.shape[1] == 2 and y.shape[1] == 1:
            y = np.concatenate([1 - y, y], axis=1)  # predict writes [1 - p, p] for one sigmoid output
        if y.shape != want.shape:
            print(json.dumps({"model": model_path, "error": f"shape {y.shape}, expected {want.shape}"}))
            return 2
        absolute = np.abs(y - want)
        relative = absolute / np.maximum(1.0, np.abs(want))
        worst = max(worst, float(relative.max()))
        print(json.dumps({"model": model_path, "samples": int(x.shape[0]), "opset": model.opset_import[0].version,
                          "max_abs": float(absolute.max()), "max_rel": float(relative.max())}))
    return 1 if worst > TOLERANCE else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
