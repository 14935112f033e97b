
/// An optimizer bound to one network: its per-parameter state on the device and its step
/// count. One `step` is one kernel over the network's flat parameter buffer.
public final class Optimizer {
    public let config: OptimizerConfig
    public let network: Network
    /// Per-parameter state: velocity (momentum); first and second moments (Adam);
    /// previous gradient and step size (RPROP).
    public let state: [DeviceBuffer]
    /// Updates applied so far (Adam's t).
    public private(set) var steps: Int = 0

    public init(_ config: OptimizerConfig, network: Network) throws {
        try config.validate()
        self.config = config
        self.network = network
        let n = network.architecture.parameterCount
        state = try (0..<(Self.rule(config, learningRate: config.learningRate, step: 1)?.stateBuffers ?? 0)).map { _ in
            try network.device.makeBuffer(count: n)
        }
        try reset()
    }

    /// Clears the state (and the step count), as at the start of training.
    public func reset() throws {
        let n = network.architecture.parameterCount
        for buffer in state { try network.device.fill(buffer.start, count: n, with: 0) }
        if config.kind == .rprop { try network.device.fill(state[1].start, count: n, with: config.learningRate) }
        steps = 0
    }

    /// Applies the gradients now in `network.gradients` (of the mean loss over `samples`
    /// samples: Quickprop needs the count), with this step's learning rate. lm and lbfgs take
    /// their steps in `LevenbergMarquardt` and `LBFGS`, not here.
    public func step(learningRate: Float? = nil, samples: Int = 1) throws {
        guard let rule = Self.rule(config, learningRate: learningRate ?? config.learningRate, step: steps + 1, samples: samples) else {
            preconditionFailure("\(config.kind.rawValue) takes no per-parameter update step")
        }
        steps += 1
        let arch = network.architecture
        try network.device.update(rule,
                                  parameters: network.parameters.start, gradients: network.gradients.start,
                                  state: state, count: arch.parameterCount, decayCount: arch.weightCount)
    }

    /// Counts a step taken outside `step` (Levenberg–Marquardt's, L-BFGS's).
    func countStep() { steps += 1 }

    /// SGD and classical momentum can take the gradient straight into the buffer they update
    /// (the parameters; the velocity), skipping the gradient buffer and a pass over it: the
    /// target for `Network.backward(input:rows:into:)`, or nil for the other rules. Call
    /// `finishFusedStep` after that backward pass.
    public func fusedTarget(learningRate lr: Float) -> GradientTarget? {
        switch config.kind {
        case .sgd:
            // p = (1 − lr·wd)·p − lr·g
            return GradientTarget(buffer: network.parameters, alpha: -lr, weightBeta: 1 - lr * config.weightDecay, biasBeta: 1)
        case .momentum:
            // v = μ·v − lr·g; the decay term and p += v follow in finishFusedStep
            return GradientTarget(buffer: state[0], alpha: -lr, weightBeta: config.momentum, biasBeta: config.momentum)
        case .nesterov, .adam, .rprop, .quickprop, .lm, .lbfgs:
            return nil
        }
    }

    /// Completes a step whose gradient went to `fusedTarget`.
    public func finishFusedStep(learningRate lr: Float) throws {
        steps += 1
        guard config.kind == .momentum else { return }
        let arch = network.architecture, device = network.device
        if config.weightDecay != 0 {
            try device.axpby(count: arch.weightCount, alpha: -lr * config.weightDecay, x: network.parameters.start,
                             beta: 1, y: state[0].start)
        }
        try device.axpby(count: arch.parameterCount, alpha: 1, x: state[0].start, beta: 1, y: network.parameters.start)
    }

    /// The state as host arrays, for checkpoints.
    public func stateValues() throws -> [[Float]] {
        try state.map { try network.device.download($0.start, count: network.architecture.parameterCount) }
    }

    /// Restores state saved by `stateValues` and the step count.
    public func restore(state values: [[Float]], steps: Int) throws {
        guard values.count == state.count,
              values.allSatisfy({ $0.count == network.architecture.parameterCount }) else {
            throw ConfigurationError("optimizer state does not match a \(config.kind.rawValue) optimizer for this network")
        }
        for (buffer, v) in zip(state, values) { try network.device.upload(v, to: buffer.start) }
        self.steps = steps
    }

    /// The device update rule for `c` at this learning rate and step count (Adam's t), over the
    /// mean gradient of `samples` samples; nil for lm and lbfgs, which are no per-parameter rule.
    public static func rule(_ c: OptimizerConfig, learningRate lr: Float, step: Int, samples: Int = 1) -> UpdateRule? {
        switch c.kind {
        case .sgd: .sgd(learningRate: lr, weightDecay: c.weightDecay)
        case .momentum: .momentum(learningRate: lr, momentum: c.momentum, weightDecay: c.weightDecay, nesterov: false)
        case .nesterov: .momentum(learningRate: lr, momentum: c.momentum, weightDecay: c.weightDecay, nesterov: true)
        case .adam: .adam(learningRate: lr, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon,
                          weightDecay: c.weightDecay, step: step)
        case .rprop: .rprop(etaPlus: c.etaPlus, etaMinus: c.etaMinus, stepMin: c.stepMin, stepMax: c.stepMax,
                            weightDecay: c.weightDecay)
        case .quickprop: .quickprop(learningRate: lr, samples: samples, decay: c.quickpropDecay, mu: c.quickpropMu)
        case .lm, .lbfgs: nil
        }
    }
}
