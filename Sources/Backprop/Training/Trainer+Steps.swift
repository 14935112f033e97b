/// What one call of `Trainer.trainEpoch` did.
public struct EpochPass: Sendable {
    /// Updates applied, and the samples they trained on.
    public var updates: Int
    public var samples: Int
    /// Mean training loss and accuracy (nil for regression) over those samples, as each was seen.
    public var loss: Double
    public var accuracy: Double?
    /// Whether the pass covered the whole epoch (false: stopped by `updates` or `shouldStop`).
    public var complete: Bool
}

extension Trainer {
    /// Trains on `data`, already on the device, for one epoch in the trainer's mode, or for
    /// only its first `updates` updates, at the current learning rate; returns once the device
    /// has caught up. Unlike `fit`, it uploads nothing, evaluates nothing, and applies no
    /// schedule or stopping rule: it is the epoch loop alone, for callers that time it
    /// (`backprop bench`) or drive epochs themselves. A complete epoch counts in
    /// `completedEpochs` (and so moves the shuffle on); a partial one does not, so the next
    /// call starts the same epoch again from its first sample.
    @discardableResult
    public func trainEpoch(_ data: DeviceData, updates: Int? = nil) throws -> EpochPass {
        if case .minibatch(let size) = options.mode, size > data.count {
            throw ConfigurationError("the batch size \(size) is larger than the training set (\(data.count) samples)")
        }
        if let updates, updates < 1 { throw ConfigurationError("a pass needs at least one update, got \(updates)") }
        let outcome = try EpochRun(trainer: self, data: data, epoch: completedEpochs + 1,
                                   learningRate: learningRate, limit: updates, progress: nil).run()
        try network.device.synchronize()
        let applied = outcome.updates
        let complete = !outcome.interrupted
        if complete { completedEpochs += 1 }
        return EpochPass(updates: applied, samples: samples(updates: applied, count: data.count),
                         loss: outcome.loss, accuracy: data.isClassification ? outcome.accuracy : nil,
                         complete: complete)
    }

    /// Updates in one epoch over `count` samples in the trainer's mode.
    public func updatesPerEpoch(_ count: Int) -> Int {
        switch options.mode {
        case .stochastic: count
        case .minibatch(let b): (count + b - 1) / b
        case .batch: 1
        }
    }

    /// Samples that the first `updates` updates of an epoch over `count` samples train on.
    public func samples(updates: Int, count: Int) -> Int {
        switch options.mode {
        case .stochastic: Swift.min(updates, count)
        case .minibatch(let b): Swift.min(updates * b, count)
        case .batch: updates > 0 ? count : 0
        }
    }
}
