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
}

extension FusedStep {
    static var rules: Set<OptimizerConfig.Kind> { [.sgd, .momentum, .adam] }
}
