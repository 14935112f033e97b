#!/usr/bin/env python3
"""JAX peer: the same MLP and training steps as jit-compiled JAX functions (float32).

Parameters are a list of (W: out×in, b: out) per layer; the loss is the mean softmax
cross-entropy, its gradient comes from jax.grad, and one jitted call does forward, backward and
the SGD (or classical momentum) update. The data set lives on the device; each call slices its
batch with lax.dynamic_slice, so a step costs one dispatch. Stochastic mode is measured twice:
one jitted call per sample, 100 samples per call (lax.fori_loop) as the row
"stochastic (100 steps/call)", and the whole pass in one lax.scan as "stochastic (epoch/call)".
With --pin the process runs on one core (its first allowed CPU; XLA then splits no step across
cores, which for batch-of-one steps is faster): its records are peer "jax-pinned". Matmul precision is set to "highest" (full float32: this matters on
GPUs, where the default would use TF32). Compilation is timed apart ("compile s").
Run: python3 Benchmarks/peers/jax_peer.py [--quick] [--json FILE] (see --help).
"""

import os
import sys
import time
from functools import partial

import common

try:
    import jax
    import jax.numpy as jnp
    from jax import lax
except ImportError as e:
    common.not_installed("jax", "pip install jax  (CPU; for NVIDIA GPUs: pip install \"jax[cuda12]\")", e)
    sys.exit(0)

import numpy as np

jax.config.update("jax_default_matmul_precision", "highest")

STEPS_PER_CALL = 100
EPOCH_PER_CALL = 0   # steps_per_call for the whole pass in one lax.scan


def logits(params, x):
    """x: B×in → Z_L: B×out. Hidden layers: Z = A·Wᵀ + b, A = relu(Z)."""
    for l, (w, b) in enumerate(params):
        x = jnp.dot(x, w.T) + b
        if l < len(params) - 1:
            x = jax.nn.relu(x)
    return x


def loss_sum(params, x, y):
    """Σ over the B rows of x: B×in of −log softmax(Z_L)[y]; y: B int labels."""
    logp = jax.nn.log_softmax(logits(params, x))
    return -jnp.sum(jnp.take_along_axis(logp, y[:, None], axis=1))


def update(params, vel, grads, lr, mu):
    """SGD w −= lr·g (mu = 0, vel None) or classical momentum v = μv − lr·g, w += v."""
    if mu == 0:
        return jax.tree.map(lambda p, g: p - lr * g, params, grads), vel
    vel = jax.tree.map(lambda v, g: mu * v - lr * g, vel, grads)
    return jax.tree.map(lambda p, v: p + v, params, vel), vel


@partial(jax.jit, static_argnames=("rows", "lr", "mu"))
def step(params, vel, x_all, y_all, start, rows, lr, mu):
    """One update from the mean loss over rows [start, start+rows) of x_all: N×in, y_all: N."""
    x = lax.dynamic_slice_in_dim(x_all, start, rows)
    y = lax.dynamic_slice_in_dim(y_all, start, rows)
    grads = jax.grad(loss_sum)(params, x, y)
    grads = jax.tree.map(lambda g: g / rows, grads)
    return update(params, vel, grads, lr, mu)


@partial(jax.jit, static_argnames=("steps", "lr", "mu"))
def stochastic_steps(params, vel, x_all, y_all, start, steps, lr, mu):
    """`steps` batch-1 updates on samples start, start+1, … in one compiled call (fori_loop)."""
    def body(j, carry):
        p, v = carry
        x = lax.dynamic_slice_in_dim(x_all, start + j, 1)
        y = lax.dynamic_slice_in_dim(y_all, start + j, 1)
        return update(p, v, jax.grad(loss_sum)(p, x, y), lr, mu)
    return lax.fori_loop(0, steps, body, (params, vel))


@partial(jax.jit, static_argnames=("lr", "mu"))
def stochastic_scan(params, vel, x, y, lr, mu):
    """One batch-1 update per row of x: N×in (y: N), the whole pass in one compiled call
    (lax.scan over the rows): no dispatch at all between steps."""
    def body(carry, xy):
        p, v = carry
        xi, yi = xy
        return update(p, v, jax.grad(loss_sum)(p, xi[None, :], yi[None]), lr, mu), None
    (p, v), _ = lax.scan(body, (params, vel), (x, y))
    return p, v


@partial(jax.jit, static_argnames=("rows",))
def accumulate(params, acc, x_all, y_all, start, rows, n):
    """acc + ∇(Σ loss over rows [start, start+rows)) / n: one chunk of a full-batch gradient."""
    x = lax.dynamic_slice_in_dim(x_all, start, rows)
    y = lax.dynamic_slice_in_dim(y_all, start, rows)
    grads = jax.grad(loss_sum)(params, x, y)
    return jax.tree.map(lambda a, g: a + g / n, acc, grads)


apply_update = jax.jit(update, static_argnames=("lr", "mu"))


@jax.jit
def gather(x, y, order):
    """x[order], y[order]: the epoch's shuffled copy (x: N×in, y: N, order: N)."""
    return x[order], y[order]


@jax.jit
def correct(params, x, y):
    """Number of rows of x: N×in whose argmax output equals y: N."""
    return jnp.sum(jnp.argmax(logits(params, x), axis=1) == y)


def resolve_device(name: str):
    """auto → JAX's default device; cpu; gpu/cuda → the first GPU."""
    if name == "auto":
        return jax.devices()[0]
    return jax.devices("gpu" if name in ("gpu", "cuda") else name)[0]


class Trainer:
    """Parameters (a pytree on the device) for one TrainerSpec; see common.py for the interface."""

    compiles = True

    def __init__(self, spec: common.TrainerSpec):
        self.spec = spec
        self.dev = resolve_device(spec.device)
        self.initial = jax.device_put([(w, b) for w, b in spec.params], self.dev)
        self._reset()
        self.x = jax.device_put(spec.x, self.dev)     # N×in
        self.y = jax.device_put(spec.y.astype(np.int32), self.dev)  # N (int32: JAX's default int)
        self._eval_cache = {}

    def _reset(self):
        self.params = self.initial
        self.vel = jax.tree.map(jnp.zeros_like, self.initial) if self.spec.momentum else None

    def run(self, order, count, deadline=None):
        """Trains over the first `count` samples (of x[order] when given); returns, once the device
        is done, the samples trained on: count, or fewer when the clock passed `deadline`."""
        x, y = self.x, self.y
        if order is not None:
            x, y = gather(x, y, jax.device_put(order.astype(np.int32), self.dev))
        lr, mu, b, k = self.spec.lr, self.spec.momentum, self.spec.batch, self.spec.steps_per_call
        p, v = self.params, self.vel
        done = count
        if b is None:
            acc = jax.tree.map(jnp.zeros_like, p)
            for s, rows in common.chunks(count, common.CHUNK_ROWS):
                acc = accumulate(p, acc, x, y, s, rows, float(count))
            p, v = apply_update(p, v, acc, lr, mu)
        elif k == EPOCH_PER_CALL:  # batch 1, the whole pass in one call
            p, v = stochastic_scan(p, v, x if count == x.shape[0] else x[:count],
                                   y if count == y.shape[0] else y[:count], lr, mu)
        else:
            s = 0
            while k > 1 and s + k <= count:  # batch 1, k samples per call
                if common.past(deadline, s // k):
                    done = s
                    break
                p, v = stochastic_steps(p, v, x, y, s, k, lr, mu)
                s += k
            while done == count and s < count:
                if common.past(deadline, s // b):
                    done = s
                    break
                p, v = step(p, v, x, y, s, min(b, count - s), lr, mu)
                s += b
        self.params, self.vel = jax.block_until_ready((p, v))
        return done

    def warmup(self):
        """Compiles every shape (first calls, a few updates), then restores the initial state."""
        t0 = time.perf_counter()
        self.run(None, common.warmup_count(self.spec))
        n = len(self.spec.y)
        if self.spec.batch is not None:  # the time-to-accuracy epochs shuffle on the device
            jax.block_until_ready(gather(self.x, self.y, jnp.arange(n, dtype=jnp.int32)))
        seconds = time.perf_counter() - t0
        self._reset()
        return seconds

    def accuracy(self, x, y):
        """Fraction of rows of x: N×in (NumPy) whose argmax output equals y: N."""
        key = (id(x), id(y))
        if key not in self._eval_cache:
            self._eval_cache[key] = jax.device_put((x, y.astype(np.int32)), self.dev)
        xd, yd = self._eval_cache[key]
        return int(correct(self.params, xd, yd)) / len(y)


def product_maker(dev):
    def make_product(a, b, op):
        """C = op(A)·op(B) with jnp.dot under jit; sync blocks on the last result."""
        ad, bd = jax.device_put((a, b), dev)
        f = jax.jit(lambda a, b: jnp.dot(a.T if op[0] == "T" else a, b.T if op[1] == "T" else b))
        last = [None]

        def product():
            last[0] = f(ad, bd)
        return product, (lambda: last[0].block_until_ready())
    return make_product


def about(dev) -> str:
    return (f"jax {jax.__version__}, backend {jax.default_backend()}, device {dev.device_kind}, "
            f"matmul precision highest, XLA CPU thread pool "
            f"{'off' if 'multi_thread_eigen=false' in os.environ.get('XLA_FLAGS', '') else 'on (all cores)'}")


def pin_to_one_core() -> int:
    """Restricts every thread of this process (and those started later) to its first allowed CPU."""
    cpu = min(os.sched_getaffinity(0))
    for tid in os.listdir("/proc/self/task"):
        try:
            os.sched_setaffinity(int(tid), {cpu})
        except OSError:
            pass
    return cpu


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    pinned = "--pin" in argv
    if pinned:
        argv.remove("--pin")
        cpu = pin_to_one_core()
    cfg = common.parse_args(argv, description=__doc__.splitlines()[0])
    dev = resolve_device(cfg.device)
    common.run_peer("jax-pinned" if pinned else "jax", dev.platform,
                    about(dev) + (f", pinned to CPU {cpu}" if pinned else ""), Trainer, product_maker(dev), cfg,
                    extra_modes=[(f"stochastic ({STEPS_PER_CALL} steps/call)", 1, STEPS_PER_CALL),
                                 ("stochastic (epoch/call)", 1, EPOCH_PER_CALL)])


if __name__ == "__main__":
    main()
