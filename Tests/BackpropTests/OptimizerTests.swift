import Backprop
import BackpropTestSupport
import Testing

/// Each optimizer kernel against the float64 reference rules, over several steps with random
/// gradients, on both devices; and the optimizer's bookkeeping (state, reset, restore).
@Suite("Optimizers against a float64 reference")
struct OptimizerTests {
    static let configs: [OptimizerConfig] = {
        var adam = OptimizerConfig(.adam, learningRate: 0.01, weightDecay: 0.1)
        adam.beta2 = 0.99
        return [OptimizerConfig(.sgd, learningRate: 0.1),
                OptimizerConfig(.sgd, learningRate: 0.1, weightDecay: 0.05),
                OptimizerConfig(.momentum, learningRate: 0.05, momentum: 0.9, weightDecay: 0.01),
                OptimizerConfig(.nesterov, learningRate: 0.05, momentum: 0.8),
                adam,
                OptimizerConfig(.rprop, learningRate: 0.05, weightDecay: 0.001),
                OptimizerConfig(.quickprop, learningRate: 0.7)]
    }()

    struct Case: CustomTestStringConvertible, Sendable {
        var kind: DeviceKind
        var config: OptimizerConfig
        var testDescription: String { "\(kind.rawValue) \(config.kind.rawValue) wd \(config.weightDecay)" }
    }

    static let cases = TestDevices.kinds.flatMap { k in configs.map { Case(kind: k, config: $0) } }

    @Test("steps match the reference", arguments: cases)
    func matchesReference(_ c: Case) throws {
        let device = try TestDevices.make(c.kind)
        let arch = try Architecture(sizes: [17, 33, 3], hidden: .tanh)
        var rng = SeededGenerator(seed: 11)
        let start = rng.floats(arch.parameterCount)
        let network = try Network(arch, device: device, parameters: start)
        let optimizer = try Optimizer(c.config, network: network)
        // Quickprop reads the sample count behind the mean gradient.
        let samples = 37
        var reference = ReferenceOptimizer(Optimizer.rule(c.config, learningRate: c.config.learningRate, step: 1, samples: samples)!,
                                           count: arch.parameterCount, initialStep: Double(c.config.learningRate))
        var p = start.map(Double.init)
        for step in 1...6 {
            // Gradients that keep or flip their sign, so RPROP takes both branches.
            let g = rng.floats(arch.parameterCount).map { $0 * (step % 3 == 0 ? -1 : 1) }
            try device.upload(g, to: network.gradients.start)
            try optimizer.step(samples: samples)
            reference.step(&p, g.map(Double.init), decayCount: arch.weightCount,
                           rule: Optimizer.rule(c.config, learningRate: c.config.learningRate, step: step, samples: samples))
        }
        let got = try network.readParameters()
        // Parameters are of order 1: float32 rounding over six steps leaves ~1e-7 absolute.
        let error = maxRelativeError(got, p, floor: 0.1)
        #expect(error < 1e-5, "\(c.testDescription): largest error \(error)")
        #expect(optimizer.steps == 6)
    }

    /// SGD and momentum take the gradient straight into the parameters / velocity during the
    /// backward pass; that must be the same step as computing the gradient and then updating.
    @Test("a step fused into the backward pass equals gradient-then-update",
          arguments: TestDevices.kinds, [OptimizerConfig(.sgd, learningRate: 0.1), OptimizerConfig(.sgd, learningRate: 0.1, weightDecay: 0.3),
                                         OptimizerConfig(.momentum, learningRate: 0.05, momentum: 0.9),
                                         OptimizerConfig(.momentum, learningRate: 0.05, momentum: 0.7, weightDecay: 0.2)])
    func fusedStep(_ kind: DeviceKind, _ config: OptimizerConfig) throws {
        let device = try TestDevices.make(kind)
        let arch = try Architecture(sizes: [13, 17, 5, 3], hidden: .swish)
        var rng = SeededGenerator(seed: 21)
        let params = rng.floats(arch.parameterCount, -0.5, 0.5)
        let batches = (0..<4).map { _ in (rng.floats(9 * 13), rng.oneHot(rows: 9, classes: 3)) }
        func run(fused: Bool) throws -> [Float] {
            let network = try Network(arch, device: device, parameters: params)
            let optimizer = try Optimizer(config, network: network)
            for (x, t) in batches {
                let xb = try device.makeBuffer(x), tb = try device.makeBuffer(t)
                let w = try network.forward(input: xb.start, rows: 9)
                try network.outputDelta(targets: .values(tb.start), rows: 9, scale: 1 / 9, lossOut: w.loss.start, correctOut: w.correct.start)
                if fused, let target = optimizer.fusedTarget(learningRate: config.learningRate) {
                    try network.backward(input: xb.start, rows: 9, into: target)
                    try optimizer.finishFusedStep(learningRate: config.learningRate)
                } else {
                    try network.backward(input: xb.start, rows: 9)
                    try optimizer.step()
                }
            }
            return try network.readParameters()
        }
        #expect(try Optimizer(config, network: Network(arch, device: device, parameters: params)).fusedTarget(learningRate: 0.1) != nil)
        let fused = try run(fused: true), plain = try run(fused: false)
        let error = maxRelativeError(fused, plain, floor: 0.1)
        #expect(error < 1e-5, "fused and plain steps differ by \(error)")
    }

    @Test("reset clears state; restore brings it back")
    func stateRoundTrip() throws {
        let arch = try Architecture(sizes: [3, 4, 2])
        let network = try Network(arch, device: TestDevices.cpu())
        let optimizer = try Optimizer(OptimizerConfig(.adam, learningRate: 0.01), network: network)
        try network.device.fill(network.gradients.start, count: arch.parameterCount, with: 0.5)
        try optimizer.step()
        let saved = try optimizer.stateValues()
        #expect(saved.count == 2 && saved[0].allSatisfy { $0 != 0 })
        try optimizer.reset()
        #expect(try optimizer.stateValues()[0].allSatisfy { $0 == 0 } && optimizer.steps == 0)
        try optimizer.restore(state: saved, steps: 1)
        #expect(try optimizer.stateValues() == saved && optimizer.steps == 1)
        #expect(throws: ConfigurationError.self) { try optimizer.restore(state: [saved[0]], steps: 1) }
    }

    @Test("bad settings are refused", arguments: [
        OptimizerConfig(.sgd, learningRate: 0), OptimizerConfig(.sgd, learningRate: -1),
        OptimizerConfig(.sgd, learningRate: .nan), OptimizerConfig(.sgd, learningRate: .infinity),
        OptimizerConfig(.momentum, learningRate: 0.1, momentum: 1), OptimizerConfig(.sgd, learningRate: 0.1, weightDecay: -1),
    ])
    func refusals(_ config: OptimizerConfig) throws {
        #expect(throws: ConfigurationError.self) { try config.validate() }
    }
}
