/// The epoch loop, the one place that walks the training data. Each update enqueues its
/// kernels back to back; the per-sample losses land in `data.loss` at the sample's position in
/// the epoch and are read back only at checks (about 1% of an epoch apart, and at the end), so
/// the host never waits inside a step.
extension Trainer {
    /// What one call of `trainEpoch` did.
    public struct EpochPass: Sendable {
        /// Updates applied, and the samples they trained on.
        public var updates: Int
        public var samples: Int
        /// Mean training loss and accuracy (nil for regression) over those samples, as each was seen.
        public var loss: Double
        public var accuracy: Double?
        /// Whether the pass covered the whole epoch (false: stopped by `updates` or `shouldStop`).
        public var complete: Bool
        /// Why a batch method can go no further after this epoch, or nil.
        public var converged: String? = nil
        /// Whether Levenberg–Marquardt's system at the epoch's start was not finite.
        public var diverged = false
    }

    /// Trains on `data`, already on the device, for one epoch in the trainer's mode, or for
    /// only its first `updates` updates, at the current learning rate; returns once the device
    /// has caught up. Unlike `fit`, it uploads nothing, evaluates nothing, and applies no
    /// schedule or stopping rule: it is the epoch loop alone, for callers that time it
    /// (`backprop bench`) or drive epochs themselves. A complete epoch counts in
    /// `completedEpochs` (and so moves the shuffle on); a partial one does not, so the next
    /// call starts the same epoch again from its first sample.
    @discardableResult
    public func trainEpoch(_ data: DeviceData, updates: Int? = nil) throws -> EpochPass {
        if let updates, updates < 1 { throw ConfigurationError("a pass needs at least one update, got \(updates)") }
        let pass = try runEpoch(data, epoch: completedEpochs + 1, learningRate: learningRate, limit: updates, progress: nil)
        try network.device.synchronize()
        if pass.complete { completedEpochs += 1 }
        return pass
    }

    /// One epoch (or its first `limit` updates) over `data` at `learningRate`. Stops early, with
    /// `complete` false, after the limit or when `shouldStop` says so.
    func runEpoch(_ data: DeviceData, epoch: Int, learningRate: Float, limit: Int?,
                  progress: ((TrainingProgress) -> Void)?) throws -> EpochPass {
        let mode = options.mode, n = data.count
        try mode.validate(samples: n)
        let perEpoch = mode.updatesPerEpoch(count: n)
        let updates = Swift.min(limit ?? perEpoch, perEpoch)
        // Checks about 1% of an epoch apart, and at most `maxCheckInterval` updates apart, so a
        // blow-up in a long epoch is caught within a bounded number of updates.
        let interval = options.checkInterval > 0 ? options.checkInterval
            : Swift.min(Self.maxCheckInterval, Swift.max(1, perEpoch / 100))
        var tally = EpochTally(epoch: epoch, maxEpochs: options.stopping.maxEpochs, total: n, learningRate: learningRate,
                               interval: interval, limit: divergenceThreshold, progress: progress)
        let order = options.shuffle && mode.shuffles ? Self.order(count: n, seed: options.seed, epoch: epoch) : nil
        var staging: MiniBatchStaging?
        if case .minibatch(let b) = mode, let order {
            staging = try miniBatchStaging(rows: b, count: n, targetWidth: data.targetWidth)
            try network.device.upload(order, to: staging!.order.start)
        }
        var stopped = false, converged: String?, diverged = false
        let fused = mode == .stochastic && communicator.size == 1 ? try fusedStochasticStep() : nil
        // The fused step leaves the first layer's last update pending: applied after the loop,
        // before anything reads the parameters, and on the way out of an error (a caller may
        // catch it and read them; a flush failing there is secondary to that error).
        defer { try? fused?.flush() }
        // Where the fused step takes many steps a call (OpenCL CPU devices' step_chunk), it takes
        // them up to the next check; the stop request is asked at a chunk's end.
        let chunked = (fused?.chunkLimit ?? 1) > 1
        if chunked { try fused?.beginEpoch(order: order) }
        var chunkEnd = 0
        if communicator.size > 1 {
            // Each rank writes the losses of its own rows; the others' slots count as 0 in its sums.
            try network.device.fill(data.loss.start, count: n, with: 0)
            try network.device.fill(data.correct.start, count: n, with: 0)
        }
        for u in 0..<updates {
            let rows = mode.positions(ofUpdate: u, count: n)
            switch mode {
            case .stochastic:
                let position = rows.lowerBound, sample = order.map { Int($0[position]) }
                if let fused, chunked {
                    if position >= chunkEnd {
                        chunkEnd = Swift.min(updates, position + fused.chunkLimit, (position / interval + 1) * interval)
                        try fused.steps(data, positions: position..<chunkEnd, learningRate: learningRate)
                    }
                } else if let fused {
                    // A shuffled order's next sample is a row the hardware cannot guess.
                    let next = order.flatMap { position + 1 < n ? Int($0[position + 1]) : nil }
                    try fused.step(data, sample: sample ?? position, slot: position, next: next, learningRate: learningRate)
                } else {
                    try stochasticStep(data, position: position, sample: sample, learningRate)
                }
            case .minibatch: try miniBatchStep(data, rows, staging: staging, learningRate)
            case .batch:
                switch optimizer.config.kind {
                case .lm:
                    if levenbergMarquardt == nil {
                        levenbergMarquardt = try LevenbergMarquardt(network: network, config: optimizer.config, mu: restoredMu,
                                                                    chunkRows: options.chunkRows, communicator: communicator)
                    }
                    switch try levenbergMarquardt!.epoch(data) {
                    case .stepped: optimizer.countStep()
                    case .stalled: converged = "Levenberg–Marquardt's μ passed \(optimizer.config.lmMuMax): no step lowers the loss"
                    case .diverged: diverged = true
                    }
                case .lbfgs:
                    if lbfgs == nil {
                        lbfgs = LBFGS(network: network, config: optimizer.config, chunkRows: options.chunkRows, communicator: communicator)
                    }
                    converged = try lbfgs!.epoch(data, learningRate: learningRate)
                    optimizer.countStep()
                default:
                    try batchStep(data, learningRate)
                }
            }
            let done = rows.upperBound
            let last = u + 1 == perEpoch
            if u + 1 == updates && !last { stopped = true }
            // With several ranks a stop request is shared at the checks' cadence, not every update:
            // the gradient sum stays the one collective of an update.
            let asks = communicator.size == 1 ? !chunked || u + 1 == chunkEnd : (u + 1) % interval == 0
            if !stopped, !last, asks, try stopRequested() { stopped = true }
            try tally.after(update: u + 1, done: done, data: data, device: network.device, ranks: communicator, force: stopped)
            if stopped { break }
        }
        try fused?.flush()
        try tally.check(upTo: tally.done, update: tally.updates, data: data, device: network.device, ranks: communicator)
        return EpochPass(updates: tally.updates, samples: tally.checked, loss: tally.meanLoss,
                         accuracy: data.isClassification ? tally.meanCorrect : nil, complete: !stopped,
                         converged: converged, diverged: diverged)
    }

    // MARK: One update per mode

    /// One sample, addressed in place: the epoch's data is on the device already.
    private func stochasticStep(_ data: DeviceData, position: Int, sample: Int?, _ learningRate: Float) throws {
        let arch = network.architecture, i = sample ?? position
        let input = data.inputs.at(i * arch.inputSize)
        try network.forward(input: input, rows: 1)
        try network.outputDelta(targets: data.targets(from: i), rows: 1, scale: 1,
                                lossOut: data.loss.at(position), correctOut: data.correct.at(position))
        try backwardAndUpdate(input: input, rows: 1, learningRate)
    }

    /// The samples at `global` of the epoch (this rank's block of them, with several ranks): in
    /// place, or gathered from their shuffled rows.
    private func miniBatchStep(_ data: DeviceData, _ global: Range<Int>, staging: MiniBatchStaging?,
                               _ learningRate: Float) throws {
        let ranks = communicator.size > 1
        let positions = ranks ? communicator.block(of: global) : global
        let arch = network.architecture, rows = positions.count, start = positions.lowerBound
        var input = data.inputs.at(start * arch.inputSize), target = data.targets(from: start)
        if ranks && rows == 0 {
            // A rank with no rows this update still takes part in the sum, with zeros.
            try network.device.fill(network.gradients.start, count: arch.parameterCount, with: 0)
            try allReduceGradients()
            try optimizer.step(learningRate: learningRate, samples: global.count)
            return
        }
        if let staging {
            let idx = staging.order.at(start)
            try network.device.gatherRows(rows: rows, cols: arch.inputSize, source: data.inputs.start, indices: idx,
                                          into: staging.inputs.start)
            try network.device.gatherRows(rows: rows, cols: data.targetWidth, source: data.targetBuffer.start, indices: idx,
                                          into: staging.targets.start)
            input = staging.inputs.start
            target = data.isClassification ? .classes(staging.targets.start) : .values(staging.targets.start)
        }
        try network.forward(input: input, rows: rows)
        try network.outputDelta(targets: target, rows: rows, scale: 1 / Float(global.count),
                                lossOut: data.loss.at(start), correctOut: data.correct.at(start))
        if ranks {
            try network.backward(input: input, rows: rows)
            try allReduceGradients()
            try optimizer.step(learningRate: learningRate, samples: global.count)
        } else {
            try backwardAndUpdate(input: input, rows: rows, learningRate)
        }
    }

    /// All samples, in chunks of `chunkRows` whose gradients add up to that of the mean over all.
    private func batchStep(_ data: DeviceData, _ learningRate: Float) throws {
        try network.batchGradient(data, chunkRows: options.chunkRows, lossOut: data.loss, correctOut: data.correct,
                                  samples: communicator.size > 1 ? communicator.block(of: 0..<data.count) : nil)
        try allReduceGradients()
        try optimizer.step(learningRate: learningRate, samples: data.count)
    }

    /// The backward pass and the update, fused into one pass where the rule allows it.
    private func backwardAndUpdate(input: BufferRef, rows: Int, _ learningRate: Float) throws {
        if let target = optimizer.fusedTarget(learningRate: learningRate) {
            try network.backward(input: input, rows: rows, into: target)
            try optimizer.finishFusedStep(learningRate: learningRate)
        } else {
            try network.backward(input: input, rows: rows)
            try optimizer.step(learningRate: learningRate)
        }
    }

    /// The fused stochastic step where it applies (SGD, momentum or Adam on `CPUDevice`, or on
    /// an `OpenCLDevice` that takes it), made on first use.
    private func fusedStochasticStep() throws -> (any FusedStep)? {
        if let fusedStep, fusedStep.network === network, fusedStep.optimizer === optimizer, fusedStep.enabled {
            return fusedStep
        }
        if let openCLStep, openCLStep.network === network, openCLStep.optimizer === optimizer, openCLStep.enabled {
            return openCLStep
        }
        fusedStep = try FusedStochasticStep.make(network: network, optimizer: optimizer)
        openCLStep = fusedStep == nil ? try OpenCLStochasticStep.make(network: network, optimizer: optimizer) : nil
        return fusedStep ?? openCLStep
    }

    private func miniBatchStaging(rows: Int, count: Int, targetWidth: Int) throws -> MiniBatchStaging {
        if let staging, staging.holds(rows: rows, count: count, targetWidth: targetWidth) { return staging }
        let fresh = try MiniBatchStaging(network.architecture, device: network.device, rows: rows, count: count,
                                         targetWidth: targetWidth)
        staging = fresh
        return fresh
    }

    /// The epoch's sample order: a Fisher–Yates shuffle seeded by (seed, epoch), so that a
    /// resumed run shuffles its remaining epochs exactly as an uninterrupted one would.
    static func order(count: Int, seed: UInt64, epoch: Int) -> [Int32] {
        var rng = SeededGenerator(seed: seed ^ (UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15))
        var order = (0..<Int32(count)).map { $0 }
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                order.swapAt(i, rng.index(below: i + 1))
            }
        }
        return order
    }

    // MARK: Reading the losses back

    /// The most updates between two read-backs of the losses.
    static let maxCheckInterval = 1000

    /// Running sums of the per-sample losses read back so far, and the checks that read them.
    struct EpochTally {
        let epoch: Int, maxEpochs: Int, total: Int
        let learningRate: Float
        let interval: Int
        /// A mean loss over the samples read back at one check above this is divergence.
        let limit: Double?
        let progress: ((TrainingProgress) -> Void)?
        var checked = 0, updates = 0, done = 0
        var lossSum = 0.0, correctSum = 0.0
        let start = ContinuousClock.now

        var meanLoss: Double { lossSum / Double(Swift.max(checked, 1)) }
        var meanCorrect: Double { correctSum / Double(Swift.max(checked, 1)) }

        /// After each update: checks when due, or when the pass stops here (`force`).
        mutating func after(update: Int, done: Int, data: DeviceData, device: any Device, ranks: any Communicator,
                            force: Bool) throws {
            updates = update
            self.done = done
            if force || (update % interval == 0 && done < total) {
                try check(upTo: done, update: update, data: data, device: device, ranks: ranks)
            }
        }

        /// Reads the losses of samples [checked, upTo) and fails on a non-finite one. With several
        /// ranks each holds its own rows' losses (the others' slots are 0): the sums are summed.
        mutating func check(upTo: Int, update: Int, data: DeviceData, device: any Device, ranks: any Communicator) throws {
            guard upTo > checked else { return }
            let losses = try device.download(data.loss.at(checked), count: upTo - checked)
            let correct = try device.download(data.correct.at(checked), count: upTo - checked)
            var windowSum = 0.0, windowCorrect = 0.0
            for v in losses { windowSum += Double(v) }
            for v in correct { windowCorrect += Double(v) }
            if ranks.size > 1 {
                var sums = [windowSum, windowCorrect]
                try ranks.allReduceSum(&sums)
                (windowSum, windowCorrect) = (sums[0], sums[1])
            }
            correctSum += windowCorrect
            lossSum += windowSum
            guard lossSum.isFinite else {
                throw TrainingError.diverged(epoch: epoch, step: update, learningRate: learningRate)
            }
            let window = windowSum / Double(upTo - checked)
            if let limit, window > limit {
                throw TrainingError.diverged(epoch: epoch, step: update, learningRate: learningRate,
                                             loss: window, limit: limit)
            }
            checked = upTo
            if let progress {
                let elapsed = (ContinuousClock.now - start).seconds
                progress(TrainingProgress(epoch: epoch, maxEpochs: maxEpochs, done: upTo, total: total,
                                          loss: meanLoss, accuracy: data.isClassification ? meanCorrect : nil,
                                          samplesPerSecond: Double(upTo) / Swift.max(elapsed, 1e-9), elapsed: elapsed))
            }
        }
    }
}
