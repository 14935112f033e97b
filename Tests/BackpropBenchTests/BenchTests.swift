import Backprop
import BackpropBench
import Foundation
import BackpropTestSupport
import Testing

/// The benchmark suite: the smoke configuration (the quick settings with small networks, for a
/// debug build) run in-process, and its JSON checked for completeness and sanity: every device,
/// net and mode present, every figure positive and finite. No test asserts a speed. (The
/// `backprop bench` command itself is tested in BackpropCLITests.)
@Suite("Bench", .serialized)
struct BenchTests {
    @Test("the smoke run measures every device, net and mode, and its JSON round-trips whole")
    func smokeInProcess() throws {
        let config = BenchmarkConfiguration.smoke
        var events = 0
        let report = try BenchmarkSuite(config).run(commandLine: "test") { _ in events += 1 }
        let decoded = try BenchmarkReport.decode(report.jsonData())
        let expected = BenchmarkExpectation(devices: try TestDevices.benchmarkLabels(), configuration: config)
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
}
