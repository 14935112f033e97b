import Backprop
import BackpropTestSupport
import Testing

@Suite("Trainer.trainEpoch")
struct TrainerStepsTests {
    static let data = SyntheticData.mnistLike(count: 100, seed: 3)

    static func trainer(_ mode: LearningMode, device: any Device) throws -> Trainer {
        let network = try Network(Architecture(sizes: [784, 8, 10]), device: device, seed: 1)
        return try Trainer(network: network, optimizer: Optimizer(OptimizerConfig(.sgd, learningRate: 0.01), network: network),
                           options: TrainingOptions(mode: mode, epochs: 1))
    }

    @Test("a pass of k updates applies exactly k and leaves the epoch count alone", arguments: TestDevices.kinds)
    func partial(_ kind: DeviceKind) throws {
        let device = try TestDevices.make(kind)
        for (mode, k, samples) in [(LearningMode.stochastic, 7, 7), (.minibatch(16), 3, 48), (.minibatch(30), 4, 100)] {
            let t = try Self.trainer(mode, device: device)
            let data = try DeviceData(Self.data, for: t.network)
            let before = try t.network.readParameters()
            let pass = try t.trainEpoch(data, updates: k)
            #expect(pass.updates == k && t.optimizer.steps == k, "\(mode)")
            #expect(pass.samples == samples, "\(mode)")
            #expect(pass.complete == (k == t.options.mode.updatesPerEpoch(count: 100)), "\(mode)")
            #expect(t.completedEpochs == (pass.complete ? 1 : 0), "\(mode)")
            #expect(pass.loss.isFinite && pass.loss > 0)
            #expect(try t.network.readParameters() != before)
        }
    }

    @Test("a whole epoch matches the updates of its mode and counts as an epoch", arguments: TestDevices.kinds)
    func whole(_ kind: DeviceKind) throws {
        let device = try TestDevices.make(kind)
        for (mode, updates) in [(LearningMode.stochastic, 100), (.minibatch(32), 4), (.batch, 1)] {
            let t = try Self.trainer(mode, device: device)
            let data = try DeviceData(Self.data, for: t.network)
            let pass = try t.trainEpoch(data)
            #expect(pass.updates == updates && pass.samples == 100 && pass.complete, "\(mode)")
            #expect(t.completedEpochs == 1)
            #expect(pass.accuracy != nil)
            // A limit beyond the epoch stops at its end.
            let again = try t.trainEpoch(data, updates: updates + 5)
            #expect(again.updates == updates && again.complete && t.completedEpochs == 2, "\(mode)")
        }
    }

    @Test("the caller's shouldStop still applies, and is restored afterwards")
    func keepsShouldStop() throws {
        let t = try Self.trainer(.stochastic, device: TestDevices.cpu())
        let data = try DeviceData(Self.data, for: t.network)
        t.shouldStop = { true }
        let pass = try t.trainEpoch(data, updates: 50)
        #expect(pass.updates == 1 && !pass.complete)
        #expect(t.shouldStop != nil)
    }

    @Test("refuses zero updates and batches larger than the data")
    func refusals() throws {
        let t = try Self.trainer(.minibatch(200), device: TestDevices.cpu())
        let data = try DeviceData(Self.data, for: t.network)
        #expect(throws: ConfigurationError.self) { try t.trainEpoch(data) }
        let s = try Self.trainer(.stochastic, device: TestDevices.cpu())
        #expect(throws: ConfigurationError.self) { try s.trainEpoch(data, updates: 0) }
    }
}
