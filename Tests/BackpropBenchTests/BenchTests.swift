import Backprop
import BackpropBench
import Foundation
import BackpropTestSupport
import Testing

/// `backprop bench`: the smoke configuration (the quick settings with small networks, for a
/// debug build) run in-process and through the built binary, and its JSON checked for
/// completeness and sanity: every device, net and mode present, every figure positive and
/// finite. No test asserts a speed.
@Suite("Bench", .serialized)
struct BenchTests {
    /// The labels of the devices a default run measures: the CPU path and every OpenCL device.
    static func expectedDevices() throws -> [String] {
        let cl = try DeviceSelection.openCLDevices()
        if TestDevices.isCI && cl.isEmpty { Issue.record("\(TestDevices.skipReason)") }
        return ["cpu"] + cl.map(BenchmarkDevice.label(for:))
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("the smoke run measures every device, net and mode, and its JSON round-trips whole")
    func smokeInProcess() throws {
        let config = BenchmarkConfiguration.smoke
        var events = 0
        let report = try BenchmarkSuite(config).run(commandLine: "test") { _ in events += 1 }
        let decoded = try BenchmarkReport.decode(report.jsonData())
        let expected = BenchmarkExpectation(devices: try Self.expectedDevices(), configuration: config)
        let problems = decoded.problems(expected: expected)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(decoded.records.count == report.records.count)
        #expect(events > report.records.count)
        #expect(decoded.machine.devices.map(\.label) == expected.devices)
        // The MNIST split is in the shared data here; elsewhere the section says why it was skipped.
        let accuracy = decoded.records.filter { $0.section == "time-to-accuracy" }
        #expect(!accuracy.isEmpty || decoded.skipped.contains { $0.section == "time-to-accuracy" })
        #expect(decoded.skipped.allSatisfy { $0.section == "time-to-accuracy" }, "\(decoded.skipped)")
    }

    @Test("a missing MNIST folder skips time-to-accuracy with the reason, in the JSON too")
    func missingDataset() throws {
        var config = BenchmarkConfiguration.smoke
        config.sections = [.accuracy]
        config.devices = [.cpu]
        config.dataset = URL(fileURLWithPath: "/nonexistent/mnist")
        let report = try BenchmarkSuite(config).run(commandLine: "test")
        #expect(report.records.isEmpty)
        let skipped = try #require(report.skipped.first)
        #expect(skipped.section == "time-to-accuracy")
        #expect(skipped.reason.contains("/nonexistent/mnist"))
        let json = try #require(String(data: report.jsonData(), encoding: .utf8))
        #expect(json.contains("\"skipped\""))
        #expect(report.problems(expected: BenchmarkExpectation(devices: ["cpu"], configuration: config)).isEmpty)
    }

    /// The `backprop` executable built beside the test bundle.
    static var binary: URL? {
        let candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                          Bundle.main.bundleURL.deletingLastPathComponent(), Bundle.main.bundleURL]
        return candidates.map { $0.appendingPathComponent("backprop") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    @Test("backprop bench --smoke --output DIR writes a whole JSON, the CSV and the charts")
    func binary() throws {
        let binary = try #require(Self.binary, "no backprop executable beside \(CommandLine.arguments[0])")
        let out = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["bench", "--smoke", "--output", out.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        for title in ["== Training throughput (samples/s; median [min–max] of ", "== GEMM (GFLOP/s; median [min–max] of "] {
            #expect(text.contains(title), "\(text)")
        }
        let report = try BenchmarkReport.decode(Data(contentsOf: out.appendingPathComponent("bench.json")))
        let problems = report.problems(expected: BenchmarkExpectation(devices: try Self.expectedDevices(),
                                                                      configuration: .smoke))
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(report.machine.commandLine.hasPrefix("backprop bench --smoke"))
        if report.machine.devices.contains(where: { $0.kind == "opencl" }) {
            #expect(text.contains("kernels an update ×"), "no launch-floor line for stochastic mode on OpenCL: \(text)")
        }
        for name in ["bench.csv", "throughput.svg", "accuracy.svg", "gemm.svg"] {
            let data = try Data(contentsOf: out.appendingPathComponent(name))
            #expect(data.count > 100, "\(name) is nearly empty")
        }
        let csv = try String(contentsOf: out.appendingPathComponent("bench.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == report.records.count + 1)
    }

    @Test("bad options are refused with a usage error")
    func badOptions() throws {
        let binary = try #require(Self.binary)
        for args in [["--nets", "784-x-10"], ["--modes", "sometimes"], ["--sections", "speed"], ["--repeats", "0"],
                     ["--device", "opencl:99"], ["--gemm-sizes", "0"], ["--gemm-sizes", "1024,x"],
                     ["--gemm-batches", "-3"]] {
            let process = Process()
            process.executableURL = binary
            process.arguments = ["bench", "--smoke", "--sections", "gemm"] + args
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus != 0, "\(args) was accepted")
        }
    }

    @Test("--gemm-sizes and --gemm-batches 0 measure just those squares")
    func gemmSizes() throws {
        let binary = try #require(Self.binary)
        let out = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["bench", "--smoke", "--sections", "gemm", "--device", "cpu", "--gemm-sizes", "17,33",
                             "--gemm-batches", "0", "--output", out.path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let report = try BenchmarkReport.decode(Data(contentsOf: out.appendingPathComponent("bench.json")))
        let shapes = Set(report.records.compactMap { r in r.shape.map { "\($0) \(r.op ?? "")" } })
        // The smoke (quick) profile times squares as NN only; a full run adds NT and TN.
        #expect(shapes == ["17×17×17 NN", "33×33×33 NN"])
    }
}
