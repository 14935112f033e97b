/// Samples in memory: inputs as a row-major count × inputSize matrix, and either class
/// labels (classification) or real-valued targets (regression).
public struct Dataset: Sendable {
    /// Where the samples came from ("mnist:/data/mnist (t10k-images-idx3-ubyte.gz)",
    /// "spirals (seed 1)"), for messages.
    public var source: String
    public var inputSize: Int
    /// count × inputSize, row-major.
    public var inputs: [Float]
    /// Class indices, one per sample, for classification sets.
    public var labels: [Int32]?
    /// count × targetSize, row-major, for regression sets (nil when `labels` is set).
    public var targets: [Float]?
    public var targetSize: Int
    /// Number of classes for classification sets (labels lie in 0..<classes).
    public var classes: Int?
    /// The name of each class, indexed by label, when the source named them (a CSV file with
    /// text labels); nil when labels are plain class numbers.
    public var classNames: [String]? = nil
    /// The line of the source file each sample came from (CSV), for messages; nil for sources
    /// without lines, whose samples messages count from 1.
    public var lines: [Int]? = nil

    public var count: Int { inputSize == 0 ? 0 : inputs.count / inputSize }
    public var isClassification: Bool { labels != nil }

    /// A classification set. `classes` defaults to the largest label + 1.
    public init(source: String, inputSize: Int, inputs: [Float], labels: [Int32], classes: Int? = nil) {
        precondition(inputSize > 0 && inputs.count == labels.count * inputSize, "inputs and labels disagree")
        self.source = source
        self.inputSize = inputSize
        self.inputs = inputs
        self.labels = labels
        self.targets = nil
        let k = classes ?? Int((labels.max() ?? 0) + 1)
        self.classes = k
        self.targetSize = k
    }

    /// A regression set.
    public init(source: String, inputSize: Int, inputs: [Float], targets: [Float], targetSize: Int) {
        precondition(inputSize > 0 && targetSize > 0 && inputs.count / inputSize == targets.count / targetSize
                     && inputs.count % inputSize == 0 && targets.count % targetSize == 0, "inputs and targets disagree")
        self.source = source
        self.inputSize = inputSize
        self.inputs = inputs
        self.labels = nil
        self.targets = targets
        self.targetSize = targetSize
        self.classes = nil
    }

    /// Inputs without labels or targets, for prediction.
    public init(source: String, inputSize: Int, unlabelled inputs: [Float]) {
        precondition(inputSize > 0 && inputs.count % inputSize == 0, "inputs must be whole rows")
        self.source = source
        self.inputSize = inputSize
        self.inputs = inputs
        self.labels = nil
        self.targets = nil
        self.targetSize = 0
        self.classes = nil
    }

    /// The samples in `range` (indices into this set), keeping the source and class count.
    public func slice(_ range: Range<Int>) -> Dataset {
        var d = self
        d.inputs = Array(inputs[(range.lowerBound * inputSize)..<(range.upperBound * inputSize)])
        d.labels = labels.map { Array($0[range]) }
        d.targets = targets.map { Array($0[(range.lowerBound * targetSize)..<(range.upperBound * targetSize)]) }
        d.lines = lines.map { Array($0[range]) }
        return d
    }

    /// Where sample `i` is, for a message: its line in the file, or its number from 1.
    public func position(of i: Int) -> (record: Int, unit: String) {
        if let lines, i < lines.count { return (lines[i], "line") }
        return (i + 1, "sample")
    }

    /// Label `label` as the source wrote it: its class name, or the number.
    public func labelText(_ label: Int32) -> String {
        classNames.flatMap { label >= 0 && Int(label) < $0.count ? DataError.quote($0[Int(label)]) : nil } ?? "\(label)"
    }

    /// Refuses, naming the record, targets that a network with `outputs` outputs cannot
    /// learn: a label outside its classes, or a different number of regression targets.
    public func validateTargets(outputs: Int) throws {
        if targets != nil {
            guard outputs == targetSize else {
                throw DataError(source: source, record: nil,
                                problem: "has \(targetSize) target value(s) per sample, but the network has \(outputs) output(s)")
            }
            return
        }
        guard let labels else {
            throw DataError(source: source, record: nil, problem: "has no labels or targets to train or evaluate on")
        }
        for (i, label) in labels.enumerated() {
            let fits = outputs == 1 ? label == 0 || label == 1 : label >= 0 && Int(label) < outputs
            guard !fits else { continue }
            let (record, unit) = position(of: i)
            let expected = outputs == 1 ? "a network with one output can only learn two classes (labels 0 and 1)"
                : "the network has \(outputs) outputs (classes 0...\(outputs - 1))"
            let which = classNames == nil ? "" : " (class \(label))"
            throw DataError(source: source, record: record, problem: "has label \(labelText(label))\(which), but \(expected)", unit: unit)
        }
    }
}

extension Dataset {
    /// The samples with their labels numbered as a model numbers its classes: `names` the
    /// model's class names (nil: its classes are the numbers 0..<classes themselves), matched
    /// with this set's classes by name, numbers by value ("1" and "1.0" are one class). A class
    /// of this set the model does not have is refused, naming it. Regression sets and sets
    /// whose classes are already the model's come back as they are.
    public func relabeled(toClasses names: [String]?, count classes: Int) throws -> Dataset {
        guard let labels else { return self }
        func key(_ text: String) -> String { Double(text).map { $0.isFinite ? "#\($0)" : text } ?? text }
        let modelKeys = names.map { $0.map(key) } ?? (0..<classes).map { key("\($0)") }
        let index = Dictionary(modelKeys.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { first, _ in first })
        // This set's classes by key: its names, or its label numbers.
        let ownCount = classNames?.count ?? (Int(labels.max() ?? 0) + 1)
        let own = (0..<ownCount).map { i in classNames.map { key($0[i]) } ?? key("\(i)") }
        var mapping = [Int32](repeating: -1, count: ownCount)
        var unknown: [String] = []
        let used = Set(labels)
        for (i, k) in own.enumerated() where used.contains(Int32(i)) {
            if let j = index[k] { mapping[i] = j } else { unknown.append(labelText(Int32(i))) }
        }
        guard unknown.isEmpty else {
            let known = (names ?? (0..<classes).map { "\($0)" }).prefix(12).map { DataError.quote($0) }.joined(separator: ", ")
            throw DataError(source: source, record: nil, problem:
                "has the class\(unknown.count == 1 ? "" : "es") \(unknown.prefix(10).joined(separator: ", "))"
                + (unknown.count > 10 ? " and \(unknown.count - 10) more" : "")
                + ", which the model does not know; its classes are \(known)" + ((names?.count ?? classes) > 12 ? ", …" : ""))
        }
        var mapped = self
        mapped.labels = labels.map { mapping[Int($0)] }
        mapped.classNames = names
        mapped.classes = classes
        mapped.targetSize = classes
        return mapped
    }
}
