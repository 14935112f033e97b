import Backprop
import Foundation

/// The charts `backprop bench --output DIR` writes, drawn from a report's records.
public enum BenchmarkCharts {
    /// (file name, SVG text) for throughput.svg, accuracy.svg and gemm.svg.
    public static func all(_ report: BenchmarkReport) -> [(String, String)] {
        [("throughput.svg", throughput(report)), ("accuracy.svg", accuracy(report)), ("gemm.svg", gemm(report))]
    }

    private static func subtitle(_ report: BenchmarkReport) -> String {
        let m = report.machine
        return "\(m.cpu), \(m.cores) cores; \(m.date.prefix(10)); \(m.profile) run"
    }

    /// A colour per device, in the order the devices were opened.
    private static func colors(_ report: BenchmarkReport) -> [String: String] {
        var labels = report.machine.devices.map(\.label)
        for r in report.records where !labels.contains(r.device) { labels.append(r.device) }
        return Dictionary(uniqueKeysWithValues: labels.enumerated().map {
            ($0.element, SVGChart.palette[$0.offset % SVGChart.palette.count])
        })
    }

    /// Samples/s against rows per update, log-log: one line per device and net (the second
    /// net dashed), stochastic at batch 1 and full batch at its sample count; bars show min–max.
    public static func throughput(_ report: BenchmarkReport) -> String {
        var chart = SVGChart(title: "Training throughput (forward + backward + SGD update, float32)",
                             subtitle: subtitle(report),
                             x: .init("samples per update (stochastic = 1, full batch = all)", log: true, format: .plain),
                             y: .init("samples per second (median; bars: min–max)", log: true, format: .si))
        let rows = report.records(.throughput)
        // Ticks at the mini-batch sizes and the largest full batch (smaller ones, cut to fit
        // a slow device's budget, are plotted but not labelled).
        let full = rows.filter { $0.mode == "batch" }.compactMap(\.batch).max()
        let sizes = rows.filter { $0.mode != "batch" }.compactMap(\.batch) + (full.map { [$0] } ?? [])
        chart.x.ticks = Array(Set(sizes.map(Double.init))).sorted()
        let color = colors(report)
        let nets = unique(rows.compactMap(\.net))
        for device in unique(rows.map(\.device)) {
            for (i, net) in nets.enumerated() {
                let points = rows.filter { $0.device == device && $0.net == net }.compactMap { r -> SVGChart.Point? in
                    guard let b = r.batch, let m = r.median else { return nil }
                    return SVGChart.Point(x: Double(b), y: m, low: r.min, high: r.max)
                }
                guard !points.isEmpty else { continue }
                chart.series.append(.init(name: "\(device) \(net)", points: points,
                                          color: color[device] ?? SVGChart.palette[0], dashed: i % 2 == 1))
            }
        }
        return chart.render()
    }

    /// Held-out accuracy against wall time (log time axis), one line per mode and device
    /// (colour: mode; dashed: devices after the first), with the target as a dashed guide.
    public static func accuracy(_ report: BenchmarkReport) -> String {
        let rows = report.records(.accuracy)
        let target = rows.compactMap(\.target).first ?? 0.95
        let accuracies = rows.flatMap { ($0.curve ?? []).compactMap { $0.count == 2 ? $0[1] : nil } }
        let low = Swift.min(target - 0.05, floor(((accuracies.min() ?? target) - 0.01) * 20) / 20)
        var chart = SVGChart(title: "Held-out accuracy against wall time (MNIST split, \(rows.first?.net ?? "784,256,10"))",
                             subtitle: subtitle(report),
                             x: .init("wall time, training + evaluation", log: true, format: .seconds),
                             y: .init("held-out accuracy", format: .percent, range: Swift.max(0, low)...1))
        chart.guides = [(target, "target \((target * 100).rounded().clampedInt())%")]
        let modes = unique(rows.compactMap(\.mode))
        let devices = unique(rows.map(\.device))
        for (d, device) in devices.enumerated() {
            for (k, mode) in modes.enumerated() {
                guard let r = rows.first(where: { $0.device == device && $0.mode == mode }) else { continue }
                let points = (r.curve ?? []).compactMap { $0.count == 2 ? SVGChart.Point(x: $0[0], y: $0[1]) : nil }
                chart.series.append(.init(name: "\(device) \(mode)", points: points,
                                          color: SVGChart.palette[k % SVGChart.palette.count], dashed: d % 2 == 1))
            }
        }
        return chart.render()
    }

    /// GFLOP/s of the square NN products against their size, one line per device, the CPU
    /// path's being `cblas_sgemm`.
    public static func gemm(_ report: BenchmarkReport) -> String {
        var chart = SVGChart(title: "GEMM rate, square C = A·B (NN), float32", subtitle: subtitle(report),
                             x: .init("matrix size n (n×n×n)", log: true, format: .plain),
                             y: .init("GFLOP/s (median; bars: min–max)", log: true, format: .si))
        let rows = report.records(.gemm).filter { r in
            guard r.op == "NN", let shape = r.shape else { return false }
            return Set(shape.split(separator: "×")).count == 1
        }
        let color = colors(report)
        chart.x.ticks = Array(Set(rows.compactMap { $0.shape?.split(separator: "×").first.flatMap { Double($0) } })).sorted()
        for device in unique(rows.map(\.device)) {
            let points = rows.filter { $0.device == device }.compactMap { r -> SVGChart.Point? in
                guard let side = r.shape?.split(separator: "×").first.flatMap({ Double($0) }), let m = r.median else { return nil }
                return SVGChart.Point(x: side, y: m, low: r.min, high: r.max)
            }
            let reference = rows.contains { $0.device == device && $0.reference == true }
            chart.series.append(.init(name: reference ? "\(device) (cblas_sgemm)" : device, points: points,
                                      color: color[device] ?? SVGChart.palette[0]))
        }
        return chart.render()
    }

    private static func unique(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }
}
