import ArgumentParser
import Backprop
import Foundation
import Synchronization

/// The signal that asked training to stop (SIGINT or SIGTERM), or 0.
let pendingSignal = Atomic<Int32>(0)

/// One `backprop train` run, top to bottom: data, device, network, training, saving, report.
struct TrainingSession {
    let options: Train

    init(_ options: Train) { self.options = options }

    func run() throws {
        let o = options
        if let save = o.save { try Self.checkSaveTarget(save) }
        let everything = try o.data.load()
        var (train, validation) = try o.data.split(everything)
        let epochs = o.epochs ?? min(400, max(10, 150_000 / train.count))
        let mode = self.mode(trainCount: train.count)
        if case .minibatch(let size) = mode, size > train.count {
            let held = validation.map { " once \($0.count) are held out for validation" } ?? ""
            throw ConfigurationError("--batch-size \(size) is larger than the training set (\(train.count) samples\(held)); "
                                     + "expected at most \(train.count)")
        }
        let start = try o.resume.map { try Checkpoint.read(from: URL(fileURLWithPath: $0)) }
            ?? o.initFrom.map { try Checkpoint.read(from: URL(fileURLWithPath: $0)) }

        // Normalisation: the model's own when continuing from one, else fitted on the training split.
        let normalization = try start?.normalization ?? {
            let kind = try Normalization.Kind(parsing: o.data.normalize)
            return kind == .none ? nil : kind.fit(train)
        }()
        if let normalization {
            try normalization.apply(to: &train)
            if validation != nil { try normalization.apply(to: &validation!) }
        }

        let device = try DeviceSelection.open(o.device.map { try DeviceRequest(parsing: $0) })
        let arch = try start?.architecture ?? architecture(for: train)
        try check(arch, fits: train)
        let network = try start?.makeNetwork(device: device)
            ?? Network(arch, device: device, initializer: Initializer(rawValue: o.initializer)!, seed: o.data.seed)

        var config = OptimizerConfig(OptimizerConfig.Kind(rawValue: o.optimizer.lowercased())!,
                                     learningRate: o.learningRate, momentum: o.momentum, weightDecay: o.weightDecay)
        if o.resume != nil, let saved = start?.optimizer { config = saved }
        var trainingOptions = TrainingOptions(mode: mode, epochs: epochs)
        trainingOptions.schedule = LearningRateSchedule(parsing: o.schedule)!
        trainingOptions.shuffle = !o.noShuffle
        trainingOptions.seed = o.data.seed
        trainingOptions.stopping.targetLoss = o.targetLoss
        trainingOptions.stopping.targetAccuracy = o.targetAccuracy.map { $0 > 1 ? $0 / 100 : $0 }
        trainingOptions.stopping.patience = o.patience
        let trainer = try Trainer(network: network, optimizer: Optimizer(config, network: network), options: trainingOptions)
        if o.resume != nil { try start?.restore(into: trainer) }

        let reporter = ProgressReporter(json: o.json, logEvery: o.logEvery, maxEpochs: epochs)
        reporter.header(arch: arch, device: device, train: train, validation: validation, mode: mode, config: config)
        let saver = CheckpointSaver(path: o.save, normalization: normalization, classNames: train.classNames)
        installSignalHandlers()
        trainer.shouldStop = { pendingSignal.load(ordering: .relaxed) != 0 }

        let clock = ContinuousClock.now
        let result: TrainingResult
        do {
            result = try trainer.fit(train, validation: validation, progress: reporter.progress) { report in
                reporter.epoch(report)
                saver.epochEnded(network: network, trainer: trainer)
            }
        } catch let error as TrainingError {
            reporter.finishLine()
            printError("backprop: \(error)")
            if let kept = saver.lastSaved { printError("backprop: the last good checkpoint, from epoch \(kept), is kept in \(o.save!)") }
            throw ExitCode(70)
        }
        reporter.finishLine()
        let seconds = (ContinuousClock.now - clock).inSeconds
        let saved = try saver.final(network: network, trainer: trainer)
        let signal = pendingSignal.load(ordering: .relaxed)
        if result.reason == .interrupted {
            printError("backprop: interrupted by \(signal == SIGTERM ? "SIGTERM" : "SIGINT") after epoch \(trainer.completedEpochs)"
                + (saved ? "; checkpoint saved to \(o.save!)" : ""))
            throw ExitCode(128 + signal)
        }
        try Summary(trainer: trainer, result: result, seconds: seconds, train: train, validation: validation,
                    dataset: o.data.dataset, device: device, saved: saved ? o.save : nil).print(json: o.json)
    }

    private func mode(trainCount: Int) -> LearningMode {
        switch options.mode.lowercased() {
        case "stochastic": .stochastic
        case "batch": .batch
        default: .minibatch(options.batchSize ?? min(32, trainCount))
        }
    }

    /// The network the options describe, with sizes defaulted from the data.
    private func architecture(for data: Dataset) throws -> Architecture {
        let named = options.loss.flatMap(Loss.init(name:))  // validated in Train.validate
        let classes = data.classes ?? 2
        let outputs = data.isClassification ? (named == .sigmoidCrossEntropy && classes == 2 ? 1 : classes) : data.targetSize
        let sizes = try options.layers.map(Train.parseLayers)
            ?? [data.inputSize] + (data.inputSize <= 16 ? [64, 64] : [256]) + [outputs]
        let loss = named ?? (data.isClassification ? (sizes.last == 1 ? .sigmoidCrossEntropy : .softmaxCrossEntropy) : .squaredError)
        do {
            return try Architecture(sizes: sizes, hidden: Activation(name: options.activation)!,
                                    output: options.output.flatMap(Activation.init(name:)), loss: loss)
        } catch let e as ConfigurationError {
            // Say which options made the network, so that the message leads back to them.
            let given = "--layers \(sizes.map(String.init).joined(separator: ",")) --activation \(options.activation)"
                + (options.output.map { " --output \($0)" } ?? "") + " --loss \(loss.name)"
            throw ConfigurationError("the network of \(given) cannot work: \(e)")
        }
    }

    /// Refuses a `--save` path whose folder is missing, or that is a folder itself, before
    /// any data is read or any epoch is spent.
    private static func checkSaveTarget(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ConfigurationError("--save \(path) is a folder; expected the path of a file to write")
        }
        let folder = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ConfigurationError("--save \(path): the folder \(folder) does not exist")
        }
    }

    /// Refuses data that does not fit the network, naming both.
    private func check(_ arch: Architecture, fits data: Dataset) throws {
        guard data.inputSize == arch.inputSize else {
            throw DataError(source: data.source, record: nil,
                            problem: "has \(data.inputSize) inputs per sample, but the network (\(arch.summary)) takes \(arch.inputSize)")
        }
        _ = try data.encodedTargets(outputs: arch.outputSize)
    }

    private func installSignalHandlers() {
        for s in [SIGINT, SIGTERM] {
            signal(s) { sig in
                // A second signal while the first is being handled ends at once.
                if pendingSignal.exchange(sig, ordering: .relaxed) != 0 { _exit(128 + sig) }
            }
        }
    }
}

extension Duration {
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
