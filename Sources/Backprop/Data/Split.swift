import Foundation

/// How many samples to hold out for validation, as given on the command line
/// (`--validation 0.1`, `--validation 2000`, `--validation 0`).
public enum ValidationSplit: Sendable, Equatable, CustomStringConvertible {
    /// Nothing held out.
    case none
    /// A fraction of the samples, strictly between 0 and 1.
    case fraction(Double)
    /// A number of samples, at least 1.
    case count(Int)

    /// Parses "0" (none), a fraction in (0, 1) ("0.1", ".25", also "10%"), or a whole count
    /// ("2000"). Anything else, negative values and fractions of 1 or more are refused with a
    /// `ConfigurationError` naming the validation setting.
    public init(parsing text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        func refuse(_ why: String) -> ConfigurationError {
            ConfigurationError(.validation, text,
                "\(why); expected a fraction in (0, 1) such as 0.1, a sample count such as 2000, or 0 for none")
        }
        if t.hasSuffix("%") {
            guard let p = Double(t.dropLast()), p.isFinite else { throw refuse("is not a percentage") }
            guard p >= 0 else { throw refuse("is negative") }
            guard p < 100 else { throw refuse("holds out 100% or more, leaving nothing to train on") }
            self = p == 0 ? .none : .fraction(p / 100)
            return
        }
        if !t.isEmpty && t.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let n = Int(t) else { throw refuse("is too large") }
            self = n == 0 ? .none : .count(n)
            return
        }
        guard let f = Double(t), f.isFinite else { throw refuse("is not a number") }
        guard f >= 0 else { throw refuse("is negative") }
        guard f < 1 else {
            throw refuse("is a fraction of 1 or more (to hold out a number of samples, write a whole number)")
        }
        self = f == 0 ? .none : .fraction(f)
    }

    public var description: String {
        switch self {
        case .none: "0"
        case .fraction(let f): "\(f)"
        case .count(let n): "\(n)"
        }
    }

    /// The number of samples held out of `total`: a fraction is rounded to the nearest whole
    /// sample, and is at least 1.
    public func heldOut(of total: Int) -> Int {
        switch self {
        case .none: 0
        case .fraction(let f): max(1, (Double(total) * f).rounded().clampedInt())
        case .count(let n): n
        }
    }
}

/// Which samples a validation split holds out.
public enum SplitOrder: String, Sendable, Hashable, CaseIterable {
    /// The last ones of the data as given (Keras' `validation_split`).
    case last
    /// Samples drawn at random with the seed, each split keeping the data's order
    /// (scikit-learn's `train_test_split`).
    case random
}

extension Dataset {
    /// The training samples and, for validation, the `v.heldOut(of: count)` samples `order`
    /// says (the last ones, or drawn with `seed`), each in the order given; nil validation for
    /// `.none`. Refuses a split that would leave no training samples (a `ConfigurationError`
    /// naming the validation).
    public func split(_ v: ValidationSplit, order: SplitOrder = .last, seed: UInt64 = 1) throws -> (train: Dataset, validation: Dataset?) {
        let held = v.heldOut(of: count)
        if held == 0 { return (self, nil) }
        guard held > 0 && held < count else {
            throw ConfigurationError(.validation, v, "holding out \(held) sample(s) would leave no training samples in "
                + "\(source), which has \(count); expected fewer than \(count)")
        }
        if order == .random {
            var rng = SeededGenerator(seed: seed ^ 0x5EED_5EED_0000_0001)
            var indices = Array(0..<count)
            for i in stride(from: count - 1, to: 0, by: -1) { indices.swapAt(i, rng.index(below: i + 1)) }
            let chosen = Set(indices.prefix(held))
            var train = pick((0..<count).filter { !chosen.contains($0) })
            var validation = pick((0..<count).filter { chosen.contains($0) })
            train.source = "\(source) [training: \(count - held) drawn with seed \(seed)]"
            validation.source = "\(source) [validation: \(held) drawn with seed \(seed)]"
            return (train, validation)
        }
        var train = slice(0..<(count - held))
        var validation = slice((count - held)..<count)
        train.source = "\(source) [training \(0)..<\(count - held)]"
        validation.source = "\(source) [validation \(count - held)..<\(count)]"
        return (train, validation)
    }

    /// The samples at `indices`, in that order.
    func pick(_ indices: [Int]) -> Dataset {
        var d = self
        d.inputs = indices.flatMap { inputs[($0 * inputSize)..<(($0 + 1) * inputSize)] }
        d.labels = labels.map { l in indices.map { l[$0] } }
        d.targets = targets.map { t in indices.flatMap { t[($0 * targetSize)..<(($0 + 1) * targetSize)] } }
        d.lines = lines.map { l in indices.map { l[$0] } }
        return d
    }

    /// This set followed by `other`, which must have the same shape: both classification
    /// (the class count becomes the larger one; class names must agree) or both regression
    /// with the same target width, and the same input size.
    public func appending(_ other: Dataset) throws -> Dataset {
        func refuse(_ why: String) -> DataError {
            DataError(source: other.source, record: nil, problem: "cannot follow \(source): \(why)")
        }
        guard inputSize == other.inputSize else {
            throw refuse("it has \(other.inputSize) inputs per sample, expected \(inputSize)")
        }
        guard isClassification == other.isClassification else {
            throw refuse("one is a classification set and the other a regression set")
        }
        guard classNames == other.classNames else {
            throw refuse("their class names differ")
        }
        var joined = self
        joined.source = "\(source) + \(other.source)"
        joined.inputs += other.inputs
        if let labels, let otherLabels = other.labels {
            joined.labels = labels + otherLabels
            joined.classes = max(classes ?? 0, other.classes ?? 0)
            joined.targetSize = joined.classes ?? targetSize
        } else if let targets, let otherTargets = other.targets {
            guard targetSize == other.targetSize else {
                throw refuse("it has \(other.targetSize) targets per sample, expected \(targetSize)")
            }
            joined.targets = targets + otherTargets
        }
        return joined
    }
}
