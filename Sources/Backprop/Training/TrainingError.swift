/// Training that cannot go on.
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public let epoch: Int
    public let step: Int

    static func diverged(epoch: Int, step: Int, learningRate: Float) -> TrainingError {
        TrainingError(
            description: "training diverged: the loss became NaN or infinite in epoch \(epoch), by update \(step) of the epoch; "
                + "try a smaller learning rate than \(learningRate)", epoch: epoch, step: step)
    }
}
