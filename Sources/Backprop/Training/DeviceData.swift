/// A data set on a device: inputs and the targets as the network's outputs see them,
/// uploaded once, plus per-sample loss and correctness slots that the output-delta kernel
/// fills during an epoch (read back once per check, never per step).
public final class DeviceData {
    public let count: Int
    public let isClassification: Bool
    /// count × inputSize
    public let inputs: DeviceBuffer
    /// count × outputSize
    public let targets: DeviceBuffer
    /// One loss and one 0/1 correctness value per sample.
    public let loss: DeviceBuffer
    public let correct: DeviceBuffer

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
        let encoded = try data.encodedTargets(outputs: arch.outputSize)
        let device = network.device
        count = data.count
        isClassification = data.isClassification
        inputs = try device.makeBuffer(count: data.inputs.count)
        targets = try device.makeBuffer(count: encoded.count)
        loss = try device.makeBuffer(count: count)
        correct = try device.makeBuffer(count: count)
        try device.upload(data.inputs, to: inputs.start)
        try device.upload(encoded, to: targets.start)
    }
}
