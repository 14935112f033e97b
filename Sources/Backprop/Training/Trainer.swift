import Foundation

/// Trains a network with an optimizer in one of the three learning modes, epoch by epoch,
/// until a stopping rule fires. The training data is uploaded once; within an epoch the
/// host only enqueues work, catching up with the device at each check to read the losses
/// written so far (for progress and to catch divergence).
public final class Trainer {
    public let network: Network
    public let optimizer: Optimizer
    public var options: TrainingOptions
    /// Epochs finished so far (a resumed trainer continues the count).
    public var completedEpochs = 0
    /// The learning rate the next epoch starts from (moved by the schedule).
    public var learningRate: Float
    /// Checked after every update; returning true ends training after that update.
    public var shouldStop: (@Sendable () -> Bool)?
    /// The ranks this trainer trains with (see `Communicator`): each takes its block of every
    /// global mini-batch (or of the whole set in batch mode), the gradients are summed over the
    /// ranks before each update, and every decision is taken on values all ranks share. A
    /// single process by default.
    public var communicator: any Communicator = SingleProcess()
    /// Whether rank 0's parameters and optimizer state have been given to every rank.
    var synchronized = false
    /// Host memory for the gradient sum of a device whose buffers the host cannot address.
    var gradientStaging: [Float] = []
    /// Gradient sums so far and the seconds they took, waiting for the other ranks included
    /// (the device's queue is drained first, so its work is not counted).
    public internal(set) var gradientSums = 0
    public internal(set) var gradientSumSeconds = 0.0

    /// Where mini-batches are gathered (see `MiniBatchStaging`); made on first use.
    var staging: MiniBatchStaging?
    /// The fused stochastic step (CPU path, SGD, momentum or Adam); made on first use.
    var fusedStep: FusedStochasticStep?
    /// The OpenCL device's fused stochastic step, made on first use where it applies.
    var openCLStep: OpenCLStochasticStep?
    /// The most threads the fused stochastic step runs on, once it has run (nil: the plain
    /// step), and the share of its steps that ran on all of them (see `CPUDevice.fusedThreads`).
    public var fusedStochasticThreads: Int? { fusedStep?.blocks }
    public var fusedStochasticTeamShare: Double? {
        fusedStep.map { Double($0.teamStepsRun) / Double(Swift.max($0.stepsRun, 1)) }
    }
    /// The batch methods' own state, made on first use: Levenberg–Marquardt's system and
    /// damping, L-BFGS's history.
    var levenbergMarquardt: LevenbergMarquardt?
    var lbfgs: LBFGS?
    /// Levenberg–Marquardt's damping from a checkpoint, for its first epoch.
    var restoredMu: Double?
    /// The damping Levenberg–Marquardt goes on from (nil for other optimizers).
    public var levenbergMu: Double? { levenbergMarquardt?.mu ?? restoredMu }
    var previousLoss: Double?
    var bestValidationLoss: Double?
    var epochsSinceBest = 0
    /// The mean training loss before the first update of `fit` (or of its resumption): a loss
    /// `divergenceFactor` times larger is divergence, even when it stays finite (softmax
    /// cross-entropy does, while the weights run off to 1e7).
    public private(set) var initialLoss: Double?
    /// How many times the initial loss (or `divergenceFloor`, whichever is larger) a checked
    /// loss may reach before training is stopped as diverged.
    public static let divergenceFactor = 1000.0
    /// Below this, an initial loss stands for a trained network, not a scale: a later loss is
    /// compared with 1000 × 0.1 = 100, not 1000 × a near-zero loss.
    public static let divergenceFloor = 0.1

    /// The loss above which a check calls the run diverged, once the initial loss is known.
    var divergenceThreshold: Double? {
        initialLoss.map { Self.divergenceFactor * Swift.max($0, Self.divergenceFloor) }
    }

    public init(network: Network, optimizer: Optimizer, options: TrainingOptions) throws {
        guard options.stopping.maxEpochs >= 0 else { throw ConfigurationError("the epoch limit must be ≥ 0") }
        guard options.chunkRows >= 1 else { throw ConfigurationError("chunk rows must be ≥ 1") }
        try options.mode.validate(samples: .max)
        let kind = optimizer.config.kind
        if kind.isBatchMethod, options.mode != .batch { throw kind.batchModeOnly(options.mode.description) }
        if kind == .lm { try LevenbergMarquardt.check(network.architecture) }
        self.network = network
        self.optimizer = optimizer
        self.options = options
        self.learningRate = optimizer.config.learningRate
    }

    /// Trains on `train`, evaluating `validation` after each epoch when given.
    public func fit(_ train: Dataset, validation: Dataset? = nil,
                    progress: ((TrainingProgress) -> Void)? = nil,
                    onEpoch: ((EpochReport) -> Void)? = nil) throws -> TrainingResult {
        try fit(DeviceData(train, for: network), validation: validation.map { try DeviceData($0, for: network) },
                progress: progress, onEpoch: onEpoch)
    }

    /// Trains on data already on the device, epoch after epoch, until a stopping rule fires,
    /// `shouldStop` says so (after the update it is asked at) or the epoch limit is reached.
    public func fit(_ data: DeviceData, validation held: DeviceData? = nil,
                    progress: ((TrainingProgress) -> Void)? = nil,
                    onEpoch: ((EpochReport) -> Void)? = nil) throws -> TrainingResult {
        try options.mode.validate(samples: data.count)
        let flag = try network.device.makeBuffer(count: 1)
        try synchronizeRanks()
        if initialLoss == nil, completedEpochs < options.stopping.maxEpochs {
            initialLoss = try shared(Evaluation.measure(network, on: data, chunkRows: options.chunkRows).loss)
        }
        var reports: [EpochReport] = []
        while completedEpochs < options.stopping.maxEpochs {
            let epoch = completedEpochs + 1
            let rate = scheduledRate(epoch: epoch)
            guard rate.isFinite, rate > 0 else { throw TrainingError.badRate(epoch: epoch, learningRate: rate) }
            let snapshot = try boldDriverSnapshot()
            let start = ContinuousClock.now
            let pass = try runEpoch(data, epoch: epoch, learningRate: rate, limit: nil, progress: progress)
            let seconds = (ContinuousClock.now - start).seconds
            if !pass.complete { return TrainingResult(epochs: reports, reason: .interrupted) }
            if pass.diverged { throw TrainingError.diverged(epoch: epoch, step: 1, learningRate: rate) }
            // A weight that overflowed in the epoch's last updates has not reached a loss yet.
            try checkParametersFinite(flag: flag, epoch: epoch, step: pass.updates, learningRate: rate)

            var report = EpochReport(epoch: epoch, loss: pass.loss, accuracy: pass.accuracy,
                                     learningRate: rate, seconds: seconds,
                                     samplesPerSecond: Double(data.count) / max(seconds, 1e-9))
            if let snapshot { report.undone = try applyBoldDriver(loss: pass.loss, snapshot: snapshot) }
            if let held {
                let v = try evaluate(held)
                report.validationLoss = v.loss
                report.validationAccuracy = v.accuracy
            }
            completedEpochs = epoch
            reports.append(report)
            onEpoch?(report)
            if let reason = stopReason(report) { return TrainingResult(epochs: reports, reason: reason) }
            if let why = pass.converged { return TrainingResult(epochs: reports, reason: .converged(why)) }
            if try stopRequested() { return TrainingResult(epochs: reports, reason: .interrupted) }
        }
        return TrainingResult(epochs: reports, reason: .epochLimit)
    }

    /// Mean loss and accuracy (nil for regression) of the network on `data`, in chunks (with
    /// several ranks, rank 0's figures, so that every rank decides alike).
    public func evaluate(_ data: DeviceData) throws -> (loss: Double, accuracy: Double?) {
        var e = try Evaluation.measure(network, on: data, chunkRows: options.chunkRows)
        if communicator.size > 1 {
            var values = [e.loss, e.accuracy ?? -1]
            try communicator.broadcast(&values, root: 0)
            e.loss = values[0]
            e.accuracy = values[1] < 0 ? nil : values[1]
        }
        guard e.loss.isFinite else {
            throw TrainingError.diverged(epoch: completedEpochs + 1, step: 0, learningRate: learningRate)
        }
        return (e.loss, e.accuracy)
    }

    public func evaluate(_ data: Dataset) throws -> (loss: Double, accuracy: Double?) {
        try evaluate(DeviceData(data, for: network))
    }

    /// Throws `TrainingError.diverged` when a parameter is NaN or infinite (one small read).
    private func checkParametersFinite(flag: DeviceBuffer, epoch: Int, step: Int, learningRate: Float) throws {
        try network.device.upload([Int32(0)], to: flag.start)
        try network.device.checkFinite(network.parameters.start, count: network.architecture.parameterCount, flag: flag.start)
        if try network.device.downloadInts(flag.start, count: 1)[0] != 0 {
            throw TrainingError.diverged(epoch: epoch, step: step, learningRate: learningRate)
        }
    }

    // MARK: Schedules and stopping

    private func scheduledRate(epoch: Int) -> Float {
        switch options.schedule {
        case .constant, .boldDriver:
            return learningRate
        case let .stepDecay(every, factor):
            return optimizer.config.learningRate * Float(pow(Double(factor), Double((epoch - 1) / every)))
        }
    }

    private func boldDriverSnapshot() throws -> DeviceBuffer? {
        guard case .boldDriver = options.schedule else { return nil }
        let n = network.architecture.parameterCount
        let copy = try network.device.makeBuffer(count: n)
        try network.device.copy(network.parameters.start, to: copy.start, count: n)
        return copy
    }

    /// Grows the rate after a better epoch; after a worse one, restores the weights, clears
    /// the optimizer's state and shrinks the rate. Returns whether the epoch was undone.
    private func applyBoldDriver(loss: Double, snapshot: DeviceBuffer) throws -> Bool {
        guard case let .boldDriver(increase, decrease) = options.schedule else { return false }
        defer { if previousLoss == nil || loss <= previousLoss! { previousLoss = loss } }
        if let previous = previousLoss, loss > previous {
            try network.device.copy(snapshot.start, to: network.parameters.start,
                                    count: network.architecture.parameterCount)
            try optimizer.reset()
            learningRate *= decrease
            return true
        }
        learningRate *= increase
        return false
    }

    private func stopReason(_ r: EpochReport) -> StopReason? {
        let rules = options.stopping
        let loss = r.validationLoss ?? r.loss
        let accuracy = r.validationAccuracy ?? r.accuracy
        if let target = rules.targetLoss, loss <= target { return .targetLoss }
        if let target = rules.targetAccuracy, let accuracy, accuracy >= target { return .targetAccuracy }
        if let patience = rules.patience, let v = r.validationLoss {
            if bestValidationLoss == nil || v < bestValidationLoss! {
                bestValidationLoss = v
                epochsSinceBest = 0
            } else {
                epochsSinceBest += 1
                if epochsSinceBest >= patience { return .noImprovement(epochs: patience) }
            }
        }
        if completedEpochs >= rules.maxEpochs { return .epochLimit }
        return nil
    }
}
