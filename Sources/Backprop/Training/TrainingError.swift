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
}
