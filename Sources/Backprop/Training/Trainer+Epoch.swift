/// One epoch of training in the trainer's learning mode. Each update enqueues its kernels
/// back to back; the per-sample losses land in `data.loss` at the sample's position in the
/// epoch, and are read back only at checks (about 1% of an epoch apart, and at the end).
struct EpochRun {
    let trainer: Trainer
    let data: DeviceData
    let epoch: Int
    let learningRate: Float
    /// Stop after this many updates (a partial epoch), or run the whole epoch.
    var limit: Int? = nil
    let progress: ((TrainingProgress) -> Void)?

    private var network: Network { trainer.network }
    private var device: any Device { trainer.network.device }

    struct Outcome {
        var loss: Double
        var accuracy: Double
        var interrupted: Bool
        /// Updates applied in the epoch.
        var updates: Int
    }

    func run() throws -> Outcome {
        let arch = network.architecture
        let n = data.count, nIn = arch.inputSize, nOut = arch.outputSize
        var tally = Tally(run: self, total: n)
        let order = trainer.options.shuffle ? EpochRun.order(count: n, seed: trainer.options.seed, epoch: epoch) : nil
        switch trainer.options.mode {
        case .stochastic:
            // Samples are addressed in place: the epoch's data is on the device already.
            for position in 0..<n {
                let i = order.map { Int($0[position]) } ?? position
                let input = data.inputs.at(i * nIn)
                try network.forward(input: input, rows: 1)
                try network.outputDelta(targets: data.targets.at(i * nOut), rows: 1, scale: 1,
                                        lossOut: data.loss.at(position), correctOut: data.correct.at(position))
                try backwardAndUpdate(input: input, rows: 1)
                if try tally.after(update: position + 1, done: position + 1) { return tally.outcome(interrupted: true) }
            }
        case .minibatch(let size):
            let staging = try stagingBuffers(rows: size)
            if let order { try device.upload(order, to: staging.order.start) }
            var update = 0
            for start in stride(from: 0, to: n, by: size) {
                let rows = min(size, n - start)
                var input = data.inputs.at(start * nIn), target = data.targets.at(start * nOut)
                if order != nil {
                    let idx = staging.order.at(start)
                    try device.gatherRows(rows: rows, cols: nIn, source: data.inputs.start, indices: idx, into: staging.inputs.start)
                    try device.gatherRows(rows: rows, cols: nOut, source: data.targets.start, indices: idx, into: staging.targets.start)
                    (input, target) = (staging.inputs.start, staging.targets.start)
                }
                try network.forward(input: input, rows: rows)
                try network.outputDelta(targets: target, rows: rows, scale: 1 / Float(rows),
                                        lossOut: data.loss.at(start), correctOut: data.correct.at(start))
                try backwardAndUpdate(input: input, rows: rows)
                update += 1
                if try tally.after(update: update, done: start + rows) { return tally.outcome(interrupted: true) }
            }
        case .batch:
            // Chunks accumulate into one gradient of the mean over all n samples.
            let chunk = trainer.options.chunkRows
            for start in stride(from: 0, to: n, by: chunk) {
                let rows = min(chunk, n - start)
                let input = data.inputs.at(start * nIn)
                try network.forward(input: input, rows: rows)
                try network.outputDelta(targets: data.targets.at(start * nOut), rows: rows, scale: 1 / Float(n),
                                        lossOut: data.loss.at(start), correctOut: data.correct.at(start))
                try network.backward(input: input, rows: rows, accumulate: start > 0)
            }
            try trainer.optimizer.step(learningRate: learningRate)
            if try tally.after(update: 1, done: n) { return tally.outcome(interrupted: true) }
        }
        try tally.check(upTo: n, update: tally.updates)
        return tally.outcome(interrupted: false)
    }

    /// The backward pass and the update, fused into one pass where the rule allows it.
    private func backwardAndUpdate(input: BufferRef, rows: Int) throws {
        let optimizer = trainer.optimizer
        if let target = optimizer.fusedTarget(learningRate: learningRate) {
            try network.backward(input: input, rows: rows, into: target)
            try optimizer.finishFusedStep(learningRate: learningRate)
        } else {
            try network.backward(input: input, rows: rows)
            try optimizer.step(learningRate: learningRate)
        }
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

    private func stagingBuffers(rows: Int) throws -> (inputs: DeviceBuffer, targets: DeviceBuffer, order: DeviceBuffer) {
        let arch = network.architecture
        if let s = trainer.staging, s.rows >= rows, s.count >= data.count { return (s.inputs, s.targets, s.order) }
        let s = (inputs: try device.makeBuffer(count: rows * arch.inputSize),
                 targets: try device.makeBuffer(count: rows * arch.outputSize),
                 order: try device.makeBuffer(count: data.count), rows: rows, count: data.count)
        trainer.staging = s
        return (s.inputs, s.targets, s.order)
    }

    /// Running sums of the losses read back so far, and the checks that read them.
    struct Tally {
        let run: EpochRun
        let total: Int
        let interval: Int
        var checked = 0
        var updates = 0
        var lossSum = 0.0
        var correctSum = 0.0
        let start = ContinuousClock.now

        init(run: EpochRun, total: Int) {
            self.run = run
            self.total = total
            let updatesPerEpoch: Int
            switch run.trainer.options.mode {
            case .stochastic: updatesPerEpoch = total
            case .minibatch(let b): updatesPerEpoch = (total + b - 1) / b
            case .batch: updatesPerEpoch = 1
            }
            let requested = run.trainer.options.checkInterval
            interval = requested > 0 ? requested : max(1, updatesPerEpoch / 100)
        }

        /// After each update: checks when due; returns true when training must stop now.
        mutating func after(update: Int, done: Int) throws -> Bool {
            updates = update
            if update % interval == 0 && done < total { try check(upTo: done, update: update) }
            if let limit = run.limit, update >= limit, done < total {
                try check(upTo: done, update: update)
                return true
            }
            if let stop = run.trainer.shouldStop, stop() {
                try check(upTo: done, update: update)
                return true
            }
            return false
        }

        /// Reads the losses of samples [checked, upTo) and fails on a non-finite one.
        mutating func check(upTo: Int, update: Int) throws {
            guard upTo > checked else { return }
            let device = run.device
            let losses = try device.download(run.data.loss.at(checked), count: upTo - checked)
            let correct = try device.download(run.data.correct.at(checked), count: upTo - checked)
            for v in losses { lossSum += Double(v) }
            for v in correct { correctSum += Double(v) }
            guard lossSum.isFinite else {
                throw TrainingError.diverged(epoch: run.epoch, step: update, learningRate: run.learningRate)
            }
            checked = upTo
            if let progress = run.progress {
                let elapsed = (ContinuousClock.now - start).seconds
                progress(TrainingProgress(epoch: run.epoch, maxEpochs: run.trainer.options.stopping.maxEpochs,
                                          done: upTo, total: total, loss: lossSum / Double(upTo),
                                          accuracy: run.data.isClassification ? correctSum / Double(upTo) : nil,
                                          samplesPerSecond: Double(upTo) / max(elapsed, 1e-9), elapsed: elapsed))
            }
        }

        func outcome(interrupted: Bool) -> Outcome {
            let n = Double(max(checked, 1))
            return Outcome(loss: lossSum / n, accuracy: correctSum / n, interrupted: interrupted, updates: updates)
        }
    }
}
