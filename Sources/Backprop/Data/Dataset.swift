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
        return d
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
            if outputs == 1 {
                guard label == 0 || label == 1 else {
                    throw DataError(source: source, record: i,
                                    problem: "has label \(label), but a network with one output can only learn labels 0 and 1")
                }
            } else {
                guard label >= 0 && Int(label) < outputs else {
                    throw DataError(source: source, record: i,
                                    problem: "has label \(label), but the network has \(outputs) outputs (labels 0...\(outputs - 1))")
                }
            }
        }
    }
}
