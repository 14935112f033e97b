#!/usr/bin/env python3
"""Runs every peer (numpy, torch, jax) in turn, each in its own process, then prints the tables
of all of them together, one per section (and writes them as one JSON list with --json FILE).

Every other argument goes to each peer unchanged (--quick, --repeats N, --samples N, --data DIR,
--sections …, --net …, --modes …, --device …). A peer whose framework does not import prints one
line saying so and is skipped.
Run: python3 Benchmarks/peers/run_all.py --quick   (about 2 minutes on 2 idle cores)
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common

PEERS = ["numpy", "torch", "jax", "tinygrad"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                epilog="Other arguments are passed to every peer; see numpy_peer.py --help.")
    p.add_argument("--json", default=None, metavar="FILE", help="write all peers' records as one JSON list")
    p.add_argument("--peers", default=",".join(PEERS), help=f"comma-separated subset of {','.join(PEERS)}")
    a, rest = p.parse_known_args(argv)
    records, timings = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for peer in [s.strip() for s in a.peers.split(",") if s.strip()]:
            if peer not in PEERS:
                p.error(f"unknown peer {peer!r}")
            out = Path(tmp) / f"{peer}.json"
            script = common.HERE / f"{peer}_peer.py"
            start = time.perf_counter()
            rc = subprocess.run([sys.executable, str(script), *rest, "--json", str(out)]).returncode
            timings.append((peer, time.perf_counter() - start, rc))
            print(flush=True)
            if rc != 0:
                print(f"{peer}: exited with status {rc}", flush=True)
            if out.exists():
                records += json.loads(out.read_text())
    if records:
        print("######## All peers ########")
        for section in ("throughput", "gemm", "time-to-accuracy"):
            common.print_table(section, records)
        common.print_compile_notes(records)
    print("# wall time per peer: " + ", ".join(f"{p} {s:.0f} s" + (f" (status {rc})" if rc else "")
                                              for p, s, rc in timings))
    print(f"# load average at the end: {', '.join(f'{v:.2f}' for v in os.getloadavg())} (2 cores: above 2 means "
          f"other work shared the machine)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(records, f, indent=1)
    return 1 if any(rc for _, _, rc in timings) else 0


if __name__ == "__main__":
    sys.exit(main())
