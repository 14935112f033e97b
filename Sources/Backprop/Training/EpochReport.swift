/// What one epoch did.
public struct EpochReport: Sendable {
    public var epoch: Int
    /// Mean training loss over the epoch's samples, as each was seen.
    public var loss: Double
    /// Training accuracy over the epoch (nil for regression).
    public var accuracy: Double?
    public var validationLoss: Double?
    public var validationAccuracy: Double?
    /// The learning rate this epoch ran with.
    public var learningRate: Float
    /// Wall time of the epoch's training, and the training throughput.
    public var seconds: Double
    public var samplesPerSecond: Double
    /// Bold driver undid this epoch (its loss was worse than the previous one's).
    public var undone: Bool = false
}
