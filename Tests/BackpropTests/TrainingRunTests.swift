import Backprop
import BackpropTestSupport
import Foundation
import Testing

/// A whole training run through the library: settings refused before anything is read,
/// checkpoints that fix what they hold, resuming as if never stopped, the last good checkpoint
/// kept through divergence, a cooperative stop, and the final evaluation.
@Suite("TrainingRun")
struct TrainingRunTests {
    static func settings(_ edit: (inout TrainingRun.Settings) -> Void = { _ in }) -> TrainingRun.Settings {
        var s = TrainingRun.Settings()
        s.device = .cpu
        s.epochs = 3
        edit(&s)
        return s
    }

    static let circles = SyntheticData.circles(count: 200, seed: 3)

    @Test("settings that cannot work or would have no effect are refused before any data, naming them")
    func refusals() throws {
        let dir = try TempDir()
        let cases: [([ConfigurationError.Setting], (inout TrainingRun.Settings) -> Void)] = [
            ([.learningRate], { $0.learningRate = 0 }),
            ([.learningRate], { $0.learningRate = .nan }),
            ([.momentum], { $0.optimizer = .momentum; $0.momentum = 1 }),
            ([.momentum, .optimizer], { $0.optimizer = .rprop; $0.momentum = 0.9 }),
            ([.nesterov, .optimizer], { $0.optimizer = .sgd; $0.nesterov = true }),  // sgd without a momentum
            ([.nesterov, .optimizer], { $0.optimizer = .adam; $0.nesterov = true }),
            ([.beta1, .optimizer], { $0.optimizer = .sgd; $0.beta1 = 0.5 }),
            ([.beta2, .optimizer], { $0.optimizer = .momentum; $0.beta2 = 0.5 }),
            ([.beta1], { $0.beta1 = 1 }),
            ([.momentum, .optimizer], { $0.momentum = 0.5 }),  // the default optimizer, adam, has none
            ([.weightDecay], { $0.weightDecay = -1 }),
            ([.schedule, .optimizer], { $0.optimizer = .rprop; $0.schedule = .stepDecay(every: 2, factor: 0.5) }),
            ([.batchSize], { $0.batchSize = 0 }),
            ([.batchSize, .mode], { $0.mode = .stochastic; $0.batchSize = 8 }),
            ([.batchSize, .mode], { $0.mode = .batch; $0.batchSize = 8 }),
            ([.shuffle, .mode], { $0.mode = .batch; $0.shuffle = false }),
            ([.epochs], { $0.epochs = 0 }),
            ([.patience], { $0.patience = 0 }),
            ([.targetLoss], { $0.targetLoss = -1 }),
            ([.targetAccuracy], { $0.targetAccuracy = 101 }),
            ([.saveInterval], { $0.saveInterval = 5 }),
            ([.saveInterval], { $0.save = dir.url.appendingPathComponent("m.safetensors"); $0.saveInterval = -1 }),
            ([.save], { $0.save = dir.url }),
            ([.save], { $0.save = URL(fileURLWithPath: "/dev/null") }),
            ([.save], { $0.save = dir.url.appendingPathComponent("no/such/folder/m.safetensors") }),
            ([.initFrom, .resume], { $0.initFrom = dir.url; $0.resume = dir.url }),
        ]
        for (settings, edit) in cases {
            expectConfigurationError(settings) { try TrainingRun(Self.settings(edit)) }
        }
        #expect(try dir.names().isEmpty)
    }

    @Test("rules that need the data: the batch, patience without a held-out set, accuracy of regression")
    func dataRules() throws {
        let xor = SyntheticData.xor(count: 8)
        expectConfigurationError([.batchSize], "larger than the training set (8 samples)") {
            try TrainingRun(Self.settings { $0.batchSize = 9 }).train(on: xor)
        }
        expectConfigurationError([.batchSize], "(180 samples once 20 are held out for validation)") {
            try TrainingRun(Self.settings { $0.batchSize = 190 }).train(on: Self.circles)
        }
        expectConfigurationError([.patience, .validation]) { try TrainingRun(Self.settings { $0.patience = 2 }).train(on: xor) }
        expectConfigurationError([.targetAccuracy]) {
            try TrainingRun(Self.settings { $0.targetAccuracy = 0.9 }).train(on: SyntheticData.sine(count: 50, seed: 1))
        }
        expectConfigurationError([.validation]) { try TrainingRun(Self.settings { $0.validation = .count(8) }).train(on: xor) }
        expectConfigurationError([.layers, .activation, .loss], "softmax is an output activation") {
            try TrainingRun(Self.settings { $0.activation = .softmax }).train(on: xor)
        }
        // One stray label 65535 among a few rows would size 65,536 outputs.
        let stray = Dataset(source: "stray.csv", inputSize: 2, inputs: [Float](repeating: 0.5, count: 2 * 51),
                            labels: (0..<51).map { $0 == 50 ? 65_535 : Int32($0 % 3) })
        expectDataError("stray.csv", "65536 classes", "only 51 training samples") {
            try TrainingRun(Self.settings { $0.validation = ValidationSplit.none }).train(on: stray)
        }
        expectDataError("has 2 inputs per sample", "takes 3") {
            try TrainingRun(Self.settings { $0.layers = [3, 4, 2] }).train(on: xor)
        }
    }

    @Test("a checkpoint fixes what it holds: restating it is fine, changing it is refused")
    func checkpointConflicts() throws {
        let dir = try TempDir()
        let model = dir.url.appendingPathComponent("m.safetensors")
        _ = try TrainingRun(Self.settings { $0.save = model; $0.normalization = .standard; $0.optimizer = .momentum })
            .train(on: Self.circles)
        let cases: [([ConfigurationError.Setting], (inout TrainingRun.Settings) -> Void)] = [
            ([.layers, .initFrom], { $0.initFrom = model; $0.layers = [2, 8, 2] }),
            ([.layers, .resume], { $0.resume = model; $0.layers = [2, 8, 2] }),
            ([.activation, .resume], { $0.resume = model; $0.activation = .tanh }),
            ([.output, .initFrom], { $0.initFrom = model; $0.output = .identity }),
            ([.loss, .initFrom], { $0.initFrom = model; $0.loss = .squaredError }),
            ([.initializer, .initFrom], { $0.initFrom = model; $0.initializer = .heNormal }),
            ([.normalization, .initFrom], { $0.initFrom = model; $0.normalization = .minMax }),
            ([.optimizer, .resume], { $0.resume = model; $0.optimizer = .adam }),
        ]
        for (settings, edit) in cases {
            expectConfigurationError(settings, "leave") { try TrainingRun(Self.settings(edit)) }
        }
        // A resumed optimizer's rates may be given anew: they override the checkpoint's, and the plan says so.
        let resumed = try TrainingRun(Self.settings {
            $0.resume = model; $0.learningRate = 0.5; $0.momentum = 0.5; $0.weightDecay = 0.1; $0.epochs = 4
        }).train(on: Self.circles)
        #expect(resumed.plan.learningRate == 0.5 && resumed.trainer.optimizer.config.momentum == 0.5)
        #expect(resumed.trainer.optimizer.config.weightDecay == 0.1)
        #expect(resumed.plan.overrides == ["learning rate 0.5 (the checkpoint had 0.01)", "momentum 0.5 (the checkpoint had 0.9)",
                                           "weight decay 0.1 (the checkpoint had 0.0)"])
        // Restated as the checkpoint holds them; --init may change the optimizer.
        _ = try TrainingRun(Self.settings {
            $0.resume = model
            $0.layers = [2, 64, 64, 2]
            $0.activation = .relu
            $0.normalization = .standard
            $0.optimizer = .momentum
            $0.momentum = 0.9
            $0.epochs = 4
        }).train(on: Self.circles)
        _ = try TrainingRun(Self.settings { $0.initFrom = model; $0.optimizer = .sgd; $0.learningRate = 0.1 }).train(on: Self.circles)
    }

    @Test("a resumed run ends with the weights of the run it continues, uninterrupted")
    func resumeIsSeamless() throws {
        let dir = try TempDir()
        let whole = dir.url.appendingPathComponent("whole.safetensors"), part = dir.url.appendingPathComponent("part.safetensors")
        let straight = try TrainingRun(Self.settings { $0.epochs = 5; $0.save = whole }).train(on: Self.circles)
        let first = try TrainingRun(Self.settings { $0.epochs = 2; $0.save = part }).train(on: Self.circles)
        #expect(first.trainer.completedEpochs == 2)
        let resumed = try TrainingRun(Self.settings { $0.epochs = 5; $0.resume = part; $0.save = part }).train(on: Self.circles)
        #expect(resumed.plan.completedEpochs == 2 && resumed.result.epochs.map(\.epoch) == [3, 4, 5])
        #expect(try resumed.network.readParameters() == straight.network.readParameters())
        #expect(try Checkpoint.read(from: part).parameters == Checkpoint.read(from: whole).parameters)
    }

    @Test("the split is the last samples, and the normalisation is fitted on the training split only")
    func splitAndNormalization() throws {
        // Inputs 0, 1, …, 199 in the first column: the held-out 180…199 must not widen the fit.
        let data = Dataset(source: "ramp", inputSize: 2, inputs: (0..<200).flatMap { [Float($0), 1] },
                           labels: (0..<200).map { Int32($0 % 2) })
        let o = try TrainingRun(Self.settings { $0.normalization = .minMax; $0.epochs = 1 }).train(on: data)
        #expect(o.plan.trainCount == 180 && o.plan.validationCount == 20 && o.plan.normalization == .minMax)
        #expect(o.normalization?.offset == [0, 1] && o.normalization?.scale.first == 1 / 179)
        #expect(o.validation?.inputs.first == Float(180) * (1 / 179))
    }

    @Test("divergence throws, keeping the last good checkpoint untouched and naming it")
    func divergenceKeepsCheckpoint() throws {
        let dir = try TempDir()
        let model = dir.url.appendingPathComponent("m.safetensors")
        // The rate grows 10¹²-fold an epoch: epoch 1 trains, epoch 2 diverges.
        let run = try TrainingRun(Self.settings {
            $0.optimizer = .sgd
            $0.learningRate = 0.01
            $0.schedule = .stepDecay(every: 1, factor: 1e12)
            $0.save = model
            $0.saveInterval = 0
            $0.epochs = 5
        })
        var saved: Data?
        do {
            _ = try run.train(on: Self.circles) { event in
                if case .epoch(let e) = event, e.epoch == 1 { saved = try? Data(contentsOf: model) }
            }
            Issue.record("a learning rate of 10¹⁰ did not diverge")
        } catch let error as TrainingError {
            #expect(error.epoch >= 2)
            #expect(error.kept?.epoch == error.epoch - 1 && error.kept?.url == model)
            #expect(error.description.contains("last good checkpoint, from epoch \(error.epoch - 1)"))
            #expect(try Data(contentsOf: model) == saved)
            #expect(try Checkpoint.read(from: model).training?.completedEpochs == error.epoch - 1)
        }
    }

    @Test("a periodic save that fails is reported at once, training goes on, and the end says what the file holds")
    func failedSaves() throws {
        let dir = try TempDir()
        let model = dir.url.appendingPathComponent("m.safetensors")
        let run = try TrainingRun(Self.settings { $0.save = model; $0.saveInterval = 0; $0.epochs = 3 })
        var notices: [String] = [], epochs: [Int] = []
        // After epoch 1 is saved, the path becomes a folder: no file can replace it any more.
        expectDataError("m.safetensors", "holds epoch 1") {
            try run.train(on: Self.circles) { event in
                switch event {
                case .epoch(let e):
                    epochs.append(e.epoch)
                    if e.epoch == 1 {
                        try? FileManager.default.removeItem(at: model)
                        try? FileManager.default.createDirectory(at: model, withIntermediateDirectories: false)
                    }
                case .notice(let text): notices.append(text)
                default: break
                }
            }
        }
        #expect(epochs == [1, 2, 3], "training stopped at the failed save")
        #expect(notices.filter { $0.contains("could not save the checkpoint after epoch") && $0.contains("holds epoch 1") }.count == 2,
                "\(notices)")
    }

    @Test("a stop request ends the run after the current update, saved, with the reason interrupted")
    func stopRequest() throws {
        let dir = try TempDir()
        let model = dir.url.appendingPathComponent("m.safetensors")
        let stop = StopRequest()
        let run = try TrainingRun(Self.settings { $0.save = model; $0.epochs = 100 }, stop: stop)
        let outcome = try run.train(on: Self.circles) { event in
            if case .epoch(let e) = event, e.epoch == 2 { stop.request() }
        }
        #expect(outcome.reason == .interrupted && outcome.signal == nil)
        #expect(outcome.trainer.completedEpochs == 2 && outcome.trainEvaluation == nil)
        #expect(try Checkpoint.read(from: model).training?.completedEpochs == 2)
    }

    @Test("a stop requested before training trains and saves nothing: the checkpoint on disk stays as it was")
    func stopBeforeTraining() throws {
        let dir = try TempDir()
        let model = dir.url.appendingPathComponent("m.safetensors")
        _ = try TrainingRun(Self.settings { $0.save = model; $0.epochs = 1 }).train(on: Self.circles)
        let good = try Data(contentsOf: model)
        let stop = StopRequest()
        let run = try TrainingRun(Self.settings { $0.initFrom = model; $0.save = model }, stop: stop)
        stop.request()
        let outcome = try run.train(on: Self.circles)
        #expect(outcome.reason == .interrupted && outcome.saved == nil && outcome.result.epochs.isEmpty)
        #expect(try Data(contentsOf: model) == good)
    }

    @Test("the final evaluation reads the data already on the device, and matches a fresh one")
    func finalEvaluation() throws {
        let outcome = try TrainingRun(Self.settings()).train(on: Self.circles)
        let train = try #require(outcome.trainEvaluation), held = try #require(outcome.validationEvaluation)
        let fresh = try Evaluation.measure(outcome.network, on: outcome.validation!, confusion: true)
        #expect(held.loss == fresh.loss && held.accuracy == fresh.accuracy && held.confusion == fresh.confusion)
        #expect(train.count == 180 && train.confusion == nil && held.count == 20)
        #expect(outcome.plan.mode == .minibatch(32) && outcome.plan.epochs == 3)
    }
}
