/// Progress within an epoch, delivered at each check (see `TrainingOptions.checkInterval`).
public struct TrainingProgress: Sendable {
    public var epoch: Int
    public var maxEpochs: Int
    /// Samples of this epoch done so far, of `total`.
    public var done: Int
    public var total: Int
    public var loss: Double
    public var accuracy: Double?
    public var samplesPerSecond: Double
    public var elapsed: Double
}
