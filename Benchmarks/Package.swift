// swift-tools-version: 6.1
import PackageDescription

// Regression-tracking benchmarks for Backprop, with ordo-one's package-benchmark, in their
// own package so that the library and its CI never build the benchmark tooling.
//   swift package --package-path Benchmarks benchmark
//   swift package --package-path Benchmarks benchmark --target GEMM --filter "cpu.*"
// The workloads are BackpropBench's (GEMMWorkload, TrainingWorkload), the same that
// `backprop bench` times. BACKPROP_BENCH_DEVICES=cpu,opencl:0 limits the devices (default:
// the CPU path and every OpenCL device).
let package = Package(
    name: "BackpropBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named, because a path dependency is otherwise known by its folder's name (the checkout's).
        .package(name: "Backprop", path: ".."),
        // The interposer trait alone: the runtime interposer (on by default) is not needed.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                .product(name: "Backprop", package: "Backprop"),
                .product(name: "BackpropBench", package: "Backprop"),
            ],
            path: "Sources/BenchmarkSupport"),
        .executableTarget(
            name: "GEMM",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Backprop", package: "Backprop"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/GEMM",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "TrainingStep",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Backprop", package: "Backprop"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/TrainingStep",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)
