#!/usr/bin/env bash
# Installs the Debian packages Backprop builds and runs with:
#   ocl-icd-opencl-dev, opencl-headers  the OpenCL ICD loader and headers
#   pocl-opencl-icd                     PoCL, an OpenCL implementation on the CPU (tests, CI)
#   libopenblas-dev                     BLAS for the CPU path
#   zlib1g-dev, pkg-config              gzip IDX files; locating the libraries above
# Safe to run again: it installs only what is missing.
set -euo pipefail
packages=(ocl-icd-opencl-dev opencl-headers pocl-opencl-icd libopenblas-dev zlib1g-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
