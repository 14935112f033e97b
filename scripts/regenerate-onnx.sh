#!/usr/bin/env bash
# Regenerates Sources/BackpropONNX/onnx.pb.swift from Sources/BackpropONNX/onnx.proto.
# The generated file is committed, so building Backprop needs neither protoc nor the plugin;
# run this only after replacing onnx.proto (it comes from the onnx Python package:
# `python3 -c 'import onnx, os; print(os.path.dirname(onnx.__file__))'`/onnx.proto, Apache-2.0).
# Needs: protoc (Debian's protobuf-compiler) and protoc-gen-swift of the swift-protobuf
# version Package.swift resolves, built once here (a release build takes a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v protoc >/dev/null || { echo "regenerate-onnx: protoc is missing (apt-get install protobuf-compiler)" >&2; exit 1; }
swift package resolve
scratch=.build-protoc-gen-swift
swift build -c release --package-path .build/checkouts/swift-protobuf --product protoc-gen-swift \
    --scratch-path "$PWD/$scratch"
protoc --plugin=protoc-gen-swift="$PWD/$scratch/release/protoc-gen-swift" \
    --swift_out=Sources/BackpropONNX --swift_opt=Visibility=Internal \
    -I Sources/BackpropONNX Sources/BackpropONNX/onnx.proto
echo "regenerate-onnx: wrote Sources/BackpropONNX/onnx.pb.swift" >&2
