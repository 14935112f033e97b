/// How well a network does on a data set: mean loss (the training loss: for mse, ½ the sum of
/// the squared errors of a sample's outputs), accuracy and, for classification, the counts per
/// class with precision, recall and F1, and (for up to `confusionLimit` classes) the confusion
/// matrix (rows: true class, columns: predicted class); for regression, MSE, RMSE, MAE and R².
/// Memory follows the classes, never their square beyond the limit.
public struct Evaluation: Sendable {
    public var count: Int
    public var loss: Double
    public var accuracy: Double?
    public var confusion: [[Int]]?
    /// Per class: samples of it (support), samples predicted as it, and those right.
    public var perClass: [ClassCounts]?
    /// For regression targets, when measured against them.
    public var regression: RegressionMetrics?

    public struct ClassCounts: Sendable, Hashable {
        public var support = 0
        public var predicted = 0
        public var correct = 0

        /// correct / predicted; 0 when nothing was predicted as the class (scikit-learn's
        /// `zero_division` default).
        public var precision: Double { predicted == 0 ? 0 : Double(correct) / Double(predicted) }
        /// correct / support; 0 for a class with no samples.
        public var recall: Double { support == 0 ? 0 : Double(correct) / Double(support) }
        /// The harmonic mean of precision and recall; 0 when both are.
        public var f1: Double {
            let p = precision, r = recall
            return p + r == 0 ? 0 : 2 * p * r / (p + r)
        }
        /// Whether the class occurs at all, as a truth or a prediction (scikit-learn averages over those).
        public var present: Bool { support > 0 || predicted > 0 }
    }

    /// Unweighted means over the classes present (as truths or predictions), as scikit-learn's
    /// `average="macro"`: precision, recall, F1.
    public var macro: (precision: Double, recall: Double, f1: Double)? {
        guard let present = perClass?.filter(\.present), !present.isEmpty else { return nil }
        let n = Double(present.count)
        return (present.map(\.precision).reduce(0, +) / n, present.map(\.recall).reduce(0, +) / n,
                present.map(\.f1).reduce(0, +) / n)
    }

    /// Regression errors over every output of every sample, as scikit-learn's metrics compute
    /// them for one output: MSE = mean (y − t)², RMSE = √MSE, MAE = mean |y − t|, and
    /// R² = 1 − Σ(y − t)² / Σ(t − mean t)² per output, averaged over the outputs
    /// (`multioutput="uniform_average"`; an output whose targets are all alike has R² 1 when
    /// predicted exactly, else 0).
    public struct RegressionMetrics: Sendable, Hashable {
        public var mse: Double
        public var rmse: Double { mse.squareRoot() }
        public var mae: Double
        public var r2: Double
    }

    /// The most classes a confusion matrix is counted for (k² counts; 1024 classes: 8 MiB).
    public static let confusionLimit = 1024

    /// The largest workspace an evaluation takes (elements of Z, A and dZ together): wide
    /// outputs evaluate in smaller chunks.
    static let workspaceElements = 1 << 24

    /// Evaluates `network` on `data` (already on its device) in chunks of at most `chunkRows`.
    /// Loss and correctness come from the output-delta kernel; the class counts, when `labels`
    /// are given, from the outputs read back chunk by chunk.
    public static func measure(_ network: Network, on data: DeviceData, labels: [Int32]? = nil, targets: [Float]? = nil,
                               chunkRows: Int = 2048) throws -> Evaluation {
        let arch = network.architecture
        let device = network.device
        let classes = arch.outputSize == 1 ? 2 : arch.outputSize
        let widest = arch.sizes.dropFirst().max() ?? 1
        let chunk = Swift.max(1, Swift.min(chunkRows, workspaceElements / (3 * widest * arch.layerCount)))
        var confusion = labels != nil && classes <= confusionLimit
            ? [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes) : nil
        var perClass = labels.map { _ in [ClassCounts](repeating: ClassCounts(), count: classes) }
        let k = arch.outputSize
        var squared = [Double](repeating: 0, count: k), absolute = 0.0
        var start = 0
        while start < data.count {
            let rows = Swift.min(chunk, data.count - start)
            let w = try network.forward(input: data.inputs.at(start * arch.inputSize), rows: rows)
            try network.outputDelta(targets: data.targets(from: start), rows: rows, scale: 1,
                                    delta: false, lossOut: data.loss.at(start), correctOut: data.correct.at(start))
            let out = labels != nil || targets != nil ? try device.download(w.a[arch.layerCount - 1].start, count: rows * k) : []
            if let targets {
                for i in 0..<(rows * k) {
                    let e = Double(out[i]) - Double(targets[start * k + i])
                    squared[i % k] += e * e
                    absolute += abs(e)
                }
            }
            if let labels {
                for r in 0..<rows {
                    let truth = Int(labels[start + r])
                    let predicted = predictedClass(out[(r * arch.outputSize)..<((r + 1) * arch.outputSize)])
                    guard truth >= 0 && truth < classes else { continue }
                    confusion?[truth][predicted] += 1
                    perClass?[truth].support += 1
                    perClass?[predicted].predicted += 1
                    if truth == predicted { perClass?[truth].correct += 1 }
                }
            }
            start += rows
        }
        let losses = try device.download(data.loss.start, count: data.count)
        let correct = try device.download(data.correct.start, count: data.count)
        let loss = losses.reduce(0.0) { $0 + Double($1) } / Double(data.count)
        let right = correct.reduce(0.0) { $0 + Double($1) }
        var regression: RegressionMetrics?
        if let targets, data.count > 0 {
            let n = Double(data.count)
            var r2 = 0.0
            for j in 0..<k {
                var mean = 0.0
                for r in 0..<data.count { mean += Double(targets[r * k + j]) }
                mean /= n
                var total = 0.0
                for r in 0..<data.count { total += (Double(targets[r * k + j]) - mean) * (Double(targets[r * k + j]) - mean) }
                r2 += total > 0 ? 1 - squared[j] / total : (squared[j] == 0 ? 1 : 0)
            }
            regression = RegressionMetrics(mse: squared.reduce(0, +) / (n * Double(k)), mae: absolute / (n * Double(k)),
                                           r2: r2 / Double(k))
        }
        return Evaluation(count: data.count, loss: loss, accuracy: data.isClassification ? right / Double(data.count) : nil,
                          confusion: confusion, perClass: perClass, regression: regression)
    }

    /// Evaluates `network` on `data`; with `confusion`, the class counts and matrix too. Regression
    /// targets are always measured against (`regression`).
    public static func measure(_ network: Network, on data: Dataset, confusion: Bool = false) throws -> Evaluation {
        try measure(network, on: DeviceData(data, for: network), labels: confusion ? data.labels : nil,
                    targets: data.isClassification ? nil : data.targets)
    }

    /// The class an output row predicts: the argmax, or for a single output, whether it is ≥ 0.5.
    public static func predictedClass<C: Collection>(_ row: C) -> Int where C.Element == Float, C.Index == Int {
        if row.count == 1 { return row[row.startIndex] >= 0.5 ? 1 : 0 }
        var best = row.startIndex
        for i in row.indices where row[i] > row[best] { best = i }
        return best - row.startIndex
    }
}
