import Backprop
import BackpropBench
import Foundation
import BackpropTestSupport
import Testing

@Suite("BenchmarkReport")
struct BenchmarkReportTests {
    static func report() -> BenchmarkReport {
        let machine = MachineInfo(cpu: "Test CPU", cores: 2, openBLASThreads: 2,
                                  devices: [], date: "2026-01-01T00:00:00Z", commandLine: "backprop bench",
                                  loadBefore: nil, loadAfter: nil, profile: "quick", seconds: 1)
        var report = BenchmarkReport(machine: machine)
        var t = BenchmarkRecord(device: "cpu", section: .throughput, unit: "samples/s")
        t.net = "784,128,10"
        t.mode = "stochastic"
        t.batch = 1
        t.samples = 100
        t.set(Stats([10, 12, 11]))
        t.compileSeconds = 0.5
        t.fusedThreads = 1
        var g = BenchmarkRecord(device: "gpu, \"big\"", section: .gemm, unit: "GFLOP/s")
        g.shape = "256×256×256"
        g.op = "NN"
        g.set(Stats([3, 4]))
        g.ratioToCBLAS = 0.5
        report.records = [t, g]
        return report
    }

    @Test("JSON uses the peers' snake-case keys, leaves out what does not apply, and round-trips")
    func json() throws {
        let data = try Self.report().jsonData()
        let text = try #require(String(data: data, encoding: .utf8))
        #expect(text.contains("\"compile_seconds\" : 0.5") && text.contains("\"ratio_to_cblas\" : 0.5"))
        #expect(text.contains("\"openblas_threads\"") && text.contains("\"command_line\""))
        #expect(!text.contains("\"shape\" : null"))
        let back = try BenchmarkReport.decode(data)
        #expect(back.records == Self.report().records)
        #expect(back.records[0].median == 11 && back.records[0].peer == "backprop")
    }

    @Test("CSV: a header and one line per record, quoted where needed")
    func csv() {
        let lines = Self.report().csv().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4 && lines[3].isEmpty)
        #expect(lines[0].hasPrefix("peer,device,section,net,mode,batch"))
        #expect(lines[1].hasPrefix("backprop,cpu,throughput,\"784,128,10\",stochastic,1,100,,,11.0,10.0,12.0,3,samples/s"))
        #expect(lines[2].hasPrefix("backprop,\"gpu, \"\"big\"\"\",gemm"))
    }

    @Test("problems: missing figures, and figures that are not positive and finite")
    func problems() {
        var report = Self.report()
        var config = BenchmarkConfiguration.quick
        config.sections = [.throughput]
        config.nets = [[784, 128, 10]]
        config.modes = [.stochastic, .batch]
        let expected = BenchmarkExpectation(devices: ["cpu"], configuration: config)
        #expect(report.problems(expected: expected).contains("machine.devices lacks cpu"))
        report.machine.devices = [DeviceInfo(label: "cpu", name: "CPU", kind: "cpu", openSeconds: 0, build: nil)]
        report.records.removeLast()
        #expect(report.problems(expected: expected) == ["throughput: no figure for cpu 784,128,10 batch"])
        report.records[0].median = .nan
        report.records[0].max = -1
        let found = report.problems(expected: expected)
        #expect(found.contains { $0.contains("median is nan") } && found.contains { $0.contains("max is -1.0") })
    }

    @Test("problems: a CPU stochastic figure needs the fused step's threads, and a split one its barrier time")
    func fusedThreads() {
        var report = Self.report()
        report.machine.devices = [DeviceInfo(label: "cpu", name: "CPU", kind: "cpu", openSeconds: 0, build: nil)]
        report.records.removeLast()
        var config = BenchmarkConfiguration.quick
        config.sections = [.throughput]
        config.nets = [[784, 128, 10]]
        config.modes = [.stochastic]
        let expected = BenchmarkExpectation(devices: ["cpu"], configuration: config)
        #expect(report.problems(expected: expected).isEmpty)
        report.records[0].fusedThreads = nil
        #expect(report.problems(expected: expected) == ["throughput cpu 784,128,10 stochastic: fused_threads missing"])
        report.records[0].fusedThreads = 2
        #expect(report.problems(expected: expected) == ["throughput cpu 784,128,10 stochastic: barrier_seconds missing"])
        report.records[0].barrierSeconds = 80e-9
        #expect(report.problems(expected: expected).isEmpty)
    }

    @Test("problems: an OpenCL throughput figure needs its kernels per update and empty-launch cost")
    func launchFloor() throws {
        var report = Self.report()
        report.machine.devices = [DeviceInfo(label: "cpu", name: "CPU", kind: "cpu", openSeconds: 0, build: nil),
                                  DeviceInfo(label: "opencl:0 x", name: "X", kind: "opencl", openSeconds: 0, build: nil)]
        var config = BenchmarkConfiguration.quick
        config.sections = [.throughput]
        config.nets = [[784, 128, 10]]
        config.modes = [.stochastic]
        var cl = report.records[0]
        cl.device = "opencl:0 x"
        report.records = [report.records[0], cl]
        let expected = BenchmarkExpectation(devices: ["cpu", "opencl:0 x"], configuration: config)
        #expect(report.problems(expected: expected) == ["throughput opencl:0 x 784,128,10 stochastic: kernels_per_update missing",
                                                        "throughput opencl:0 x 784,128,10 stochastic: empty_launch_seconds missing"])
        report.records[1].kernelsPerUpdate = 11
        report.records[1].emptyLaunchSeconds = 5e-6
        #expect(report.problems(expected: expected).isEmpty)
        // 11 samples/s at batch 1: 1/11 s an update over a floor of 11 × 5 µs.
        let ratio = try #require(report.records[1].launchFloorRatio)
        #expect(abs(ratio - (1.0 / 11) / 55e-6) < 1e-6 * ratio)
        #expect(report.records[0].launchFloorRatio == nil)
    }

    @Test("write(to:) puts the JSON, the CSV and three charts in the folder")
    func write() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try Self.report().write(to: dir)
        #expect(files.map(\.lastPathComponent) == ["bench.json", "bench.csv", "throughput.svg", "accuracy.svg", "gemm.svg"])
        #expect(files.allSatisfy { FileManager.default.fileExists(atPath: $0.path) })
    }
}
