import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// Failures are caught where they start: a diverging run is stopped and named, and a buffer
/// no device could hold is refused before the driver is asked. (What the command does with
/// them, checkpoints and signals included, is in BackpropCLITests.)
@Suite("Reliability")
struct ReliabilityTests {
    @Test("a diverging run stops within a bounded number of updates, naming epoch and step")
    func divergence() throws {
        let data = SyntheticData.circles(count: 2000, seed: 1)
        let network = try Network(Architecture(sizes: [2, 32, 2]), device: TestDevices.cpu(), seed: 1)
        let trainer = try Trainer(network: network, optimizer: Optimizer(OptimizerConfig(.sgd, learningRate: 1e30), network: network),
                                  options: TrainingOptions(mode: .stochastic, epochs: 3))
        do {
            _ = try trainer.fit(data)
            Issue.record("training at learning rate 1e30 did not diverge")
        } catch let error as TrainingError {
            #expect(error.epoch == 1)
            // Checks come every 1% of an epoch: caught long before the epoch's 2,000 updates end.
            #expect(error.step <= 100, "caught at update \(error.step)")
            #expect(error.description.contains("smaller learning rate"))
        }
    }

    @Test("a loss that stays finite but grows a thousandfold is divergence too, caught within the first checks")
    func finiteBlowUp() throws {
        // Softmax cross-entropy stays finite while the weights run off to 1e7.
        let data = SyntheticData.spirals(count: 2000, seed: 1)
        let network = try Network(Architecture(sizes: [2, 64, 64, 2]), device: TestDevices.cpu(), seed: 1)
        let trainer = try Trainer(network: network, optimizer: Optimizer(OptimizerConfig(.adam, learningRate: 1e6), network: network),
                                  options: TrainingOptions(mode: .minibatch(32), epochs: 5))
        do {
            _ = try trainer.fit(data)
            Issue.record("training at learning rate 1e6 did not diverge")
        } catch let error as TrainingError {
            #expect(error.epoch == 1 && error.step <= 3, "caught at update \(error.step) of epoch \(error.epoch)")
            #expect(error.description.contains("1000 times the loss before training"))
        }
        #expect(try #require(trainer.initialLoss) < 1)
    }

    @Test("long epochs are checked at most 1000 updates apart")
    func boundedChecks() throws {
        let data = SyntheticData.circles(count: 20_000, seed: 1)
        let network = try Network(Architecture(sizes: [2, 8, 2]), device: TestDevices.cpu(), seed: 1)
        let trainer = try Trainer(network: network, optimizer: Optimizer(OptimizerConfig(.sgd, learningRate: 1e30), network: network),
                                  options: TrainingOptions(mode: .stochastic, epochs: 1))
        #expect { try trainer.fit(data) } throws: { ($0 as? TrainingError).map { $0.step <= 1000 } ?? false }
    }

    @Test("a buffer beyond the device's largest allocation is refused before asking the driver",
          .enabled(if: TestDevices.runOpenCL, TestDevices.skipReason))
    func oversizedBuffer() throws {
        let device = try TestDevices.openCL()
        let tooMany = Int(device.info.maxAllocationBytes / 4) + 1
        #expect { try device.makeBuffer(count: tooMany) } throws: { error in
            guard case .allocationTooLarge = error as? DeviceError else { return false }
            return "\(error)".contains("largest") || "\(error)".contains("allows")
        }
        // A network whose weights alone exceed that allocation, where such a network can be described.
        if tooMany < Int(Int32.max) - 10_000 {
            let big = try Architecture(sizes: [tooMany / 1000 + 1, 1000, 2])
            #expect(throws: DeviceError.self) { try Network(big, device: device) }
        }
    }
}
