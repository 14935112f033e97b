import Backprop
import BackpropBench
import Benchmark
import BenchmarkSupport

/// One training update per iteration (forward, backward, SGD step, synchronised) through the
/// trainer's epoch loop, for each mode on every device, with 784,128,10 over 2,048 generated
/// samples (full batch: one update over all of them). Allocations are counted too: the
/// design keeps the step free of per-sample and per-layer allocation.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal],
                                           timeUnits: .microseconds, warmupIterations: 2,
                                           maxDuration: .seconds(1), maxIterations: 500)
    let sizes = [784, 128, 10]
    let samples = SyntheticData.mnistLike(count: 2_048, seed: 42)
    for label in BenchDevices.labels() {
        var data: DeviceData?
        for mode in BenchmarkConfiguration().modes {
            var work: TrainingWorkload?
            Benchmark("\(label) \(LayerSizes(sizes).description) \(mode.description)") { benchmark in
                do {
                    let device = try BenchDevices.device(label)
                    let uploaded = try data ?? TrainingWorkload.upload(samples, sizes: sizes, device: device)
                    data = uploaded
                    let w = try work ?? TrainingWorkload(device: device, sizes: sizes, mode: mode, data: uploaded)
                    work = w
                    benchmark.startMeasurement()
                    for _ in benchmark.scaledIterations { try w.run(updates: 1) }
                    benchmark.stopMeasurement()
                } catch {
                    benchmark.error("\(error)")
                }
            }
        }
    }
}
