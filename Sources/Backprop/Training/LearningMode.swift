import Foundation

/// How the training set is walked: one update per sample, per mini-batch, or per epoch.
public enum LearningMode: Sendable, Hashable, CustomStringConvertible {
    /// One update per sample, samples in (shuffled) order.
    case stochastic
    /// Gradients accumulated over the whole training set, one update per epoch.
    case batch
    /// One update per mini-batch of `size` samples, reshuffled every epoch.
    case minibatch(Int)

    /// The three ways of walking the data, before a batch size is chosen.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case stochastic, batch, minibatch
    }

    public var kind: Kind {
        switch self {
        case .stochastic: .stochastic
        case .batch: .batch
        case .minibatch: .minibatch
        }
    }

    /// "stochastic", "minibatch-32", "batch": the one spelling of a mode, in train's output,
    /// its JSON, the benchmark's tables, JSON and charts, and the peers'.
    public var description: String {
        switch self {
        case .stochastic: "stochastic"
        case .batch: "batch"
        case .minibatch(let n): "minibatch-\(n)"
        }
    }

    /// Parses the spelling `description` writes: "stochastic", "batch", "minibatch-32".
    public init?(parsing text: String) {
        let t = text.lowercased().trimmingCharacters(in: .whitespaces)
        switch t {
        case "stochastic": self = .stochastic
        case "batch": self = .batch
        default:
            guard t.hasPrefix("minibatch-"), let b = Int(t.dropFirst("minibatch-".count)), b >= 1 else { return nil }
            self = .minibatch(b)
        }
    }

    // MARK: What an epoch over `count` samples is made of (the trainer and the benchmark alike)

    /// Updates in one epoch.
    public func updatesPerEpoch(count: Int) -> Int {
        switch self {
        case .stochastic: count
        case .minibatch(let b): (count + b - 1) / b
        case .batch: count > 0 ? 1 : 0
        }
    }

    /// Rows per update: 1, the mini-batch (all samples when there are fewer), or all samples.
    public func rowsPerUpdate(count: Int) -> Int {
        switch self {
        case .stochastic: 1
        case .minibatch(let b): Swift.min(b, count)
        case .batch: count
        }
    }

    /// The positions in the epoch's order that update `u` (from 0) trains on.
    public func positions(ofUpdate u: Int, count: Int) -> Range<Int> {
        switch self {
        case .stochastic: u..<(u + 1)
        case .minibatch(let b): (u * b)..<Swift.min((u + 1) * b, count)
        case .batch: 0..<count
        }
    }

    /// Samples the first `updates` updates of an epoch train on.
    public func samples(inUpdates updates: Int, count: Int) -> Int {
        updates <= 0 ? 0 : positions(ofUpdate: Swift.min(updates, updatesPerEpoch(count: count)) - 1, count: count).upperBound
    }

    /// Whether the sample order is reshuffled each epoch (when shuffling is on): the full
    /// batch sums over every sample, so its order changes nothing.
    public var shuffles: Bool {
        if case .batch = self { return false }
        return true
    }

    /// Refuses a mode that cannot walk `count` training samples: a mini-batch of fewer than
    /// one sample, or of more samples than there are.
    public func validate(samples count: Int) throws {
        guard case .minibatch(let b) = self else { return }
        guard b >= 1 else { throw ConfigurationError(.batchSize, b, "must be at least 1") }
        guard b <= count else {
            throw ConfigurationError(.batchSize, b, "is larger than the training set (\(count) samples); expected at most \(count)")
        }
    }
}
