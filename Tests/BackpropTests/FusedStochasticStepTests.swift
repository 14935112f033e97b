@testable import Backprop
import BackpropTestSupport
import Testing

/// The CPU path's fused stochastic step (`FusedStochasticStep`) against a float64 SGD,
/// momentum or Adam loop written from `ReferenceNetwork`'s gradients (Adam's through
/// `ReferenceOptimizer`), and against the plain step, at awkward sizes:
/// layers of 1, 3, 17, 33 and 1000 units (row counts that are not multiples of the kernels'
/// four rows or sixteen lanes), with and without weight decay, ending on partial passes and
/// stops so that the pending first-layer update must have been applied.
@Suite("Fused stochastic step: SGD, momentum, Adam (CPU)", .serialized)
struct FusedStochasticStepTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var sizes: [Int]
        var hidden: Activation
        var loss: Loss
        var weightDecay: Float
        /// Small where a layer is 1000 wide: a stochastic step moves z by about lr·|a|², and
        /// past 2 it diverges.
        var learningRate: Float = 0.05
        /// Classical momentum's μ, or nil for plain SGD.
        var momentum: Float? = nil
        /// Adam (β2 0.99, so that its second moment moves within a few steps) instead of SGD.
        var adam = false
        var testDescription: String {
            "\(sizes.map(String.init).joined(separator: ",")) \(hidden) \(loss.rawValue) wd \(weightDecay)"
                + (momentum.map { " momentum \($0)" } ?? "") + (adam ? " adam" : "")
        }
        func config(learningRate lr: Float) -> OptimizerConfig {
            var c = OptimizerConfig(adam ? .adam : momentum == nil ? .sgd : .momentum, learningRate: lr,
                                    momentum: momentum ?? 0.9, weightDecay: weightDecay)
            c.beta2 = 0.99
            return c
        }
    }

    static let unsplit = [
        Case(sizes: [3, 1, 2], hidden: .relu, loss: .softmaxCrossEntropy, weightDecay: 0),
        Case(sizes: [17, 33, 3], hidden: .tanh, loss: .softmaxCrossEntropy, weightDecay: 0.05),
        Case(sizes: [1000, 17, 33], hidden: .relu, loss: .softmaxCrossEntropy, weightDecay: 0),
        Case(sizes: [33, 1000, 1], hidden: .sigmoid, loss: .squaredError, weightDecay: 0.01, learningRate: 0.003),
        Case(sizes: [1, 3, 17, 2], hidden: .swish, loss: .sigmoidCrossEntropy, weightDecay: 0),
        Case(sizes: [17, 33, 3, 1000, 5], hidden: .leakyReLU(alpha: 0.1), loss: .squaredError, weightDecay: 0.2, learningRate: 0.003),
        Case(sizes: [17, 33, 3], hidden: .tanh, loss: .softmaxCrossEntropy, weightDecay: 0.05, momentum: 0.9),
        Case(sizes: [1000, 17, 33], hidden: .relu, loss: .softmaxCrossEntropy, weightDecay: 0, learningRate: 0.02, momentum: 0.8),
        Case(sizes: [3, 1, 2], hidden: .relu, loss: .softmaxCrossEntropy, weightDecay: 0.1, momentum: 0.5),
        Case(sizes: [17, 5], hidden: .relu, loss: .softmaxCrossEntropy, weightDecay: 0.05),
        Case(sizes: [17, 33, 3], hidden: .tanh, loss: .softmaxCrossEntropy, weightDecay: 0.05, learningRate: 0.01, adam: true),
        Case(sizes: [1000, 17, 33], hidden: .relu, loss: .softmaxCrossEntropy, weightDecay: 0, learningRate: 0.003, adam: true),
        Case(sizes: [3, 1, 2], hidden: .relu, loss: .softmaxCrossEntropy, weightDecay: 0.1, learningRate: 0.01, adam: true),
        Case(sizes: [33, 1000, 1], hidden: .sigmoid, loss: .squaredError, weightDecay: 0.01, learningRate: 0.002, adam: true),
        Case(sizes: [17, 5], hidden: .relu, loss: .softmaxCrossEntropy, weightDecay: 0.05, learningRate: 0.01, adam: true),
    ]
    /// The same with a hidden layer to split, and one with two hidden layers wide enough that
    /// both threads own rows of each, on two threads: each thread owns blocks of 16 units, so a layer of 1, 3 or 17 leaves the
    /// second thread one unit or none.
    static let cases = unsplit.map { ($0, 1) } + (unsplit.dropFirst().filter { $0.sizes.count > 2 } + [
        Case(sizes: [33, 47, 1000, 3], hidden: .relu, loss: .softmaxCrossEntropy, weightDecay: 0.01, learningRate: 0.003),
        Case(sizes: [33, 47, 1000, 3], hidden: .relu, loss: .softmaxCrossEntropy, weightDecay: 0.01, learningRate: 0.002, momentum: 0.9),
        Case(sizes: [33, 47, 1000, 3], hidden: .relu, loss: .softmaxCrossEntropy, weightDecay: 0.01, learningRate: 0.001, adam: true),
    ]).map { ($0, 2) }

    /// n samples with inputs in [−1, 1] and targets the loss takes (one-hot rows for
    /// cross-entropy, stored as class labels; values for the others).
    static func data(_ arch: Architecture, samples n: Int, rng: inout SeededGenerator) -> (Dataset, targets: [Double]) {
        let inputs = rng.floats(n * arch.inputSize)
        let outputs = arch.outputSize
        if arch.loss == .softmaxCrossEntropy {
            let labels = (0..<n).map { _ in Int32(rng.index(below: outputs)) }
            var t = [Double](repeating: 0, count: n * outputs)
            for (r, c) in labels.enumerated() { t[r * outputs + Int(c)] = 1 }
            return (Dataset(source: "fused-test", inputSize: arch.inputSize, inputs: inputs, labels: labels, classes: outputs), t)
        }
        let targets = arch.loss == .sigmoidCrossEntropy
            ? (0..<(n * outputs)).map { _ in Float(rng.index(below: 2)) } : rng.floats(n * outputs)
        return (Dataset(source: "fused-test", inputSize: arch.inputSize, inputs: inputs, targets: targets, targetSize: outputs),
                targets.map(Double.init))
    }

    /// The network's own initialisation (scaled to each layer's fan-in, so that a 1000-unit
    /// layer does not start the run diverged), with biases made non-zero.
    static func initial(_ arch: Architecture) throws -> [Float] {
        var p = try Network(arch, device: CPUDevice(), seed: 5).readParameters()
        for k in arch.weightCount..<arch.parameterCount { p[k] = 0.01 * Float(k % 7) - 0.03 }
        return p
    }

    static func trainer(_ arch: Architecture, parameters: [Float], config: OptimizerConfig, fused: Bool,
                        threads: Int, shuffle: Bool) throws -> Trainer {
        let device = CPUDevice()
        device.fusedStochastic = fused
        device.fusedThreads = threads
        device.fusedSplitWeights = 0
        let network = try Network(arch, device: device, parameters: parameters)
        var options = TrainingOptions(mode: .stochastic, epochs: 3)
        options.shuffle = shuffle
        return try Trainer(network: network, optimizer: Optimizer(config, network: network), options: options)
    }

    /// `steps` float64 steps of case `c`'s rule from `start` over `set` in order (targets as
    /// `data` gives them): the parameters after, and each step's loss before its update.
    static func reference(_ c: Case, _ arch: Architecture, start: [Float], set: Dataset, targets: [Double],
                          steps: Int) -> (parameters: [Double], losses: [Double]) {
        let config = c.config(learningRate: c.learningRate), n = set.count
        var reference = ReferenceNetwork(arch, parameters: start.map(Double.init))
        let inputs = set.inputs.map(Double.init), lr = Double(config.learningRate), wd = Double(c.weightDecay)
        var velocity = [Double](repeating: 0, count: arch.parameterCount)
        var adam = ReferenceOptimizer(Optimizer.rule(config, learningRate: config.learningRate, step: 1)!,
                                      count: arch.parameterCount)
        var losses: [Double] = []
        for step in 0..<steps {
            let i = step % n, o = arch.outputSize
            let x = Array(inputs[(i * arch.inputSize)..<((i + 1) * arch.inputSize)]), t = Array(targets[(i * o)..<((i + 1) * o)])
            losses.append(reference.loss(x, t, rows: 1))
            let g = reference.gradients(x, t, rows: 1)
            if c.adam {
                // Adam with decoupled decay on the weights (ReferenceOptimizer, from Kingma & Ba).
                adam.step(&reference.parameters, g, decayCount: arch.weightCount,
                          rule: Optimizer.rule(config, learningRate: config.learningRate, step: step + 1))
                continue
            }
            for k in 0..<arch.parameterCount {
                // p −= lr·(g + wd·p) (weights decay, biases do not); momentum: v = μ·v − lr·(g + wd·p), p += v.
                let grad = g[k] + (k < arch.weightCount ? wd * reference.parameters[k] : 0)
                if let mu = c.momentum {
                    velocity[k] = Double(mu) * velocity[k] - lr * grad
                    reference.parameters[k] += velocity[k]
                } else {
                    reference.parameters[k] -= lr * grad
                }
            }
        }
        return (reference.parameters, losses)
    }

    @Test("parameters and losses match a float64 SGD loop, with each instruction set's kernels", arguments: cases)
    func matchesReference(_ c: Case, threads: Int) throws {
        let widest = CPUDevice.rowKernelISA
        let ran = try KernelISA.each { isa in
            #expect(CPUDevice.rowKernelISA == isa)
            try matchesReference(c, threads: threads, isa: isa)
        }
        #expect(ran.contains("baseline") && ran.first == widest)
    }

    func matchesReference(_ c: Case, threads: Int, isa: String) throws {
        let arch = try Architecture(sizes: c.sizes, hidden: c.hidden, loss: c.loss)
        var rng = SeededGenerator(seed: 41)
        let start = try Self.initial(arch)
        let n = 9
        let (set, targets) = Self.data(arch, samples: n, rng: &rng)
        let config = c.config(learningRate: c.learningRate)
        let trainer = try Self.trainer(arch, parameters: start, config: config, fused: true, threads: threads, shuffle: false)
        let data = try DeviceData(set, for: trainer.network)
        // A whole epoch, then a pass of 4 updates that stops inside the next.
        let first = try trainer.trainEpoch(data)
        #expect(trainer.fusedStep?.blocks == (arch.layerCount > 1 ? threads : 1), "the fused step was not taken as asked")
        let second = try trainer.trainEpoch(data, updates: 4)
        #expect(first.complete && !second.complete && trainer.optimizer.steps == n + 4)

        let (want, losses) = Self.reference(c, arch, start: start, set: set, targets: targets, steps: n + 4)
        let got = try trainer.network.readParameters()
        let error = maxRelativeError(got, want, floor: 0.1)
        #expect(error < 1e-4, "\(c.testDescription), \(threads) thread(s), \(isa): parameters differ from the reference by \(error)")
        let firstMean = losses[0..<n].reduce(0, +) / Double(n), secondMean = losses[n...].reduce(0, +) / 4
        #expect(abs(first.loss - firstMean) <= 1e-4 * Swift.max(1, firstMean), "epoch loss \(first.loss) vs \(firstMean)")
        #expect(abs(second.loss - secondMean) <= 1e-4 * Swift.max(1, secondMean), "pass loss \(second.loss) vs \(secondMean)")
    }

    @Test("shuffled epochs match the plain step, and a stop request leaves no update pending", arguments: cases)
    func matchesPlainStep(_ c: Case, threads: Int) throws {
        let arch = try Architecture(sizes: c.sizes, hidden: c.hidden, loss: c.loss)
        var rng = SeededGenerator(seed: 43)
        let start = try Self.initial(arch)
        let (set, _) = Self.data(arch, samples: 17, rng: &rng)
        // A held-out set larger than the training set: its evaluation after each epoch grows
        // the network's workspace, which the fused step must not depend on.
        let (held, _) = Self.data(arch, samples: 40, rng: &rng)
        let config = c.config(learningRate: c.learningRate / 2)
        func run(fused: Bool) throws -> StoppedRun {
            let trainer = try Self.trainer(arch, parameters: start, config: config, fused: fused, threads: threads, shuffle: true)
            let run = try Self.stoppedRun(trainer, set, held: held)
            #expect(trainer.fusedStep?.blocks == (fused ? (arch.layerCount > 1 ? threads : 1) : nil))
            return run
        }
        Self.expectSame(try run(fused: true), try run(fused: false), "\(c.testDescription), \(threads) thread(s)")
    }

    typealias StoppedRun = (parameters: [Float], result: TrainingResult, steps: Int)

    /// `trainer.fit` on `set` (held-out `held`), stopped after its 40th update, inside the third
    /// epoch for 17 samples.
    static func stoppedRun(_ trainer: Trainer, _ set: Dataset, held: Dataset) throws -> StoppedRun {
        nonisolated(unsafe) var asked = 0
        trainer.shouldStop = { asked += 1; return asked == 40 }
        let result = try trainer.fit(set, validation: held)
        return (try trainer.network.readParameters(), result, trainer.optimizer.steps)
    }

    /// A fused step's stopped run against the plain step's: the same stop, parameters and losses.
    static func expectSame(_ fused: StoppedRun, _ plain: StoppedRun, _ what: String) {
        #expect(fused.steps == plain.steps && fused.steps == 40)
        #expect(fused.result.reason == plain.result.reason && fused.result.epochs.count == 2)
        let error = maxRelativeError(fused.parameters, plain.parameters, floor: 0.1)
        #expect(error < 1e-5, "\(what): fused and plain steps differ by \(error)")
        for (f, p) in zip(fused.result.epochs, plain.result.epochs) {
            #expect(abs(f.loss - p.loss) <= 1e-5 * Swift.max(1, p.loss), "epoch \(f.epoch): \(f.loss) vs \(p.loss)")
            let (fv, pv) = (f.validationLoss ?? .nan, p.validationLoss ?? .nan)
            #expect(abs(fv - pv) <= 1e-5 * Swift.max(1, pv), "epoch \(f.epoch) held-out: \(fv) vs \(pv)")
        }
    }

    /// The split step runs its blocks on the team or, one after another, on one thread, as
    /// it times faster; the two must give the same bits, or the choice would change results.
    @Test("two blocks on one thread give exactly the bits of two threads", arguments: cases.filter { $0.1 == 2 }.map(\.0))
    func sameBitsOnOneThread(_ c: Case) throws {
        let arch = try Architecture(sizes: c.sizes, hidden: c.hidden, loss: c.loss)
        var rng = SeededGenerator(seed: 47)
        let start = try Self.initial(arch)
        let (set, _) = Self.data(arch, samples: 23, rng: &rng)
        let config = c.config(learningRate: c.learningRate)
        func run(_ threads: Int?) throws -> ([Float], [Double]) {
            let trainer = try Self.trainer(arch, parameters: start, config: config, fused: true, threads: 2, shuffle: true)
            (trainer.network.device as! CPUDevice).fusedRunThreads = threads
            var losses: [Double] = []
            for _ in 0..<2 { losses.append(try trainer.trainEpoch(DeviceData(set, for: trainer.network)).loss) }
            #expect(trainer.fusedStochasticThreads == 2)
            let share = try #require(trainer.fusedStochasticTeamShare)
            if let threads { #expect(share == (threads == 1 ? 0 : 1)) }
            return (try trainer.network.readParameters(), losses)
        }
        let one = try run(1), team = try run(2), chosen = try run(nil)
        #expect(one.0 == team.0 && one.1 == team.1, "\(c.testDescription): one thread and two differ")
        #expect(chosen.0 == team.0 && chosen.1 == team.1, "\(c.testDescription): the timed choice changed the bits")
    }

    /// Adam's CPU update is a C kernel too (CPUKernels.adam → bp_adam), built per instruction
    /// set: each instance against the float64 rule over six steps, on 764 parameters (a tail
    /// past the last 16 lanes).
    @Test("the CPU Adam update matches the float64 rule with each instruction set's kernel")
    func adamEachISA() throws {
        let arch = try Architecture(sizes: [17, 33, 5], hidden: .tanh)
        #expect(arch.parameterCount % 16 != 0)
        var config = OptimizerConfig(.adam, learningRate: 0.01, weightDecay: 0.1)
        config.beta2 = 0.99
        try KernelISA.each { isa in
            var rng = SeededGenerator(seed: 13)
            let start = rng.floats(arch.parameterCount)
            let network = try Network(arch, device: CPUDevice(), parameters: start)
            let optimizer = try Optimizer(config, network: network)
            var reference = ReferenceOptimizer(Optimizer.rule(config, learningRate: config.learningRate, step: 1)!,
                                               count: arch.parameterCount, initialStep: Double(config.learningRate))
            var p = start.map(Double.init)
            for step in 1...6 {
                let g = rng.floats(arch.parameterCount)
                try network.device.upload(g, to: network.gradients.start)
                try optimizer.step()
                reference.step(&p, g.map(Double.init), decayCount: arch.weightCount,
                               rule: Optimizer.rule(config, learningRate: config.learningRate, step: step))
            }
            let error = maxRelativeError(try network.readParameters(), p, floor: 0.1)
            #expect(error < 1e-5, "\(isa): largest error \(error)")
        }
    }

    @Test("other rules and devices keep the plain step")
    func scope() throws {
        let arch = try Architecture(sizes: [3, 4, 2])
        let network = try Network(arch, device: CPUDevice(), seed: 1)
        #expect(try FusedStochasticStep.make(network: network, optimizer: Optimizer(OptimizerConfig(.sgd, learningRate: 0.1), network: network)) != nil)
        #expect(try FusedStochasticStep.make(network: network, optimizer: Optimizer(OptimizerConfig(.momentum, learningRate: 0.1), network: network)) != nil)
        #expect(try FusedStochasticStep.make(network: network, optimizer: Optimizer(OptimizerConfig(.adam, learningRate: 0.1), network: network)) != nil)
        for kind in [OptimizerConfig.Kind.nesterov, .rprop] {
            let optimizer = try Optimizer(OptimizerConfig(kind, learningRate: 0.1, momentum: 0.9), network: network)
            #expect(try FusedStochasticStep.make(network: network, optimizer: optimizer) == nil, "\(kind)")
        }
        let wrapped = try Network(arch, device: FaultInjectingDevice(CPUDevice(), failingAfter: 1_000_000), seed: 1)
        #expect(try FusedStochasticStep.make(network: wrapped, optimizer: Optimizer(OptimizerConfig(.sgd, learningRate: 0.1), network: wrapped)) == nil)
        #expect(["avx512", "avx2", "baseline"].contains(CPUDevice.rowKernelISA))
    }
}
