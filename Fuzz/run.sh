#!/usr/bin/env bash
# Builds the libFuzzer targets and runs each for SECONDS_EACH seconds (default 60), starting
# from the seeds in Fuzz/Seeds/<Target> and growing a corpus in $CORPUS/<Target> (default a
# temporary folder). A crash stops that target, saves its input as $CORPUS/<Target>-crash-*
# and makes the script exit non-zero. Extra arguments go to every fuzzer.
# SANITIZE=fuzzer,address adds AddressSanitizer (a separate build; ld.gold warns that it
# cannot export __asan_extra_spill_area, which is harmless).
#   Fuzz/run.sh                  # a minute each
#   SECONDS_EACH=600 SANITIZE=fuzzer,address Fuzz/run.sh -jobs=2 -workers=2
set -euo pipefail
cd "$(dirname "$0")"
seconds=${SECONDS_EACH:-60}
corpus=${CORPUS:-$(mktemp -d)}
sanitize=${SANITIZE:-fuzzer}
build=.build-${sanitize//,/-}
swift build -c release -Xswiftc -sanitize="$sanitize" --scratch-path "$build"
status=0
for target in IDXFuzz CSVFuzz CheckpointFuzz SafeTensorsFuzz; do
    mkdir -p "$corpus/$target"
    echo "== $target for $seconds s (corpus $corpus/$target)"
    "$build/release/$target" "$corpus/$target" "Seeds/$target" -max_total_time="$seconds" \
        -max_len=4096 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$corpus/$target-" "$@" || status=$?
done
exit $status
