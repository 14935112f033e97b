/// When to stop; whichever rule fires first wins. Accuracy and loss targets look at the
/// validation set when there is one, else at the training set.
public struct StoppingRules: Sendable, Hashable {
    public var maxEpochs: Int
    /// Stop once the loss is at or below this.
    public var targetLoss: Double?
    /// Stop once the accuracy (a fraction, 0...1) is at or above this.
    public var targetAccuracy: Double?
    /// Stop after this many epochs without a new best validation loss.
    public var patience: Int?

    public init(maxEpochs: Int, targetLoss: Double? = nil, targetAccuracy: Double? = nil, patience: Int? = nil) {
        self.maxEpochs = maxEpochs
        self.targetLoss = targetLoss
        self.targetAccuracy = targetAccuracy
        self.patience = patience
    }
}
