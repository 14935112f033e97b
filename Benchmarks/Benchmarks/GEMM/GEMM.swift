import Backprop
import BackpropBench
import Benchmark
import BenchmarkSupport

/// One product per iteration, synchronised, for each shape `backprop bench --quick` measures
/// (the squares and the 784,1024,1024,10 step's products at batch 256) on every device.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], timeUnits: .microseconds,
                                           warmupIterations: 1, maxDuration: .seconds(1), maxIterations: 200)
    var shapes = BenchmarkConfiguration.quick
    shapes.gemmSquares = [256, 512, 1024]
    for label in BenchDevices.labels() {
        for shape in shapes.gemmShapes {
            var work: GEMMWorkload?
            Benchmark("\(label) \(shape.name) \(shape.op.rawValue)") { benchmark in
                do {
                    let w = try work ?? GEMMWorkload(device: BenchDevices.device(label), shape: shape)
                    work = w
                    benchmark.startMeasurement()
                    for _ in benchmark.scaledIterations { try w.run() }
                    try w.device.synchronize()
                    benchmark.stopMeasurement()
                } catch {
                    benchmark.error("\(error)")
                }
            }
        }
    }
}
