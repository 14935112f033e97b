import Foundation

/// Where training stood when a checkpoint was taken.
public struct TrainingState: Sendable, Codable, Equatable {
    public var completedEpochs: Int
    public var learningRate: Float
    public var optimizerSteps: Int
    public var previousLoss: Double?
    public var bestValidationLoss: Double?
    public var epochsSinceBest: Int
    /// Levenberg–Marquardt's damping, for its next epoch (nil for other optimizers).
    public var levenbergMu: Double?

    init(_ trainer: Trainer) {
        completedEpochs = trainer.completedEpochs
        learningRate = trainer.learningRate
        optimizerSteps = trainer.optimizer.steps
        previousLoss = trainer.previousLoss
        bestValidationLoss = trainer.bestValidationLoss
        epochsSinceBest = trainer.epochsSinceBest
        levenbergMu = trainer.levenbergMu
    }

    /// What makes this state impossible (a negative count, a learning rate that is not a
    /// positive finite number), or nil; a resumed run would otherwise trap or train on it.
    var problem: String? {
        if completedEpochs < 0 || optimizerSteps < 0 || epochsSinceBest < 0 {
            return "completedEpochs, optimizerSteps and epochsSinceBest must be ≥ 0, got \(completedEpochs), \(optimizerSteps) and \(epochsSinceBest)"
        }
        guard learningRate.isFinite, learningRate > 0 else {
            return "the learning rate must be a finite number above 0, got \(learningRate)"
        }
        if [previousLoss, bestValidationLoss].contains(where: { $0?.isFinite == false }) { return "a saved loss is not a finite number" }
        if let mu = levenbergMu, !(mu.isFinite && mu > 0) { return "Levenberg–Marquardt's μ must be a finite number above 0, got \(mu)" }
        return nil
    }

    func apply(to trainer: Trainer) {
        trainer.completedEpochs = completedEpochs
        trainer.learningRate = learningRate
        trainer.previousLoss = previousLoss
        trainer.bestValidationLoss = bestValidationLoss
        trainer.epochsSinceBest = epochsSinceBest
        trainer.restoredMu = levenbergMu
    }
}
