import Backprop
@testable import BackpropBench
import Foundation
import BackpropTestSupport
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("SVGChart")
struct SVGChartTests {
    static func chart() -> SVGChart {
        var c = SVGChart(title: "Rates <&> \"quoted\"", subtitle: "a machine",
                         x: .init("batch", log: true), y: .init("samples/s", log: true, format: .si))
        c.series = [
            .init(name: "cpu 784,128,10", points: [.init(x: 1, y: 3_000, low: 2_500, high: 3_200), .init(x: 256, y: 40_000)],
                  color: SVGChart.palette[0]),
            .init(name: "a<b & c", points: [.init(x: 32, y: 900), .init(x: 0, y: 5), .init(x: 64, y: -1)],
                  color: SVGChart.palette[1], dashed: true),
        ]
        c.guides = [(10_000, "target")]
        return c
    }

    @Test("renders well-formed SVG with the title, labels and legend escaped")
    func wellFormed() throws {
        let svg = Self.chart().render()
        #if canImport(FoundationXML) || os(macOS)
        let doc = try XMLDocument(xmlString: svg)
        #expect(doc.rootElement()?.name == "svg")
        #endif
        #expect(svg.contains("Rates &lt;&amp;&gt; &quot;quoted&quot;"))
        #expect(svg.contains("a&lt;b &amp; c"))
        #expect(svg.contains("cpu 784,128,10"))
        #expect(svg.contains("stroke-dasharray"))
        #expect(!svg.lowercased().contains("nan") && !svg.contains("inf"), "non-positive values on a log axis leak")
    }

    @Test("log ticks: 1-2-5 within a few decades, powers of ten beyond")
    func logTicks() {
        let c = Self.chart()
        #expect(c.ticks(.init("x", log: true), 1...1000) == [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000])
        #expect(c.ticks(.init("x", log: true), 1...1e6) == [1, 10, 100, 1000, 10_000, 100_000, 1_000_000])
        // A narrow range (GEMM rates, say) still gets three ticks or more.
        #expect(c.ticks(.init("y", log: true), 60...190) == [70, 100, 150])
        #expect(c.ticks(.init("x", log: true, ticks: [1, 32, 256, 5000]), 1...1000) == [1, 32, 256])
    }

    @Test("linear ticks fall on 1-2-5 steps")
    func linearTicks() {
        let t = Self.chart().ticks(.init("y"), 0.4...1)
        #expect(t.first == 0.4 && t.last == 1)
        #expect(t.count >= 4 && t.count <= 8)
    }

    @Test("tick labels: SI, percent, seconds")
    func labels() {
        let c = Self.chart()
        #expect(c.label(1500, .si) == "1.5k")
        #expect(c.label(2_000_000, .si) == "2M")
        #expect(c.label(0.95, .percent) == "95%")
        #expect(c.label(0.6, .percent) == "60%")
        #expect(c.label(0.925, .percent) == "92.5%")
        #expect(c.label(0.5, .seconds) == "500 ms")
        #expect(c.label(2, .seconds) == "2 s")
        #expect(c.label(1024, .plain) == "1024")
    }

    @Test("a chart without data says so")
    func empty() {
        let svg = SVGChart(title: "t", x: .init("x"), y: .init("y")).render()
        #expect(svg.contains("no data"))
    }
}
