#!/usr/bin/env bash
# Builds and runs clblast_sgemm.c: CLBlast SGEMM untuned, and tuned when CLBlast tuner JSON
# files are given, each shape next to OpenBLAS in the same process (see the .c file).
#   Benchmarks/peers/run.sh                      # untuned
#   Benchmarks/peers/run.sh clblast_xgemm_*.json  # tuned (files from clblast_tuner_xgemm …)
# Needs: apt-get install libclblast-dev clblast-utils (plus the packages of scripts/setup.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${TMPDIR:-/tmp}/clblast_sgemm"
cc -O2 -Wall -o "$out" "$here/clblast_sgemm.c" -lclblast -lOpenCL -lopenblas -lm
"$out" "$@"
