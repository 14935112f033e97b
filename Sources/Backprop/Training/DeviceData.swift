/// A data set on a device: inputs and the targets as the network's outputs see them (class
/// indices for classification, values for regression), uploaded once, plus per-sample loss
/// and correctness slots that the output-delta kernel fills during an epoch (read back once
/// per check, never per step).
public final class DeviceData {
    public let count: Int
    public let isClassification: Bool
    /// count × inputSize
    public let inputs: DeviceBuffer
    /// count class indices (classification) or count × outputSize values (regression).
    public let targetBuffer: DeviceBuffer
    /// Elements per sample in `targetBuffer`: 1, or the output size.
    public let targetWidth: Int
    /// One loss and one 0/1 correctness value per sample.
    public let loss: DeviceBuffer
    public let correct: DeviceBuffer

    /// The targets of sample `i` on.
    public func targets(from i: Int) -> OutputTargets {
        isClassification ? .classes(targetBuffer.at(i)) : .values(targetBuffer.at(i * targetWidth))
    }

    /// Uploads `data` for `network`, refusing data whose shape does not fit it.
    public init(_ data: Dataset, for network: Network) throws {
        let arch = network.architecture
        guard data.count > 0 else {
            throw DataError(source: data.source, record: nil, problem: "holds no samples")
        }
        guard data.inputSize == arch.inputSize else {
            throw DataError(source: data.source, record: nil,
                            problem: "has \(data.inputSize) input values per sample, but the network expects \(arch.inputSize) (\(arch.summary))")
        }
        try data.validateTargets(outputs: arch.outputSize)
        let device = network.device
        count = data.count
        isClassification = data.isClassification
        targetWidth = isClassification ? 1 : arch.outputSize
        inputs = try device.makeBuffer(count: data.inputs.count)
        targetBuffer = try device.makeBuffer(count: count * targetWidth)
        loss = try device.makeBuffer(count: count)
        correct = try device.makeBuffer(count: count)
        try device.upload(data.inputs, to: inputs.start)
        if let labels = data.labels {
            try device.upload(labels.map { Float($0) }, to: targetBuffer.start)
        } else {
            try device.upload(data.targets ?? [], to: targetBuffer.start)
        }
    }
}
