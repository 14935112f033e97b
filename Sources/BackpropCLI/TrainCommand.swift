import ArgumentParser
import Backprop
import BackpropBench
import Foundation

/// `backprop train`: the options parsed into `TrainingRun.Settings`, the run, its report.
struct Train: ParsableCommand {
    typealias Defaults = TrainingRun.Settings

    static let configuration = CommandConfiguration(
        abstract: "Train a network and print what it learned.",
        discussion: """
            Datasets: xor, spirals, circles, sine (built in, generated from --seed), mnist:DIR (a folder \
            with the standard IDX file names, .gz or raw), idx:IMAGES,LABELS, csv:FILE (label in the \
            last column; csv:FILE?label=NAME or ?label=INDEX to choose another, ?target=COL for regression), \
            fann:FILE (FANN's training data; one-hot outputs are classes unless ?task=regression).
            Activations: \(Activation.validNames).
            Losses: \(Loss.validNames).
            Optimizers: \(OptimizerConfig.validNames).
            An option left out takes the default its help names; one that would have no effect (--momentum \
            for adam, --batch-size in stochastic mode, --save-every without --save, a network option that \
            differs from the --init or --resume checkpoint's) is refused.
            """)

    @OptionGroup var data: DataOptions

    @Option(parsing: .unconditional, help: "Layer sizes from inputs to outputs, e.g. 784,256,10 (default: inputs,64,64,outputs for up to 16 inputs, inputs,256,outputs otherwise).")
    var layers: LayerSizes?
    @Option(help: "Hidden-layer activation (default: relu).") var activation: Activation?
    @Option(help: "Output activation (default: the one the loss needs; identity for mse).") var output: Activation?
    @Option(help: "Loss: cross-entropy, binary-cross-entropy or mse (default: cross-entropy for classes, mse for regression).")
    var loss: Loss?
    @Option(help: "Weight initialisation: \(Initializer.allCases.map(\.rawValue).joined(separator: ", ")) (default: auto).")
    var initializer: Initializer?

    @Option(help: "Optimizer: \(OptimizerConfig.validNames), adamw (= adam: its weight decay is decoupled) (default: adam). sgd with --momentum is momentum SGD, as in PyTorch and Keras. quickprop (Fahlman's, as FANN runs it), lm (Levenberg–Marquardt, for mse) and lbfgs (L-BFGS with a strong-Wolfe line search) run in batch mode.")
    var optimizer: OptimizerConfig.Kind?
    @Option(name: [.customLong("learning-rate"), .customLong("lr")], parsing: .unconditional,
            help: "Learning rate; for rprop, the initial step; for lbfgs, the line search's first step (default: 0.001 for adam, as in PyTorch and Keras; 0.7 for quickprop, as FANN; 1 for lbfgs, as PyTorch; 0.01 for the others; lm takes none).")
    var learningRate: Float?
    @Option(parsing: .unconditional, help: "Momentum μ, for sgd (which it makes momentum SGD), momentum and nesterov (default: 0 for sgd, \(Defaults.defaultMomentum) for momentum and nesterov).")
    var momentum: Float?
    @Flag(help: "Nesterov's momentum, for sgd with --momentum, as torch.optim.SGD(nesterov=True).") var nesterov = false
    @Option(name: .customLong("beta1"), parsing: .unconditional, help: "Adam's β1 (default: 0.9).") var beta1: Float?
    @Option(name: .customLong("beta2"), parsing: .unconditional, help: "Adam's β2 (default: 0.999).") var beta2: Float?
    @Option(name: .customLong("weight-decay"), parsing: .unconditional, help: "L2 weight decay on weights, decoupled for Adam (default: 0).")
    var weightDecay: Float?
    @Option(help: "Learning-rate schedule: constant, step:EVERY:FACTOR, bold-driver[:UP:DOWN] (default: constant).")
    var schedule: LearningRateSchedule?
    @Option(name: .customLong("quickprop-decay"), parsing: .unconditional, help: "Quickprop's decay, added to FANN's slope, ≤ 0 (default: -0.0001, FANN's).")
    var quickpropDecay: Float?
    @Option(name: .customLong("quickprop-mu"), parsing: .unconditional, help: "Quickprop's μ, the largest growth of a step (default: 1.75, FANN's).")
    var quickpropMu: Float?
    @Option(name: .customLong("lbfgs-history"), parsing: .unconditional, help: "L-BFGS's correction pairs, torch.optim.LBFGS's history_size (default: 10).")
    var lbfgsHistory: Int?

    @Option(help: "Learning mode: stochastic, batch or minibatch (default: minibatch; batch for quickprop, lm and lbfgs).") var mode: LearningMode.Kind?
    @Option(name: .customLong("batch-size"), parsing: .unconditional,
            help: "Mini-batch size (default: \(Defaults.defaultBatchSize), or the whole set if smaller).")
    var batchSize: Int?
    @Option(parsing: .unconditional, help: "Epoch limit; when resuming, the total (default: about 1,000,000 samples' worth, between 10 and 3,000 epochs).")
    var epochs: Int?
    @Option(name: .customLong("target-loss"), parsing: .unconditional, help: "Stop once the (validation) loss is at or below this.")
    var targetLoss: Double?
    @Option(name: .customLong("target-accuracy"), parsing: .unconditional, help: "Stop once the (validation) accuracy reaches this (0-1 or percent).")
    var targetAccuracy: Double?
    @Option(parsing: .unconditional, help: "Stop after this many epochs without a better validation loss.") var patience: Int?
    @Flag(name: .customLong("no-shuffle"), help: "Keep the samples in the order given (stochastic and minibatch modes).")
    var noShuffle = false

    @Option(help: "Device: auto, cpu, opencl, opencl:gpu, opencl:cpu, opencl:<index>, opencl:<p>:<d>, opencl:<name>; a comma-separated list is an order of preference (default: BACKPROP_DEVICE, else auto).")
    var device: DeviceRequest?
    @Option(name: .customLong("init"), help: "Start from the weights (and normalisation) in this checkpoint, or from plain PyTorch weights (layers.N.weight or nn.Sequential's N.weight, with --activation etc.), with a fresh optimizer.", completion: .file(extensions: ["safetensors"]))
    var initFrom: String?
    @Option(help: "Resume training from this checkpoint: weights, optimizer state and epoch count.", completion: .file(extensions: ["safetensors"])) var resume: String?
    @Option(help: "Save the trained model (safetensors) here; written atomically.", completion: .file(extensions: ["safetensors"])) var save: String?
    @Option(name: .customLong("save-every"), parsing: .unconditional,
            help: "With --save, also save after an epoch once this many seconds have passed since the last save (0: every epoch; default: \(Defaults.defaultSaveInterval.clampedInt())).")
    var saveEvery: Double?
    @Option(help: "Which samples --validation holds out: last (the last ones, as Keras) or random (drawn with --seed, as scikit-learn) (default: last).")
    var split: SplitOrder?
    @Option(help: "Write one row per epoch (epoch, losses, accuracies, learning rate, seconds) to this file: CSV, or JSON lines for .jsonl/.json.", completion: .file(extensions: ["csv", "jsonl", "json"]))
    var history: String?
    @OptionGroup var console: OutputOptions
    @Option(name: .customLong("log-every"), parsing: .unconditional, help: "Print one line every N epochs, and the first and last (default: about 25 lines per run); on a terminal a live line shows the epochs between.")
    var logEvery: Int?

    func validate() throws {
        if let logEvery, logEvery < 1 { throw ValidationError("--log-every must be at least 1, got \(logEvery)") }
    }

    /// The options as the library's settings; nothing is defaulted here.
    var settings: TrainingRun.Settings {
        var s = TrainingRun.Settings()
        s.validation = data.validation
        s.splitOrder = split
        s.normalization = data.normalize
        s.seed = data.seed
        s.layers = layers?.sizes
        s.activation = activation
        s.output = output
        s.loss = loss
        s.initializer = initializer
        s.initFrom = initFrom.map { URL(fileURLWithPath: $0) }
        s.resume = resume.map { URL(fileURLWithPath: $0) }
        s.optimizer = optimizer
        s.learningRate = learningRate
        s.momentum = momentum
        s.nesterov = nesterov
        s.beta1 = beta1
        s.beta2 = beta2
        s.weightDecay = weightDecay
        s.schedule = schedule
        s.quickpropDecay = quickpropDecay
        s.quickpropMu = quickpropMu
        s.lbfgsHistory = lbfgsHistory
        s.mode = mode
        s.batchSize = batchSize
        s.epochs = epochs
        s.shuffle = !noShuffle
        s.targetLoss = targetLoss
        s.targetAccuracy = targetAccuracy
        s.patience = patience
        s.device = device
        s.save = save.map { URL(fileURLWithPath: $0) }
        s.saveInterval = saveEvery
        return s
    }

    /// A setting of the library as the option that sets it, with its value: "--batch-size 10".
    static func option(_ fault: ConfigurationError.Fault) -> String {
        switch fault.setting {
        case .shuffle: "--no-shuffle"
        case .nesterov: "--nesterov"
        default: "\(option(fault.setting)) \(fault.value)"
        }
    }

    /// The option that sets each of the library's settings.
    static func option(_ setting: ConfigurationError.Setting) -> String {
        switch setting {
        case .dataset: "--dataset"
        case .validation: "--validation"
        case .normalization: "--normalize"
        case .seed: "--seed"
        case .layers: "--layers"
        case .activation: "--activation"
        case .output: "--output"
        case .loss: "--loss"
        case .initializer: "--initializer"
        case .optimizer: "--optimizer"
        case .learningRate: "--learning-rate"
        case .momentum: "--momentum"
        case .nesterov: "--nesterov"
        case .beta1: "--beta1"
        case .beta2: "--beta2"
        case .weightDecay: "--weight-decay"
        case .schedule: "--schedule"
        case .mode: "--mode"
        case .batchSize: "--batch-size"
        case .epochs: "--epochs"
        case .shuffle: "--no-shuffle"
        case .targetLoss: "--target-loss"
        case .targetAccuracy: "--target-accuracy"
        case .patience: "--patience"
        case .device: "--device"
        case .initFrom: "--init"
        case .resume: "--resume"
        case .save: "--save"
        case .saveInterval: "--save-every"
        case .history: "--history"
        case .splitOrder: "--split"
        case .onnx: "--onnx"
        case .validationData: "--validation-data"
        case .quickpropDecay: "--quickprop-decay"
        case .quickpropMu: "--quickprop-mu"
        case .lbfgsHistory: "--lbfgs-history"
        }
    }

    func run() throws {
        console.apply()
        let ranks = try Ranks.fromEnvironment()
        // With several ranks only rank 0 prints, writes the history and --json, and saves.
        if !ranks.communicator.isRoot { Console.mode = .quiet }
        try ranks.run {
            try runReportingErrors {
                try train(communicator: ranks.communicator)
            }
        }
    }

    private func train(communicator: any Communicator) throws {
        // The handlers first: a signal from here on is a request to stop, never a kill.
        let run = try TrainingRun(settings, stop: .onSignals { signal in
            "\nbackprop: a second \(signal == SIGTERM ? "SIGTERM" : "SIGINT"): stopping at once, without saving; "
                + "the last checkpoint written, if any, is kept\n"
        })
        run.communicator = communicator
        let root = communicator.isRoot
        let history = try history.flatMap { root ? $0 : nil }.map { try HistoryWriter(URL(fileURLWithPath: $0)) }
        let samples = try data.load()
        let heldOut = try data.loadValidation()
        let reporter = ProgressReporter(logEvery: logEvery)
        let outcome: TrainingRun.Outcome
        do {
            outcome = try run.train(on: samples, validation: heldOut) { event in
                // Every rank says which device it trains on.
                if !root, case .notice(let text) = event, text.hasPrefix("rank ") { printError("backprop: " + text) }
                reporter.handle(event)
                if case .epoch(let report) = event { history?.add(report) }
            }
        } catch {
            history?.finish()
            reporter.finishLine()
            throw error
        }
        history?.finish()
        reporter.finishLine()
        // A testing aid (scripts/test-mpi.sh): every rank's final weights, to compare rank with rank.
        if let folder = ProcessInfo.processInfo.environment["BACKPROP_RANK_CHECKPOINTS"], communicator.size > 1 {
            try Checkpoint(network: outcome.trainer.network).write(
                to: URL(fileURLWithPath: folder).appendingPathComponent("rank-\(communicator.rank).safetensors"))
        }
        if outcome.reason == .interrupted {
            let signal = outcome.signal ?? SIGINT
            if root {
                printError("backprop: interrupted by \(signal == SIGTERM ? "SIGTERM" : "SIGINT") after epoch "
                    + "\(outcome.trainer.completedEpochs)" + (outcome.saved.map { "; checkpoint saved to \($0.path)" } ?? ""))
            }
            throw ExitCode(128 + signal)
        }
        if root { try Summary(outcome: outcome, dataset: data.dataset.description).print(json: console.json) }
    }
}
