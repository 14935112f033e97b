#!/usr/bin/env python3
"""PyTorch peer: the same MLP and training steps, written as a PyTorch user would (float32).

nn.Linear layers (W: out×in, as in Backprop) with ReLU, F.cross_entropy (mean over the batch),
autograd for the backward pass, torch.optim.SGD for the update. torch's momentum form
(buf = μ·buf + g; w −= lr·buf) equals Backprop's classical momentum (v = μv − lr·g; w += v) for a
constant learning rate. Intra-op threads are left at torch's default and printed. Runs on the CPU,
or on CUDA with --device cuda (auto picks CUDA when present; TF32 stays off, torch's default).
Run: python3 Benchmarks/peers/torch_peer.py [--quick] [--json FILE] (see --help).
"""

import sys
import time

import common

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:
    common.not_installed("torch", "pip install torch  (large: it brings the CUDA libraries)", e)
    sys.exit(0)


def resolve_device(name: str) -> torch.device:
    """auto → cuda when available, else cpu; gpu is an alias of cuda."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device("cuda" if name == "gpu" else name)


def sync(dev: torch.device) -> None:
    """Waits for the device's queued work (CUDA); CPU work is synchronous."""
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def build_model(params, dev) -> torch.nn.Sequential:
    """nn.Sequential of Linear(in→out) (+ ReLU between layers), weights copied from
    params [(W: out×in, b: out)] (NumPy, float32)."""
    layers = []
    for l, (w, b) in enumerate(params):
        lin = torch.nn.Linear(w.shape[1], w.shape[0], device=dev, dtype=torch.float32)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        if l < len(params) - 1:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


class Trainer:
    """One model + optimizer for a TrainerSpec; see common.py for the interface."""

    compiles = False

    def __init__(self, spec: common.TrainerSpec):
        self.spec = spec
        self.dev = resolve_device(spec.device)
        self.model = build_model(spec.params, self.dev)
        self.opt = self._optimizer()
        self.x = torch.from_numpy(spec.x).to(self.dev)   # N×in
        self.y = torch.from_numpy(spec.y).to(self.dev)   # N, int64
        self._eval_cache = {}

    def _optimizer(self):
        return torch.optim.SGD(self.model.parameters(), lr=self.spec.lr, momentum=self.spec.momentum)

    def _step(self, x, y):
        """One update from the mean cross-entropy over x: B×in, y: B."""
        self.opt.zero_grad(set_to_none=True)
        F.cross_entropy(self.model(x), y).backward()
        self.opt.step()

    def _full_batch(self, x, y):
        """One update from the mean loss over all rows of x: N×in; gradients accumulate over chunks."""
        n = len(y)
        self.opt.zero_grad(set_to_none=True)
        for s, rows in common.chunks(n, common.CHUNK_ROWS):
            loss = F.cross_entropy(self.model(x[s:s + rows]), y[s:s + rows], reduction="sum") / n
            loss.backward()
        self.opt.step()

    def run(self, order, count, deadline=None):
        """Trains over the first `count` samples (of x[order] when given); returns, after a sync,
        the samples trained on: count, or fewer when the clock passed `deadline`."""
        x, y = self.x, self.y
        if order is not None:
            idx = torch.from_numpy(order[:count]).to(self.dev)
            x, y = x[idx], y[idx]
        done = count
        if self.spec.batch is None:
            self._full_batch(x[:count], y[:count])
        else:
            b = self.spec.batch
            for s in range(0, count, b):
                if common.past(deadline, s // b):
                    done = s
                    break
                self._step(x[s:s + b], y[s:s + b])
        sync(self.dev)
        return done

    def warmup(self):
        """A few updates over every batch shape, then the initial weights and a fresh optimizer."""
        saved = {k: v.clone() for k, v in self.model.state_dict().items()}
        t0 = time.perf_counter()
        self.run(None, common.warmup_count(self.spec))
        seconds = time.perf_counter() - t0
        self.model.load_state_dict(saved)
        self.opt = self._optimizer()
        return seconds

    def accuracy(self, x, y):
        """Fraction of rows of x: N×in (NumPy) whose argmax output equals y: N."""
        key = (id(x), id(y))
        if key not in self._eval_cache:
            self._eval_cache[key] = (torch.from_numpy(x).to(self.dev), torch.from_numpy(y).to(self.dev))
        xt, yt = self._eval_cache[key]
        with torch.no_grad():
            return (self.model(xt).argmax(dim=1) == yt).float().mean().item()


def product_maker(dev):
    def make_product(a, b, op):
        """C = op(A)·op(B) with torch.mm into a preallocated C (transposes are views)."""
        at, bt = torch.from_numpy(a).to(dev), torch.from_numpy(b).to(dev)
        a_op = at.t() if op[0] == "T" else at
        b_op = bt.t() if op[1] == "T" else bt
        c = torch.empty(a_op.shape[0], b_op.shape[1], device=dev, dtype=torch.float32)
        return (lambda: torch.mm(a_op, b_op, out=c)), (lambda: sync(dev))
    return make_product


def about(dev) -> str:
    where = (f"CUDA {torch.version.cuda}, {torch.cuda.get_device_name(dev)}, TF32 "
             f"{'on' if torch.backends.cuda.matmul.allow_tf32 else 'off'}") if dev.type == "cuda" else \
        f"MKL {'yes' if torch.backends.mkl.is_available() else 'no'}, oneDNN " \
        f"{'yes' if torch.backends.mkldnn.is_available() else 'no'}"
    return f"torch {torch.__version__}, {torch.get_num_threads()} intra-op threads{'' if common.THREADS else ' (default)'}, {where}"


def main(argv=None):
    cfg = common.parse_args(argv, description=__doc__.splitlines()[0])
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    dev = resolve_device(cfg.device)
    common.run_peer("torch", dev.type, about(dev), Trainer, product_maker(dev), cfg)


if __name__ == "__main__":
    main()
