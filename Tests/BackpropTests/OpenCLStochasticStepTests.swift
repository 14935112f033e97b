@testable import Backprop
import BackpropTestSupport
import Foundation
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

    /// A trainer on the OpenCL device, `chunk` steps at most a launch of step_chunk (1: the
    /// per-step kernels), the losses read back every `checkInterval` updates (0: the default).
    static func trainer(_ arch: Architecture, parameters: [Float], config: OptimizerConfig, fused: Bool,
                        shuffle: Bool, chunk: Int = 1, checkInterval: Int = 0, timed: Bool = false) throws -> Trainer {
        let device = try TestDevices.openCL()
        device.fusedStochastic = fused
        device.stochasticChunk = chunk
        device.stochasticChunkTimed = timed
        let network = try Network(arch, device: device, parameters: parameters)
        var options = TrainingOptions(mode: .stochastic, epochs: 3)
        options.shuffle = shuffle
        options.checkInterval = checkInterval
        return try Trainer(network: network, optimizer: Optimizer(config, network: network), options: options)
    }

    @Test("parameters and losses match a float64 loop; an epoch takes 2H + 1 kernels a step (2 without hidden layers), or one a chunk",
          arguments: cases, [1, 4])
    func matchesReference(_ c: Case, chunk: Int) throws {
        let arch = try Architecture(sizes: c.sizes, hidden: c.hidden, loss: c.loss)
        var rng = SeededGenerator(seed: 41)
        let start = try FusedStochasticStepTests.initial(arch)
        let n = 9
        let (set, targets) = FusedStochasticStepTests.data(arch, samples: n, rng: &rng)
        // Chunks of 4 with a check every 3 updates: launches of 3 steps (the check's bound), the
        // first layer's update pending from one launch to the next.
        let trainer = try Self.trainer(arch, parameters: start, config: c.config(learningRate: c.learningRate),
                                       fused: true, shuffle: false, chunk: chunk, checkInterval: chunk > 1 ? 3 : 0)
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
        let perStep = hidden > 0 ? n * (2 * hidden + 1) + 1 : 2 * n, chunked = n / 3 + (hidden > 0 ? 1 : 0)
        #expect(launched == (chunk > 1 ? chunked : perStep), "\(launched) kernels for \(n) steps")
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

    /// Case `c`'s network, its initial parameters, `samples` samples and its optimizer at its
    /// learning rate ÷ `rateDivisor`.
    static func setUp(_ c: Case, seed: UInt64, samples: Int, rateDivisor: Float) throws
        -> (Architecture, [Float], Dataset, OptimizerConfig) {
        let arch = try Architecture(sizes: c.sizes, hidden: c.hidden, loss: c.loss)
        var rng = SeededGenerator(seed: seed)
        let (set, _) = FusedStochasticStepTests.data(arch, samples: samples, rng: &rng)
        return (arch, try FusedStochasticStepTests.initial(arch), set, c.config(learningRate: c.learningRate / rateDivisor))
    }

    /// step_chunk runs the per-step kernels' arithmetic in the same order: the same bits, over
    /// shuffled epochs cut into launches by both the chunk's size (5) and the checks (every 7
    /// updates; 17 samples: launches of 5, 2, 5, 2, 3), and a stop at a chunk's end.
    @Test("chunked launches give exactly the per-step kernels' bits; a stop lands at a chunk's end", arguments: cases)
    func chunksMatchSteps(_ c: Case) throws {
        let (arch, start, set, config) = try Self.setUp(c, seed: 53, samples: 17, rateDivisor: 2)
        func run(chunk: Int, stopAt: Int?) throws -> (parameters: [Float], losses: [Double], steps: Int, kernels: Int) {
            let trainer = try Self.trainer(arch, parameters: start, config: config, fused: true, shuffle: true,
                                           chunk: chunk, checkInterval: 7)
            let device = try #require(trainer.network.device as? OpenCLDevice)
            nonisolated(unsafe) var asked = 0
            if let stopAt { trainer.shouldStop = { asked += 1; return asked == stopAt } }
            let data = try DeviceData(set, for: trainer.network)
            let before = device.launchStatistics.kernels
            var losses: [Double] = []
            for _ in 0..<2 {
                let pass = try trainer.trainEpoch(data)
                losses.append(pass.loss)
                if !pass.complete { break }
                // The second epoch at another rate: its rules must reach the chunks' buffer.
                trainer.learningRate *= 0.5
            }
            #expect(trainer.openCLStep?.pending == false, "an update was left pending")
            return (try trainer.network.readParameters(), losses, trainer.optimizer.steps,
                    device.launchStatistics.kernels - before)
        }
        let steps = try run(chunk: 1, stopAt: nil), chunks = try run(chunk: 5, stopAt: nil)
        #expect(chunks.parameters == steps.parameters && chunks.losses == steps.losses,
                "\(c.testDescription): chunks and steps differ by \(maxRelativeError(chunks.parameters, steps.parameters, floor: 0.1))")
        #expect(chunks.steps == 34 && steps.steps == 34)
        let flushes = arch.layerCount > 1 ? 2 : 0
        #expect(chunks.kernels == 2 * 5 + flushes, "\(chunks.kernels) kernels for two epochs in chunks")
        // Asked at chunk ends only: the third ask is at the end of the third launch, 12 steps in;
        // the per-step kernels stop at 12 when asked at every step.
        let stopped = try run(chunk: 5, stopAt: 3), plain = try run(chunk: 1, stopAt: 12)
        #expect(stopped.steps == 12 && plain.steps == 12 && stopped.parameters == plain.parameters,
                "\(c.testDescription): stopped after \(stopped.steps) and \(plain.steps) steps")
    }

    /// The timed choice between chunked launches and the per-step kernels mixes the two within
    /// an epoch (a probe of the other mode first in its first calls): the same bits as either.
    @Test("the timed choice between chunks and steps gives the per-step kernels' bits", arguments: [cases[1], cases[10]])
    func timedChoice(_ c: Case) throws {
        let (arch, start, set, config) = try Self.setUp(c, seed: 59, samples: 150, rateDivisor: 4)
        func run(chunk: Int, timed: Bool) throws -> ([Float], [Double], OpenCLStochasticStep.LaunchChoice?) {
            // Calls of 50 steps (the check interval): probes of 16 first, then 34 in the chosen mode.
            let trainer = try Self.trainer(arch, parameters: start, config: config, fused: true, shuffle: true,
                                           chunk: chunk, checkInterval: 50, timed: timed)
            let data = try DeviceData(set, for: trainer.network)
            let losses = try (0..<2).map { _ in try trainer.trainEpoch(data).loss }
            return (try trainer.network.readParameters(), losses, trainer.openCLStep?.launchChoice)
        }
        let steps = try run(chunk: 1, timed: false), chosen = try run(chunk: 256, timed: true)
        #expect(chosen.0 == steps.0 && chosen.1 == steps.1, "\(c.testDescription): the timed choice changed the bits")
        let choice = try #require(chosen.2)
        #expect(choice.perStep != nil && choice.chunk != nil, "both modes were timed: \(choice)")
    }

    @Test("other rules keep the general path; CPU devices take the fused step by default")
    func scope() throws {
        let arch = try Architecture(sizes: [3, 4, 2])
        let device = try TestDevices.openCL()
        #expect(device.fusedStochastic == (device.info.type != .gpu))
        if ProcessInfo.processInfo.environment["BACKPROP_STOCHASTIC_CHUNK"] == nil {
            #expect(device.stochasticChunk == (device.info.type != .gpu ? 256 : 1) && device.stochasticChunkTimed)
        }
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
