import ArgumentParser
import Backprop
import Foundation

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a network and print what it learned.",
        discussion: """
            Datasets: xor, spirals, circles, sine (built in, generated from --seed), mnist:DIR (a folder \
            with the standard IDX file names, .gz or raw), idx:IMAGES,LABELS, csv:FILE (label in the \
            last column; csv:FILE?label=NAME or ?label=INDEX to choose another, ?target=COL for regression).
            Activations: \(Activation.validNames).
            Losses: \(Loss.validNames).
            Optimizers: \(OptimizerConfig.validNames).
            """)

    @OptionGroup var data: DataOptions

    @Option(parsing: .unconditional, help: "Layer sizes from inputs to outputs, e.g. 784,256,10 (default: inputs,64,64,outputs for up to 16 inputs, inputs,256,outputs otherwise).")
    var layers: String?
    @Option(help: "Hidden-layer activation.") var activation: String = "relu"
    @Option(help: "Output activation (default: the one the loss needs; identity for mse).") var output: String?
    @Option(help: "Loss: cross-entropy, binary-cross-entropy or mse (default: cross-entropy for classes, mse for regression).")
    var loss: String?
    @Option(help: "Weight initialisation: \(Initializer.allCases.map(\.rawValue).joined(separator: ", ")).")
    var initializer: String = "auto"

    @Option(help: "Optimizer: \(OptimizerConfig.validNames).") var optimizer: String = "adam"
    @Option(name: .customLong("learning-rate"), parsing: .unconditional, help: "Learning rate (for rprop, the initial step).")
    var learningRate: Float = 0.01
    @Option(parsing: .unconditional, help: "Momentum μ for momentum and nesterov.") var momentum: Float = 0.9
    @Option(name: .customLong("weight-decay"), parsing: .unconditional, help: "L2 weight decay on weights (decoupled for Adam).")
    var weightDecay: Float = 0
    @Option(help: "Learning-rate schedule: constant, step:EVERY:FACTOR, bold-driver[:UP:DOWN].")
    var schedule: String = "constant"

    @Option(help: "Learning mode: stochastic, batch or minibatch.") var mode: String = "minibatch"
    @Option(name: .customLong("batch-size"), parsing: .unconditional, help: "Mini-batch size (default: 32, or the whole set if smaller).")
    var batchSize: Int?
    @Option(parsing: .unconditional, help: "Epoch limit (default: about 150,000 samples' worth, between 10 and 400 epochs).") var epochs: Int?
    @Option(name: .customLong("target-loss"), parsing: .unconditional, help: "Stop once the (validation) loss is at or below this.")
    var targetLoss: Double?
    @Option(name: .customLong("target-accuracy"), parsing: .unconditional, help: "Stop once the (validation) accuracy reaches this (0-1 or percent).")
    var targetAccuracy: Double?
    @Option(parsing: .unconditional, help: "Stop after this many epochs without a better validation loss.") var patience: Int?
    @Flag(name: .customLong("no-shuffle"), help: "Keep the samples in the order given.") var noShuffle = false

    @Option(help: "Device: auto, cpu, opencl, opencl:gpu, opencl:cpu, opencl:<index>, opencl:<p>:<d>, opencl:<name>.")
    var device: String?
    @Option(name: .customLong("init"), help: "Start from the weights in this checkpoint (architecture must match).")
    var initFrom: String?
    @Option(help: "Resume training from this checkpoint: weights, optimizer state and epoch count.") var resume: String?
    @Option(help: "Save the trained model (safetensors) here; written atomically.") var save: String?
    @Option(name: .customLong("save-every"), help: "With --save, also save after an epoch when this many seconds have passed since the last save (0: every epoch).")
    var saveEvery: Double = 10
    @Flag(help: "Print one JSON object with the final metrics as the last line of standard output.") var json = false
    @Option(name: .customLong("log-every"), parsing: .unconditional, help: "Print one line every N epochs (default: about 25 lines per run).")
    var logEvery: Int?

    func validate() throws {
        guard learningRate.isFinite, learningRate > 0 else {
            throw ValidationError("--learning-rate must be a finite number above 0, got \(learningRate)")
        }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        guard ["stochastic", "batch", "minibatch", "mini-batch"].contains(mode.lowercased()) else {
            throw ValidationError("--mode must be stochastic, batch or minibatch, got '\(mode)'")
        }
        guard OptimizerConfig.Kind(rawValue: optimizer.lowercased()) != nil else {
            throw ValidationError("--optimizer: unknown optimizer '\(optimizer)'; valid: \(OptimizerConfig.validNames)")
        }
        guard Activation(name: activation) != nil else {
            throw ValidationError("--activation: unknown activation '\(activation)'; valid: \(Activation.validNames)")
        }
        if let output, Activation(name: output) == nil {
            throw ValidationError("--output: unknown output activation '\(output)'; valid: \(Activation.validNames)")
        }
        if let loss, Loss(name: loss) == nil {
            throw ValidationError("--loss: unknown loss '\(loss)'; valid: \(Loss.validNames)")
        }
        guard Initializer(rawValue: initializer) != nil else {
            throw ValidationError("--initializer: unknown initializer '\(initializer)'; valid: \(Initializer.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard LearningRateSchedule(parsing: schedule) != nil else {
            throw ValidationError("invalid --schedule '\(schedule)'; expected constant, step:EVERY:FACTOR or bold-driver[:UP:DOWN]")
        }
        guard momentum.isFinite, momentum >= 0, momentum < 1 else {
            throw ValidationError("--momentum must lie in [0, 1), got \(momentum)")
        }
        guard weightDecay.isFinite, weightDecay >= 0 else {
            throw ValidationError("--weight-decay must be ≥ 0, got \(weightDecay)")
        }
        if let patience, patience < 1 { throw ValidationError("--patience must be at least 1, got \(patience)") }
        if let logEvery, logEvery < 1 { throw ValidationError("--log-every must be at least 1, got \(logEvery)") }
        guard saveEvery.isFinite, saveEvery >= 0 else { throw ValidationError("--save-every must be a number of seconds ≥ 0, got \(saveEvery)") }
        if initFrom != nil && resume != nil { throw ValidationError("give --init or --resume, not both") }
        if let layers { _ = try Self.parseLayers(layers) }
        _ = try parseDevice(device)
        try data.validateOptions()
    }

    static func parseLayers(_ text: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        guard parts.count >= 2, parts.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw ValidationError("--layers must list at least two sizes of 1 or more, like 784,256,10; got '\(text)'")
        }
        return parts.map { $0! }
    }

    func run() throws {
        try runReportingErrors {
            let session = TrainingSession(self)
            try session.run()
        }
    }
}
