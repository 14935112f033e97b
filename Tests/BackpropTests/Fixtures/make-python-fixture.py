# Writes python-written.safetensors, the fixture SafeTensorsTests reads without Python.
# Run from this folder: python3 make-python-fixture.py  (pip install safetensors numpy)
import numpy as np
from safetensors.numpy import save_file

tensors = {
    "layer0.weight": (np.arange(6, dtype=np.float32).reshape(2, 3) * 0.5 - 1),
    "layer0.bias": np.array([0.25, -2.0], dtype=np.float64),
    "labels": np.array([3, -1, 7, 2147483647], dtype=np.int32),
    "step": np.array(-42, dtype=np.int64),
    "mask": np.array([0, 1, 255], dtype=np.uint8),
    "empty": np.zeros((0, 3), dtype=np.float32),
}
save_file(tensors, "python-written.safetensors", metadata={"format": "np", "note": "caf\u00e9 \"q\"\n"})
