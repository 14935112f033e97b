/// How well a network does on a data set: mean loss, accuracy and, for classification, the
/// counts per class and (for up to `confusionLimit` classes) the confusion matrix (rows: true
/// class, columns: predicted class). Memory follows the classes, never their square beyond the
/// limit.
public struct Evaluation: Sendable {
    public var count: Int
    public var loss: Double
    public var accuracy: Double?
    public var confusion: [[Int]]?
    /// Per class: samples of it (support), samples predicted as it, and those right.
    public var perClass: [ClassCounts]?

    public struct ClassCounts: Sendable, Hashable {
        public var support = 0
        public var predicted = 0
        public var correct = 0
    }

    /// The most classes a confusion matrix is counted for (k² counts; 1024 classes: 8 MiB).
    public static let confusionLimit = 1024

    /// The largest workspace an evaluation takes (elements of Z, A and dZ together): wide
    /// outputs evaluate in smaller chunks.
    static let workspaceElements = 1 << 24

    /// Evaluates `network` on `data` (already on its device) in chunks of at most `chunkRows`.
    /// Loss and correctness come from the output-delta kernel; the class counts, when `labels`
    /// are given, from the outputs read back chunk by chunk.
    public static func measure(_ network: Network, on data: DeviceData, labels: [Int32]? = nil,
                               chunkRows: Int = 2048) throws -> Evaluation {
        let arch = network.architecture
        let device = network.device
        let classes = arch.outputSize == 1 ? 2 : arch.outputSize
        let widest = arch.sizes.dropFirst().max() ?? 1
        let chunk = Swift.max(1, Swift.min(chunkRows, workspaceElements / (3 * widest * arch.layerCount)))
        var confusion = labels != nil && classes <= confusionLimit
            ? [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes) : nil
        var perClass = labels.map { _ in [ClassCounts](repeating: ClassCounts(), count: classes) }
        var start = 0
        while start < data.count {
            let rows = Swift.min(chunk, data.count - start)
            let w = try network.forward(input: data.inputs.at(start * arch.inputSize), rows: rows)
            try network.outputDelta(targets: data.targets(from: start), rows: rows, scale: 1,
                                    delta: false, lossOut: data.loss.at(start), correctOut: data.correct.at(start))
            if let labels {
                let out = try device.download(w.a[arch.layerCount - 1].start, count: rows * arch.outputSize)
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
        return Evaluation(count: data.count, loss: loss, accuracy: data.isClassification ? right / Double(data.count) : nil,
                          confusion: confusion, perClass: perClass)
    }

    public static func measure(_ network: Network, on data: Dataset, confusion: Bool = false) throws -> Evaluation {
        try measure(network, on: DeviceData(data, for: network), labels: confusion ? data.labels : nil)
    }

    /// The class an output row predicts: the argmax, or for a single output, whether it is ≥ 0.5.
    public static func predictedClass<C: Collection>(_ row: C) -> Int where C.Element == Float, C.Index == Int {
        if row.count == 1 { return row[row.startIndex] >= 0.5 ? 1 : 0 }
        var best = row.startIndex
        for i in row.indices where row[i] > row[best] { best = i }
        return best - row.startIndex
    }
}
