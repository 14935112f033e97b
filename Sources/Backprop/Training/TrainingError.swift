import Foundation

/// Training that cannot go on: the loss or a weight became NaN or infinite.
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    /// What happened, where, and what to try.
    public let problem: String
    public let epoch: Int
    /// The update of the epoch by which it was caught.
    public let step: Int
    /// The last good checkpoint a `TrainingRun` left on disk, untouched since it was written.
    public var kept: KeptCheckpoint?

    public struct KeptCheckpoint: Sendable {
        public var epoch: Int
        public var url: URL
    }

    public var description: String {
        problem + (kept.map { "; the last good checkpoint, from epoch \($0.epoch), is kept in \($0.url.path)" } ?? "")
    }

    static func diverged(epoch: Int, step: Int, learningRate: Float) -> TrainingError {
        TrainingError(
            problem: "training diverged: the loss became NaN or infinite in epoch \(epoch), by update \(step) of the epoch; "
                + "try a smaller learning rate than \(learningRate)", epoch: epoch, step: step)
    }

    static func diverged(epoch: Int, step: Int, learningRate: Float, loss: Double, limit: Double) -> TrainingError {
        TrainingError(
            problem: "training diverged: the loss reached \(String(format: "%.3g", loss)) in epoch \(epoch), by update \(step) "
                + "of the epoch, over \(String(format: "%.3g", limit)) (1000 times the loss before training); "
                + "try a smaller learning rate than \(learningRate)", epoch: epoch, step: step)
    }

    static func badRate(epoch: Int, learningRate: Float) -> TrainingError {
        TrainingError(problem: "the learning-rate schedule drove the rate to \(learningRate) by epoch \(epoch); "
                      + "choose a schedule that keeps it finite and above 0", epoch: epoch, step: 0)
    }
}
