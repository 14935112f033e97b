#!/usr/bin/env python3
"""A sweep of hostile runs of the backprop binary, beyond the test corpus: random option values
(extreme numbers, garbage, wrong types), mutated data and model files, signals at random moments
and closed pipes. Every case runs in a fresh folder holding a "precious" checkpoint and data
files; afterwards no process may have ended by a signal, but for one the case sent to a command
with nothing to save (anything but train, or a train run that had not begun: it printed nothing)
or its SIGKILL; and every file that was there must be byte for byte as it was, except the --save target of a
run that succeeded (or stopped on a signal and said it saved). Temporary files left behind count
as destroyed.

  swift build -c release --product backprop
  python3 scripts/hostile-sweep.py .build/release/backprop [CASES] [SEED]

Prints one line per failing case and a summary; exits 1 if any case failed.
"""
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/backprop")
CASES = int(sys.argv[2]) if len(sys.argv) > 2 else 200
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 11)
ENV = dict(os.environ, BACKPROP_DEVICE="cpu", BACKPROP_CACHE_DIR="off")

NUMBERS = ["0", "-0", "1", "-1", "0.5", "-0.5", "1e-38", "1e-45", "3.4e38", "1e39", "-1e39", "inf", "-inf", "nan", "NaN",
           "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551616", "2147483648",
           "1e308", "1e309", "0x10", "1_000", "1,5", "", " ", "abc", "1e", ".", "--", "1\u00a0", "٣"]
OPTIONS = ["--learning-rate", "--momentum", "--weight-decay", "--epochs", "--batch-size", "--target-loss", "--target-accuracy",
           "--patience", "--seed", "--save-every", "--log-every", "--validation", "--beta1", "--beta2",
           "--quickprop-decay", "--quickprop-mu", "--lbfgs-history"]
CHOICES = {
    "--activation": ["relu", "softmax", "leaky-relu:1e39", "elu:-1", "swish", "mish", "tanh", "gelu", "relu:1"],
    "--output": ["softmax", "sigmoid", "identity", "relu", "softmax:2"],
    "--loss": ["mse", "cross-entropy", "binary-cross-entropy", "hinge"],
    "--optimizer": ["sgd", "momentum", "nesterov", "adam", "rprop", "lbfgs", "quickprop", "lm", "adamw", "trainlm"],
    "--mode": ["stochastic", "batch", "minibatch", "minibatch-8", "online"],
    "--schedule": ["constant", "step:1:0.5", "step:1:2", "bold-driver", "bold-driver:1e38:0.5", "step:1:1e30", "cosine"],
    "--normalize": ["none", "minmax", "standard", "robust"],
    "--initializer": ["auto", "he-normal", "glorot-uniform", "zeros"],
    "--layers": ["2,2", "2,1,2", "2,65536,2", "2,0,2", "2", "2,,2", "3,4,2", "2,4,1", "2,2147483647,2", "1e3,2"],
    "--device": ["cpu", "auto", "opencl:99", "cpu,cpu", "nonsense", ""],
    "--split": ["last", "random", "middle"],
    "--validation-data": ["xor", "csv:data.csv", "fann:data.fann", "fann:missing", "spirals:3", "circles:120"],
}
DATASETS = ["xor", "spirals:50", "circles:120", "sine:40", "spirals:0", "spirals:-3", "moons", "csv:data.csv",
            "csv:data.csv?label=0", "csv:data.csv?target=0", "csv:missing.csv", "idx:images.idx,labels.idx",
            "mnist:.", "csv:data.csv.gz", "csv:fifo.csv", "fann:data.fann", "fann:data.fann?task=regression",
            "fann:data.fann?task=classification", "fann:fifo.csv"]


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def snapshot(folder):
    out = {}
    for name in os.listdir(folder):
        p = os.path.join(folder, name)
        out[name] = digest(p) if os.path.isfile(p) else "(not a file)"
    return out


def mutate(data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.random()
        if op < 0.3 and b:
            b[rng.randrange(len(b))] = rng.randrange(256)
        elif op < 0.5 and b:
            del b[rng.randrange(len(b)):][: rng.randint(1, 64)]
        elif op < 0.7:
            i = rng.randrange(len(b) + 1)
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif op < 0.85 and len(b) > 8:
            i = rng.randrange(len(b) - 4)
            b[i:i + 4] = rng.choice([b"\xff\xff\xff\x7f", b"\x00\x00\x00\x80", b"\x7f\x80\x00\x00", b"\x00\x00\x00\x00"])
        else:
            b += b"\n" + rng.choice([b"nan,1,0", b"1e39,0,1", b"\x00", b"\"unclosed", b"1,2,3,4,5", b"a,b,c"])
    return bytes(b)


def setup(folder):
    """The files every case starts with: a precious model, data in each format, a FIFO."""
    rows = "a,b,label\n" + "".join(f"{rng.random():.3f},{rng.random():.3f},{rng.choice(['x', 'y'])}\n" for _ in range(30))
    csv = rows.encode()
    if rng.random() < 0.5:
        csv = mutate(csv)
    with open(os.path.join(folder, "data.csv"), "wb") as f:
        f.write(csv)
    import gzip
    with gzip.open(os.path.join(folder, "data.csv.gz"), "wb") as f:
        f.write(csv)
    pairs = 20
    fann = f"{pairs} 2 2\n" + "".join(f"{rng.random():.3f} {rng.random():.3f}\n{rng.choice(['1 0', '0 1'])}\n" for _ in range(pairs))
    fann = fann.encode()
    if rng.random() < 0.5:
        fann = mutate(fann)
    with open(os.path.join(folder, "data.fann"), "wb") as f:
        f.write(fann)
    n = 6
    images = bytes([0, 0, 8, 3]) + n.to_bytes(4, "big") + (2).to_bytes(4, "big") + (1).to_bytes(4, "big") + bytes(range(2 * n))
    labels = bytes([0, 0, 8, 1]) + n.to_bytes(4, "big") + bytes(i % 2 for i in range(n))
    if rng.random() < 0.5:
        images, labels = mutate(images), mutate(labels) if rng.random() < 0.5 else labels
    with open(os.path.join(folder, "images.idx"), "wb") as f:
        f.write(images)
    with open(os.path.join(folder, "labels.idx"), "wb") as f:
        f.write(labels)
    shutil.copy(PRECIOUS, os.path.join(folder, "model.safetensors"))
    if rng.random() < 0.4:
        with open(os.path.join(folder, "model.safetensors"), "r+b") as f:
            data = mutate(f.read())
            f.seek(0)
            f.truncate()
            f.write(data)


def random_args():
    command = rng.choice(["train"] * 6 + ["evaluate", "predict", "export", "bench", "stress", "devices", "tune"])
    if command == "export":
        return ["export", "--model", rng.choice(["model.safetensors", "data.csv", "missing", "."]),
                "--onnx", rng.choice(["out.onnx", "model.safetensors", "/dev/null", "fifo.csv", ".", "x/y.onnx"])]
    if command == "evaluate":
        return ["evaluate", "--model", rng.choice(["model.safetensors", "data.csv", "missing", "."]),
                "--dataset", rng.choice(DATASETS)]
    if command == "predict":
        return ["predict", "--model", rng.choice(["model.safetensors", "data.csv"]),
                "--input", rng.choice(["data.csv", "xor", "images.idx", "fifo.csv", "."])]
    if command == "bench":
        return ["bench", "--smoke", "--sections", "gemm", "--gemm-sizes", rng.choice(["0", "1", "3", "99999", "x", "2,3"]),
                "--gemm-batches", "0", "--device", "cpu"]
    if command == "stress":
        return ["stress", "--iterations", rng.choice(["1", "0", "-1", "x", "2"])]
    if command in ("devices", "tune"):
        return [command] + rng.choice([[], ["--reset"], ["--device", "cpu"], ["--bogus"]])
    args = ["train", "--dataset", rng.choice(DATASETS), "--epochs", rng.choice(["1", "2", "3"])]
    for _ in range(rng.randint(0, 4)):
        if rng.random() < 0.5:
            args += [rng.choice(OPTIONS), rng.choice(NUMBERS)]
        else:
            option = rng.choice(list(CHOICES))
            args += [option, rng.choice(CHOICES[option])]
    if rng.random() < 0.4:
        args += [rng.choice(["--init", "--resume"]), "model.safetensors"]
    if rng.random() < 0.6:
        args += ["--save", rng.choice(["model.safetensors", "out.safetensors", "/dev/null", "fifo.csv", ".", "x/y.st"])]
    if rng.random() < 0.2:
        args += ["--json"]
    return args


def run_case(i):
    folder = tempfile.mkdtemp(prefix=f"sweep-{i}-")
    setup(folder)
    fifo = os.path.join(folder, "fifo.csv")
    os.mkfifo(fifo)
    args = random_args()
    before = snapshot(folder)
    how = rng.choice(["plain"] * 6 + ["sigint", "sigterm", "sigkill", "pipe"])
    feeder = None
    if "fifo.csv" in " ".join(args):
        # A writer for the FIFO, so that reading it ends.
        feeder = subprocess.Popen(["/bin/sh", "-c", f"printf 'a,b,label\\n0,0,0\\n1,1,1\\n' > {fifo}"])
    start = time.time()
    p = subprocess.Popen([BINARY] + args, cwd=folder, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        if how in ("sigint", "sigterm", "sigkill"):
            time.sleep(rng.uniform(0.01, 0.4))
            p.send_signal({"sigint": signal.SIGINT, "sigterm": signal.SIGTERM, "sigkill": signal.SIGKILL}[how])
        if how == "pipe":
            p.stdout.read(rng.randint(0, 200))
            p.stdout.close()
            out, err = b"", p.stderr.read()
            p.wait(timeout=120)
        else:
            out, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return dict(args=args, how=how, problem="timed out")
    finally:
        if feeder:
            feeder.kill()
    status = p.returncode
    problems = []
    sent = {"sigint": -signal.SIGINT, "sigterm": -signal.SIGTERM, "sigkill": -signal.SIGKILL}.get(how)
    nothing_to_save = args[0] != "train" or not (out or err)
    if status < 0 and not (status == sent and (how == "sigkill" or nothing_to_save)):
        problems.append(f"ended by signal {-status}")
    text = err.decode(errors="replace")
    for trace in ["Fatal error", "Program crashed", "Backtracing"]:
        if trace in text:
            problems.append(f"crash report: {trace}")
    after = snapshot(folder)
    # The output a case asks for (train's --save, export's --onnx) may be replaced; nothing else.
    output = "--save" if "--save" in args else "--onnx" if "--onnx" in args else None
    save = args[args.index(output) + 1] if output else None
    saved_ok = status == 0 or "checkpoint saved" in text
    for name, d in before.items():
        if name == save and saved_ok:
            continue
        if after.get(name) != d:
            problems.append(f"{name} changed or removed")
    for name in after:
        if name not in before and name != save and ".tmp" in name:
            problems.append(f"left {name} behind")
    shutil.rmtree(folder, ignore_errors=True)
    return dict(args=args, how=how, status=status, seconds=round(time.time() - start, 2),
                problem="; ".join(problems) if problems else None, message=text.strip().split("\n")[-1][:160])


def main():
    global PRECIOUS
    work = tempfile.mkdtemp(prefix="sweep-model-")
    PRECIOUS = os.path.join(work, "precious.safetensors")
    subprocess.run([BINARY, "train", "--dataset", "xor", "--epochs", "3", "--save", PRECIOUS], env=ENV,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    results = [run_case(i) for i in range(CASES)]
    failures = [r for r in results if r.get("problem")]
    statuses = {}
    for r in results:
        statuses[str(r.get("status"))] = statuses.get(str(r.get("status")), 0) + 1
    for r in failures:
        print(json.dumps(r))
    print(json.dumps(dict(cases=len(results), failures=len(failures), statuses=statuses,
                          signals_sent=sum(r["how"] in ("sigint", "sigterm", "sigkill") for r in results),
                          pipes_closed=sum(r["how"] == "pipe" for r in results))))
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
