/// How the training set is walked: one update per sample, per mini-batch, or per epoch.
public enum LearningMode: Sendable, Hashable, CustomStringConvertible {
    /// One update per sample, samples in (shuffled) order.
    case stochastic
    /// Gradients accumulated over the whole training set, one update per epoch.
    case batch
    /// One update per mini-batch of `size` samples, reshuffled every epoch.
    case minibatch(Int)

    public var description: String {
        switch self {
        case .stochastic: "stochastic"
        case .batch: "batch"
        case .minibatch(let n): "minibatch(\(n))"
        }
    }
}

/// How the learning rate moves from epoch to epoch.
public enum LearningRateSchedule: Sendable, Hashable, Codable, CustomStringConvertible {
    case constant
    /// lr₀ · factor^⌊epoch / every⌋.
    case stepDecay(every: Int, factor: Float)
    /// "Bold driver": after an epoch whose training loss fell, grow the rate by `increase`;
    /// after one whose loss rose, undo the epoch (weights restored, optimizer state cleared)
    /// and shrink the rate by `decrease`.
    case boldDriver(increase: Float, decrease: Float)

    public static let boldDriver = LearningRateSchedule.boldDriver(increase: 1.05, decrease: 0.5)

    public var description: String {
        switch self {
        case .constant: "constant"
        case let .stepDecay(every, factor): "step:\(every):\(factor)"
        case let .boldDriver(increase, decrease): "bold-driver:\(increase):\(decrease)"
        }
    }

    /// Parses `constant`, `step:EVERY:FACTOR` (e.g. `step:10:0.5`), `bold-driver[:UP:DOWN]`.
    public init?(parsing text: String) {
        let parts = text.lowercased().split(separator: ":").map(String.init)
        switch parts.first {
        case "constant" where parts.count == 1: self = .constant
        case "step" where parts.count == 3:
            guard let every = Int(parts[1]), every >= 1, let f = Float(parts[2]), f > 0, f.isFinite else { return nil }
            self = .stepDecay(every: every, factor: f)
        case "bold-driver", "bolddriver":
            if parts.count == 1 { self = .boldDriver; return }
            guard parts.count == 3, let up = Float(parts[1]), let down = Float(parts[2]),
                  up >= 1, down > 0, down < 1 else { return nil }
            self = .boldDriver(increase: up, decrease: down)
        default: return nil
        }
    }
}

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

public enum StopReason: Sendable, Equatable, CustomStringConvertible {
    case epochLimit
    case targetLoss
    case targetAccuracy
    case noImprovement(epochs: Int)
    case interrupted

    public var description: String {
        switch self {
        case .epochLimit: "epoch limit reached"
        case .targetLoss: "target loss reached"
        case .targetAccuracy: "target accuracy reached"
        case .noImprovement(let n): "no improvement on the validation set for \(n) epochs"
        case .interrupted: "interrupted"
        }
    }
}

public struct TrainingResult: Sendable {
    public var epochs: [EpochReport]
    public var reason: StopReason
    public var last: EpochReport? { epochs.last }
}

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
