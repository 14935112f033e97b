#!/usr/bin/env bash
# `backprop check --quick` for both GEMM families on every OpenCL implementation this
# machine has besides the suites' own device (PoCL, which `swift test` checks): Mesa's
# rusticl on llvmpipe (RUSTICL_ENABLE=llvmpipe; OpenCL C 1.2, no fp64, 32 KiB local memory,
# no non-uniform work-groups). Each run prints one line; any failing check fails the script.
# Under CI=true a missing implementation is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product backprop >/dev/null
bin="$(swift build --show-bin-path)/backprop"
export RUSTICL_ENABLE=llvmpipe
status=0
if ! "$bin" devices 2>/dev/null | grep -q "^platform .*: rusticl"; then
    echo "test-opencl-implementations: no rusticl platform (install mesa-opencl-icd; scripts/setup.sh does)" >&2
    if [ "${CI:-}" = "true" ]; then exit 1; fi
    exit 0
fi
for family in tiled direct; do
    start=$(date +%s)
    if out=$("$bin" check --quick --device opencl:rusticl --gemm-family "$family" 2>&1); then
        echo "rusticl, $family family: $(echo "$out" | tail -1) ($(( $(date +%s) - start )) s)"
    else
        echo "$out" | grep -E "FAILED|checks failed|error" >&2 || echo "$out" >&2
        echo "rusticl, $family family: FAILED" >&2
        status=1
    fi
done
exit $status
