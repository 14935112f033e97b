#!/usr/bin/env python3
"""NumPy peer: the MLP training step written out by hand over NumPy's BLAS (float32, CPU).

The forward/backward pair follows Backprop's data flow (see common.py):
  forward   Z = A_prev · Wᵀ + b (GEMM NT), A = relu(Z); output P = softmax(Z_L)
  delta     dZ_L = (P − T) · scale, scale = 1/B (1/N for a full-batch chunk)
  backward  dW = dZᵀ · A_prev (GEMM TN), db = Σ_rows dZ, dA_prev = dZ · W (GEMM NN),
            dZ_prev = dA_prev ⊙ [A_prev > 0]
  update    SGD w −= lr·g, or momentum v = μv − lr·g, w += v
Run: python3 Benchmarks/peers/numpy_peer.py [--quick] [--json FILE] (see --help).
"""

import os
import sys
import time

import common

try:
    import numpy as np
except ImportError as e:  # pragma: no cover - numpy is a dependency of common.py as well
    common.not_installed("numpy", "pip install numpy", e)
    sys.exit(0)


def forward(params, x):
    """x: B×in. Returns [x, A_1, …, A_{L-1}, P]: A_l: B×sizes[l] (ReLU), P: B×out (softmax)."""
    acts, a = [x], x
    last = len(params) - 1
    for l, (w, b) in enumerate(params):       # w: out×in, b: out
        z = a @ w.T                           # B×out (GEMM NT)
        z += b
        if l < last:
            np.maximum(z, 0, out=z)
        else:
            z -= z.max(axis=1, keepdims=True)  # softmax, in place
            np.exp(z, out=z)
            z /= z.sum(axis=1, keepdims=True)
        acts.append(z)
        a = z
    return acts


def logits(params, x):
    """x: B×in → Z_L: B×out, the pre-softmax outputs (argmax of Z_L = argmax of P)."""
    a = x
    for l, (w, b) in enumerate(params):
        a = a @ w.T + b
        if l < len(params) - 1:
            np.maximum(a, 0, out=a)
    return a


def backward(params, acts, y, scale, grads=None):
    """acts: forward(params, x) (P is overwritten); y: B labels; scale: 1/B or 1/N.
    Returns grads [(dW: out×in, db: out)] per layer, or adds into `grads` when given."""
    dz = acts[-1]                              # B×out: P → dZ_L = (P − T)·scale
    dz[np.arange(len(y)), y] -= 1
    dz *= scale
    out = [None] * len(params)
    for l in reversed(range(len(params))):
        a_prev, w = acts[l], params[l][0]      # a_prev: B×in, w: out×in
        dw = dz.T @ a_prev                     # out×in (GEMM TN)
        db = dz.sum(axis=0)                    # out
        if grads is None:
            out[l] = (dw, db)
        else:
            np.add(grads[l][0], dw, out=grads[l][0])
            np.add(grads[l][1], db, out=grads[l][1])
        if l > 0:
            da = dz @ w                        # B×in (GEMM NN)
            np.multiply(da, a_prev > 0, out=da)  # ReLU′(Z_prev) as [A_prev > 0]
            dz = da
    return out if grads is None else grads


class Trainer:
    """Holds parameters (and momentum velocities) for one TrainerSpec; see common.py."""

    compiles = False

    def __init__(self, spec: common.TrainerSpec):
        self.spec = spec
        self.params = [(w.copy(), b.copy()) for w, b in spec.params]
        self.velocity = [(np.zeros_like(w), np.zeros_like(b)) for w, b in spec.params] if spec.momentum else None

    def _update(self, grads):
        """Applies grads [(dW, db)] in place: SGD or classical momentum."""
        lr, mu = self.spec.lr, self.spec.momentum
        for i, (g_w, g_b) in enumerate(grads):
            for p, g, j in ((self.params[i][0], g_w, 0), (self.params[i][1], g_b, 1)):
                g *= lr
                if self.velocity is None:
                    p -= g
                else:
                    v = self.velocity[i][j]
                    v *= mu
                    v -= g
                    p += v

    def _step(self, x, y):
        """One update from the mean loss over x: B×in, y: B."""
        self._update(backward(self.params, forward(self.params, x), y, 1.0 / len(y)))

    def _full_batch(self, x, y):
        """One update from the mean loss over all rows of x: N×in, in chunks of CHUNK_ROWS."""
        n = len(y)
        grads = [(np.zeros_like(w), np.zeros_like(b)) for w, b in self.params]
        for s, rows in common.chunks(n, common.CHUNK_ROWS):
            backward(self.params, forward(self.params, x[s:s + rows]), y[s:s + rows], 1.0 / n, grads)
        self._update(grads)

    def run(self, order, count, deadline=None):
        """Trains over the first `count` samples (of x[order] when an order is given); returns the
        samples trained on: count, or fewer when the clock passed `deadline` (time.perf_counter)."""
        x, y = self.spec.x, self.spec.y
        if order is not None:
            x, y = x[order[:count]], y[order[:count]]
        if self.spec.batch is None:
            self._full_batch(x[:count], y[:count])
        else:
            b = self.spec.batch
            for s in range(0, count, b):
                if common.past(deadline, s // b):
                    return s
                self._step(x[s:s + b], y[s:s + b])
        return count

    def warmup(self):
        """Runs a few updates (every batch shape), then restores the initial state; returns seconds."""
        saved = [(w.copy(), b.copy()) for w, b in self.params]
        t0 = time.perf_counter()
        self.run(None, common.warmup_count(self.spec))
        seconds = time.perf_counter() - t0
        self.params = saved
        if self.velocity is not None:
            for v_w, v_b in self.velocity:
                v_w.fill(0)
                v_b.fill(0)
        return seconds

    def accuracy(self, x, y):
        """Fraction of rows of x: N×in whose argmax output equals y: N."""
        return float(np.mean(np.argmax(logits(self.params, x), axis=1) == y))


def make_product(a, b, op):
    """C = op(A)·op(B) into a preallocated C (NumPy hands transposed views to BLAS as flags)."""
    a_op = a.T if op[0] == "T" else a
    b_op = b.T if op[1] == "T" else b
    c = np.empty((a_op.shape[0], b_op.shape[1]), dtype=np.float32)
    return (lambda: np.matmul(a_op, b_op, out=c)), (lambda: None)


def about() -> str:
    blas = "BLAS unknown"
    try:
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{info.get('name')} {info.get('version')}"
    except Exception:
        pass
    threads = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or "default (one per core)"
    return f"numpy {np.__version__}, {blas}, BLAS threads {threads}"


def main(argv=None):
    cfg = common.parse_args(argv, description=__doc__.splitlines()[0])
    common.run_peer("numpy", "cpu", about(), Trainer, make_product, cfg)


if __name__ == "__main__":
    main()
