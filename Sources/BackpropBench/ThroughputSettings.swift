import Backprop

/// How long throughput measurements may take. The work per repeat is sized from a probe, so
/// that a fast device and a slow one each run for about the same time, whatever a step costs.
public struct ThroughputSettings: Sendable, Hashable {
    /// Timed repeats per figure, at most; fewer (down to `minRepeats`) when one repeat is
    /// longer than `secondsPerFigure / repeats`.
    public var repeats: Int = 5
    public var minRepeats: Int = 3
    /// Each repeat runs enough updates to last about this (at least one update).
    public var secondsPerRepeat: Double = 1
    /// The timed repeats of one figure stay under this when they can.
    public var secondsPerFigure: Double = 30
    /// The probe that sizes the repeats runs at least this long (or a whole epoch).
    public var probeSeconds: Double = 0.05
    /// Full batch: an epoch over the whole data set when it fits this, else over its first
    /// samples, as many as fit (at least `minFullBatch`).
    public var fullBatchEpochSeconds: Double = 30
    public var minFullBatch: Int = 256

    public init() {}
}
