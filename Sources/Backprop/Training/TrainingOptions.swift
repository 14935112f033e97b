public struct TrainingOptions: Sendable {
    public var mode: LearningMode
    public var stopping: StoppingRules
    public var schedule: LearningRateSchedule = .constant
    /// Reshuffle the sample order each epoch (stochastic and mini-batch modes).
    public var shuffle: Bool = true
    /// Seeds the shuffles: the same seed gives the same run on the same device.
    public var seed: UInt64 = 1
    /// Rows per chunk in batch mode and in evaluation: bounds the work buffers, whatever
    /// the size of the set.
    public var chunkRows: Int = 4096
    /// How often (in updates) the host catches up with the device within an epoch, to
    /// report progress and catch a diverging loss. 0 picks about 1% of an epoch.
    public var checkInterval: Int = 0

    public init(mode: LearningMode, epochs: Int) {
        self.mode = mode
        self.stopping = StoppingRules(maxEpochs: epochs)
    }
}
