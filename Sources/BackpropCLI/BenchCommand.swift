import ArgumentParser
import Backprop
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure GEMM rates and training throughput.")
    @Option(help: "Device to measure (default: every device present).") var device: String?
    @Option(help: "Square GEMM sizes.") var sizes: String = "256,512,1024"
    func run() throws {
        try runReportingErrors {
            let d = try DeviceSelection.open(device.map { try DeviceRequest(parsing: $0) })
            for s in sizes.split(separator: ",").compactMap({ Int($0) }) {
                for (ta, tb) in [(false, false), (false, true), (true, false)] {
                    let r = try GEMMBenchmark.rate(device: d, m: s, n: s, k: s, transA: ta, transB: tb, repeats: 3)
                    print("\(d.name) \(s)³ \(ta ? "T" : "N")\(tb ? "T" : "N"): \(String(format: "%.1f", r.median)) GFLOP/s (min \(String(format: "%.1f", r.min)), max \(String(format: "%.1f", r.max)))")
                }
            }
        }
    }
}
