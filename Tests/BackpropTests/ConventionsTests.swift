import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// The habits PyTorch, Keras and scikit-learn users bring: their names, their defaults and
/// their semantics.
@Suite("Conventions users bring")
struct ConventionsTests {
    static func run(_ edit: (inout TrainingRun.Settings) -> Void) throws -> TrainingRun.Outcome {
        var s = TrainingRun.Settings()
        s.device = .cpu
        s.epochs = 3
        edit(&s)
        return try TrainingRun(s).train(on: SyntheticData.circles(count: 200, seed: 3))
    }

    @Test("sgd with a momentum is momentum SGD, as torch.optim.SGD(momentum=) is; with nesterov, Nesterov's")
    func sgdMomentum() throws {
        let plain = try Self.run { $0.optimizer = .sgd; $0.momentum = 0 }
        let sgd = try Self.run { $0.optimizer = .sgd; $0.momentum = 0.9 }
        let momentum = try Self.run { $0.optimizer = .momentum; $0.momentum = 0.9 }
        #expect(sgd.trainer.optimizer.config.kind == .momentum)
        #expect(try sgd.network.readParameters() == momentum.network.readParameters())
        #expect(try sgd.network.readParameters() != plain.network.readParameters(), "the momentum was dropped")
        let nag = try Self.run { $0.optimizer = .sgd; $0.momentum = 0.9; $0.nesterov = true }
        let nesterov = try Self.run { $0.optimizer = .nesterov; $0.momentum = 0.9 }
        #expect(nag.trainer.optimizer.config.kind == .nesterov)
        #expect(try nag.network.readParameters() == nesterov.network.readParameters())
        #expect(try nag.network.readParameters() != sgd.network.readParameters())
        let momentumNesterov = try Self.run { $0.optimizer = .momentum; $0.nesterov = true }
        #expect(momentumNesterov.trainer.optimizer.config.kind == .nesterov)
    }

    @Test("the learning rate defaults to 0.001 for adam, as in PyTorch and Keras, and 0.01 for the others")
    func defaultRates() throws {
        #expect(try Self.run { _ in }.plan.learningRate == 0.001)
        #expect(try Self.run { $0.optimizer = .sgd }.plan.learningRate == 0.01)
        #expect(try Self.run { $0.optimizer = .rprop }.plan.learningRate == 0.01)
        #expect(try Self.run { $0.beta1 = 0.8; $0.beta2 = 0.99 }.trainer.optimizer.config.beta1 == 0.8)
    }

    @Test("the names people type", arguments: [
        ("adamw", OptimizerConfig.Kind.adam), ("AdamW", .adam), ("sgd-momentum", .momentum), ("nag", .nesterov),
        ("irprop-", .rprop), ("sgd", .sgd), ("rprop", .rprop),
    ])
    func optimizerNames(name: String, kind: OptimizerConfig.Kind) {
        #expect(OptimizerConfig.Kind(name: name) == kind)
    }

    @Test("loss names from PyTorch and Keras", arguments: [
        ("cross_entropy", Loss.softmaxCrossEntropy), ("categorical_crossentropy", .softmaxCrossEntropy),
        ("sparse_categorical_crossentropy", .softmaxCrossEntropy), ("binary_crossentropy", .sigmoidCrossEntropy),
        ("binary_cross_entropy", .sigmoidCrossEntropy), ("mean_squared_error", .squaredError), ("mse_loss", .squaredError),
    ])
    func lossNames(name: String, loss: Loss) {
        #expect(Loss(name: name) == loss)
    }

    @Test("a random split draws the held-out samples with the seed, keeps both splits in order, and repeats")
    func randomSplit() throws {
        let data = Dataset(source: "d", inputSize: 1, inputs: (0..<30).map(Float.init), labels: (0..<30).map { Int32($0 / 10) })
        let (train, validation) = try data.split(.count(9), order: .random, seed: 7)
        let held = try #require(validation)
        #expect(train.count == 21 && held.count == 9)
        #expect(Set(train.inputs + held.inputs) == Set((0..<30).map(Float.init)))
        #expect(train.inputs == train.inputs.sorted() && held.inputs == held.inputs.sorted())
        #expect(held.inputs != [21, 22, 23, 24, 25, 26, 27, 28, 29])
        #expect(Set(held.labels ?? []).count > 1)
        for (i, x) in held.inputs.enumerated() { #expect(held.labels?[i] == Int32(x) / 10) }
        #expect(try data.split(.count(9), order: .random, seed: 7).validation?.inputs == held.inputs)
        #expect(try data.split(.count(9), order: .random, seed: 8).validation?.inputs != held.inputs)
    }

    @Test("held-out samples of one class, or sorted labels, are warned of; a random split is not")
    func splitWarnings() throws {
        // As iris is written: 50 of each class in turn, so the last tenth is all of the last class.
        let sorted = Dataset(source: "iris.csv", inputSize: 1, inputs: (0..<150).map(Float.init),
                             labels: (0..<150).map { Int32($0 / 50) })
        var notices: [String] = []
        var s = TrainingRun.Settings()
        s.device = .cpu
        s.epochs = 1
        _ = try TrainingRun(s).train(on: sorted) { if case .notice(let n) = $0 { notices.append(n) } }
        #expect(notices.contains { $0.hasPrefix("warning: every held-out sample is of one class (2)") && $0.contains("at random") },
                "\(notices)")
        notices = []
        let ordered = Dataset(source: "o.csv", inputSize: 1, inputs: (0..<150).map(Float.init), labels: (0..<150).map { Int32($0 / 10) })
        _ = try TrainingRun(s).train(on: ordered) { if case .notice(let n) = $0 { notices.append(n) } }
        #expect(notices.contains { $0.contains("labels arrive sorted") }, "\(notices)")
        notices = []
        s.splitOrder = .random
        let o = try TrainingRun(s).train(on: sorted) { if case .notice(let n) = $0 { notices.append(n) } }
        #expect(!notices.contains { $0.hasPrefix("warning") }, "\(notices)")
        #expect(Set(o.validation?.labels ?? []).count == 3)
    }

    @Test("CSV: the delimiter is found by default; decimal commas are read with decimal=comma")
    func csvAsPeopleHaveIt() throws {
        #expect(try csv("a\tb\tlabel\n1.5\t2\t0\n3\t4\t1\n").inputs == [1.5, 2, 3, 4])
        #expect(try csv("a;b;label\n1.5;2;0\n3;4;1\n").inputs == [1.5, 2, 3, 4])
        let european = CSV.Options(decimal: .comma)
        #expect(try csv("a;b;label\n1,5;2;0\n-3,25e1;4;1\n", options: european).inputs == [1.5, 2, -32.5, 4])
        #expect(try csv("a\tb\tlabel\n1,5\t2\t0\n", options: european).inputs == [1.5, 2])
        expectDataError("line 2", "1.5") { try csv("a;b;label\n1.5;2;0\n", options: european) }
        expectDataError("comma both") { try csv("1,5;2\n", options: CSV.Options(delimiter: .comma, decimal: .comma)) }
        let spec = try DatasetSpec(parsing: "csv:d.csv?decimal=comma")
        #expect(spec.description == "csv:d.csv?decimal=comma")
        #expect(try DatasetSpec(parsing: "csv:d.csv?delimiter=comma").description == "csv:d.csv?delimiter=comma")
        #expect(try DatasetSpec(parsing: "csv:d.csv").description == "csv:d.csv")
    }
}
