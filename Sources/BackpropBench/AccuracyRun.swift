import Backprop
import Foundation

/// One learning mode with the optimizer settings it is timed with.
public struct AccuracyRun: Sendable, Hashable {
    /// "minibatch-64", "stochastic", "batch".
    public var name: String
    public var mode: LearningMode
    public var optimizer: OptimizerConfig
    public var maxEpochs: Int

    public init(name: String, mode: LearningMode, optimizer: OptimizerConfig, maxEpochs: Int) {
        self.name = name
        self.mode = mode
        self.optimizer = optimizer
        self.maxEpochs = maxEpochs
    }

    /// The peers' settings (Benchmarks/peers/common.py): mini-batches with classical momentum,
    /// stochastic with plain SGD, full batch with momentum 0.9 at lr 0.5 (the rate we found to
    /// make steady progress: about 32 updates to 95%). Full batch makes one update per epoch,
    /// so only the time cap stops it.
    public static let standard: [AccuracyRun] = [
        AccuracyRun(name: "minibatch-64", mode: .minibatch(64),
                    optimizer: OptimizerConfig(.momentum, learningRate: 0.05, momentum: 0.9), maxEpochs: 20),
        AccuracyRun(name: "minibatch-256", mode: .minibatch(256),
                    optimizer: OptimizerConfig(.momentum, learningRate: 0.05, momentum: 0.9), maxEpochs: 20),
        AccuracyRun(name: "stochastic", mode: .stochastic,
                    optimizer: OptimizerConfig(.sgd, learningRate: 0.01), maxEpochs: 20),
        AccuracyRun(name: "batch", mode: .batch,
                    optimizer: OptimizerConfig(.momentum, learningRate: 0.5, momentum: 0.9), maxEpochs: 100_000),
    ]
}
