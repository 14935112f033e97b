// swift-tools-version: 6.1
import PackageDescription

// Backprop: multilayer perceptrons trained by backpropagation on OpenCL devices,
// with an OpenBLAS-backed CPU path wherever no OpenCL device is wanted or present.
let package = Package(
    name: "Backprop",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Backprop", targets: ["Backprop"]),
        .library(name: "BackpropBench", targets: ["BackpropBench"]),
        .executable(name: "backprop", targets: ["BackpropCLI"]),
    ],
    // MPI: data-parallel training over Open MPI (`mpirun -np N backprop train …`). Off by
    // default, so that the default build needs no MPI: `swift build --traits MPI` turns it on.
    traits: [.trait(name: "MPI", description: "Data-parallel training over Open MPI (libopenmpi-dev)")],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.28.0"),
    ],
    targets: [
        // C libraries, each behind a local shim header. `scripts/setup.sh` installs them.
        .systemLibrary(
            name: "COpenCL", path: "Sources/COpenCL", pkgConfig: "OpenCL",
            providers: [.apt(["ocl-icd-opencl-dev", "opencl-headers"])]),
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        // Linked only with the MPI trait; the files that use it are inside `#if MPI`.
        .systemLibrary(
            name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"])]),
        // The CPU path's own row kernels (the fused stochastic step), in C so that each can be
        // built for AVX-512, AVX2 and the baseline and picked at run time: Swift builds for the
        // baseline only.
        .target(name: "CBackpropCPU", path: "Sources/CBackpropCPU"),
        // OpenCL C sources, embedded into the binary so that a moved binary still works.
        .target(
            name: "BackpropKernels", path: "Kernels",
            exclude: [],
            resources: [
                .embedInCode("common.cl"),
                .embedInCode("gemm.cl"),
                .embedInCode("gemm_direct.cl"),
                .embedInCode("activations.cl"),
                .embedInCode("loss.cl"),
                .embedInCode("optimizers.cl"),
                .embedInCode("data.cl"),
                .embedInCode("stochastic.cl"),
                .embedInCode("gemm_tiled_defaults.json"),
            ]),
        // What trains, evaluates and stores a network, and nothing else.
        .target(
            name: "Backprop",
            dependencies: ["COpenCL", "CBLAS", "CZlib", "CBackpropCPU", "BackpropKernels",
                           .target(name: "CMPI", condition: .when(traits: ["MPI"]))]),
        // The tools around it: the benchmark engine (workloads, reports, tables, charts,
        // machine readers) and the GEMM tuner's measuring harness.
        .target(name: "BackpropBench", dependencies: ["Backprop"]),
        // A network as an ONNX graph. onnx.pb.swift is generated from onnx.proto by
        // scripts/regenerate-onnx.sh and committed.
        .target(
            name: "BackpropONNX",
            dependencies: ["Backprop", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["onnx.proto"]),
        // Named BackpropCLI so that its folder does not clash with Sources/Backprop on
        // case-insensitive file systems; the product (the binary) is still `backprop`.
        .executableTarget(
            name: "BackpropCLI",
            dependencies: [
                "Backprop",
                "BackpropBench",
                "BackpropONNX",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Helpers the test targets share: devices under test, temporary folders, test data,
        // and a runner for the built `backprop` binary.
        .target(name: "BackpropTestSupport", dependencies: ["Backprop", "BackpropBench"], path: "Tests/BackpropTestSupport"),
        // The library's specification; the tools' tests; the command's, through its binary.
        .testTarget(name: "BackpropTests", dependencies: ["Backprop", "BackpropTestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "BackpropBenchTests", dependencies: ["Backprop", "BackpropBench", "BackpropTestSupport"]),
        .testTarget(name: "BackpropCLITests", dependencies: ["Backprop", "BackpropONNX", "BackpropTestSupport"],
                    exclude: ["Scripts"]),  // run by the tests from the source tree
    ]
)
