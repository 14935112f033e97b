#!/usr/bin/env bash
# `backprop check --quick` for both GEMM families on the OpenCL implementations this machine
# has besides the suites' own device (PoCL, which `swift test` checks):
#   rusticl   Mesa's, on llvmpipe (RUSTICL_ENABLE=llvmpipe; OpenCL C 1.2, no fp64, 32 KiB
#             local memory, no non-uniform work-groups): every section.
#   oclgrind  a simulator that reports out-of-bounds accesses, data races, barrier
#             divergence and uninitialised reads; it exits 0 when it reports, so its --log is
#             read, and any line in it fails the script. The gemm and gradient sections run
#             under --data-races --uninitialized; the parity section under --data-races alone:
#             Oclgrind 21.10's uninitialised-value tracking loses host transfers
#             (scripts/oclgrind/uninitialized-transfers.c shows it: a buffer written in two
#             halves, or filled by clEnqueueFillBuffer, reads as uninitialised), and the parity
#             section's networks fill and write buffers in parts. The direct family is built
#             with -cl-opt-disable under --uninitialized: oclgrind's uninitialised-value plugin
#             crashes (a bad pointer in its own memcpy) on the optimised direct kernels.
# Each run prints one line; any failing check or report fails the script. Under CI=true a
# missing implementation is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product backprop >/dev/null
bin="$(swift build --show-bin-path)/backprop"
status=0
missing() {
    echo "test-opencl-implementations: $1" >&2
    if [ "${CI:-}" = "true" ]; then status=1; fi
}

# rusticl
if ! RUSTICL_ENABLE=llvmpipe "$bin" devices 2>/dev/null | grep -q "^platform .*: rusticl"; then
    missing "no rusticl platform (install mesa-opencl-icd; scripts/setup.sh does)"
else
    for family in tiled direct; do
        start=$(date +%s)
        if out=$(RUSTICL_ENABLE=llvmpipe "$bin" check --quick --device opencl:rusticl --gemm-family "$family" 2>&1); then
            echo "rusticl, $family family: $(echo "$out" | tail -1) ($(( $(date +%s) - start )) s)"
        else
            echo "$out" | grep -E "FAILED|checks failed|error" >&2 || echo "$out" >&2
            echo "rusticl, $family family: FAILED" >&2
            status=1
        fi
    done
fi

# oclgrind
if ! command -v oclgrind >/dev/null; then
    missing "no oclgrind (install oclgrind; scripts/setup.sh does)"
else
    logs=$(mktemp -d)
    trap 'rm -rf "$logs"' EXIT
    for family in tiled direct; do
        for run in "gemm,gradient|--data-races --uninitialized" "parity|--data-races"; do
            sections=${run%%|*}
            tools=${run#*|}
            options=""
            if [ "$family" = direct ] && [[ "$tools" == *uninitialized* ]]; then options="-cl-opt-disable"; fi
            log="$logs/$family-${sections//,/-}.log"
            start=$(date +%s)
            # Kernels are built from source (no cache), so that oclgrind sees what it runs.
            # shellcheck disable=SC2086
            if out=$(BACKPROP_CACHE_DIR=off BACKPROP_CL_OPTIONS="$options" \
                     oclgrind $tools --log "$log" "$bin" check --quick --device opencl --gemm-family "$family" \
                     --sections "$sections" 2>&1) && [ ! -s "$log" ]; then
                echo "oclgrind $tools, $family family, $sections: $(echo "$out" | tail -1), 0 reports ($(( $(date +%s) - start )) s)"
            else
                echo "$out" | grep -E "FAILED|checks failed|error" >&2 || echo "$out" | tail -20 >&2
                if [ -s "$log" ]; then
                    echo "oclgrind reported $(grep -c -E '^[A-Z]' "$log") problems; the first:" >&2
                    head -40 "$log" >&2
                fi
                echo "oclgrind $tools, $family family, $sections: FAILED" >&2
                status=1
            fi
        done
    done
fi
exit $status
