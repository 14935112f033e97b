import Backprop
import BackpropTestSupport
import Testing

/// The fault-injection decorator behind BACKPROP_FAULT_AFTER_OPERATIONS: it passes work through
/// until its limit, then fails every operation as a driver would.
@Suite("FaultInjectingDevice")
struct FaultInjectingDeviceTests {
    @Test("passes the first N operations through, then fails each with CL_OUT_OF_RESOURCES")
    func failsAfterLimit() throws {
        let device = FaultInjectingDevice(CPUDevice(), failingAfter: 3)
        let x = try device.makeBuffer(count: 4), y = try device.makeBuffer(count: 4)
        try device.fill(x.start, count: 4, with: 1)
        try device.fill(y.start, count: 4, with: 2)
        try device.axpby(count: 4, alpha: 2, x: x.start, beta: 1, y: y.start)
        #expect(device.operations == 3)
        #expect(try device.base.download(y.start, count: 4) == [4, 4, 4, 4])
        for _ in 0..<2 {
            #expect { try device.copy(x.start, to: y.start, count: 4) } throws: { error in
                guard let e = error as? CLError else { return false }
                return e.name == "CL_OUT_OF_RESOURCES" && e.call.contains("injected fault")
            }
        }
        #expect(try device.base.download(y.start, count: 4) == [4, 4, 4, 4], "a failed operation ran anyway")
    }

    @Test("a training run on it fails at the limit, naming the fault")
    func failsTraining() throws {
        let device = FaultInjectingDevice(CPUDevice(), failingAfter: 200)
        let network = try Network(Architecture(sizes: [2, 8, 2]), device: device, seed: 1)
        let trainer = try Trainer(network: network, optimizer: Optimizer(OptimizerConfig(.sgd, learningRate: 0.1), network: network),
                                  options: TrainingOptions(mode: .minibatch(8), epochs: 50))
        #expect(throws: CLError.self) { try trainer.fit(SyntheticData.circles(count: 64, seed: 1)) }
        #expect(device.operations == 200)
    }
}
