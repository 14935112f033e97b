import Backprop
import BackpropBench
import BackpropTestSupport
import Testing

@Suite("ThroughputBenchmark")
struct ThroughputBenchmarkTests {
    @Test("a full batch covers every sample when an epoch fits the budget, else as many as fit")
    func fullBatch() {
        var s = ThroughputSettings()
        s.fullBatchEpochSeconds = 10
        s.minFullBatch = 256
        #expect(ThroughputBenchmark.fullBatchSamples(available: 60_000, samplesPerSecond: 10_000, settings: s) == 60_000)
        #expect(ThroughputBenchmark.fullBatchSamples(available: 60_000, samplesPerSecond: 1_000, settings: s) == 9_984)
        #expect(ThroughputBenchmark.fullBatchSamples(available: 60_000, samplesPerSecond: 1, settings: s) == 256)
        #expect(ThroughputBenchmark.fullBatchSamples(available: 100, samplesPerSecond: 1, settings: s) == 100)
        #expect(ThroughputBenchmark.fullBatchSamples(available: 60_000, samplesPerSecond: nil, settings: s) == 60_000)
        #expect(ThroughputBenchmark.fullBatchSamples(available: 60_000, samplesPerSecond: .nan, settings: s) == 60_000)
    }

    @Test("a measurement sizes its repeats from the budget and reports positive figures", arguments: TestDevices.kinds)
    func measure(_ kind: DeviceKind) throws {
        let device = try TestDevices.make(kind)
        let samples = SyntheticData.mnistLike(count: 512, seed: 1)
        let data = try TrainingWorkload.upload(samples, sizes: [784, 16, 10], device: device)
        var s = ThroughputSettings()
        s.repeats = 3
        s.minRepeats = 1
        s.secondsPerRepeat = 0.01
        s.secondsPerFigure = 0.05
        s.probeSeconds = 0.002
        for mode in [LearningMode.stochastic, .minibatch(64), .batch] {
            let work = try TrainingWorkload(device: device, sizes: [784, 16, 10], mode: mode, data: data)
            let m = try ThroughputBenchmark.measure(work, settings: s)
            #expect(m.samplesPerSecond.min > 0 && m.samplesPerSecond.max.isFinite, "\(mode)")
            #expect(m.samplesPerSecond.min <= m.samplesPerSecond.median && m.samplesPerSecond.median <= m.samplesPerSecond.max)
            #expect((1...3).contains(m.samplesPerSecond.repeats))
            #expect(m.updatesPerRepeat >= 1 && m.updatesPerRepeat <= work.updatesPerEpoch)
            // The warm-up and at least one repeat's updates, all counted.
            #expect(m.updatesRun >= 1 + m.updatesPerRepeat, "\(mode): \(m.updatesRun) updates run")
            #expect(m.warmupSeconds >= 0)
            #expect(m.batch == (mode == .batch ? 512 : mode == .stochastic ? 1 : 64))
        }
    }

    @Test("GEMM measurement: positive rates, and the sizing run counts when one product fills a repeat")
    func gemm() throws {
        let work = try GEMMWorkload(device: TestDevices.cpu(), shape: GEMMShape(m: 64, n: 32, k: 16, op: .tn))
        let m = try GEMMBenchmark.measure(work, repeats: 2, targetSeconds: 0.001)
        #expect(m.rate.median > 0 && m.rate.repeats == 2 && m.productsPerRepeat >= 1)
        let slow = try GEMMBenchmark.measure(work, repeats: 1, targetSeconds: 0)
        #expect(slow.productsPerRepeat == 1 && slow.rate.repeats == 1)
        #expect(throws: ConfigurationError.self) {
            try GEMMWorkload(device: TestDevices.cpu(), shape: GEMMShape(m: 0, n: 1, k: 1, op: .nn))
        }
    }
}
