import Backprop
import Foundation

/// Everything one `backprop bench` run found: `{"machine": {…}, "records": […], "skipped": […]}`.
public struct BenchmarkReport: Sendable, Codable {
    public var machine: MachineInfo
    public var records: [BenchmarkRecord] = []
    public var skipped: [SkippedSection] = []

    public init(machine: MachineInfo) { self.machine = machine }

    public func records(_ section: BenchmarkConfiguration.Section) -> [BenchmarkRecord] {
        records.filter { $0.section == section.rawValue }
    }

    /// The report as bench.json holds it (pretty-printed; `compact`: on one line).
    public func jsonData(compact: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = compact ? [.sortedKeys, .withoutEscapingSlashes] : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
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
                       "empty_launch_seconds", "fused_threads", "barrier_seconds"]
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
                                  r.kernelsPerUpdate, r.emptyLaunchSeconds, r.fusedThreads, r.barrierSeconds]
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
