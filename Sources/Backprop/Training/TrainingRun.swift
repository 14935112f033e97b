import Foundation

/// One whole training run, as `backprop train` makes it and as a program can: the settings
/// checked, the data split and normalised (fitted on the training split only), the network
/// built from the settings or taken from a checkpoint (`initFrom`, `resume`), the device
/// opened from a preference list, training with periodic atomic saves, and the final
/// evaluation on the data already on the device.
///
/// - A device of a preference list (`opencl,cpu`; `auto` is `opencl:gpu,cpu`) that fails
///   during training hands over to the next, which goes on from the last finished epoch.
/// - A run that diverges throws `TrainingError`; the last good checkpoint on disk is kept
///   and named in the error.
/// - `stop` (say `StopRequest.onSignals()`) ends the run after the current update; the
///   checkpoint is saved as at the end, and the outcome's reason is `.interrupted`.
///
///     var settings = TrainingRun.Settings()
///     settings.layers = [784, 256, 10]
///     let outcome = try TrainingRun(settings).train(on: data) { event in … }
public final class TrainingRun {
    public let settings: Settings
    public let stop: StopRequest
    /// The checkpoint the run starts from (`initFrom` or `resume`), read and checked against
    /// the settings when the run was made.
    public let checkpoint: Checkpoint?
    /// Plain weights `initFrom` names (a safetensors file as PyTorch writes one), whose
    /// activations and loss come from the settings and the data.
    public let weights: PlainWeights?
    /// The ranks of a data-parallel run (see `Communicator`; one process by default). Each
    /// rank opens the device of its local rank; only rank 0 saves.
    public var communicator: any Communicator = SingleProcess()

    /// What a run reports as it goes. An epoch's report comes after its periodic save.
    public enum Event {
        /// One line about a choice the run made (which device, a device that failed and the one
        /// that took over).
        case notice(String)
        /// Training is about to begin; what it will train.
        case started(Plan)
        /// Within an epoch, at each check (about 1% of an epoch apart).
        case progress(TrainingProgress)
        case epoch(EpochReport)
    }

    /// Checks `settings` (everything that needs no data) and reads the checkpoint they name.
    public init(_ settings: Settings, stop: StopRequest = StopRequest()) throws {
        try settings.validate()
        self.settings = settings
        self.stop = stop
        switch try (settings.resume ?? settings.initFrom).map({ try ModelFile.read(from: $0) }) {
        case .checkpoint(let c)?:
            (checkpoint, weights) = (c, nil)
            try checkSettings(against: c)
        case .weights(let w)?:
            (checkpoint, weights) = (nil, w)
            try checkSettings(against: w)
        case nil:
            (checkpoint, weights) = (nil, nil)
        }
    }

    /// Trains on `data` (split into training and held-out samples as the settings say, or, with
    /// `validation`, all of it, with `validation` held out, as Keras' `validation_data`) until a
    /// stopping rule fires or a stop is requested, then saves and evaluates.
    public func train(on data: Dataset, validation: Dataset? = nil, events: (Event) -> Void = { _ in }) throws -> Outcome {
        try withoutActuallyEscaping(events) { events in try train(data, validation, events) }
    }

    private func train(_ data: Dataset, _ heldOut: Dataset?, _ events: @escaping (Event) -> Void) throws -> Outcome {
        let plan = try prepare(data, heldOut: heldOut)
        for warning in plan.warnings { events(.notice("warning: " + warning)) }
        var (device, fallbacks) = try DeviceSelection.openWithFallbacks(settings.device, localRank: communicator.localRank) {
            events(.notice($0))
        }
        if communicator.size > 1 {
            // A rank that moved to another device alone would leave the others waiting: a failure ends the job.
            fallbacks = []
            events(.notice("rank \(communicator.rank) of \(communicator.size) (local rank \(communicator.localRank)) trains on \(device.name)"))
        }
        var trainer = try makeTrainer(plan, on: device, from: plan.start, resume: settings.resume != nil)
        var uploaded = try upload(plan, for: trainer.network)
        var started = Plan(plan, device: device, trainer: trainer)
        if settings.resume != nil, let saved = checkpoint?.optimizer {
            started.overrides = overrides(of: saved, rate: checkpoint?.training?.learningRate ?? saved.learningRate)
        }
        events(.started(started))
        let saver = settings.save.flatMap { communicator.isRoot ? $0 : nil }.map {
            CheckpointSaver(url: $0, interval: settings.saveInterval ?? Settings.defaultSaveInterval,
                            normalization: plan.normalization, classNames: plan.train.classNames)
        }

        let clock = ContinuousClock.now
        // A stop asked for before training began (while the data was read, say) trains nothing
        // and saves nothing: a checkpoint of no training must not replace a good one.
        var result: TrainingResult? = stop.isRequested ? TrainingResult(epochs: [], reason: .interrupted) : nil
        let untouched = result != nil
        var lastGood: Checkpoint?  // kept in memory only while another device could take over
        while result == nil {
            do {
                let t = trainer
                result = try t.fit(uploaded.train, validation: uploaded.validation, progress: { events(.progress($0)) }) { report in
                    saver?.epochEnded(t) { events(.notice($0)) }
                    events(.epoch(report))
                    if !fallbacks.isEmpty { lastGood = try? Checkpoint(network: t.network, trainer: t) }
                }
            } catch var error as TrainingError {
                if let saver, let epoch = saver.lastSaved { error.kept = TrainingError.KeptCheckpoint(epoch: epoch, url: saver.url) }
                throw error
            } catch where (error is CLError || error is DeviceError) && !fallbacks.isEmpty {
                // The device failed midway: go on from the last finished epoch on the next one.
                let failed = device.name
                let opened = try DeviceSelection.openWithFallbacks(fallbacks.removeFirst()) { events(.notice($0)) }
                (device, fallbacks) = (opened.device, opened.fallbacks + fallbacks)
                trainer = try makeTrainer(plan, on: device, from: lastGood ?? plan.start,
                                          resume: lastGood != nil || settings.resume != nil)
                uploaded = try upload(plan, for: trainer.network)
                events(.notice("\(failed) failed during training (\(error)); continuing on \(device.name) "
                    + "from epoch \(trainer.completedEpochs + 1)"))
            }
        }
        let seconds = (ContinuousClock.now - clock).seconds
        if !untouched { try saver?.finalSave(trainer) }
        let finished = result!.reason != .interrupted
        return Outcome(
            plan: started, result: result!, trainer: trainer,
            train: plan.train, validation: plan.validation, trainData: uploaded.train, validationData: uploaded.validation,
            normalization: plan.normalization, seconds: seconds, saved: untouched ? nil : saver?.url, signal: stop.signal,
            trainEvaluation: finished ? try evaluate(trainer.network, uploaded.train, plan.train, confusion: plan.validation == nil) : nil,
            validationEvaluation: finished ? try plan.validation.map {
                try evaluate(trainer.network, uploaded.validation!, $0, confusion: true)
            } : nil)
    }

    // MARK: Pieces of a run

    /// A trainer on `device`: from `start`'s weights when given (and its optimizer state and
    /// progress when resuming), else freshly initialised from the seed.
    private func makeTrainer(_ plan: Prepared, on device: any Device, from start: Checkpoint?, resume: Bool) throws -> Trainer {
        let network = try start?.makeNetwork(device: device)
            ?? Network(plan.architecture, device: device, initializer: settings.initializer ?? .auto, seed: settings.seed)
        var config = settings.optimizerConfig
        if resume, let saved = start?.optimizer { config = resumedOptimizer(saved) }
        let trainer = try Trainer(network: network, optimizer: Optimizer(config, network: network), options: plan.options)
        if resume { try start?.restore(into: trainer) }
        // A learning rate given to a resumed run is the one it goes on with, whatever the
        // schedule had moved the saved one to.
        if resume, let lr = settings.learningRate { trainer.learningRate = lr }
        trainer.shouldStop = { [stop] in stop.isRequested }
        trainer.communicator = communicator
        return trainer
    }

    private func upload(_ plan: Prepared, for network: Network) throws -> (train: DeviceData, validation: DeviceData?) {
        (try DeviceData(plan.train, for: network), try plan.validation.map { try DeviceData($0, for: network) })
    }

    private func evaluate(_ network: Network, _ data: DeviceData, _ samples: Dataset, confusion: Bool) throws -> Evaluation {
        try Evaluation.measure(network, on: data, labels: confusion ? samples.labels : nil,
                               targets: samples.isClassification ? nil : samples.targets, chunkRows: settings.chunkRows)
    }
}
