#!/usr/bin/env bash
# Installs the Debian packages Backprop builds and runs with:
#   ocl-icd-opencl-dev, opencl-headers  the OpenCL ICD loader and headers
#   pocl-opencl-icd                     PoCL, an OpenCL implementation on the CPU (tests, CI)
#   mesa-opencl-icd                     Mesa's rusticl, a second one (RUSTICL_ENABLE=llvmpipe;
#                                       scripts/test-opencl-implementations.sh)
#   oclgrind                            an OpenCL simulator that reports out-of-bounds accesses,
#                                       data races and uninitialised reads (the same script)
#   libopenblas-dev                     BLAS for the CPU path
#   zlib1g-dev, pkg-config              gzip IDX files; locating the libraries above
#   openmpi-bin, libopenmpi-dev         data-parallel training (the MPI trait; scripts/test-mpi.sh)
# and, from PyPI, what the ONNX export test runs the exported models in:
#   onnx, onnxruntime, numpy            (python3 -m pip; python3 comes with Debian)
# Safe to run again: it installs only what is missing.
set -euo pipefail
packages=(ocl-icd-opencl-dev opencl-headers pocl-opencl-icd mesa-opencl-icd oclgrind libopenblas-dev zlib1g-dev pkg-config openmpi-bin libopenmpi-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -ne 0 ]; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    echo "setup: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
python_packages=(onnx onnxruntime numpy)
if ! python3 -c "import onnx, onnxruntime, numpy" 2>/dev/null; then
    echo "setup: installing ${python_packages[*]} (pip)" >&2
    # Debian's own python3 refuses pip installs outside a virtual environment (PEP 668).
    python3 -m pip install --quiet --disable-pip-version-check "${python_packages[@]}" \
        || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${python_packages[@]}"
fi
