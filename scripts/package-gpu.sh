#!/usr/bin/env bash
# Packs `backprop` for a machine without a Swift toolchain (a GPU host): the binary with the
# Swift standard library linked in statically, the shared libraries it needs beside it
# (the OpenCL ICD loader, OpenBLAS and its Fortran runtime, zlib), and `run.sh`, which points
# the loader at the host's NVIDIA OpenCL driver before starting it.
#
#   scripts/package-gpu.sh [OUT]          # default OUT: dist/backprop-gpu (ignored by git)
#   OUT/run.sh devices                    # on the GPU host
#   OUT/run.sh bench --device opencl:gpu --output OUT/results
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist/backprop-gpu}
swift build -c release --static-swift-stdlib --product backprop
mkdir -p "$out/lib"
cp .build/release/backprop "$out/"
# The device machine takes 64 MiB of carried files in all: drop the symbol tables.
strip "$out/backprop" 2>/dev/null || true
for lib in libOpenCL.so.1 libopenblas.so.0 libgfortran.so.5 libquadmath.so.0 libz.so.1; do
    path=$(ldd .build/release/backprop | awk -v l="$lib" '$1 == l { print $3 }')
    [ -n "$path" ] && cp -L "$path" "$out/lib/$lib" && strip --strip-unneeded "$out/lib/$lib" 2>/dev/null || true
done
cat > "$out/run.sh" <<'RUN'
#!/usr/bin/env bash
# Starts the packed backprop with its libraries and the host's NVIDIA OpenCL driver.
here=$(cd "$(dirname "$0")" && pwd)
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if [ -z "${OCL_ICD_VENDORS:-}" ]; then
    driver=$(ldconfig -p 2>/dev/null | awk '/libnvidia-opencl.so.1/ { print $NF; exit }')
    for d in /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/local/cuda/lib64; do
        [ -z "$driver" ] && [ -e "$d/libnvidia-opencl.so.1" ] && driver="$d/libnvidia-opencl.so.1"
    done
    if [ -n "$driver" ]; then
        mkdir -p "$here/vendors"
        echo "$driver" > "$here/vendors/nvidia.icd"
        export OCL_ICD_VENDORS="$here/vendors"
    fi
fi
exec "$here/backprop" "$@"
RUN
chmod +x "$out/run.sh"
echo "packed $(du -sh "$out" | cut -f1) into $out"
