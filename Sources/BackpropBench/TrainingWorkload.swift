import Backprop
/// One training set-up on one device, ready to time: a network, its optimizer and a trainer
/// in one learning mode, over data already uploaded. `run` goes through the trainer's own
/// epoch loop (`Trainer.trainEpoch`), so what is timed is what `backprop train` runs.
/// Shared by `backprop bench` and the package-benchmark suites in Benchmarks/.
public final class TrainingWorkload {
    public let network: Network
    public let trainer: Trainer
    public let data: DeviceData

    /// The benchmark networks: ReLU hidden layers, softmax output, cross-entropy loss.
    public static func architecture(_ sizes: [Int]) throws -> Architecture {
        try Architecture(sizes: sizes, hidden: .relu, loss: .softmaxCrossEntropy)
    }

    /// Uploads `samples` for a network of `sizes` on `device`: done once, outside any timing,
    /// and shareable by every workload whose network has the same input and output sizes.
    public static func upload(_ samples: Dataset, sizes: [Int], device: any Device) throws -> DeviceData {
        try DeviceData(samples, for: Network(architecture(sizes), device: device, seed: 1))
    }

    /// - Parameters:
    ///   - sizes: layer sizes, e.g. [784, 128, 10].
    ///   - data: from `upload`, on the same device.
    ///   - optimizer: plain SGD at 0.01 unless given (the peers' throughput setting).
    ///   - shuffle: off by default: the generated samples are i.i.d., so their own order is as
    ///     good as a shuffle, and the peers time the same fixed order.
    public init(device: any Device, sizes: [Int], mode: LearningMode, data: DeviceData,
                optimizer: OptimizerConfig = OptimizerConfig(.sgd, learningRate: 0.01),
                shuffle: Bool = false, seed: UInt64 = 42) throws {
        network = try Network(Self.architecture(sizes), device: device, seed: seed)
        var options = TrainingOptions(mode: mode, epochs: 1)
        options.shuffle = shuffle
        options.seed = seed
        trainer = try Trainer(network: network, optimizer: Optimizer(optimizer, network: network), options: options)
        try mode.validate(samples: data.count)
        self.data = data
    }

    public var mode: LearningMode { trainer.options.mode }
    /// Updates in one epoch over the data.
    public var updatesPerEpoch: Int { mode.updatesPerEpoch(count: data.count) }
    /// Rows per update: the batch size (1 in stochastic mode, every sample in batch mode).
    public var rowsPerUpdate: Int { mode.rowsPerUpdate(count: data.count) }

    /// The first `updates` updates of an epoch (nil: the whole epoch), from its first sample,
    /// with the device synchronised on return. Returns the samples trained on.
    @discardableResult
    public func run(updates: Int? = nil) throws -> Int {
        let pass = try trainer.trainEpoch(data, updates: updates.map { Swift.min($0, updatesPerEpoch) })
        // Partial passes leave the epoch count alone; whole ones would move the shuffle on,
        // and the benchmark wants every repeat to be the same work.
        trainer.completedEpochs = 0
        return pass.samples
    }
}
