import Backprop
import BackpropBench
import BackpropTestSupport
import Foundation
import Testing

/// `backprop bench` through the built binary: the smoke run writes a whole report, bad options
/// are usage errors, and the GEMM shape options choose what is measured.
@Suite("The backprop bench command", .serialized)
struct BenchCommandTests {
    @Test("backprop bench --smoke --output DIR writes a whole JSON, the CSV and the charts")
    func smoke() throws {
        let out = try TempDir()
        let r = try CLI.run(["bench", "--smoke", "--output", out.url.path], timeout: 300)
        let text = r.stdout + r.stderr
        #expect(r.status == 0, "\(text)")
        for title in ["== Training throughput (samples/s; median [min–max] of ", "== GEMM (GFLOP/s; median [min–max] of "] {
            #expect(text.contains(title), "\(text)")
        }
        let report = try BenchmarkReport.decode(Data(contentsOf: out.url.appendingPathComponent("bench.json")))
        let problems = report.problems(expected: BenchmarkExpectation(devices: try TestDevices.benchmarkLabels(),
                                                                      configuration: .smoke))
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(report.machine.commandLine.hasPrefix("backprop bench --smoke"))
        #expect(report.records.contains { $0.net == "784,32,10" && $0.mode == "minibatch-32" })
        if report.machine.devices.contains(where: { $0.kind == "opencl" }) {
            #expect(text.contains("kernels an update ×"), "no launch-floor line for stochastic mode on OpenCL: \(text)")
        }
        for name in ["bench.csv", "throughput.svg", "accuracy.svg", "gemm.svg"] {
            let data = try Data(contentsOf: out.url.appendingPathComponent(name))
            #expect(data.count > 100, "\(name) is nearly empty")
        }
        let csv = try String(contentsOf: out.url.appendingPathComponent("bench.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == report.records.count + 1)
    }

    @Test("bad options are refused with a usage error")
    func badOptions() throws {
        for args in [["--net", "784,x,10"], ["--net", "784-128-10"], ["--net", "100,10"], ["--modes", "sometimes"],
                     ["--modes", "256"], ["--sections", "speed"], ["--repeats", "0"], ["--device", "opencl:99"],
                     ["--device", "nonsense"], ["--gemm-sizes", "0"], ["--gemm-sizes", "1024,x"], ["--gemm-batches", "-3"],
                     ["--nets", "784,128,10"]] {
            let r = try CLI.run(["bench", "--smoke", "--sections", "gemm"] + args)
            #expect(r.status == 64, "\(args): \(r.status) \(r.stderr)")
            #expect(!r.stderr.isEmpty && r.stdout.isEmpty, "\(args)")
        }
    }

    @Test("--gemm-sizes and --gemm-batches 0 measure just those squares")
    func gemmSizes() throws {
        let out = try TempDir()
        let r = try CLI.run(["bench", "--smoke", "--sections", "gemm", "--device", "cpu", "--gemm-sizes", "17,33",
                             "--gemm-batches", "0", "--output", out.url.path])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try BenchmarkReport.decode(Data(contentsOf: out.url.appendingPathComponent("bench.json")))
        let shapes = Set(report.records.compactMap { r in r.shape.map { "\($0) \(r.op ?? "")" } })
        // The smoke (quick) profile times squares as NN only; a full run adds NT and TN.
        #expect(shapes == ["17×17×17 NN", "33×33×33 NN"])
    }
}
