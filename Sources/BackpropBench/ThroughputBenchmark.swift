import Backprop

public enum ThroughputBenchmark {
    /// Warm-up (one update, timed apart), a probe that grows until it lasts
    /// `probeSeconds`, then timed repeats of k updates from the start of an epoch, k chosen so
    /// that a repeat lasts about `secondsPerRepeat`. Every repeat ends with the device
    /// synchronised (`TrainingWorkload.run`). When one update alone fills a repeat, the probe
    /// counts as the first repeat.
    public static func measure(_ work: TrainingWorkload, settings s: ThroughputSettings) throws -> ThroughputMeasurement {
        let perEpoch = work.updatesPerEpoch
        var updatesRun = 0
        func run(_ n: Int) throws -> Int {
            updatesRun += Swift.min(n, perEpoch)
            return try work.run(updates: n)
        }
        let first = try Measure.seconds { _ = try run(1) }

        var probeUpdates = 1
        var probe = try Measure.seconds { _ = try run(probeUpdates) }
        while probe < s.probeSeconds && probeUpdates < perEpoch {
            probeUpdates = Swift.min(perEpoch, probeUpdates * 4)
            let n = probeUpdates
            probe = try Measure.seconds { _ = try run(n) }
        }
        let perUpdate = probe / Double(probeUpdates)
        let k = Swift.max(1, Swift.min(perEpoch, (s.secondsPerRepeat / Swift.max(perUpdate, 1e-9)).clampedInt()))
        let repeatSeconds = perUpdate * Double(k)
        let maxRepeats = Swift.max(s.repeats, 1)
        let wanted = Swift.max(Swift.min(maxRepeats, s.minRepeats),
                               Swift.min(maxRepeats, (s.secondsPerFigure / Swift.max(repeatSeconds, 1e-9)).clampedInt()))

        var samples = work.mode.samples(inUpdates: k, count: work.data.count)
        var times: [Double] = k == probeUpdates ? [probe] : []
        while times.count < wanted {
            var done = 0
            times.append(try Measure.seconds { done = try run(k) })
            samples = done
        }
        let stats = Stats(times)
        let perSample = Double(samples)
        return ThroughputMeasurement(samplesPerSecond: stats.inverted { perSample / $0 },
                                     batch: work.rowsPerUpdate, updatesPerRepeat: k, samplesPerRepeat: samples,
                                     warmupSeconds: Swift.max(0, first - perUpdate), secondsPerUpdate: perUpdate,
                                     updatesRun: updatesRun)
    }

    /// The samples a full-batch figure trains on: all `available` when an epoch over them fits
    /// `fullBatchEpochSeconds` at `samplesPerSecond` (an estimate, e.g. from the mini-batch
    /// figures), else as many as fit, in whole multiples of `minFullBatch`.
    public static func fullBatchSamples(available: Int, samplesPerSecond: Double?, settings s: ThroughputSettings) -> Int {
        guard let rate = samplesPerSecond, rate.isFinite, rate > 0 else { return available }
        let fitting = (rate * s.fullBatchEpochSeconds).clampedInt()
        if fitting >= available { return available }
        let step = Swift.max(1, s.minFullBatch)
        return Swift.min(available, Swift.max(step, fitting / step * step))
    }
}
