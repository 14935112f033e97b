import Foundation

extension TrainingRun {
    /// What a run trains, once the settings met the data: every default resolved, as it stood
    /// when training began (the device it began on, the epochs a resumed run had done).
    public struct Plan: Sendable {
        public var architecture: Architecture
        public var device: String
        /// Where the samples came from, and how many train and are held out.
        public var source: String
        public var trainCount: Int
        public var validationCount: Int
        public var normalization: Normalization.Kind
        public var mode: LearningMode
        public var optimizer: OptimizerConfig
        /// The rate the first epoch runs at (a resumed run's, as its schedule left it).
        public var learningRate: Float
        /// The epoch limit, and the epochs already done (a resumed run starts after them).
        public var epochs: Int
        public var completedEpochs: Int
        /// What a resumed run changes of its checkpoint's optimizer, one phrase each.
        public var overrides: [String] = []

        init(_ p: Prepared, device: any Device, trainer: Trainer) {
            architecture = p.architecture
            self.device = device.name
            source = p.train.source
            trainCount = p.train.count
            validationCount = p.validation?.count ?? 0
            normalization = p.normalization?.kind ?? .none
            mode = p.options.mode
            optimizer = trainer.optimizer.config
            learningRate = trainer.learningRate
            epochs = p.options.stopping.maxEpochs
            completedEpochs = trainer.completedEpochs
        }
    }

    /// What a finished (or stopped) run leaves: the trained network and its trainer on the
    /// device training ended on, the splits as trained on (normalised) and on the device, and
    /// the final evaluation of each.
    public struct Outcome {
        public var plan: Plan
        public var result: TrainingResult
        public var reason: StopReason { result.reason }
        public var trainer: Trainer
        public var network: Network { trainer.network }
        public var device: any Device { trainer.network.device }
        public var train: Dataset
        public var validation: Dataset?
        public var trainData: DeviceData
        public var validationData: DeviceData?
        public var normalization: Normalization?
        /// Wall time of the epochs (evaluation and the final save excluded).
        public var seconds: Double
        /// Where the model was saved, if it was.
        public var saved: URL?
        /// The signal that stopped the run, if one did.
        public var signal: Int32?
        /// Loss and accuracy over each split after training, with the confusion matrix of the
        /// held-out split (of the training split when nothing is held out) for up to
        /// `Evaluation.confusionLimit` classes. Nil when the run was interrupted.
        public var trainEvaluation: Evaluation?
        public var validationEvaluation: Evaluation?

        /// Training samples per second over the epochs run.
        public var samplesPerSecond: Double {
            let time = result.epochs.reduce(0) { $0 + $1.seconds }
            return time > 0 ? Double(result.epochs.count * train.count) / time : 0
        }
    }

    /// The settings resolved against the data.
    struct Prepared {
        var train: Dataset
        var validation: Dataset?
        var normalization: Normalization?
        var architecture: Architecture
        var options: TrainingOptions
        /// What looks wrong but may be meant (a held-out split of one class), said as notices.
        var warnings: [String]
        /// The weights the run starts from: the checkpoint's, or the plain weights' made a network.
        var start: Checkpoint?
    }

    /// Splits and normalises `data`, resolves the network, the mode and the epoch limit, and
    /// refuses what cannot work with this data, before any device is opened.
    func prepare(_ data: Dataset, heldOut: Dataset? = nil) throws -> Prepared {
        if let heldOut {
            // A held-out set of its own: nothing is split off the training data.
            if let given = settings.validation, given != .none {
                throw ConfigurationError([.init(.validation, given.description), .init(.validationData, heldOut.source)],
                                         "give the held-out samples one way: a split of the data, or a data set of their own")
            }
            if let order = settings.splitOrder {
                throw ConfigurationError([.init(.splitOrder, order.rawValue), .init(.validationData, heldOut.source)],
                                         "the split order chooses which samples are split off, and a held-out data set is given instead")
            }
            guard heldOut.inputSize == data.inputSize, heldOut.isClassification == data.isClassification,
                  heldOut.targetSize == data.targetSize || data.isClassification else {
                throw DataError(source: heldOut.source, record: nil, problem:
                    "has \(heldOut.inputSize) inputs per sample and \(heldOut.isClassification ? "class labels" : "\(heldOut.targetSize) targets"), "
                    + "but the training data \(data.source) has \(data.inputSize) and \(data.isClassification ? "class labels" : "\(data.targetSize) targets")")
            }
        }
        let split = heldOut != nil ? .none : settings.validation ?? (data.count >= 100 ? .fraction(0.1) : .none)
        // Continuing from a checkpoint, the labels are numbered as its network numbers its classes.
        let data = try checkpoint.map { try data.relabeled(toClasses: $0.classNames, count: $0.classCount) } ?? data
        let order = settings.splitOrder ?? .last
        var (train, validation) = try data.split(split, order: order, seed: settings.seed)
        if let heldOut {
            // Numbered as the training labels are (text labels through the class names).
            validation = try heldOut.relabeled(toClasses: checkpoint?.classNames ?? train.classNames,
                                               count: checkpoint?.classCount ?? train.classes ?? 0)
        }
        if let given = settings.splitOrder, validation == nil, heldOut == nil {
            throw ConfigurationError([.init(.splitOrder, given.rawValue), .init(.validation, split.description)],
                                     "the split order chooses which samples are held out, and none are")
        }
        var warnings: [String] = []
        if let validation, let held = validation.labels, let all = data.labels {
            if Set(held).count == 1 && Set(all).count > 1 {
                warnings.append("every held-out sample is of one class (\(data.labelText(held[0])))"
                    + (order == .last ? "; the data may be sorted by class: --split random draws the held-out samples at random" : ""))
            } else if order == .last, all.count > 2, zip(all, all.dropFirst()).allSatisfy({ $0 <= $1 }) {
                warnings.append("the labels arrive sorted, so the held-out samples, the last ones, are of the last "
                    + "classes only: --split random draws them at random")
            }
        }
        // Normalisation: the checkpoint's when continuing from one, else fitted on the training split.
        let normalization: Normalization?
        if checkpoint != nil || weights != nil {
            normalization = checkpoint?.normalization
        } else {
            let kind = settings.normalization ?? .none
            normalization = kind == .none ? nil : kind.fit(train)
        }
        if let normalization {
            try normalization.apply(to: &train)
            if validation != nil { try normalization.apply(to: &validation!) }
        }
        let start = try checkpoint ?? weights.map {
            try $0.checkpoint(NetworkChoice(activation: settings.activation, output: settings.output, loss: settings.loss,
                                            classification: train.isClassification))
        }
        let architecture = try start?.architecture ?? self.architecture(for: train)
        if !train.isClassification, architecture.loss != .squaredError { throw Self.regressionLoss(architecture.loss, data) }
        guard train.inputSize == architecture.inputSize else {
            throw DataError(source: train.source, record: nil, problem:
                "has \(train.inputSize) inputs per sample, but the network (\(architecture.summary)) takes \(architecture.inputSize)")
        }
        try train.validateTargets(outputs: architecture.outputSize)
        try validation?.validateTargets(outputs: architecture.outputSize)

        // A resumed run keeps its checkpoint's optimizer unless the settings name one.
        var kind = settings.optimizerKind
        if settings.resume != nil, settings.optimizer == nil, let saved = checkpoint?.optimizer?.kind { kind = saved }
        if kind.isBatchMethod, let given = settings.mode, given != .batch { throw kind.batchModeOnly(given.rawValue) }
        // LM's loss, output and P×P system, refused before any device is opened or data uploaded.
        if kind == .lm { try LevenbergMarquardt.check(architecture) }
        let mode: LearningMode
        switch settings.mode ?? (kind.isBatchMethod ? .batch : .minibatch) {
        case .stochastic: mode = .stochastic
        case .batch: mode = .batch
        case .minibatch: mode = .minibatch(settings.batchSize ?? Swift.min(Settings.defaultBatchSize, train.count))
        }
        do {
            try mode.validate(samples: train.count)
        } catch let e as ConfigurationError {
            guard let validation else { throw e }
            throw ConfigurationError(e.settings, e.problem.replacingOccurrences(
                of: "(\(train.count) samples)", with: "(\(train.count) samples once \(validation.count) are held out for validation)"))
        }
        if let patience = settings.patience, validation == nil {
            throw ConfigurationError([.init(.patience, "\(patience)"), .init(.validation, split.description)],
                                     "patience counts epochs without a better validation loss, and no samples are held out")
        }
        if let target = settings.targetAccuracy, !train.isClassification {
            throw ConfigurationError(.targetAccuracy, target, "\(train.source) holds regression targets, which have no accuracy")
        }

        var options = TrainingOptions(mode: mode, epochs: settings.epochs ?? Settings.defaultEpochs(trainCount: train.count))
        options.schedule = settings.schedule ?? .constant
        options.shuffle = settings.shuffle
        options.seed = settings.seed
        options.chunkRows = settings.chunkRows
        options.checkInterval = settings.checkInterval
        options.stopping.targetLoss = settings.targetLoss
        options.stopping.targetAccuracy = settings.targetFraction
        options.stopping.patience = settings.patience
        return Prepared(train: train, validation: validation, normalization: normalization,
                        architecture: architecture, options: options, warnings: warnings, start: start)
    }

    /// The refusal of a classification loss for regression targets.
    static func regressionLoss(_ loss: Loss, _ data: Dataset) -> ConfigurationError {
        ConfigurationError(.loss, loss.name, "\(data.source) holds regression targets, which only the mse loss "
                           + "fits (\(loss.name) needs class labels)")
    }

    /// The network the settings describe, with sizes defaulted from the data.
    private func architecture(for data: Dataset) throws -> Architecture {
        let classes = data.classes ?? 2
        // Outputs are sized from the largest label: one stray label 65535 among a few rows would
        // build 65,536 outputs. More classes than samples is refused unless the layers say so.
        if settings.layers == nil, data.isClassification, classes > 2, classes > data.count {
            throw DataError(source: data.source, record: nil, problem:
                "has labels up to \(classes - 1), so \(classes) classes, but only \(data.count) training samples; "
                + "expected class labels 0..<k with k at most the number of samples (give the layer sizes to build "
                + "a network with \(classes) outputs anyway)")
        }
        let outputs = data.isClassification ? (settings.loss == .sigmoidCrossEntropy && classes == 2 ? 1 : classes) : data.targetSize
        let sizes = settings.layers ?? [data.inputSize] + (data.inputSize <= 16 ? [64, 64] : [256]) + [outputs]
        let loss = settings.loss
            ?? (data.isClassification ? (sizes.last == 1 ? .sigmoidCrossEntropy : .softmaxCrossEntropy) : .squaredError)
        let hidden = settings.activation ?? .relu
        if !data.isClassification, loss != .squaredError { throw Self.regressionLoss(loss, data) }
        do {
            return try Architecture(sizes: sizes, hidden: hidden, output: settings.output, loss: loss)
        } catch let e as ConfigurationError {
            // Name every setting that made the network, so that the message leads back to them.
            var faults = [ConfigurationError.Fault(.layers, LayerSizes(sizes).description), .init(.activation, hidden.name)]
            if let output = settings.output { faults.append(.init(.output, output.name)) }
            faults.append(.init(.loss, loss.name))
            throw ConfigurationError(faults, "this network cannot work: \(e.problem)")
        }
    }

    /// A checkpoint fixes its network (and, resumed, the kind of its optimizer, whose state
    /// goes on): a setting may restate what the checkpoint holds, and one that would change it
    /// is refused, naming both. A resumed optimizer's learning rate, momentum and weight decay
    /// may be given anew: they override the checkpoint's (see `overrides`).
    func checkSettings(against c: Checkpoint) throws {
        let source: ConfigurationError.Fault = settings.resume.map { .init(.resume, $0.path) }
            ?? .init(.initFrom, settings.initFrom?.path ?? "")
        func refuse(_ setting: ConfigurationError.Setting, _ value: String, _ holds: String) -> ConfigurationError {
            ConfigurationError([.init(setting, value), source],
                               "the checkpoint fixes the \(setting.rawValue): \(holds); leave the \(setting.rawValue) out to continue from it")
        }
        let arch = c.architecture
        if let layers = settings.layers, layers != arch.sizes {
            throw refuse(.layers, LayerSizes(layers).description, "its network is \(LayerSizes(arch.sizes))")
        }
        let hidden = Set(arch.activations.dropLast())
        if let a = settings.activation, !hidden.isEmpty, hidden != [a] {
            throw refuse(.activation, a.name, "its hidden layers are \(hidden.map(\.name).sorted().joined(separator: "+"))")
        }
        if let o = settings.output, o != arch.outputActivation {
            throw refuse(.output, o.name, "its output activation is \(arch.outputActivation.name)")
        }
        if let l = settings.loss, l != arch.loss { throw refuse(.loss, l.name, "its loss is \(arch.loss.name)") }
        if let i = settings.initializer {
            throw ConfigurationError([.init(.initializer, i.rawValue), source],
                                     "the weights come from the checkpoint, so an initializer would have no effect; "
                                     + "leave the initializer out to continue from it")
        }
        if let n = settings.normalization, n != (c.normalization?.kind ?? .none) {
            throw refuse(.normalization, n.rawValue, c.normalization.map { "its normalisation is \($0.kind.rawValue)" } ?? "it has no normalisation")
        }
        guard settings.resume != nil, let saved = c.optimizer else { return }
        if settings.optimizer == nil, let mu = settings.momentum, saved.kind != .momentum && saved.kind != .nesterov {
            throw refuse(.momentum, "\(mu)", "its optimizer is \(saved.kind.rawValue), which has no momentum")
        }
        if settings.optimizer == nil, settings.nesterov, saved.kind != .nesterov {
            throw refuse(.nesterov, "on", "its optimizer is \(saved.kind.rawValue), whose state Nesterov's momentum cannot take over")
        }
        if settings.optimizer == nil, saved.kind != .adam {
            for (setting, value) in [(ConfigurationError.Setting.beta1, settings.beta1), (.beta2, settings.beta2)] {
                if let value { throw refuse(setting, "\(value)", "its optimizer is \(saved.kind.rawValue); \(setting.rawValue) applies to adam only") }
            }
        }
        if settings.optimizer == nil, let schedule = settings.schedule, schedule != .constant, saved.kind == .rprop {
            throw refuse(.schedule, schedule.description, "its optimizer is rprop, which takes no learning-rate schedule")
        }
        if settings.optimizer != nil, case let kind = settings.optimizerKind, kind != saved.kind {
            throw ConfigurationError([.init(.optimizer, kind.rawValue), source],
                                     "the checkpoint's optimizer is \(saved.kind.rawValue), whose state a \(kind.rawValue) optimizer "
                                     + "cannot take over; leave the optimizer out to resume, or start a new one from its weights (init)")
        }
    }

    /// Plain weights fix the layer sizes; the activations and loss are the settings' (they are
    /// the weights' network), and a new optimizer starts. They carry no normalisation, optimizer
    /// state or progress: an initializer, a normalisation or resuming is refused.
    func checkSettings(against w: PlainWeights) throws {
        let source = ConfigurationError.Fault(settings.resume != nil ? .resume : .initFrom, w.source)
        if settings.resume != nil {
            throw ConfigurationError([source], "holds plain weights, with no optimizer state or progress to resume from; "
                                     + "start a new run from them with init")
        }
        func refuse(_ setting: ConfigurationError.Setting, _ value: String, _ why: String) -> ConfigurationError {
            ConfigurationError([.init(setting, value), source], why)
        }
        if let layers = settings.layers, layers != w.sizes {
            throw refuse(.layers, LayerSizes(layers).description, "the weights fix the layer sizes: \(LayerSizes(w.sizes)); "
                         + "leave the layers out to start from them")
        }
        if let i = settings.initializer {
            throw refuse(.initializer, i.rawValue, "the weights come from the file, so an initializer would have no effect")
        }
        if let n = settings.normalization, n != .none {
            throw refuse(.normalization, n.rawValue, "plain weights were trained on inputs as they were then; a normalisation "
                         + "fitted now would change them (normalise the data as the weights expect it)")
        }
    }

    /// A resumed run's optimizer: the checkpoint's, with the learning rate, momentum and weight
    /// decay the settings give in place of its own.
    func resumedOptimizer(_ saved: OptimizerConfig) -> OptimizerConfig {
        var config = saved
        if let lr = settings.learningRate { config.learningRate = lr }
        if let mu = settings.momentum { config.momentum = mu }
        if let wd = settings.weightDecay { config.weightDecay = wd }
        if let b1 = settings.beta1 { config.beta1 = b1 }
        if let b2 = settings.beta2 { config.beta2 = b2 }
        return config
    }

    /// What a resumed run changes of its checkpoint's optimizer, one phrase each ("learning rate
    /// 0.1 (the checkpoint had 4.5)"), for the plan.
    func overrides(of saved: OptimizerConfig, rate: Float) -> [String] {
        var out: [String] = []
        if let lr = settings.learningRate, lr != rate { out.append("learning rate \(lr) (the checkpoint had \(rate))") }
        if let mu = settings.momentum, mu != saved.momentum { out.append("momentum \(mu) (the checkpoint had \(saved.momentum))") }
        if let b1 = settings.beta1, b1 != saved.beta1 { out.append("beta1 \(b1) (the checkpoint had \(saved.beta1))") }
        if let b2 = settings.beta2, b2 != saved.beta2 { out.append("beta2 \(b2) (the checkpoint had \(saved.beta2))") }
        if let wd = settings.weightDecay, wd != saved.weightDecay {
            out.append("weight decay \(wd) (the checkpoint had \(saved.weightDecay))")
        }
        return out
    }
}
