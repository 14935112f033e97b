import Foundation

extension TrainingRun {
    /// Everything a training run can be told, as values. A setting left nil takes the
    /// default documented beside it, which may depend on the data (the network's input and
    /// output sizes, the batch size, the epoch limit); `TrainingRun.Plan` reports what each
    /// became. A setting that would have no effect (momentum for Adam, a batch size in
    /// stochastic mode, a save interval without a file to save) is refused, never dropped.
    public struct Settings: Sendable {
        // MARK: Data

        /// Held-out samples (which ones: `splitOrder`). Default: a tenth of sets of 100 samples
        /// or more, none of smaller ones.
        public var validation: ValidationSplit?
        /// Which samples are held out: the last ones of the data as given (nil: the default) or
        /// drawn at random with the seed. Given with nothing held out, it is refused.
        public var splitOrder: SplitOrder?
        /// Input normalisation fitted on the training split. Default: none (when continuing
        /// from a checkpoint: the checkpoint's).
        public var normalization: Normalization.Kind?
        /// Seeds the initial weights and the shuffles.
        public var seed: UInt64 = 1

        // MARK: Network (fixed by the checkpoint when continuing from one)

        /// Layer sizes from inputs to outputs. Default: inputs,64,64,outputs for up to 16
        /// inputs, inputs,256,outputs otherwise; outputs from the data and the loss.
        public var layers: [Int]?
        /// Hidden-layer activation. Default: relu.
        public var activation: Activation?
        /// Output activation. Default: the one the loss needs (identity for mse).
        public var output: Activation?
        /// Default: cross-entropy for classes (binary cross-entropy for one output), mse for
        /// regression.
        public var loss: Loss?
        /// Default: auto (He for ReLU-like layers, Glorot for the others).
        public var initializer: Initializer?

        // MARK: Where to start

        /// Start from this checkpoint's weights (and normalisation), with a fresh optimizer.
        public var initFrom: URL?
        /// Go on from this checkpoint: weights, optimizer and its state, epoch count.
        public var resume: URL?

        // MARK: Optimizer (fixed by the checkpoint when resuming)

        /// Default: adam. `sgd` with a momentum above 0 is momentum SGD (`nesterov` for Nesterov's),
        /// as `torch.optim.SGD(momentum:)` and Keras' `SGD(momentum=)` are.
        public var optimizer: OptimizerConfig.Kind?
        /// Default: the optimizer's (`OptimizerConfig.Kind.defaultLearningRate`: 0.001 for adam,
        /// as in PyTorch and Keras; 0.01 for the others; for rprop, the initial step).
        public var learningRate: Float?
        /// μ, for sgd, momentum and nesterov. Default: 0 for sgd, 0.9 for momentum and nesterov.
        public var momentum: Float?
        /// Nesterov's momentum, for sgd with a momentum (as torch's `nesterov=True`) and momentum.
        public var nesterov = false
        /// Adam's β1 and β2. Default: 0.9 and 0.999.
        public var beta1: Float?
        public var beta2: Float?
        /// L2 weight decay (decoupled for Adam). Default: 0.
        public var weightDecay: Float?
        /// Default: constant.
        public var schedule: LearningRateSchedule?
        /// Quickprop's decay (≤ 0) and μ. Default: FANN's −0.0001 and 1.75.
        public var quickpropDecay: Float?
        public var quickpropMu: Float?
        /// L-BFGS's correction pairs. Default: 10.
        public var lbfgsHistory: Int?

        // MARK: How the data is walked

        /// Default: minibatch; batch for the batch methods (quickprop, lm, lbfgs), which run in
        /// no other mode.
        public var mode: LearningMode.Kind?
        /// Mini-batch size. Default: 32, or every training sample when there are fewer.
        public var batchSize: Int?
        /// Epoch limit (for a resumed run, the total). Default: about 1,000,000 samples' worth,
        /// between 10 and 3,000 epochs (Adam at its default rate of 0.001 takes that many on the small built-in sets).
        public var epochs: Int?
        /// Reshuffle the samples every epoch (stochastic and mini-batch modes).
        public var shuffle = true

        // MARK: Stopping

        /// Stop once the (validation) loss is at or below this.
        public var targetLoss: Double?
        /// Stop once the (validation) accuracy reaches this: a fraction in (0, 1], or a
        /// percentage in (1, 100].
        public var targetAccuracy: Double?
        /// Stop after this many epochs without a better validation loss.
        public var patience: Int?

        // MARK: Device and saving

        /// Default: `BACKPROP_DEVICE`, else auto.
        public var device: DeviceRequest?
        /// Save the model here (safetensors), atomically, after training and periodically.
        public var save: URL?
        /// With `save`: also save after an epoch once this many seconds have passed since the
        /// last save (0: every epoch). Default: 10.
        public var saveInterval: Double?

        /// Rows per chunk in batch mode and evaluation, and the updates between read-backs
        /// (0: about 1% of an epoch); see `TrainingOptions`.
        public var chunkRows = 4096
        public var checkInterval = 0

        public init() {}

        public static let defaultMomentum: Float = 0.9
        public static let defaultBatchSize = 32
        public static let defaultSaveInterval = 10.0

        /// The epoch limit for `trainCount` samples: about 1,000,000 samples' worth, in 10...3000.
        public static func defaultEpochs(trainCount: Int) -> Int {
            Swift.min(3000, Swift.max(10, 1_000_000 / Swift.max(trainCount, 1)))
        }

        /// The update rule these settings describe: sgd with a momentum above 0 is momentum SGD,
        /// with `nesterov`, Nesterov's; momentum with `nesterov` is Nesterov's.
        public var optimizerKind: OptimizerConfig.Kind {
            let kind = optimizer ?? .adam
            if kind == .sgd, let momentum, momentum > 0 { return nesterov ? .nesterov : .momentum }
            if kind == .momentum && nesterov { return .nesterov }
            return kind
        }

        /// The optimizer these settings describe, before any checkpoint is considered.
        var optimizerConfig: OptimizerConfig {
            let kind = optimizerKind
            var config = OptimizerConfig(kind, learningRate: learningRate ?? kind.defaultLearningRate,
                                         momentum: momentum ?? Self.defaultMomentum, weightDecay: weightDecay ?? 0)
            if let beta1 { config.beta1 = beta1 }
            if let beta2 { config.beta2 = beta2 }
            if let quickpropDecay { config.quickpropDecay = quickpropDecay }
            if let quickpropMu { config.quickpropMu = quickpropMu }
            if let lbfgsHistory { config.lbfgsHistory = lbfgsHistory }
            return config
        }

        /// Quickprop's, Levenberg–Marquardt's and L-BFGS's rules: batch mode only, and each
        /// option that would have no effect refused, naming where it applies.
        func validateBatchMethodSettings(_ named: OptimizerConfig.Kind?) throws {
            guard let kind = named else { return }
            let optimizer = ConfigurationError.Fault(.optimizer, kind.rawValue)
            if kind.isBatchMethod {
                if let mode, mode != .batch { throw kind.batchModeOnly(mode.rawValue) }
                if let batchSize {
                    throw ConfigurationError([.init(.batchSize, "\(batchSize)"), optimizer],
                                             "a batch size applies to minibatch mode; \(kind.rawValue) runs in batch mode")
                }
                if let weightDecay {
                    throw ConfigurationError([.init(.weightDecay, "\(weightDecay)"), optimizer], "weight decay applies to sgd, momentum, nesterov, adam and rprop"
                                             + (kind == .quickprop ? "; quickprop's counterpart is quickprop decay" : ""))
                }
            }
            if kind == .lm, let learningRate {
                throw ConfigurationError([.init(.learningRate, "\(learningRate)"), optimizer],
                                         "lm takes no learning rate: its damping μ adapts from 0.001 at every step")
            }
            if kind == .lm || kind == .lbfgs, let schedule, schedule != .constant {
                throw ConfigurationError([.init(.schedule, schedule.description), optimizer],
                                         "\(kind.rawValue) finds its own step sizes and takes no learning-rate schedule")
            }
            if kind != .quickprop {
                for (setting, value) in [(ConfigurationError.Setting.quickpropDecay, quickpropDecay), (.quickpropMu, quickpropMu)] where value != nil {
                    throw ConfigurationError([.init(setting, "\(value!)"), optimizer], "\(setting.rawValue) applies to quickprop only")
                }
            }
            if kind != .lbfgs, let lbfgsHistory {
                throw ConfigurationError([.init(.lbfgsHistory, "\(lbfgsHistory)"), optimizer], "lbfgs history applies to lbfgs only")
            }
        }

        /// The target accuracy as a fraction.
        var targetFraction: Double? { targetAccuracy.map { $0 > 1 ? $0 / 100 : $0 } }

        // MARK: Rules that need no data

        /// Refuses settings that cannot work or would have no effect, naming them. Rules that
        /// depend on the data or a checkpoint are checked when the run starts.
        public func validate() throws {
            if initFrom != nil && resume != nil {
                throw ConfigurationError([.init(.initFrom, initFrom!.path), .init(.resume, resume!.path)],
                                         "give one checkpoint to start from, not both")
            }
            // The learning rate, momentum and weight decay ranges are the optimizer's own rules.
            try optimizerConfig.validate()
            // Resuming without naming the optimizer, the checkpoint's is checked when it is read.
            let named = optimizer ?? (resume == nil ? .adam : nil)
            if let momentum, let kind = named, kind == .adam || kind == .rprop || kind.isBatchMethod {
                throw ConfigurationError([.init(.momentum, "\(momentum)"), .init(.optimizer, kind.rawValue)],
                                         "momentum applies to sgd, momentum and nesterov"
                                         + (kind == .adam ? "; adam's counterpart is beta1" : kind == .quickprop ? "; quickprop's counterpart is quickprop mu" : ""))
            }
            try validateBatchMethodSettings(named)
            if nesterov, let kind = named {
                let withMomentum = kind == .momentum || kind == .nesterov || (kind == .sgd && (momentum ?? 0) > 0)
                guard withMomentum else {
                    throw ConfigurationError([.init(.nesterov, "on"), .init(.optimizer, kind.rawValue)],
                                             "Nesterov's momentum applies to sgd with a momentum above 0, and to momentum")
                }
            }
            if let kind = named, kind != .adam {
                for (setting, value) in [(ConfigurationError.Setting.beta1, beta1), (.beta2, beta2)] where value != nil {
                    throw ConfigurationError([.init(setting, "\(value!)"), .init(.optimizer, kind.rawValue)],
                                             "\(setting.rawValue) applies to adam only")
                }
            }
            if let schedule, schedule != .constant, optimizer == .rprop {
                throw ConfigurationError([.init(.schedule, schedule.description), .init(.optimizer, "rprop")],
                                         "rprop adapts its own steps and takes no learning-rate schedule")
            }
            if let batchSize {
                try LearningMode.minibatch(batchSize).validate(samples: .max)
                if let mode, mode != .minibatch {
                    throw ConfigurationError([.init(.batchSize, "\(batchSize)"), .init(.mode, mode.rawValue)],
                                             "a batch size applies to minibatch mode only")
                }
            }
            if !shuffle && (mode == .batch || (mode == nil && named?.isBatchMethod == true)) {
                throw ConfigurationError([.init(.shuffle, "off"), .init(.mode, "batch")],
                                         "a full batch sums over every sample; its order changes nothing")
            }
            if let epochs, epochs < 1 { throw ConfigurationError(.epochs, epochs, "must be at least 1") }
            if let patience, patience < 1 { throw ConfigurationError(.patience, patience, "must be at least 1") }
            if let targetLoss, !(targetLoss.isFinite && targetLoss >= 0) {
                throw ConfigurationError(.targetLoss, targetLoss, "must be a finite number ≥ 0")
            }
            if let targetAccuracy, !(targetAccuracy > 0 && targetAccuracy <= 100) {
                throw ConfigurationError(.targetAccuracy, targetAccuracy, "must be a fraction in (0, 1] or a percentage in (1, 100]")
            }
            if let saveInterval {
                guard save != nil else {
                    throw ConfigurationError(.saveInterval, saveInterval, "applies only when the model is saved")
                }
                guard saveInterval.isFinite, saveInterval >= 0 else {
                    throw ConfigurationError(.saveInterval, saveInterval, "must be a number of seconds ≥ 0")
                }
            }
            if let save { try CheckpointSaver.checkTarget(save) }
            guard chunkRows >= 1, checkInterval >= 0 else {
                throw ConfigurationError("chunk rows must be at least 1 and the check interval at least 0")
            }
        }
    }
}
