import Backprop
import Testing

@Suite("Trainer")
struct TrainerTests {
    static let xor = Dataset(source: "xor", inputSize: 2, inputs: [0, 0, 0, 1, 1, 0, 1, 1], labels: [0, 1, 1, 0])

    @Test("XOR is learned to 100% in stochastic mode", arguments: TestDevices.kinds)
    func xorStochastic(_ kind: DeviceKind) throws {
        let device = try TestDevices.make(kind)
        let arch = try Architecture(sizes: [2, 8, 1], hidden: .tanh, loss: .sigmoidCrossEntropy)
        let network = try Network(arch, device: device, seed: 3)
        let optimizer = try Optimizer(OptimizerConfig(.momentum, learningRate: 0.2, momentum: 0.9), network: network)
        var options = TrainingOptions(mode: .stochastic, epochs: 2000)
        options.stopping.targetLoss = 0.02
        let trainer = try Trainer(network: network, optimizer: optimizer, options: options)
        let result = try trainer.fit(Self.xor)
        let eval = try trainer.evaluate(Self.xor)
        #expect(eval.accuracy == 1, "XOR accuracy \(eval.accuracy ?? -1) on \(device.name) after \(result.epochs.count) epochs")
        #expect(result.reason == .targetLoss, "stopped because: \(result.reason)")
        print("xor \(kind): \(result.epochs.count) epochs, loss \(eval.loss)")
    }
}
