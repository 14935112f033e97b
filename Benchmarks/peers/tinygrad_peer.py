#!/usr/bin/env python3
"""tinygrad peer: the same MLP and training steps on tinygrad's OpenCL backend (float32).

The reference for Backprop's OpenCL path on the same device (PoCL here, a GPU's OpenCL
elsewhere). Weights W: out×in with ReLU between layers, sparse categorical cross-entropy
(mean over the batch), tinygrad's autograd and nn.optim.SGD (torch's momentum form, equal to
classical momentum for a constant rate). Each mini-batch step is captured once with TinyJit
and replayed; batches are realised on the device before the clock starts. Full batch
accumulates the gradient of the mean over chunks without the JIT.
Run: DEV=CL python3 Benchmarks/peers/tinygrad_peer.py [--quick] [--json FILE] (see --help);
DEV picks tinygrad's backend (default here: CL, the OpenCL device).
"""

import os
import sys
import time

import numpy as np

import common

os.environ.setdefault("DEV", "CL")
try:
    from tinygrad import Context, Device, Tensor, TinyJit
    from tinygrad.nn.optim import SGD
except ImportError as e:
    common.not_installed("tinygrad", "pip install tinygrad  (its OpenCL backend needs an OpenCL driver, e.g. pocl-opencl-icd)", e)
    sys.exit(0)


def sync() -> None:
    """Waits until the device has finished everything queued."""
    Device[Device.DEFAULT].synchronize()


def forward(params, x: Tensor) -> Tensor:
    """Logits of x: B×in through layers (W: out×in, b: out), ReLU between them."""
    for l, (w, b) in enumerate(params):
        x = x @ w.T + b
        if l < len(params) - 1:
            x = x.relu()
    return x


class Trainer:
    """One model + optimizer for a TrainerSpec; see common.py for the interface."""

    compiles = True

    def __init__(self, spec: common.TrainerSpec):
        self.spec = spec
        self.initial = [(w.copy(), b.copy()) for w, b in spec.params]
        self.base = (spec.x, spec.y)   # the data in its given order: epoch orders index into it
        self.x = Tensor(spec.x).realize()                      # N×in
        self.y = Tensor(spec.y.astype(np.int32)).realize()     # N
        self._batches = {}
        if spec.batch is not None:
            self._batch_list(len(spec.y))
        self._reset()

    def _reset(self):
        """Fresh parameters from the initial values, a fresh optimizer and a fresh JIT."""
        self.params = [(Tensor(w).is_param_().realize(), Tensor(b).is_param_().realize())
                       for w, b in self.initial]
        flat = [t for pair in self.params for t in pair]
        self.opt = SGD(flat, lr=self.spec.lr, momentum=self.spec.momentum)

        @TinyJit
        def step(x: Tensor, y: Tensor):
            with Context(TRAINING=1):
                self.opt.zero_grad()
                loss = forward(self.params, x).sparse_categorical_crossentropy(y)
                loss.backward()
                self.opt.step()

        self.step = step

    def _batch_list(self, count: int):
        """The first `count` samples as device tensors, one pair per (full) batch, and the final
        partial batch apart (the JIT replays one shape). Copied from host memory once, before
        any clock starts: slicing on the device would compile a copy kernel per offset."""
        b = self.spec.batch
        if self._batches.get("b") is None:
            xs, ys = self.spec.x, self.spec.y.astype(np.int32)
            self._batches["b"] = [(Tensor(xs[s:s + b]).realize(), Tensor(ys[s:s + b]).realize())
                                  for s in range(0, len(ys), b)]
        pairs = self._batches["b"][:(count + b - 1) // b]
        if count % b:
            return pairs[:-1], pairs[-1]
        return pairs, None

    def _full_batch(self, count: int):
        """One update from the mean loss over the first `count` rows, accumulated over chunks."""
        with Context(TRAINING=1):
            self.opt.zero_grad()
            for s, rows in common.chunks(count, common.CHUNK_ROWS):
                loss = forward(self.params, self.x[s:s + rows]).sparse_categorical_crossentropy(
                    self.y[s:s + rows], reduction="sum") / count
                loss.backward()
            self.opt.step()

    def run(self, order, count, deadline=None):
        """Trains over the first `count` samples (of x[order] when given); returns, after a sync,
        the samples trained on: count, or fewer when the clock passed `deadline`."""
        if order is not None:
            # A new epoch order: the batches are copied again from host memory.
            self.spec.x, self.spec.y = self.base[0][order], self.base[1][order]
            self.x, self.y = Tensor(self.spec.x).realize(), Tensor(self.spec.y.astype(np.int32)).realize()
            self._batches = {}
            if self.spec.batch is not None:
                self._batch_list(len(self.spec.y))
        done = count
        if self.spec.batch is None:
            self._full_batch(count)
        else:
            full, tail = self._batch_list(count)
            for i, (xb, yb) in enumerate(full):
                if common.past(deadline, i):
                    done = i * self.spec.batch
                    break
                self.step(xb, yb)
            else:
                if tail is not None:
                    with Context(TRAINING=1):
                        self.opt.zero_grad()
                        forward(self.params, tail[0]).sparse_categorical_crossentropy(tail[1]).backward()
                        self.opt.step()
        sync()
        return done

    def warmup(self):
        """A few updates (the JIT captures its kernels), then the initial weights and optimizer."""
        t0 = time.perf_counter()
        self.run(None, common.warmup_count(self.spec))
        seconds = time.perf_counter() - t0
        self._reset()
        return seconds

    def accuracy(self, x, y):
        """Fraction of rows of x: N×in (NumPy) whose argmax output equals y: N."""
        pred = forward(self.params, Tensor(x)).argmax(axis=1).numpy()
        return float((pred == y).mean())


def make_product(a, b, op):
    """C = op(A)·op(B) on the device, realised into a new buffer each call."""
    at, bt = Tensor(a).realize(), Tensor(b).realize()
    a_op = at.T if op[0] == "T" else at
    b_op = bt.T if op[1] == "T" else bt
    return (lambda: (a_op @ b_op).realize()), sync


def main(argv=None):
    cfg = common.parse_args(argv, description=__doc__.splitlines()[0])
    about = f"tinygrad, backend {Device.DEFAULT}"
    common.run_peer("tinygrad", f"opencl ({Device.DEFAULT})", about, Trainer, make_product, cfg)


if __name__ == "__main__":
    main()
