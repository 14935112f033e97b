// swift-tools-version: 6.0
import PackageDescription

// libFuzzer targets for Backprop's readers, one executable per reader, in their own package
// so that the library's build and `swift test` never see -sanitize=fuzzer. Each hands the
// fuzzer's bytes to a reader and traps on anything but success or a DataError. Build and run
// one for a minute (Fuzz/run.sh does all four):
//
//   swift build --package-path Fuzz -c release -Xswiftc -sanitize=fuzzer --product IDXFuzz
//   mkdir -p /tmp/IDXFuzz && Fuzz/.build/release/IDXFuzz /tmp/IDXFuzz Fuzz/Seeds/IDXFuzz -max_total_time=60
//
// (-sanitize=fuzzer,address adds AddressSanitizer.)
//
// Not -parse-as-library: SwiftPM renames an executable's entry point to <Target>_main and
// links it as main, so the targets keep their top-level code, which starts libFuzzer's driver.
// The seeded mutation suites in Tests/BackpropTests/*FuzzTests.swift run in every `swift test`
// (100,000 inputs per reader under CI=true); a million per reader:
//   BACKPROP_FUZZ_ITERATIONS=1000000 swift test -c release --filter Fuzz
let package = Package(
    name: "BackpropFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named, because a path dependency is otherwise known by its folder's name (the checkout's).
        .package(name: "Backprop", path: ".."),
    ],
    targets: [.target(name: "FuzzerDriver")] + ["IDXFuzz", "CSVFuzz", "CheckpointFuzz", "SafeTensorsFuzz"].map { name in
        .executableTarget(name: name, dependencies: ["FuzzerDriver", .product(name: "Backprop", package: "Backprop")])
    }
)
