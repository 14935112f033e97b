@testable import Backprop
import BackpropTestSupport
import Foundation
import Testing

/// Levenberg–Marquardt, L-BFGS and Quickprop as whole-epoch methods: each step against a
/// float64 reference, the sinc(10x) fit the issue asks for, and the rules on their settings.
@Suite("Batch methods: Levenberg–Marquardt, L-BFGS, Quickprop")
struct BatchMethodsTests {
    /// sinc(10x) on `count` points of [−1, 1], as torch-levenberg-marquardt's example fits it.
    static func sinc(_ count: Int) -> Dataset {
        let x = (0..<count).map { -1 + 2 * Float($0) / Float(count - 1) }
        let y = x.map { $0 == 0 ? 1 : Float(sin(10 * Double($0)) / (10 * Double($0))) }
        return Dataset(source: "sinc", inputSize: 1, inputs: x, targets: y, targetSize: 1)
    }

    static func trainer(_ arch: Architecture, _ config: OptimizerConfig, device: any Device, parameters: [Float],
                        epochs: Int, chunkRows: Int = 4096) throws -> Trainer {
        let network = try Network(arch, device: device, parameters: parameters)
        var options = TrainingOptions(mode: .batch, epochs: epochs)
        options.chunkRows = chunkRows
        return try Trainer(network: network, optimizer: Optimizer(config, network: network), options: options)
    }

    @Test("Levenberg–Marquardt fits sinc(10x) with 1-20-1 tanh to MSE ≤ 1e-5 within 100 epochs", arguments: TestDevices.kinds)
    func sincFit(_ kind: DeviceKind) throws {
        let device = try TestDevices.make(kind)
        let data = Self.sinc(300)
        let network = try Network(Architecture(sizes: [1, 20, 1], hidden: .tanh, loss: .squaredError), device: device, seed: 2)
        var options = TrainingOptions(mode: .batch, epochs: 100)
        options.stopping.targetLoss = 0.5e-5  // the loss is ½·MSE for one output
        let trainer = try Trainer(network: network, optimizer: Optimizer(OptimizerConfig(.lm, learningRate: 1), network: network),
                                  options: options)
        let result = try trainer.fit(data)
        let e = try Evaluation.measure(network, on: data)
        let mse = try #require(e.regression?.mse)
        #expect(mse <= 1e-5 && result.reason == .targetLoss, "\(device.name): MSE \(mse) after \(result.epochs.count) epochs, \(result.reason)")
    }

    /// The Gauss–Newton step of the float64 reference, its Jacobian by central differences of
    /// the outputs: (JᵀJ + μI)Δ = Jᵀ(t − o).
    static func referenceStep(_ arch: Architecture, _ p: [Double], _ x: [Double], _ t: [Double], rows: Int, mu: Double) -> [Double] {
        let n = p.count, k = arch.outputSize
        func outputs(_ q: [Double]) -> [Double] { ReferenceNetwork(arch, parameters: q).forward(x, rows: rows).a.last! }
        let o = outputs(p)
        var jacobian = [Double](repeating: 0, count: rows * k * n)
        for j in 0..<n {
            var plus = p, minus = p
            plus[j] += 1e-6
            minus[j] -= 1e-6
            let (up, down) = (outputs(plus), outputs(minus))
            for r in 0..<(rows * k) { jacobian[r * n + j] = (up[r] - down[r]) / 2e-6 }
        }
        var a = [Double](repeating: 0, count: n * n), b = [Double](repeating: 0, count: n)
        for r in 0..<(rows * k) {
            let e = t[r] - o[r]
            for i in 0..<n {
                b[i] += jacobian[r * n + i] * e
                for j in 0..<n { a[i * n + j] += jacobian[r * n + i] * jacobian[r * n + j] }
            }
        }
        for i in 0..<n { a[i * n + i] += mu }
        // Gaussian elimination with partial pivoting: an independent solve.
        for c in 0..<n {
            let pivot = (c..<n).max { abs(a[$0 * n + c]) < abs(a[$1 * n + c]) }!
            if pivot != c {
                for j in 0..<n { a.swapAt(c * n + j, pivot * n + j) }
                b.swapAt(c, pivot)
            }
            for r in (c + 1)..<n where a[r * n + c] != 0 {
                let f = a[r * n + c] / a[c * n + c]
                for j in c..<n { a[r * n + j] -= f * a[c * n + j] }
                b[r] -= f * b[c]
            }
        }
        var delta = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            delta[r] = (b[r] - ((r + 1)..<n).reduce(0) { $0 + a[r * n + $1] * delta[$1] }) / a[r * n + r]
        }
        return delta
    }

    @Test("a Levenberg–Marquardt step equals float64 Gauss–Newton on finite-difference Jacobians, over several chunks",
          arguments: TestDevices.kinds, [[3, 5, 2], [1, 4, 3, 1], [2, 17, 3]])
    func lmStep(_ kind: DeviceKind, _ sizes: [Int]) throws {
        let device = try TestDevices.make(kind)
        let arch = try Architecture(sizes: sizes, hidden: .tanh, output: .sigmoid, loss: .squaredError)
        var rng = SeededGenerator(seed: UInt64(sizes.reduce(0, +)))
        let rows = 17, p0 = rng.floats(arch.parameterCount, -0.8, 0.8)
        let x = rng.floats(rows * arch.inputSize), t = rng.floats(rows * arch.outputSize, 0, 1)
        var config = OptimizerConfig(.lm, learningRate: 1)
        config.lmMu = 0.5  // well conditioned, so float32 JᵀJ gives the step to ~1e-5
        // Chunks of 5 samples (so 4 chunks, the last short), accumulated into one system.
        let trainer = try Self.trainer(arch, config, device: device, parameters: p0, epochs: 1, chunkRows: 5)
        let data = Dataset(source: "random", inputSize: arch.inputSize, inputs: x, targets: t, targetSize: arch.outputSize)
        _ = try trainer.fit(data)
        let got = try trainer.network.readParameters()
        let reference = ReferenceNetwork(arch, parameters: p0.map(Double.init))
        let (xd, td) = (x.map(Double.init), t.map(Double.init))
        // The first μ whose step lowers the loss, as the trainer found it.
        var mu = 0.5, expected = [Double]()
        while mu < 1e10 {
            let delta = Self.referenceStep(arch, reference.parameters, xd, td, rows: rows, mu: mu)
            let moved = zip(reference.parameters, delta).map { $0 + $1 }
            if ReferenceNetwork(arch, parameters: moved).loss(xd, td, rows: rows) < reference.loss(xd, td, rows: rows) {
                expected = moved
                break
            }
            mu *= 10
        }
        let error = maxRelativeError(got, expected, floor: 0.1)
        #expect(error < 2e-4, "\(kind) \(sizes): step differs by \(error)")
        #expect(abs(try #require(trainer.levenbergMu) - mu * 0.1) < 1e-12 * mu, "μ after an accepted step is ×0.1")
    }

    @Test("every L-BFGS iteration meets the strong Wolfe conditions in float64, and the loss falls", arguments: TestDevices.kinds)
    func lbfgsWolfe(_ kind: DeviceKind) throws {
        let device = try TestDevices.make(kind)
        let arch = try Architecture(sizes: [2, 9, 3], hidden: .tanh, loss: .softmaxCrossEntropy)
        let data = SyntheticData.circles(count: 61, seed: 3)
        var rng = SeededGenerator(seed: 4)
        let trainer = try Self.trainer(arch, OptimizerConfig(.lbfgs, learningRate: 1), device: device,
                                       parameters: rng.floats(arch.parameterCount, -0.5, 0.5), epochs: 1, chunkRows: 16)
        let x = data.inputs.map(Double.init)
        let t = data.labels!.flatMap { label in (0..<3).map { Double($0 == Int(label) ? 1 : 0) } }
        func reference(_ p: [Float]) -> ReferenceNetwork { ReferenceNetwork(arch, parameters: p.map(Double.init)) }
        var previous = try trainer.network.readParameters()
        let first = reference(previous).loss(x, t, rows: data.count)
        for iteration in 1...12 {
            trainer.options.stopping.maxEpochs = iteration
            let result = try trainer.fit(data)
            if case .converged = result.reason { break }
            let now = try trainer.network.readParameters()
            let (r0, r1) = (reference(previous), reference(now))
            let step = zip(now, previous).map { Double($0) - Double($1) }
            let g0 = r0.gradients(x, t, rows: data.count), g1 = r1.gradients(x, t, rows: data.count)
            let slope0 = zip(g0, step).reduce(0) { $0 + $1.0 * $1.1 }, slope1 = zip(g1, step).reduce(0) { $0 + $1.0 * $1.1 }
            let f0 = r0.loss(x, t, rows: data.count), f1 = r1.loss(x, t, rows: data.count)
            #expect(slope0 < 0, "iteration \(iteration): the step must descend")
            // Float32 evaluation on the device: allow its rounding on both conditions.
            #expect(f1 <= f0 + 1e-4 * slope0 + 1e-6, "iteration \(iteration): sufficient decrease, \(f1) vs \(f0)")
            #expect(abs(slope1) <= 0.9 * abs(slope0) + 1e-6, "iteration \(iteration): curvature, |\(slope1)| vs 0.9·|\(slope0)|")
            if iteration == 1 {
                // The first direction is −g: the step is parallel to the gradient.
                let cosine = -slope0 / (sqrt(g0.reduce(0) { $0 + $1 * $1 }) * sqrt(step.reduce(0) { $0 + $1 * $1 }))
                #expect(cosine > 1 - 1e-4, "the first step follows −g (cosine \(cosine))")
            }
            previous = now
        }
        let last = reference(try trainer.network.readParameters()).loss(x, t, rows: data.count)
        #expect(last < 0.5 * first, "L-BFGS lowered the loss from \(first) to only \(last)")
    }

    @Test("the same seeded batch-method run ends with the same weights on CPU and OpenCL",
          .enabled(if: TestDevices.runOpenCL, TestDevices.skipReason),
          arguments: [OptimizerConfig.Kind.quickprop, .lm, .lbfgs])
    func crossDevice(_ kind: OptimizerConfig.Kind) throws {
        let data = SyntheticData.circles(count: 60, seed: 4)
        let arch = kind == .lm ? try Architecture(sizes: [2, 9, 3], hidden: .tanh, output: .sigmoid, loss: .squaredError)
            : try Architecture(sizes: [2, 9, 3], hidden: .tanh)
        var rng = SeededGenerator(seed: 5)
        let start = rng.floats(arch.parameterCount, -0.5, 0.5)
        func run(_ device: any Device) throws -> [Float] {
            let trainer = try Self.trainer(arch, OptimizerConfig(kind, learningRate: kind.defaultLearningRate),
                                           device: device, parameters: start, epochs: 4, chunkRows: 16)
            _ = try trainer.fit(data)
            return try trainer.network.readParameters()
        }
        let error = normwiseError(try run(TestDevices.openCL()), try run(TestDevices.cpu()))
        // lm solves with μ from 0.001: a system that ill-conditioned magnifies the float32 sums'
        // different order on the two devices (seen: 1.3e-4 after 4 epochs).
        let tolerance = kind == .lm ? 1e-3 : 1e-4
        #expect(error < tolerance, "\(kind.rawValue): weights differ by \(error) (norm-wise)")
    }

    @Test("refusals: batch methods outside batch mode, lm without mse or with softmax, an lm system too large to hold")
    func refusals() throws {
        let cpu = TestDevices.cpu()
        let network = try Network(Architecture(sizes: [2, 4, 2]), device: cpu, seed: 1)
        for kind in [OptimizerConfig.Kind.quickprop, .lm, .lbfgs] {
            #expect(throws: ConfigurationError.self) {
                try Trainer(network: network, optimizer: Optimizer(OptimizerConfig(kind, learningRate: 1), network: network),
                            options: TrainingOptions(mode: .minibatch(4), epochs: 1))
            }
        }
        #expect(throws: ConfigurationError.self) {  // cross-entropy with softmax
            try Trainer(network: network, optimizer: Optimizer(OptimizerConfig(.lm, learningRate: 1), network: network),
                        options: TrainingOptions(mode: .batch, epochs: 1))
        }
        let big = try Architecture(sizes: [784, 4096, 10], hidden: .relu, loss: .squaredError)
        #expect {
            try LevenbergMarquardt.check(big)
        } throws: { error in
            let text = (error as? ConfigurationError)?.problem ?? ""
            return text.contains("P = \(big.parameterCount)") && text.contains("\(LevenbergMarquardt.systemBytes(parameters: big.parameterCount)) bytes")
        }
    }

    @Test("a checkpoint keeps Levenberg–Marquardt's μ, and a resumed trainer goes on from it")
    func resumeMu() throws {
        let data = Self.sinc(50)
        let arch = try Architecture(sizes: [1, 6, 1], hidden: .tanh, loss: .squaredError)
        var rng = SeededGenerator(seed: 6)
        let trainer = try Self.trainer(arch, OptimizerConfig(.lm, learningRate: 1), device: TestDevices.cpu(),
                                       parameters: rng.floats(arch.parameterCount, -0.5, 0.5), epochs: 3)
        _ = try trainer.fit(data)
        let checkpoint = try Checkpoint(Checkpoint(network: trainer.network, trainer: trainer).encoded(), source: "m")
        #expect(checkpoint.training?.levenbergMu == trainer.levenbergMu && trainer.levenbergMu != 0.001)
        let resumed = try Self.trainer(arch, checkpoint.optimizer!, device: TestDevices.cpu(), parameters: checkpoint.parameters, epochs: 3)
        try checkpoint.restore(into: resumed)
        #expect(resumed.levenbergMu == trainer.levenbergMu)
    }
}
