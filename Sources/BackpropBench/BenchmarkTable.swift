import Backprop
import Foundation

/// The terminal tables. The leading columns, their names and widths are the peers'
/// (Benchmarks/peers/common.py), so that their tables and ours line up; ours add columns at
/// the end. A column grows to fit the longest value known in advance (device labels, modes);
/// a cell longer than its column is followed by one space, as in the peers' printer.
public struct BenchmarkTable: Sendable {
    public typealias Section = BenchmarkConfiguration.Section

    private var widths: [Section: [(name: String, width: Int)]]

    /// - Parameters: devices, modes: the labels the rows will hold, to size those columns.
    public init(devices: [String] = [], modes: [String] = []) {
        let device = Swift.max(9, (devices.map(\.count).max() ?? 0) + 2)
        let mode = Swift.max(20, (modes.map(\.count).max() ?? 0) + 2)
        widths = [
            .throughput: [("peer", 12), ("device", device), ("net", 18), ("mode", mode), ("samples/s", 12),
                          ("min", 12), ("max", 12), ("compile s", 11), ("batch", 8), ("n", 0)],
            .gemm: [("peer", 12), ("device", device), ("shape", 18), ("op", 5), ("GFLOP/s", 10), ("min", 6),
                    ("max", 8), ("÷ cblas", 14), ("compile s", 0)],
            .accuracy: [("peer", 12), ("device", device), ("net", 13), ("mode", Swift.max(15, mode - 5)),
                        ("seconds", 10), ("epochs", 9), ("held-out acc", 23), ("compile s", 11), ("lr", 7),
                        ("momentum", 0)],
        ]
    }

    public static func title(_ section: Section, repeats: Int, accuracy: TimeToAccuracySettings = .init()) -> String {
        switch section {
        case .throughput: "== Training throughput (samples/s; median [min–max] of \(repeats)) =="
        case .gemm: "== GEMM (GFLOP/s; median [min–max] of \(repeats)) =="
        case .accuracy:
            "== Time to \(percent(accuracy.target, digits: 0)) held-out accuracy "
                + "(MNIST split \(accuracy.trainCount)/\(accuracy.heldOutCount)) =="
        }
    }

    public func header(_ section: Section) -> String {
        line((widths[section] ?? []).map(\.name), section)
    }

    public func row(_ r: BenchmarkRecord) -> String {
        guard let section = Section(rawValue: r.section) else { return "" }
        let cells: [String]
        switch section {
        case .throughput:
            cells = [r.peer, r.device, r.net ?? "", r.mode ?? "", number(r.median, "%.0f"), number(r.min, "%.0f"),
                     number(r.max, "%.0f"), number(r.compileSeconds, "%.2f"), r.batch.map(String.init) ?? "",
                     r.repeats.map(String.init) ?? ""]
        case .gemm:
            let ratio = r.reference == true ? "cblas_sgemm" : number(r.ratioToCBLAS, "%.2f")
            cells = [r.peer, r.device, r.shape ?? "", r.op ?? "", rate(r.median), rate(r.min), rate(r.max), ratio,
                     number(r.compileSeconds, "%.2f")]
        case .accuracy:
            let reached = r.reached ?? false
            let seconds = reached ? number(r.seconds, "%.2f") : ">" + number(r.seconds, "%.1f")
            let accuracy = r.accuracy.map { Self.percent($0, digits: 2) } ?? ""
            cells = [r.peer, r.device, r.net ?? "", r.mode ?? "", seconds, epochs(r.epochs),
                     accuracy + (reached ? "" : " (not reached)"), number(r.compileSeconds, "%.2f"),
                     number(r.lr, "%g"), number(r.momentum, "%g")]
        }
        return line(cells, section)
    }

    /// Every section's table with its rows, as the terminal shows them at the end of a run.
    public static func text(_ report: BenchmarkReport, accuracy: TimeToAccuracySettings = .init()) -> String {
        let table = BenchmarkTable(devices: report.records.map(\.device), modes: report.records.compactMap(\.mode))
        var out: [String] = []
        for section in Section.allCases {
            let rows = report.records(section)
            guard !rows.isEmpty else { continue }
            out.append(title(section, repeats: rows.compactMap(\.repeats).max() ?? 1, accuracy: accuracy))
            out.append(table.header(section))
            out += rows.map(table.row)
        }
        return out.joined(separator: "\n")
    }

    private func line(_ cells: [String], _ section: Section) -> String {
        var out = ""
        for (cell, column) in zip(cells, widths[section] ?? []) {
            out += column.width > 0 ? cell.padding(toLength: Swift.max(column.width, cell.count), withPad: " ", startingAt: 0) : cell
            if column.width > 0 && cell.count >= column.width { out += " " }
        }
        while out.hasSuffix(" ") { out.removeLast() }
        return out
    }

    private func number(_ v: Double?, _ format: String) -> String {
        guard let v, v.isFinite else { return "" }
        return String(format: format, v)
    }

    /// One decimal, as the peers print rates; two significant digits below 1 (0.048), where
    /// one decimal would read as zero.
    private func rate(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "" }
        return v >= 1 || v == 0 ? String(format: "%.1f", v) : String(format: "%.2g", v)
    }

    private func epochs(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "" }
        return v == v.rounded() ? String(Int(v)) : String(format: "%.2f", v)
    }

    static func percent(_ v: Double, digits: Int) -> String {
        String(format: "%.\(digits)f%%", 100 * v)
    }
}
