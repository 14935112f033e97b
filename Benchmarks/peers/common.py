"""Shared pieces of the peer benchmarks: arguments, data, initialisation, timing, drivers, tables.

The peers (numpy_peer.py, torch_peer.py, jax_peer.py) are our own reference implementations of
the networks and training steps that `backprop bench` measures, written to Backprop's definitions:

- A dense layer holds W (out × in) and b (out): Z = A_prev · Wᵀ + b, ReLU on hidden layers,
  softmax + cross-entropy (averaged over the batch) on the output, float32 throughout.
- Weights start He-uniform, U(−l, l) with l = √(6 / in); biases start at zero.
- Modes: stochastic (batch 1, one update per sample), mini-batch B (the last, partial batch
  included), full batch (the gradient of the mean over all samples, accumulated over chunks of
  4096 rows, then one update).
- SGD: w −= lr · g; classical momentum: v = μ v − lr · g, w += v.

Each peer supplies a `Trainer(spec: TrainerSpec)` class with `warmup() -> seconds`,
`run(order, count) -> samples` (synchronised before it returns) and `accuracy(x, y) -> fraction`,
and a `make_product(a, b, op) -> (product, sync)` for the GEMM section; the drivers below do the
rest (`run_peer`), so that every peer is warmed up, timed, repeated and reported the same way.
"""

import argparse
import dataclasses
import gzip
import json
import math
import os
import platform
import statistics
import struct
import sys
import time
from pathlib import Path


def _apply_thread_limit(argv) -> int | None:
    """--threads N has to reach BLAS/OpenMP/XLA before they start their thread pools, so it is read
    from the command line when this module is imported (each peer imports common first)."""
    n = None
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            n = argv[i + 1]
        elif arg.startswith("--threads="):
            n = arg.split("=", 1)[1]
    if n is None or not n.isdigit() or int(n) < 1:
        return None
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = n
    if n == "1":  # XLA's CPU thread pool: one switch, on or off
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false").strip()
    return int(n)


THREADS = _apply_thread_limit(sys.argv)

import numpy as np  # noqa: E402 (after the thread limit)

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]  # Benchmarks/peers/ → repository root
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data" / "mnist"

# --- The workloads ---------------------------------------------------------------------------

THROUGHPUT_NETS = [(784, 128, 10), (784, 1024, 1024, 10)]
# (mode label, batch size; None = full batch)
# Labels as `backprop bench` prints them, so the tables line up.
THROUGHPUT_MODES = [("stochastic", 1), ("minibatch-32", 32), ("minibatch-256", 256),
                    ("minibatch-1024", 1024), ("batch", None)]
# Samples timed per repeat in stochastic mode (a subset: batch 1 is slow), per net.
STOCHASTIC_SUBSET = {(784, 128, 10): 10_000, (784, 1024, 1024, 10): 2_000}
STOCHASTIC_SUBSET_QUICK = {(784, 128, 10): 500, (784, 1024, 1024, 10): 100}
THROUGHPUT_LR = 0.01          # plain SGD, no momentum
CHUNK_ROWS = 4096             # full batch: rows per chunk (Backprop's TrainingOptions.chunkRows)
WARMUP_BATCHES = 3            # mini-batch warm-up: this many batches (+ the remainder shape)
WARMUP_SAMPLES_STOCHASTIC = 20

GEMM_SQUARES = [256, 512, 1024, 2048]
GEMM_SQUARES_QUICK = [256, 512, 1024]
GEMM_NET = (784, 1024, 1024, 10)   # the net whose step shapes are measured
GEMM_BATCHES = [256, 1024]
GEMM_BATCHES_QUICK = [256]
GEMM_TARGET_SECONDS = 0.2          # each repeat runs the product enough times to last about this
GEMM_TARGET_SECONDS_QUICK = 0.05

TTA_NET = (784, 256, 10)
TTA_TARGET = 0.95
TTA_TRAIN, TTA_HELD_OUT = 8_000, 2_000
# (mode label, batch (None = full), learning rate, momentum, max epochs, max seconds; the time
# cap is checked every 32 updates, so an epoch may stop part way: its epochs figure is fractional)
TTA_MODES = [
    ("minibatch-64", 64, 0.05, 0.9, 20, 60.0),
    ("minibatch-256", 256, 0.05, 0.9, 20, 60.0),
    ("stochastic", 1, 0.01, 0.0, 20, 60.0),
    # Full batch makes one update per epoch, so 20 epochs cannot reach 95%: it runs until the
    # target or 60 s. lr 0.5 with momentum 0.9 is the rate we found to make steady progress.
    ("batch", None, 0.5, 0.9, 100_000, 60.0),
]
TTA_MAX_SECONDS_QUICK = 6.0
SEED = 42


@dataclasses.dataclass
class Config:
    quick: bool
    repeats: int
    samples: int
    data_dir: Path
    json_path: str | None
    sections: list[str]
    nets: list[tuple[int, ...]]
    modes: list[str] | None
    device: str
    threads: int | None


@dataclasses.dataclass
class TrainerSpec:
    """What a peer's `make_trainer` gets. x: N×in float32, y: N int64 labels (NumPy arrays)."""
    sizes: tuple[int, ...]
    params: list[tuple[np.ndarray, np.ndarray]]  # per layer: W (out×in), b (out), float32
    x: np.ndarray
    y: np.ndarray
    batch: int | None          # 1 = stochastic, None = full batch
    lr: float
    momentum: float            # 0 = plain SGD
    steps_per_call: int = 1    # jax only: updates per compiled call (stochastic; 0: the whole pass)
    device: str = "auto"


# --- Arguments ------------------------------------------------------------------------------

def parse_args(argv=None, description="") -> Config:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true",
                   help="2 repeats, 4,096 samples, fewer GEMM shapes, time-to-accuracy capped at 6 s a mode")
    p.add_argument("--repeats", type=int, default=None, help="timed repeats per figure (default 5, quick 2)")
    p.add_argument("--samples", type=int, default=None,
                   help="generated samples per throughput repeat (default 60000, quick 4096)")
    p.add_argument("--data", default=None,
                   help=f"folder with the MNIST t10k IDX files (default $BACKPROP_DATA_DIR or {DEFAULT_DATA_DIR})")
    p.add_argument("--json", default=None, metavar="FILE", help="also write the records as a JSON list")
    p.add_argument("--sections", default="throughput,gemm,time-to-accuracy",
                   help="comma-separated subset of throughput,gemm,time-to-accuracy")
    p.add_argument("--net", action="append", default=None,
                   help="a throughput net's layer sizes, as backprop writes them (784,128,10); repeat for several")
    p.add_argument("--modes", default=None,
                   help="throughput modes to keep: comma-separated substrings of the mode names, "
                        "e.g. 'stochastic,minibatch-256'")
    p.add_argument("--device", default="auto", help="torch/jax: auto, cpu or cuda/gpu (numpy: cpu only)")
    p.add_argument("--threads", type=int, default=None,
                   help="limit BLAS/OpenMP/torch threads to N (jax: N=1 turns XLA's pool off); default: "
                        "each framework's own default. For diagnosis on a loaded machine")
    a = p.parse_args(argv)
    data = a.data or os.environ.get("BACKPROP_DATA_DIR") or str(DEFAULT_DATA_DIR)
    sections = [s.strip() for s in a.sections.split(",") if s.strip()]
    for s in sections:
        if s not in ("throughput", "gemm", "time-to-accuracy"):
            p.error(f"unknown section {s!r}")
    try:
        nets = THROUGHPUT_NETS if a.net is None else [tuple(int(v) for v in n.split(",")) for n in a.net]
    except ValueError:
        p.error(f"--net takes layer sizes such as 784,128,10, got {a.net}")
    return Config(quick=a.quick, repeats=a.repeats or (2 if a.quick else 5),
                  samples=a.samples or (4096 if a.quick else 60_000), data_dir=Path(data),
                  json_path=a.json, sections=sections, nets=nets,
                  modes=None if a.modes is None else [m.strip() for m in a.modes.split(",") if m.strip()],
                  device=a.device, threads=a.threads)


def not_installed(peer: str, install: str, error: Exception) -> None:
    """The one line a peer prints when its framework does not import; the caller exits 0."""
    print(f"{peer}: not installed ({type(error).__name__}: {error}); install with: {install}")


# --- Data ------------------------------------------------------------------------------------

def generated_data(n: int = 60_000, inputs: int = 784, classes: int = 10, seed: int = SEED):
    """MNIST-shaped random data. Returns x: n×inputs float32 in [0, 1), y: n int64 in [0, classes)."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, inputs), dtype=np.float32)
    y = rng.integers(0, classes, size=n, dtype=np.int64)
    return x, y


def _read_idx(path: Path) -> np.ndarray:
    """One gzip IDX file (unsigned bytes) as an array of its stated dimensions."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != math.prod(dims):
        raise ValueError(f"{path}: {data.size} values for dimensions {dims}")
    return data.reshape(dims)


def mnist_split(data_dir: Path, train: int = TTA_TRAIN):
    """The MNIST t10k set split: the first `train` images to train, the rest held out.
    Returns (x_train: train×784, y_train: train, x_held: rest×784, y_held: rest); x float32 in [0, 1]."""
    images = _read_idx(data_dir / "t10k-images-idx3-ubyte.gz")
    labels = _read_idx(data_dir / "t10k-labels-idx1-ubyte.gz").astype(np.int64)
    x = images.reshape(images.shape[0], -1).astype(np.float32) / 255.0
    return x[:train], labels[:train], x[train:], labels[train:]


def he_uniform(sizes, seed: int = SEED):
    """Per layer l: W (sizes[l+1] × sizes[l]) ~ U(−√(6/in), √(6/in)), b (sizes[l+1]) = 0, float32."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = math.sqrt(6.0 / fan_in)
        w = rng.uniform(-limit, limit, size=(fan_out, fan_in)).astype(np.float32)
        params.append((w, np.zeros(fan_out, dtype=np.float32)))
    return params


def chunks(count: int, size: int):
    """(start, rows) for consecutive blocks of `size` rows covering [0, count); the last may be short."""
    return [(s, min(size, count - s)) for s in range(0, count, size)]


def warmup_count(spec: TrainerSpec) -> int:
    """Samples a warm-up trains on: all of them (full batch); a few steps (stochastic; with
    k steps per call, one call plus the remainder's shape); a few batches plus the remainder's shape."""
    n = len(spec.y)
    if spec.batch is None:
        return n
    if spec.batch == 1:
        k = spec.steps_per_call
        if k == 0:  # the whole pass in one call: warm up on that very shape
            return n
        return min(n, max(WARMUP_SAMPLES_STOCHASTIC, k) + (n % k if k > 1 else 0))
    return min(n, WARMUP_BATCHES * spec.batch + n % spec.batch)


def past(deadline: float | None, step: int, every: int = 32) -> bool:
    """Whether a loop at update `step` should stop: every `every` updates, the clock is checked
    against `deadline` (time.perf_counter; None: never)."""
    return deadline is not None and step % every == 0 and time.perf_counter() > deadline


def net_name(sizes) -> str:
    """Layer sizes as backprop spells them everywhere: "784,128,10"."""
    return ",".join(str(s) for s in sizes)


# --- Timing ----------------------------------------------------------------------------------

@dataclasses.dataclass
class Stats:
    median: float
    min: float
    max: float
    repeats: int

    @staticmethod
    def of(values) -> "Stats":
        return Stats(statistics.median(values), min(values), max(values), len(values))


def rates(work: float, seconds: list[float]) -> Stats:
    """Rates work/second from repeated timings (min rate from the slowest repeat)."""
    return Stats.of([work / s for s in seconds])


def timed(fn):
    """(seconds, result) of one call; `fn` must synchronise its device before returning."""
    t0 = time.perf_counter()
    r = fn()
    return time.perf_counter() - t0, r


# --- Drivers ---------------------------------------------------------------------------------

def run_throughput(peer: str, device: str, make_trainer, cfg: Config, extra_modes=()):
    """Training throughput, samples/s, for each net × mode. `extra_modes`: (label, batch,
    steps_per_call) rows a peer adds (jax's scanned stochastic mode). Returns records."""
    x_all, y_all = generated_data(max(cfg.samples, 1))
    records = []
    modes = [(label, batch, 1) for label, batch in THROUGHPUT_MODES]
    modes[1:1] = list(extra_modes)  # a peer's variants of stochastic mode follow it
    if cfg.modes is not None:
        modes = [m for m in modes if any(s in m[0] for s in cfg.modes)]
    for sizes in cfg.nets:
        for label, batch, steps_per_call in modes:
            if batch == 1:
                subset = (STOCHASTIC_SUBSET_QUICK if cfg.quick else STOCHASTIC_SUBSET).get(sizes, 1000)
                count = min(subset, cfg.samples)
            else:
                count = cfg.samples
            spec = TrainerSpec(sizes=sizes, params=he_uniform(sizes), x=x_all[:count], y=y_all[:count],
                               batch=batch, lr=THROUGHPUT_LR, momentum=0.0, steps_per_call=steps_per_call,
                               device=cfg.device)
            trainer = make_trainer(spec)
            warm = trainer.warmup()
            seconds, samples = [], 0
            for _ in range(cfg.repeats):
                s, samples = timed(lambda: trainer.run(None, count))
                seconds.append(s)
            st = rates(samples, seconds)
            rec = dict(peer=peer, device=device, section="throughput", net=net_name(sizes), mode=label,
                       batch=batch if batch is not None else count, samples=samples,
                       median=st.median, min=st.min, max=st.max, repeats=st.repeats, unit="samples/s")
            if getattr(trainer, "compiles", False):
                rec["compile_s"] = warm
            rec["load1"] = os.getloadavg()[0]
            records.append(rec)
            print_row("throughput", rec, flush=True)
    return records


def gemm_shapes(cfg: Config):
    """(m, n, k, op) for C(m×n) = op(A)·op(B) with depth k: squares, then the training step's
    products for GEMM_NET at each batch B: forward Z = A·Wᵀ (NT: B×out×in), weight gradient
    dW = dZᵀ·A (TN: out×in×B), input gradient dA = dZ·W (NN: B×in×out, layers after the first)."""
    shapes = []
    ops = ["NN"] if cfg.quick else ["NN", "NT", "TN"]
    for s in (GEMM_SQUARES_QUICK if cfg.quick else GEMM_SQUARES):
        shapes += [(s, s, s, op) for op in ops]
    sizes = GEMM_NET
    for b in (GEMM_BATCHES_QUICK if cfg.quick else GEMM_BATCHES):
        layers = list(zip(sizes[:-1], sizes[1:]))
        shapes += [(b, o, i, "NT") for i, o in layers]
        shapes += [(o, i, b, "TN") for i, o in layers]
        shapes += [(b, i, o, "NN") for i, o in layers[1:]]
    return shapes


def gemm_operands(m: int, n: int, k: int, op: str, seed: int = SEED):
    """A and B as stored for `op`: A is m×k (N) or k×m (T); B is k×n (N) or n×k (T); float32 in [−1, 1)."""
    rng = np.random.default_rng(seed + m * 31 + n * 17 + k)
    a = rng.uniform(-1, 1, size=(m, k) if op[0] == "N" else (k, m)).astype(np.float32)
    b = rng.uniform(-1, 1, size=(k, n) if op[1] == "N" else (n, k)).astype(np.float32)
    return a, b


def run_gemm(peer: str, device: str, make_product, cfg: Config):
    """GFLOP/s (2·m·n·k per product) per shape. `make_product(a, b, op) -> (product, sync)`:
    product() issues one C = op(A)·op(B); sync() waits for all issued work. Returns records."""
    target = GEMM_TARGET_SECONDS_QUICK if cfg.quick else GEMM_TARGET_SECONDS
    records = []
    for m, n, k, op in gemm_shapes(cfg):
        product, sync = make_product(*gemm_operands(m, n, k, op), op)
        product(); sync()                     # warm-up: compilation, thread start-up
        once, _ = timed(lambda: (product(), sync()))
        inner = max(1, min(10_000, int(target / max(once, 1e-7))))

        def repeat():
            for _ in range(inner):
                product()
            sync()
        seconds = [timed(repeat)[0] for _ in range(cfg.repeats)]
        st = rates(2.0 * m * n * k * inner / 1e9, seconds)
        rec = dict(peer=peer, device=device, section="gemm", shape=f"{m}×{n}×{k}", op=op,
                   median=st.median, min=st.min, max=st.max, repeats=st.repeats, unit="GFLOP/s",
                   load1=os.getloadavg()[0])
        records.append(rec)
        print_row("gemm", rec, flush=True)
    return records


def run_time_to_accuracy(peer: str, device: str, make_trainer, cfg: Config):
    """Wall time (shuffles, training and per-epoch evaluation; warm-up and compilation excluded)
    until held-out accuracy ≥ 95% on the MNIST split, per mode. Returns records."""
    try:
        xtr, ytr, xte, yte = mnist_split(cfg.data_dir)
    except OSError as e:
        print(f"time-to-accuracy skipped: MNIST not readable in {cfg.data_dir} ({e})")
        return []
    records = []
    for label, batch, lr, momentum, max_epochs, max_seconds in TTA_MODES:
        if cfg.quick:
            max_seconds = min(max_seconds, TTA_MAX_SECONDS_QUICK)
        spec = TrainerSpec(sizes=TTA_NET, params=he_uniform(TTA_NET), x=xtr, y=ytr, batch=batch,
                           lr=lr, momentum=momentum, device=cfg.device)
        trainer = make_trainer(spec)
        warm = trainer.warmup()               # compiles, then restores the initial parameters
        trainer.accuracy(xte, yte)            # compiles the evaluation too
        rng = np.random.default_rng(SEED)     # the same epoch orders in every peer
        start = time.perf_counter()
        deadline = start + max_seconds
        epochs, acc, reached, n = 0.0, 0.0, False, len(xtr)
        while epochs < max_epochs:
            order = None if batch is None else rng.permutation(n)
            done = trainer.run(order, n, deadline)   # stops early past the deadline
            acc = trainer.accuracy(xte, yte)
            epochs += done / n
            if done < n:                       # cut at the cap part way: not an epoch's end, so
                break                          # not a "reached" even if acc ≥ target
            if acc >= TTA_TARGET:
                reached = True
                break
            if time.perf_counter() > deadline:
                break
        seconds = time.perf_counter() - start
        rec = dict(peer=peer, device=device, section="time-to-accuracy", net=net_name(TTA_NET), mode=label,
                   batch=batch if batch is not None else len(xtr), lr=lr, momentum=momentum,
                   seconds=seconds, epochs=epochs, accuracy=acc, reached=reached, target=TTA_TARGET, unit="s")
        if getattr(trainer, "compiles", False):
            rec["compile_s"] = warm
        rec["load1"] = os.getloadavg()[0]
        records.append(rec)
        print_row("time-to-accuracy", rec, flush=True)
    return records


def _load() -> str:
    """The 1, 5 and 15-minute load averages: above the core count, other work shared the machine."""
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def run_peer(peer: str, device: str, about: str, make_trainer, make_product, cfg: Config, extra_modes=()):
    """Runs the sections a peer was asked for, prints the tables, writes JSON if asked."""
    print(f"# {peer} on {device}: {about}")
    print(f"# {platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"repeats {cfg.repeats}, samples {cfg.samples}{', quick' if cfg.quick else ''}"
          f"{f', --threads {cfg.threads}' if cfg.threads else ''}; load average {_load()}")
    records = []
    if "throughput" in cfg.sections:
        print_header("throughput", cfg.repeats, {"mode": max(len(m[0]) for m in extra_modes)} if extra_modes else None)
        records += run_throughput(peer, device, make_trainer, cfg, extra_modes)
    if "gemm" in cfg.sections:
        print_header("gemm", cfg.repeats)
        records += run_gemm(peer, device, make_product, cfg)
    if "time-to-accuracy" in cfg.sections:
        print_header("time-to-accuracy", cfg.repeats)
        records += run_time_to_accuracy(peer, device, make_trainer, cfg)
    for r in records:
        r["threads"] = cfg.threads or "default"
        r["about"] = about
    print_compile_notes(records)
    print(f"# load average after {peer}: {_load()}")
    if cfg.json_path:
        with open(cfg.json_path, "w") as f:
            json.dump(records, f, indent=1)
    return records


# --- Tables ----------------------------------------------------------------------------------
# Column names and widths match `backprop bench`, so the tables line up.

_COLUMNS = {
    "throughput": [("peer", 12), ("device", 9), ("net", 18), ("mode", 20), ("samples/s", 12), ("min", 12), ("max", 0)],
    "gemm": [("peer", 12), ("device", 9), ("shape", 18), ("op", 5), ("GFLOP/s", 10), ("min", 6), ("max", 0)],
    "time-to-accuracy": [("peer", 12), ("device", 9), ("net", 13), ("mode", 15), ("seconds", 10),
                         ("epochs", 9), ("held-out acc", 0)],
    "compile": [("peer", 12), ("device", 9), ("net", 18), ("mode", 30), ("compile s", 0)],
}


def _title(section: str, repeats: int) -> str:
    return {
        "throughput": f"== Training throughput (samples/s; median [min–max] of {repeats}) ==",
        "gemm": f"== GEMM (GFLOP/s; median [min–max] of {repeats}) ==",
        "time-to-accuracy": f"== Time to 95% held-out accuracy (MNIST split {TTA_TRAIN}/{TTA_HELD_OUT}) ==",
    }[section]


def _cells(section: str, r: dict) -> list[str]:
    if section == "throughput":
        return [r["peer"], r["device"], r["net"], r["mode"], f"{r['median']:.0f}", f"{r['min']:.0f}", f"{r['max']:.0f}"]
    if section == "gemm":
        return [r["peer"], r["device"], r["shape"], r["op"], f"{r['median']:.1f}", f"{r['min']:.1f}", f"{r['max']:.1f}"]
    seconds = f"{r['seconds']:.2f}" if r["reached"] else f">{r['seconds']:.1f}"
    acc = f"{100 * r['accuracy']:.2f}%" + ("" if r["reached"] else " (not reached)")
    e = float(r["epochs"])  # a part epoch shows as e.g. 0.99 (rounded down, never up to a whole one)
    epochs = f"{e:.0f}" if e.is_integer() else f"{math.floor(e * 100) / 100:.2f}"
    return [r["peer"], r["device"], r["net"], r["mode"], seconds, epochs, acc]


_widths: dict[str, dict[str, int]] = {}  # per section: columns widened for long cells


def _line(cells, section: str) -> str:
    out = ""
    for cell, (name, width) in zip(cells, _COLUMNS[section]):
        width = _widths.get(section, {}).get(name, width)
        out += cell.ljust(width) if width else cell
        if width and len(cell) >= width:
            out += " "
    return out.rstrip()


def print_header(section: str, repeats: int, widen: dict[str, int] | None = None) -> None:
    """Title and column names. `widen`: {column: longest cell} for cells longer than the column
    (jax's "stochastic (100 steps/call)"); the column then grows to fit them."""
    _widths[section] = {name: max(width, widen[name] + 2)
                        for name, width in _COLUMNS[section] if widen and name in widen and width}
    print(_title(section, repeats))
    print(_line([name for name, _ in _COLUMNS[section]], section), flush=True)


def print_row(section: str, record: dict, flush: bool = False) -> None:
    print(_line(_cells(section, record), section), flush=flush)


def print_table(section: str, records: list[dict]) -> None:
    """One section's table of records (from one or several peers)."""
    rows = [r for r in records if r["section"] == section]
    if rows:
        repeats = max(r.get("repeats", 0) for r in rows)
        print_header(section, repeats, {"mode": max(len(r.get("mode", "")) for r in rows)})
        for r in rows:
            print_row(section, r)


def print_compile_notes(records: list[dict]) -> None:
    """First-call (trace + compile + one run) times, which the figures above exclude."""
    rows = [r for r in records if "compile_s" in r]
    if not rows:
        return
    print("== Compile s (first calls: trace + compile + one run; excluded from the figures above) ==")
    print(_line([name for name, _ in _COLUMNS["compile"]], "compile"))
    for r in rows:
        mode = r.get("mode", "") + (", to 95%" if r["section"] == "time-to-accuracy" else "")
        print(_line([r["peer"], r["device"], r.get("net", ""), mode, f"{r['compile_s']:.2f}"], "compile"))
