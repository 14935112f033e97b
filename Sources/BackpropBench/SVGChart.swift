import Backprop
import Foundation

/// A small line chart written as standalone SVG: linear or logarithmic axes with ticks and
/// grid lines, axis labels, a legend, optional min–max bars per point and dashed reference
/// lines. No dependencies; the output is meant to be committed and read on GitHub.
public struct SVGChart: Sendable {
    public enum Format: Sendable { case plain, si, percent, seconds }

    public struct Axis: Sendable {
        public var label: String
        public var log: Bool
        public var format: Format
        /// Fixed bounds; nil fits the data (with a margin on linear axes).
        public var range: ClosedRange<Double>?
        /// Where the ticks go (the batch sizes measured, say); nil chooses them.
        public var ticks: [Double]?

        public init(_ label: String, log: Bool = false, format: Format = .plain, range: ClosedRange<Double>? = nil,
                    ticks: [Double]? = nil) {
            self.label = label
            self.log = log
            self.format = format
            self.range = range
            self.ticks = ticks
        }
    }

    public struct Point: Sendable {
        public var x: Double
        public var y: Double
        /// A bar from low to high at x (the spread over repeats).
        public var low: Double?
        public var high: Double?

        public init(x: Double, y: Double, low: Double? = nil, high: Double? = nil) {
            self.x = x
            self.y = y
            self.low = low
            self.high = high
        }
    }

    public struct Series: Sendable {
        public var name: String
        public var points: [Point]
        public var color: String
        public var dashed: Bool

        public init(name: String, points: [Point], color: String, dashed: Bool = false) {
            self.name = name
            self.points = points
            self.color = color
            self.dashed = dashed
        }
    }

    public var title: String
    public var subtitle: String?
    public var x: Axis
    public var y: Axis
    public var series: [Series] = []
    /// Horizontal reference lines (a target), each with a label.
    public var guides: [(y: Double, label: String)] = []
    /// The plot area's size; the legend beside it widens the picture to fit its names.
    public var plotWidth = 560.0
    public var height = 500.0

    public static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    public init(title: String, subtitle: String? = nil, x: Axis, y: Axis) {
        self.title = title
        self.subtitle = subtitle
        self.x = x
        self.y = y
    }

    // Plot area, in pixels.
    private var left: Double { 78 }
    private var right: Double { left + plotWidth }
    /// Legend: line sample, gap, then the name at about 7 px a character.
    private var width: Double { right + 60 + 7 * Double(series.map(\.name.count).max() ?? 10) }
    private var top: Double { subtitle == nil ? 52 : 66 }
    private var bottom: Double { height - 58 }

    public func render() -> String {
        let usable = series.map { s in s.points.filter { valid($0.x, x) && valid($0.y, y) } }
        let xs = usable.flatMap { $0.map(\.x) }
        let ys = usable.flatMap { $0.flatMap { [$0.y, $0.low ?? $0.y, $0.high ?? $0.y] } }.filter { valid($0, y) }
            + guides.map(\.y)
        let xr = bounds(x, xs), yr = bounds(y, ys)
        func px(_ v: Double) -> Double { left + (right - left) * fraction(v, x, xr) }
        func py(_ v: Double) -> Double { bottom - (bottom - top) * fraction(v, y, yr) }

        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" \
            viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(left))" y="24" font-size="16" font-weight="bold">\(escape(title))</text>

            """
        if let subtitle {
            svg += "<text x=\"\(f(left))\" y=\"44\" fill=\"#555\">\(escape(subtitle))</text>\n"
        }
        // Grid, ticks and tick labels.
        var lastLabel = -Double.infinity
        for t in ticks(x, xr) {
            let p = px(t)
            // Labels closer than their width to the previous one are left out; the grid line stays.
            if p - lastLabel >= 7 * Double(label(t, x.format).count) + 10 {
                svg += "<text x=\"\(f(p))\" y=\"\(f(bottom + 17))\" text-anchor=\"middle\" fill=\"#333\">\(label(t, x.format))</text>\n"
                lastLabel = p
            }
            svg += "<line x1=\"\(f(p))\" y1=\"\(f(top))\" x2=\"\(f(p))\" y2=\"\(f(bottom))\" stroke=\"#e5e5e5\"/>\n"
        }
        for t in ticks(y, yr) {
            let p = py(t)
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(p))\" x2=\"\(f(right))\" y2=\"\(f(p))\" stroke=\"#e5e5e5\"/>\n"
            svg += "<text x=\"\(f(left - 7))\" y=\"\(f(p + 4))\" text-anchor=\"end\" fill=\"#333\">\(label(t, y.format))</text>\n"
        }
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" fill=\"none\" stroke=\"#888\"/>\n"
        svg += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(height - 16))\" text-anchor=\"middle\" font-size=\"13\">\(escape(x.label))</text>\n"
        svg += "<text transform=\"translate(18 \(f((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">\(escape(y.label))</text>\n"
        for g in guides where valid(g.y, y) {
            let p = py(g.y)
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(p))\" x2=\"\(f(right))\" y2=\"\(f(p))\" stroke=\"#555\" stroke-dasharray=\"2 3\"/>\n"
            svg += "<text x=\"\(f(right - 4))\" y=\"\(f(p - 5))\" text-anchor=\"end\" fill=\"#555\">\(escape(g.label))</text>\n"
        }
        // Series: spread bars, the line, the markers.
        for (s, points) in zip(series, usable) where !points.isEmpty {
            let sorted = points.sorted { $0.x < $1.x }
            for p in sorted {
                if let lo = p.low, let hi = p.high, valid(lo, y), valid(hi, y) {
                    svg += "<line x1=\"\(f(px(p.x)))\" y1=\"\(f(py(lo)))\" x2=\"\(f(px(p.x)))\" y2=\"\(f(py(hi)))\" stroke=\"\(s.color)\" stroke-width=\"1.5\" opacity=\"0.6\"/>\n"
                }
            }
            let path = sorted.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"7 4\"" : "")/>\n"
            for p in sorted {
                svg += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3.2\" fill=\"\(s.dashed ? "white" : s.color)\" stroke=\"\(s.color)\" stroke-width=\"1.5\"/>\n"
            }
        }
        // Legend, beside the plot.
        var ly = top + 8
        for s in series {
            let lx = right + 16
            svg += "<line x1=\"\(f(lx))\" y1=\"\(f(ly))\" x2=\"\(f(lx + 26))\" y2=\"\(f(ly))\" stroke=\"\(s.color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"7 4\"" : "")/>\n"
            svg += "<circle cx=\"\(f(lx + 13))\" cy=\"\(f(ly))\" r=\"3.2\" fill=\"\(s.dashed ? "white" : s.color)\" stroke=\"\(s.color)\" stroke-width=\"1.5\"/>\n"
            svg += "<text x=\"\(f(lx + 32))\" y=\"\(f(ly + 4))\">\(escape(s.name))</text>\n"
            ly += 20
        }
        if usable.allSatisfy(\.isEmpty) {
            svg += "<text x=\"\(f((left + right) / 2))\" y=\"\(f((top + bottom) / 2))\" text-anchor=\"middle\" fill=\"#888\">no data</text>\n"
        }
        return svg + "</svg>\n"
    }

    // MARK: Scales

    private func valid(_ v: Double, _ axis: Axis) -> Bool { v.isFinite && (!axis.log || v > 0) }

    private func bounds(_ axis: Axis, _ values: [Double]) -> ClosedRange<Double> {
        if let r = axis.range { return r }
        guard var lo = values.min(), var hi = values.max() else { return axis.log ? 1...10 : 0...1 }
        if axis.log {
            lo = pow(10, floor(log10(lo) * 4) / 4)
            hi = pow(10, ceil(log10(hi) * 4) / 4)
            return lo < hi ? lo...hi : (lo / 2)...(hi * 2)
        }
        let pad = Swift.max((hi - lo) * 0.06, Swift.max(abs(hi), 1e-9) * 0.02)
        lo -= pad
        hi += pad
        return lo...hi
    }

    private func fraction(_ v: Double, _ axis: Axis, _ r: ClosedRange<Double>) -> Double {
        axis.log ? (log10(v) - log10(r.lowerBound)) / (log10(r.upperBound) - log10(r.lowerBound))
            : (v - r.lowerBound) / (r.upperBound - r.lowerBound)
    }

    /// Log axes: each power of ten, and 2 and 5 between them when fewer than three decades
    /// show (1.5, 2, 3, 5 and 7 when even that leaves fewer than three ticks, as on a range
    /// of 60 to 190). Linear axes: steps of 1, 2 or 5 times a power of ten, about six of them.
    func ticks(_ axis: Axis, _ r: ClosedRange<Double>) -> [Double] {
        if let fixed = axis.ticks { return fixed.filter { r.contains($0) && valid($0, axis) } }
        if axis.log {
            let a = floor(log10(r.lowerBound)).clampedInt(), b = ceil(log10(r.upperBound)).clampedInt()
            func at(_ steps: [Double]) -> [Double] {
                (a...b).flatMap { e in steps.map { $0 * pow(10, Double(e)) } }.filter { r.contains($0) }
            }
            if b - a > 3 { return at([1]) }
            let coarse = at([1, 2, 5])
            return coarse.count >= 3 ? coarse : at([1, 1.5, 2, 3, 5, 7])
        }
        let raw = (r.upperBound - r.lowerBound) / 6
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        // Multiples of the step, not a running sum, so that 10 × 0.1 is 1 and not 1.0000000000000002.
        let first: Double = ceil(r.lowerBound / step - 1e-9)
        let limit: Double = r.upperBound + step * 1e-9
        var out: [Double] = []
        for i in 0..<50 {
            let t: Double = (first + Double(i)) * step
            if t > limit { break }
            out.append(abs(t) < step * 1e-9 ? 0 : t)
        }
        return out
    }

    func label(_ v: Double, _ format: Format) -> String {
        switch format {
        case .percent:
            let p = v * 100 // 0.6 × 100 is 60.00000000000001: whole within rounding
            return String(format: abs(p - p.rounded()) < 1e-6 ? "%.0f%%" : "%.1f%%", p)
        case .seconds: return v >= 1 || v == 0 ? String(format: "%g s", v) : String(format: "%g ms", v * 1000)
        case .si:
            for (scale, suffix) in [(1e9, "G"), (1e6, "M"), (1e3, "k")] where abs(v) >= scale {
                return String(format: "%g", v / scale) + suffix
            }
            return String(format: "%g", v)
        case .plain: return String(format: "%g", v)
        }
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
