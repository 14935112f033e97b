/// Stochastic SGD (plain or with classical momentum) and Adam on an OpenCL device in 2H + 1
/// kernels a step for H hidden layers (Kernels/stochastic.cl; issue 15): 3 for 784-128-10,
/// where the general path launches 11, each costing PoCL several microseconds however little
/// it does. A step runs, for each hidden layer up, `step_forward` (its rows' products, bias
/// and activation); `step_output` (the output layer, the loss and δ in one work-group); and,
/// for each layer down to the second, `step_backprop` (in row blocks: a hidden layer's δ and
/// biases from the partial products of the layer above, then the block's partial product into
/// the layer below and the rows' update, in one pass over the weights).
///
/// As on the CPU path (`FusedStochasticStep`), the first layer's update is left pending and
/// applied by the next step's `step_forward` as it reads each row, so that matrix, the
/// largest in an MLP, is read and written once a step; `flush` applies the last one, and the
/// epoch loop calls it before anything reads the parameters. The arithmetic is the general
/// path's (optimizers.cl's rules, decay on the weights only); only the order of float
/// additions differs. The step's Z, A, δ, coefficients and partial products are its own
/// buffer (evaluation may replace the network's workspace between epochs), one for all layers,
/// and the kernels take their scalars packed in vectors: PoCL's cost of a launch grows with
/// its arguments (BENCHMARKS.md).
final class OpenCLStochasticStep: FusedStep {
    let network: Network
    let optimizer: Optimizer
    let device: OpenCLDevice
    private let arch: Architecture
    private let layers: [OpenCLDevice.StepLayer]
    private let vectors: [OpenCLDevice.StepVectors]
    /// The input and rule of the first layer's pending update (its δ comes from the partial
    /// products and the step's Z and A in vectors[0]), or nil when none is pending.
    private var pendingUpdate: (input: BufferRef, rule: OpenCLDevice.StepRule)?
    var pending: Bool { pendingUpdate != nil }
    var enabled: Bool { device.fusedStochastic }

    /// The fused step for `network` trained by plain SGD, classical momentum or Adam on an
    /// `OpenCLDevice` that takes it (`fusedStochastic`), or nil (another device or rule).
    static func make(network: Network, optimizer: Optimizer) throws -> OpenCLStochasticStep? {
        guard let device = network.device as? OpenCLDevice, device.fusedStochastic,
              rules.contains(optimizer.config.kind) else { return nil }
        return try OpenCLStochasticStep(network: network, optimizer: optimizer, device: device)
    }

    private init(network: Network, optimizer: Optimizer, device: OpenCLDevice) throws {
        self.network = network
        self.optimizer = optimizer
        self.device = device
        let arch = network.architecture
        self.arch = arch
        let state = optimizer.state
        let s1 = state.first ?? network.parameters, s2 = state.count > 1 ? state[1] : s1
        layers = (0..<arch.layerCount).map { l in
            OpenCLDevice.StepLayer(units: arch.units(ofLayer: l), fanIn: arch.inputs(ofLayer: l),
                                   weights: network.parameters.at(arch.weightOffset(l)),
                                   biases: network.parameters.at(arch.biasOffset(l)), state1: s1, state2: s2)
        }
        vectors = try OpenCLDevice.StepVectors.make(units: (0..<arch.layerCount).map { arch.units(ofLayer: $0) },
                                                    device: device)
    }

    /// The rule of the step about to be taken (Adam's bias corrections at its step number).
    private func rule(learningRate lr: Float) -> OpenCLDevice.StepRule {
        let c = optimizer.config
        switch c.kind {
        case .momentum: return .momentum(c.momentum, learningRate: lr, weightDecay: c.weightDecay)
        case .adam:
            let (c1, c2) = UpdateRule.adamCorrections(beta1: c.beta1, beta2: c.beta2, step: optimizer.steps + 1)
            return .adam(learningRate: lr, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, c1: c1, c2: c2,
                         weightDecay: c.weightDecay)
        default: return .sgd(learningRate: lr, weightDecay: c.weightDecay)
        }
    }

    /// One step on sample `sample` of `data`, its loss and correctness into slot `slot`.
    func step(_ data: DeviceData, sample: Int, slot: Int, next: Int?, learningRate lr: Float) throws {
        let input = data.inputs.at(sample * arch.inputSize), rule = rule(learningRate: lr)
        let out = arch.layerCount - 1
        var x = input
        for l in 0..<out {
            try device.stepForward(layers[l], input: x, pending: l == 0 ? pendingUpdate : nil, out: vectors[l],
                                   activation: arch.activations[l])
            // Applied once enqueued: a flush after an error later in the step must not apply it again.
            if l == 0 { pendingUpdate = nil }
            x = vectors[l].a
        }
        try device.stepOutput(layers[out], input: x, rule: rule, out: vectors[out], loss: arch.loss,
                              activation: arch.outputActivation, targets: data.targets(from: sample),
                              lossOut: data.loss.at(slot), correctOut: data.correct.at(slot))
        // Down to the second layer, or the only one: the output layer's δ is step_output's, a
        // hidden layer's comes from the partial products of the layer above, and a hidden first
        // layer's update is left pending.
        for l in stride(from: out, through: out > 0 ? 1 : 0, by: -1) {
            try device.stepBackprop(layers[l], input: l == 0 ? input : vectors[l - 1].a, this: vectors[l],
                                    rule: rule, hidden: l < out ? arch.activations[l] : nil,
                                    partOut: l > 0 ? vectors[l - 1] : nil)
        }
        if out > 0 { pendingUpdate = (input, rule) }
        optimizer.countStep()
    }

    /// Applies the first layer's pending update, if any: after it, the parameters are exactly
    /// those of the plain step (up to the order of float additions).
    func flush() throws {
        guard let update = pendingUpdate else { return }
        try device.stepForward(layers[0], input: nil, pending: update, out: vectors[0], activation: arch.activations[0])
        pendingUpdate = nil
    }
}
