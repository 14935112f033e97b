import Backprop
import Foundation

/// One figure, in the record format the peers (Benchmarks/peers/) write, so that their JSON
/// and ours can be read side by side. Fields that do not apply to a section are nil and left
/// out of the JSON.
public struct BenchmarkRecord: Sendable, Codable, Hashable {
    public var peer = "backprop"
    public var device: String
    /// "throughput", "gemm" or "time-to-accuracy".
    public var section: String
    public var net: String?
    public var mode: String?
    /// Rows per update (1 stochastic, the mini-batch, or the full batch's samples).
    public var batch: Int?
    /// Samples per timed repeat (throughput), or training samples (time-to-accuracy).
    public var samples: Int?
    public var shape: String?
    public var op: String?
    public var median: Double?
    public var min: Double?
    public var max: Double?
    public var repeats: Int?
    /// "samples/s", "GFLOP/s" or "s".
    public var unit: String
    public var seconds: Double?
    public var epochs: Double?
    public var accuracy: Double?
    public var reached: Bool?
    public var target: Double?
    public var lr: Double?
    public var momentum: Double?
    /// First run less a steady one (kernel builds, allocation, thread start-up): kept out of
    /// the figures.
    public var compileSeconds: Double?
    /// GEMM: this device's median over `cblas_sgemm`'s (the CPU path's), measured in the same run.
    public var ratioToCBLAS: Double?
    /// GEMM: true on the CPU path's rows, the `cblas_sgemm` reference.
    public var reference: Bool?
    /// Time-to-accuracy: held-out accuracy against wall time, [[seconds, accuracy], …].
    public var curve: [[Double]]?
    /// Throughput on OpenCL: kernels enqueued per update (over a pass of up to 100 updates).
    public var kernelsPerUpdate: Double?
    /// Throughput on OpenCL: one empty kernel's enqueue-to-completion cost, measured right
    /// after the figure; times `kernelsPerUpdate`, the floor under an update's wall time.
    public var emptyLaunchSeconds: Double?

    public init(device: String, section: BenchmarkConfiguration.Section, unit: String) {
        self.device = device
        self.section = section.rawValue
        self.unit = unit
    }

    enum CodingKeys: String, CodingKey {
        case peer, device, section, net, mode, batch, samples, shape, op, median, min, max, repeats, unit
        case seconds, epochs, accuracy, reached, target, lr, momentum, reference, curve
        case compileSeconds = "compile_seconds"
        case ratioToCBLAS = "ratio_to_cblas"
        case kernelsPerUpdate = "kernels_per_update"
        case emptyLaunchSeconds = "empty_launch_seconds"
    }

    /// Seconds per update at the median rate, over the launch floor (kernels per update ×
    /// empty launch): 1 would be an update that costs no more than launching its kernels.
    public var launchFloorRatio: Double? {
        guard let kernelsPerUpdate, let emptyLaunchSeconds, let median, let batch, median > 0,
              kernelsPerUpdate > 0, emptyLaunchSeconds > 0 else { return nil }
        return (Double(batch) / median) / (kernelsPerUpdate * emptyLaunchSeconds)
    }

    /// Median, min and max from `stats`.
    public mutating func set(_ stats: Stats) {
        median = stats.median
        min = stats.min
        max = stats.max
        repeats = stats.repeats
    }
}

/// Where the figures were taken.
public struct MachineInfo: Sendable, Codable, Hashable {
    public var cpu: String
    public var cores: Int
    public var openBLASThreads: Int
    public var devices: [DeviceInfo]
    public var date: String
    public var commandLine: String
    /// 1-, 5- and 15-minute load averages before and after: above the core count, other work
    /// shared the machine and the figures are not comparable with a quiet run's.
    public var loadBefore: [Double]?
    public var loadAfter: [Double]?
    public var profile: String
    public var seconds: Double?

    public init(cpu: String, cores: Int, openBLASThreads: Int, devices: [DeviceInfo], date: String,
                commandLine: String, loadBefore: [Double]?, loadAfter: [Double]?, profile: String, seconds: Double?) {
        self.cpu = cpu
        self.cores = cores
        self.openBLASThreads = openBLASThreads
        self.devices = devices
        self.date = date
        self.commandLine = commandLine
        self.loadBefore = loadBefore
        self.loadAfter = loadAfter
        self.profile = profile
        self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey {
        case cpu, cores, devices, date, profile, seconds
        case openBLASThreads = "openblas_threads"
        case commandLine = "command_line"
        case loadBefore = "load_before"
        case loadAfter = "load_after"
    }

    /// This machine now: the CPU model from /proc/cpuinfo, cores, OpenBLAS's threads.
    public static func current(devices: [DeviceInfo], commandLine: String, profile: String) -> MachineInfo {
        MachineInfo(cpu: cpuModel(), cores: ProcessInfo.processInfo.activeProcessorCount,
                    openBLASThreads: CPUDevice().threads, devices: devices,
                    date: ISO8601DateFormatter().string(from: Date()), commandLine: commandLine,
                    loadBefore: loadAverage(), loadAfter: nil, profile: profile, seconds: nil)
    }

    static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "unknown"
    }

    /// The three load averages from /proc/loadavg; nil where it cannot be read.
    public static func loadAverage() -> [Double]? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        let values = text.split(separator: " ").prefix(3).compactMap { Double($0) }
        return values.count == 3 ? values : nil
    }
}

/// A section left out, and why ("no MNIST files in …").
public struct SkippedSection: Sendable, Codable, Hashable {
    public var section: String
    public var reason: String
}

/// Everything one `backprop bench` run found: `{"machine": {…}, "records": […], "skipped": […]}`.
public struct BenchmarkReport: Sendable, Codable {
    public var machine: MachineInfo
    public var records: [BenchmarkRecord] = []
    public var skipped: [SkippedSection] = []

    public init(machine: MachineInfo) { self.machine = machine }

    public func records(_ section: BenchmarkConfiguration.Section) -> [BenchmarkRecord] {
        records.filter { $0.section == section.rawValue }
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> BenchmarkReport {
        try JSONDecoder().decode(BenchmarkReport.self, from: data)
    }

    /// One line per record, every field a column (the curve left out), RFC 4180 quoting.
    public func csv() -> String {
        let columns = ["peer", "device", "section", "net", "mode", "batch", "samples", "shape", "op", "median", "min",
                       "max", "repeats", "unit", "seconds", "epochs", "accuracy", "reached", "target", "lr",
                       "momentum", "compile_seconds", "ratio_to_cblas", "reference", "kernels_per_update",
                       "empty_launch_seconds"]
        func cell(_ v: Any?) -> String {
            switch v {
            case let d as Double: return d.isFinite ? "\(d)" : ""
            case let i as Int: return "\(i)"
            case let b as Bool: return b ? "true" : "false"
            case let s as String:
                return s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                    ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
            default: return ""
            }
        }
        var lines = [columns.joined(separator: ",")]
        for r in records {
            let values: [Any?] = [r.peer, r.device, r.section, r.net, r.mode, r.batch, r.samples, r.shape, r.op,
                                  r.median, r.min, r.max, r.repeats, r.unit, r.seconds, r.epochs, r.accuracy,
                                  r.reached, r.target, r.lr, r.momentum, r.compileSeconds, r.ratioToCBLAS, r.reference,
                                  r.kernelsPerUpdate, r.emptyLaunchSeconds]
            lines.append(values.map(cell).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes bench.json, bench.csv and the charts (throughput.svg, accuracy.svg, gemm.svg)
    /// into `dir`, creating it; returns the files written.
    @discardableResult
    public func write(to dir: URL) throws -> [URL] {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var files: [(String, Data)] = [("bench.json", try jsonData()), ("bench.csv", Data(csv().utf8))]
        for (name, svg) in BenchmarkCharts.all(self) { files.append((name, Data(svg.utf8))) }
        return try files.map { name, data in
            let url = dir.appendingPathComponent(name)
            try data.write(to: url, options: .atomic)
            return url
        }
    }
}
