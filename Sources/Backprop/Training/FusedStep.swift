/// A device's fused stochastic step: the batch-of-one update in fewer passes and launches than
/// the general forward, delta, backward and update calls (`FusedStochasticStep` on the CPU
/// path, `OpenCLStochasticStep` on OpenCL). Either may leave the first layer's update pending
/// after `step`: `flush` applies it, and the epoch loop calls it before anything reads the
/// parameters.
protocol FusedStep: AnyObject {
    /// The rules the fused steps implement; the others take the general path.
    static var rules: Set<OptimizerConfig.Kind> { get }
    var network: Network { get }
    var optimizer: Optimizer { get }
    /// Whether the device still asks for the fused step (its `fusedStochastic`).
    var enabled: Bool { get }
    /// Whether the first layer holds an update not yet applied.
    var pending: Bool { get }
    /// One step on sample `sample` of `data`, its loss and correctness into slot `slot`; `next`,
    /// the sample of the step after, may be fetched meanwhile.
    func step(_ data: DeviceData, sample: Int, slot: Int, next: Int?, learningRate: Float) throws
    func flush() throws
    /// The most steps `steps` takes in one call; 1 where the device has no such path (the
    /// epoch loop then calls `step` for each sample).
    var chunkLimit: Int { get }
    /// Before an epoch's `steps`: the order of its samples (position i is sample order[i]),
    /// or nil for the data's own.
    func beginEpoch(order: [Int32]?) throws
    /// The steps at `positions` of the epoch begun by `beginEpoch`, each position's loss and
    /// correctness into its slot, the last update left pending as `step` leaves it.
    func steps(_ data: DeviceData, positions: Range<Int>, learningRate: Float) throws
}

extension FusedStep {
    static var rules: Set<OptimizerConfig.Kind> { [.sgd, .momentum, .adam] }
    var chunkLimit: Int { 1 }
    func beginEpoch(order: [Int32]?) throws {}
    func steps(_ data: DeviceData, positions: Range<Int>, learningRate: Float) throws {
        preconditionFailure("\(Self.self) takes one step a call (its chunkLimit is 1)")
    }
}
