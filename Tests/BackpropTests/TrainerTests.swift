import Backprop
import Foundation
import BackpropTestSupport
import Testing

@Suite("Trainer")
struct TrainerTests {
    @Test("XOR is learned to 100% in stochastic mode", arguments: TestDevices.kinds)
    func xorStochastic(_ kind: DeviceKind) throws {
        let device = try TestDevices.make(kind)
        let xor = SyntheticData.xor()
        let arch = try Architecture(sizes: [2, 8, 1], hidden: .tanh, loss: .sigmoidCrossEntropy)
        let network = try Network(arch, device: device, seed: 3)
        let optimizer = try Optimizer(OptimizerConfig(.momentum, learningRate: 0.2, momentum: 0.9), network: network)
        var options = TrainingOptions(mode: .stochastic, epochs: 2000)
        options.stopping.targetLoss = 0.02
        let trainer = try Trainer(network: network, optimizer: optimizer, options: options)
        let result = try trainer.fit(xor)
        let eval = try trainer.evaluate(xor)
        #expect(eval.accuracy == 1, "XOR accuracy \(eval.accuracy ?? -1) on \(device.name) after \(result.epochs.count) epochs")
        #expect(result.reason == .targetLoss, "stopped because: \(result.reason)")
    }

    @Test("two spirals reach at least 95% training accuracy", arguments: TestDevices.kinds)
    func spirals(_ kind: DeviceKind) throws {
        let device = try TestDevices.make(kind)
        let data = SyntheticData.spirals(count: 400, seed: 1)
        let network = try Network(Architecture(sizes: [2, 64, 64, 2]), device: device, seed: 1)
        var options = TrainingOptions(mode: .minibatch(32), epochs: 400)
        options.stopping.targetAccuracy = 0.99
        let trainer = try Trainer(network: network, optimizer: Optimizer(OptimizerConfig(.adam, learningRate: 0.01), network: network),
                                  options: options)
        let result = try trainer.fit(data)
        let accuracy = try #require(try trainer.evaluate(data).accuracy)
        #expect(accuracy >= 0.95, "spirals: \(accuracy) after \(result.epochs.count) epochs on \(device.name)")
    }

    /// The same seeded run on both devices ends with the same weights, for every mode and
    /// every optimizer (the CPU run is the reference; OpenCL differs by float32 rounding).
    @Test("the same seeded run gives the same weights on CPU and OpenCL",
          .enabled(if: TestDevices.runOpenCL, TestDevices.skipReason),
          arguments: [LearningMode.stochastic, .minibatch(7), .batch],
          OptimizerConfig.Kind.allCases.filter { !$0.isBatchMethod })  // those: BatchMethodsTests.crossDevice
    func crossDeviceRuns(_ mode: LearningMode, _ kind: OptimizerConfig.Kind) throws {
        let data = SyntheticData.circles(count: 60, seed: 4)
        let arch = try Architecture(sizes: [2, 9, 3], hidden: .tanh)
        func run(_ device: any Device) throws -> [Float] {
            let network = try Network(arch, device: device, seed: 5)
            let lr: Float = kind == .rprop ? 0.01 : kind == .adam ? 0.01 : 0.05
            var options = TrainingOptions(mode: mode, epochs: 4)
            options.seed = 9
            let trainer = try Trainer(network: network, optimizer: Optimizer(OptimizerConfig(kind, learningRate: lr), network: network),
                                      options: options)
            _ = try trainer.fit(data)
            return try network.readParameters()
        }
        let cpu = try run(TestDevices.cpu()), cl = try run(TestDevices.openCL())
        let error = normwiseError(cl, cpu)
        #expect(error < 1e-5, "\(mode) \(kind.rawValue): weights differ by \(error) (norm-wise)")
    }

    @Test("the same seed gives the same run; another seed a different one")
    func seeding() throws {
        let data = SyntheticData.circles(count: 50, seed: 2)
        func run(seed: UInt64) throws -> [Float] {
            let network = try Network(Architecture(sizes: [2, 5, 2]), device: TestDevices.cpu(), seed: 1)
            var options = TrainingOptions(mode: .minibatch(8), epochs: 3)
            options.seed = seed
            _ = try Trainer(network: network, optimizer: Optimizer(OptimizerConfig(.sgd, learningRate: 0.1), network: network),
                            options: options).fit(data)
            return try network.readParameters()
        }
        #expect(try run(seed: 1) == run(seed: 1))
        #expect(try run(seed: 1) != run(seed: 2))
    }

    @Test("stopping rules: epoch limit, target loss, target accuracy, patience")
    func stopping() throws {
        let data = SyntheticData.circles(count: 100, seed: 3)
        let (train, held) = try data.split(.fraction(0.2))
        func fit(_ configure: (inout TrainingOptions) -> Void) throws -> TrainingResult {
            let network = try Network(Architecture(sizes: [2, 16, 2]), device: TestDevices.cpu(), seed: 1)
            var options = TrainingOptions(mode: .minibatch(10), epochs: 30)
            configure(&options)
            return try Trainer(network: network, optimizer: Optimizer(OptimizerConfig(.adam, learningRate: 0.05), network: network),
                               options: options).fit(train, validation: held)
        }
        let limit = try fit { _ in }
        #expect(limit.reason == .epochLimit && limit.epochs.count == 30)
        let loss = try fit { $0.stopping.targetLoss = 0.5 }
        #expect(loss.reason == .targetLoss && (loss.last?.validationLoss ?? 1) <= 0.5 && loss.epochs.count < 30)
        let accuracy = try fit { $0.stopping.targetAccuracy = 0.9 }
        #expect(accuracy.reason == .targetAccuracy && (accuracy.last?.validationAccuracy ?? 0) >= 0.9)
        let patience = try fit { $0.stopping.patience = 2; $0.stopping.maxEpochs = 1000 }
        #expect(patience.reason == .noImprovement(epochs: 2))
    }

    @Test("learning-rate schedules: step decay and bold driver")
    func schedules() throws {
        let data = SyntheticData.circles(count: 64, seed: 3)
        func fit(_ schedule: LearningRateSchedule, lr: Float, mode: LearningMode = .batch) throws -> TrainingResult {
            let network = try Network(Architecture(sizes: [2, 8, 2]), device: TestDevices.cpu(), seed: 1)
            var options = TrainingOptions(mode: mode, epochs: 8)
            options.schedule = schedule
            return try Trainer(network: network, optimizer: Optimizer(OptimizerConfig(.sgd, learningRate: lr), network: network),
                               options: options).fit(data)
        }
        let step = try fit(.stepDecay(every: 3, factor: 0.5), lr: 0.4)
        #expect(step.epochs.map(\.learningRate) == [0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.1, 0.1])
        // A huge rate makes the loss rise: bold driver undoes those epochs and shrinks the rate.
        let bold = try fit(.boldDriver, lr: 50)
        #expect(bold.epochs.contains { $0.undone })
        for (a, b) in zip(bold.epochs, bold.epochs.dropFirst()) {
            #expect(b.learningRate == (a.undone ? a.learningRate * 0.5 : a.learningRate * 1.05))
        }
        let calm = try fit(.boldDriver, lr: 0.1)
        #expect(calm.epochs.allSatisfy { !$0.undone } && calm.last!.learningRate > 0.1)
    }

    @Test("data that does not fit the network is refused, naming the data")
    func misfits() throws {
        let network = try Network(Architecture(sizes: [3, 4, 2]), device: TestDevices.cpu())
        let trainer = try Trainer(network: network, optimizer: Optimizer(OptimizerConfig(.sgd, learningRate: 0.1), network: network),
                                  options: TrainingOptions(mode: .minibatch(2), epochs: 1))
        let wide = Dataset(source: "wide.csv", inputSize: 5, inputs: [Float](repeating: 0, count: 10), labels: [0, 1])
        #expect { try trainer.fit(wide) } throws: { ($0 as? DataError)?.description.contains("wide.csv") == true }
        let label = Dataset(source: "labels.csv", inputSize: 3, inputs: [Float](repeating: 0, count: 9), labels: [0, 7, 1])
        #expect { try trainer.fit(label) } throws: { ($0 as? DataError).map { $0.record == 2 && $0.unit == "sample" && $0.description.contains("7") } == true }
        let small = Dataset(source: "tiny", inputSize: 3, inputs: [Float](repeating: 0, count: 3), labels: [0])
        #expect(throws: ConfigurationError.self) { try trainer.fit(small) }
    }

    /// The acceptance run of the training issue: MNIST test set, first 8,000 images to train,
    /// last 2,000 held out; 784,256,10 ReLU/softmax, SGD momentum 0.9, lr 0.05, batch 64,
    /// 10 epochs; at least 95.5% held-out accuracy (NumPy reaches 96.0% with this setup).
    @Test("MNIST split: at least 95.5% held-out accuracy")
    func mnist() throws {
        guard let folder = TestData.mnistFolder() else { return }
        let data = try IDX.loadFolder(folder, split: .test)
        let (train, held) = try data.split(.count(2000))
        #expect(train.count == 8000)
        let network = try Network(Architecture(sizes: [784, 256, 10]), device: TestDevices.cpu(), seed: 1)
        let trainer = try Trainer(network: network,
                                  optimizer: Optimizer(OptimizerConfig(.momentum, learningRate: 0.05, momentum: 0.9), network: network),
                                  options: TrainingOptions(mode: .minibatch(64), epochs: 10))
        let result = try trainer.fit(train, validation: held)
        let accuracy = try #require(result.last?.validationAccuracy)
        #expect(accuracy >= 0.955, "held-out accuracy \(accuracy)")
        print("MNIST split: held-out accuracy \(accuracy) after \(result.epochs.count) epochs")
    }
}
