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
        if case .minibatch(let size) = mode(trainCount: train.count), size > train.count {
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
        let arch = try start?.architecture ?? architecture(for: train)
        try check(arch, fits: train)
        let trainingOptions = try self.trainingOptions(epochs: epochs, trainCount: train.count)

        var (device, fallbacks) = try DeviceSelection.openWithFallbacks(o.device.map { try DeviceRequest(parsing: $0) }, notice: notice)
        var trainer = try makeTrainer(arch, on: device, from: start, resume: o.resume != nil, options: trainingOptions)
        let reporter = ProgressReporter(json: o.json, logEvery: o.logEvery, maxEpochs: epochs)
        reporter.header(arch: arch, device: device, train: train, validation: validation,
                        mode: trainingOptions.mode, config: trainer.optimizer.config)
        let saver = CheckpointSaver(path: o.save, every: o.saveEvery, normalization: normalization, classNames: train.classNames)
        installSignalHandlers()

        let clock = ContinuousClock.now
        var result: TrainingResult?
        var lastGood: Checkpoint?  // kept in memory only while another device could take over
        while result == nil {
            do {
                let t = trainer
                result = try t.fit(train, validation: validation, progress: reporter.progress) { report in
                    reporter.epoch(report)
                    saver.epochEnded(network: t.network, trainer: t)
                    if !fallbacks.isEmpty { lastGood = try? Checkpoint(network: t.network, trainer: t) }
                }
            } catch let error as TrainingError {
                reporter.finishLine()
                printError("backprop: \(error)")
                if let kept = saver.lastSaved {
                    printError("backprop: the last good checkpoint, from epoch \(kept), is kept in \(o.save ?? "")")
                }
                throw ExitCode(1)
            } catch where (error is CLError || error is DeviceError) && !fallbacks.isEmpty {
                // The device failed midway: go on from the last finished epoch on the next one.
                reporter.finishLine()
                let failed = device.name
                let next = fallbacks.removeFirst()
                let opened = try DeviceSelection.openWithFallbacks(next, notice: notice)
                (device, fallbacks) = (opened.device, opened.fallbacks + fallbacks)
                trainer = try makeTrainer(arch, on: device, from: lastGood ?? start, resume: lastGood != nil || o.resume != nil,
                                          options: trainingOptions)
                notice("\(failed) failed during training (\(error)); continuing on \(device.name) "
                    + "from epoch \(trainer.completedEpochs + 1)")
            }
        }
        reporter.finishLine()
        let seconds = (ContinuousClock.now - clock).seconds
        let saved = try saver.final(network: trainer.network, trainer: trainer)
        let signal = pendingSignal.load(ordering: .relaxed)
        if result?.reason == .interrupted {
            printError("backprop: interrupted by \(signal == SIGTERM ? "SIGTERM" : "SIGINT") after epoch \(trainer.completedEpochs)"
                + (saved ? "; checkpoint saved to \(o.save ?? "")" : ""))
            throw ExitCode(128 + signal)
        }
        try Summary(trainer: trainer, result: result!, seconds: seconds, train: train, validation: validation,
                    dataset: o.data.dataset, device: device, saved: saved ? o.save : nil).print(json: o.json)
    }

    /// A trainer on `device`: from `start`'s weights when given (and its optimizer state and
    /// progress when resuming), else freshly initialised from the seed.
    private func makeTrainer(_ arch: Architecture, on device: any Device, from start: Checkpoint?, resume: Bool,
                             options: TrainingOptions) throws -> Trainer {
        let o = self.options
        let network = try start?.makeNetwork(device: device)
            ?? Network(arch, device: device, initializer: Initializer(rawValue: o.initializer) ?? .auto, seed: o.data.seed)
        var config = OptimizerConfig(OptimizerConfig.Kind(rawValue: o.optimizer.lowercased()) ?? .sgd,
                                     learningRate: o.learningRate, momentum: o.momentum, weightDecay: o.weightDecay)
        if resume, let saved = start?.optimizer { config = saved }
        let trainer = try Trainer(network: network, optimizer: Optimizer(config, network: network), options: options)
        if resume { try start?.restore(into: trainer) }
        trainer.shouldStop = { pendingSignal.load(ordering: .relaxed) != 0 }
        return trainer
    }

    private func trainingOptions(epochs: Int, trainCount: Int) throws -> TrainingOptions {
        let o = options
        var t = TrainingOptions(mode: mode(trainCount: trainCount), epochs: epochs)
        t.schedule = LearningRateSchedule(parsing: o.schedule) ?? .constant
        t.shuffle = !o.noShuffle
        t.seed = o.data.seed
        t.stopping.targetLoss = o.targetLoss
        t.stopping.targetAccuracy = o.targetAccuracy.map { $0 > 1 ? $0 / 100 : $0 }
        t.stopping.patience = o.patience
        return t
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
        // A parent may have started us with these signals blocked (threads of many runtimes
        // block them, and exec keeps the mask): unblock them, or they would never arrive.
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGINT, SIGTERM] {
            sigaddset(&set, s)
            signal(s) { sig in
                // A second signal while the first is being handled ends at once.
                if pendingSignal.exchange(sig, ordering: .relaxed) != 0 { _exit(128 + sig) }
            }
        }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
