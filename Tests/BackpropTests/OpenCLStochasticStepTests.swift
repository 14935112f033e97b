@testable import Backprop
import BackpropTestSupport
import Testing

/// The OpenCL fused batch-of-one step (`OpenCLStochasticStep`, Kernels/stochastic.cl) against
/// the float64 SGD, momentum and Adam loop of the CPU step's tests, and against the general
/// OpenCL path, on the CPU step's awkward sizes: fan-ins of 1, 3, 17, 33 and 1000 (tails past
/// the kernels' vectors of eight, and none), zero to three hidden layers, every loss, ending
/// on partial passes and stops so that the pending first-layer update must have been applied.
@Suite("Fused stochastic step (OpenCL)", .serialized, .enabled(if: TestDevices.runOpenCL, TestDevices.skipReason))
struct OpenCLStochasticStepTests {
    typealias Case = FusedStochasticStepTests.Case
    static let cases = FusedStochasticStepTests.unsplit

    static func trainer(_ arch: Architecture, parameters: [Float], config: OptimizerConfig, fused: Bool,
                        shuffle: Bool) throws -> Trainer {
        let device = try TestDevices.openCL()
        device.fusedStochastic = fused
        let network = try Network(arch, device: device, parameters: parameters)
        var options = TrainingOptions(mode: .stochastic, epochs: 3)
        options.shuffle = shuffle
        return try Trainer(network: network, optimizer: Optimizer(config, network: network), options: options)
    }

    @Test("parameters and losses match a float64 loop; an epoch takes 2H + 1 kernels a step (2 without hidden layers)", arguments: cases)
    func matchesReference(_ c: Case) throws {
        let arch = try Architecture(sizes: c.sizes, hidden: c.hidden, loss: c.loss)
        var rng = SeededGenerator(seed: 41)
        let start = try FusedStochasticStepTests.initial(arch)
        let n = 9
        let (set, targets) = FusedStochasticStepTests.data(arch, samples: n, rng: &rng)
        let trainer = try Self.trainer(arch, parameters: start, config: c.config(learningRate: c.learningRate),
                                       fused: true, shuffle: false)
        let device = try #require(trainer.network.device as? OpenCLDevice)
        let data = try DeviceData(set, for: trainer.network)
        // A whole epoch, then a pass of 4 updates that stops inside the next.
        let before = device.launchStatistics.kernels
        let first = try trainer.trainEpoch(data)
        let launched = device.launchStatistics.kernels - before
        #expect(trainer.openCLStep != nil && trainer.openCLStep?.pending == false, "the fused step was not taken, or left an update pending")
        // 2H + 1 a step and a flush at the end (without a hidden layer, 2 a step and nothing
        // pending); the epoch's read-backs launch nothing.
        let hidden = arch.layerCount - 1
        #expect(launched == (hidden > 0 ? n * (2 * hidden + 1) + 1 : 2 * n), "\(launched) kernels for \(n) steps")
        let second = try trainer.trainEpoch(data, updates: 4)
        #expect(first.complete && !second.complete && trainer.optimizer.steps == n + 4)

        let (want, losses) = FusedStochasticStepTests.reference(c, arch, start: start, set: set, targets: targets, steps: n + 4)
        let error = maxRelativeError(try trainer.network.readParameters(), want, floor: 0.1)
        #expect(error < 1e-4, "\(c.testDescription): parameters differ from the reference by \(error)")
        let firstMean = losses[0..<n].reduce(0, +) / Double(n), secondMean = losses[n...].reduce(0, +) / 4
        #expect(abs(first.loss - firstMean) <= 1e-4 * Swift.max(1, firstMean), "epoch loss \(first.loss) vs \(firstMean)")
        #expect(abs(second.loss - secondMean) <= 1e-4 * Swift.max(1, secondMean), "pass loss \(second.loss) vs \(secondMean)")
    }

    @Test("shuffled epochs match the general OpenCL path, and a stop leaves no update pending", arguments: cases)
    func matchesGeneralPath(_ c: Case) throws {
        let arch = try Architecture(sizes: c.sizes, hidden: c.hidden, loss: c.loss)
        var rng = SeededGenerator(seed: 43)
        let start = try FusedStochasticStepTests.initial(arch)
        let (set, _) = FusedStochasticStepTests.data(arch, samples: 17, rng: &rng)
        // A held-out set larger than the training set: its evaluation after each epoch grows the
        // network's workspace, which the fused step must not depend on.
        let (held, _) = FusedStochasticStepTests.data(arch, samples: 40, rng: &rng)
        let config = c.config(learningRate: c.learningRate / 2)
        func run(fused: Bool) throws -> FusedStochasticStepTests.StoppedRun {
            let trainer = try Self.trainer(arch, parameters: start, config: config, fused: fused, shuffle: true)
            let run = try FusedStochasticStepTests.stoppedRun(trainer, set, held: held)
            #expect((trainer.openCLStep != nil) == fused)
            return run
        }
        FusedStochasticStepTests.expectSame(try run(fused: true), try run(fused: false), c.testDescription)
    }

    @Test("other rules keep the general path; CPU devices take the fused step by default")
    func scope() throws {
        let arch = try Architecture(sizes: [3, 4, 2])
        let device = try TestDevices.openCL()
        #expect(device.fusedStochastic == (device.info.type != .gpu))
        device.fusedStochastic = true
        let network = try Network(arch, device: device, seed: 1)
        for kind in [OptimizerConfig.Kind.sgd, .momentum, .adam] {
            let optimizer = try Optimizer(OptimizerConfig(kind, learningRate: 0.1, momentum: 0.9), network: network)
            #expect(try OpenCLStochasticStep.make(network: network, optimizer: optimizer) != nil, "\(kind)")
        }
        for kind in [OptimizerConfig.Kind.nesterov, .rprop, .quickprop] {
            let optimizer = try Optimizer(OptimizerConfig(kind, learningRate: 0.1, momentum: 0.9), network: network)
            #expect(try OpenCLStochasticStep.make(network: network, optimizer: optimizer) == nil, "\(kind)")
        }
        device.fusedStochastic = false
        #expect(try OpenCLStochasticStep.make(network: network, optimizer: Optimizer(OptimizerConfig(.sgd, learningRate: 0.1), network: network)) == nil)
        let cpu = try Network(arch, device: CPUDevice(), seed: 1)
        #expect(try OpenCLStochasticStep.make(network: cpu, optimizer: Optimizer(OptimizerConfig(.sgd, learningRate: 0.1), network: cpu)) == nil)
    }
}
