import Backprop
import BackpropBench
import Foundation

/// The end of a training run: how it stopped, the final metrics (the run's own evaluation of
/// the data on the device), and what the network learned (a decision map for two-input
/// classifiers, a confusion matrix for other classifiers, sample predictions for regression),
/// then with `--json` one JSON line with the final metrics.
struct Summary {
    let outcome: TrainingRun.Outcome
    let dataset: String

    func print(json: Bool) throws {
        let o = outcome, network = o.network
        say("stopped   \(o.reason) after \(o.trainer.completedEpochs) epochs in \(String(format: "%.2f", o.seconds)) s"
            + " (\(ProgressReporter.rate(o.samplesPerSecond)) samples/s)")
        let t = o.trainer
        if t.communicator.size > 1, t.gradientSums > 0 {
            say("ranks     \(t.communicator.size): \(t.gradientSums) gradient sums, "
                + String(format: "%.2f ms each, %.1f%% of the training time", 1000 * t.gradientSumSeconds / Double(t.gradientSums),
                         100 * t.gradientSumSeconds / max(o.seconds, 1e-9)))
        }
        guard let trainEval = o.trainEvaluation else { return }
        say("training  loss \(f4(trainEval.loss))" + (trainEval.accuracy.map { "  accuracy \(pct($0))" } ?? "") + regression(trainEval))
        let heldEval = o.validationEvaluation
        if let heldEval {
            say("held out  loss \(f4(heldEval.loss))" + (heldEval.accuracy.map { "  accuracy \(pct($0))" } ?? "") + regression(heldEval))
        }
        if let saved = o.saved { say("saved     \(saved.path)") }
        say("")
        if o.train.isClassification && o.train.inputSize == 2 {
            try DecisionMap(network: network, data: o.train).print()
        } else if let confusion = (heldEval ?? trainEval).confusion, confusion.count <= ConfusionMatrix.readable {
            ConfusionMatrix(counts: confusion, names: o.train.classNames).print(title: o.validation == nil ? "training set" : "held-out set")
        } else if !o.train.isClassification {
            try printPredictions()
        }

        guard json else { return }
        var object: [String: Any] = [
            "dataset": dataset, "device": o.device.name, "architecture": network.architecture.summary,
            "parameters": network.architecture.parameterCount, "mode": o.plan.mode.description,
            "optimizer": o.trainer.optimizer.config.kind.rawValue, "epochs": o.trainer.completedEpochs,
            "stop_reason": o.reason.description, "seconds": o.seconds, "samples_per_second": o.samplesPerSecond,
            "train_loss": trainEval.loss, "final_epoch_loss": o.result.last?.loss ?? trainEval.loss,
            "peak_rss_bytes": ProcessMemory.peakResident, "version": BackpropVersion.current,
        ]
        // lm has no learning rate: its damping μ adapts instead.
        if o.trainer.optimizer.config.kind.takesLearningRate { object["learning_rate"] = Double(o.plan.learningRate) }
        if let mu = o.trainer.levenbergMu { object["lm_mu"] = mu }
        if o.trainer.communicator.size > 1 {
            object["ranks"] = o.trainer.communicator.size
            object["gradient_sums"] = o.trainer.gradientSums
            object["gradient_sum_seconds"] = o.trainer.gradientSumSeconds
        }
        if let a = trainEval.accuracy { object["train_accuracy"] = a }
        if let h = heldEval {
            object["validation_loss"] = h.loss
            if let a = h.accuracy { object["validation_accuracy"] = a }
        }
        if let saved = o.saved { object["saved"] = saved.path }
        for (prefix, e) in [("train", trainEval), ("validation", heldEval)] {
            guard let r = e?.regression else { continue }
            object.merge(["\(prefix)_mse": r.mse, "\(prefix)_rmse": r.rmse, "\(prefix)_mae": r.mae, "\(prefix)_r2": r.r2]) { $1 }
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        Console.emit(String(decoding: data, as: UTF8.self))
    }

    /// The first samples of the held-out split (else the training split), from the data on
    /// the device: inputs, targets and what the network predicts.
    private func printPredictions() throws {
        let o = outcome
        let (samples, onDevice) = o.validation.map { ($0, o.validationData!) } ?? (o.train, o.trainData)
        let n = min(8, samples.count)
        let outputs = try o.network.outputs(for: onDevice, rows: 0..<n)
        let k = o.network.architecture.outputSize
        say("sample predictions (\(o.validation == nil ? "training" : "held-out") set):")
        for i in 0..<n {
            let x = samples.inputs[(i * samples.inputSize)..<(min((i + 1) * samples.inputSize, i * samples.inputSize + 4))]
            let t = samples.targets.map { Array($0[(i * samples.targetSize)..<((i + 1) * samples.targetSize)]) } ?? []
            let y = outputs[(i * k)..<((i + 1) * k)]
            say("  x \(list(Array(x)))  target \(list(t))  predicted \(list(Array(y)))")
        }
    }

    /// "  rmse 0.0312  mae 0.0250  r² 0.9981" for regression, else nothing.
    private func regression(_ e: Evaluation) -> String {
        e.regression.map { "  rmse \(g6($0.rmse))  mae \(g6($0.mae))  r² \(g6($0.r2))" } ?? ""
    }

    private func list(_ v: [Float]) -> String { "[" + v.map { String(format: "%.3f", $0) }.joined(separator: ", ") + "]" }
}

/// Four decimals, or, for a value below 0.001 that they would show as 0.0000, four significant digits.
func f4(_ x: Double) -> String { x != 0 && abs(x) < 0.001 ? String(format: "%.4g", x) : String(format: "%.4f", x) }
func pct(_ x: Double) -> String { String(format: "%.2f%%", x * 100) }
