import ArgumentParser
import Backprop
import Foundation

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a saved model on a data set: loss, accuracy, per-class precision, recall and F1, a confusion matrix; MSE, RMSE, MAE and R² for regression.",
        discussion: """
            The model's stored input normalisation is applied to the data first. The loss is the \
            training loss: cross-entropy, or for mse ½ the sum of a sample's squared errors \
            (½·MSE for one output), averaged over the samples. Macro averages are unweighted \
            means over the classes that occur as truths or predictions, as scikit-learn's.
            """)

    @OptionGroup var model: ModelOptions
    @Option(help: "Data set: xor, spirals, circles, sine, mnist:DIR, idx:IMAGES,LABELS, csv:FILE, fann:FILE.")
    var dataset: DatasetSpec
    @Option(parsing: .unconditional, help: "Seed for generated data sets.") var seed: UInt64 = 1
    @Option(help: "Device (see `backprop --help`; default: BACKPROP_DEVICE, else auto).") var device: DeviceRequest?
    @OptionGroup var console: OutputOptions

    func run() throws {
        console.apply()
        try runReportingErrors {
            let file = try model.read()
            let samples = try dataset.load(seed: seed)
            let checkpoint = try file.checkpoint(model.choice(classification: samples.isClassification))
            let data = try checkpoint.prepared(samples)
            let network = try checkpoint.makeNetwork(device: DeviceSelection.open(device, notice: notice))
            let e = try Evaluation.measure(network, on: data, confusion: data.isClassification)
            let names = checkpoint.classNames ?? data.classNames
            let arch = network.architecture
            say("model     \(model.model): \(arch.summary)")
            say("data      \(data.source): \(data.count) samples")
            say("loss      \(f4(e.loss))" + (arch.loss == .squaredError ? " (½ the sum of squared errors per sample)" : ""))
            if let a = e.accuracy { say("accuracy  \(pct(a)) (\((a * Double(e.count)).rounded().clampedInt()) of \(e.count))") }
            if let r = e.regression {
                say("mse       \(g6(r.mse))   rmse \(g6(r.rmse))   mae \(g6(r.mae))   r²  \(g6(r.r2))")
            }
            if let m = e.macro {
                say("macro     precision \(f4(m.precision))  recall \(f4(m.recall))  f1 \(f4(m.f1))")
            }
            if let perClass = e.perClass, perClass.count <= ConfusionMatrix.readable {
                say("")
                printPerClass(perClass, names: names)
            }
            if let c = e.confusion, c.count <= ConfusionMatrix.readable {
                say("")
                ConfusionMatrix(counts: c, names: names).print(title: data.source)
            } else if let k = e.perClass?.count {
                say("per-class table and confusion matrix of \(k) classes left out (at most \(ConfusionMatrix.readable) are printed; --json has per-class figures)")
            }
            guard console.json else { return }
            var object: [String: Any] = ["model": model.model, "dataset": dataset.description, "samples": e.count, "loss": e.loss,
                                         "loss_function": arch.loss.name, "device": network.device.name,
                                         "architecture": arch.summary, "version": BackpropVersion.current]
            if let a = e.accuracy { object["accuracy"] = a }
            if let r = e.regression { object.merge(["mse": r.mse, "rmse": r.rmse, "mae": r.mae, "r2": r.r2]) { $1 } }
            if let m = e.macro { object["macro"] = ["precision": m.precision, "recall": m.recall, "f1": m.f1] }
            // Output in proportion to the classes: the matrix while it is small, figures per class always.
            if let c = e.confusion, c.count <= ConfusionMatrix.readable { object["confusion"] = c }
            if let perClass = e.perClass {
                object["per_class"] = perClass.enumerated().map { i, c -> [String: Any] in
                    var row: [String: Any] = ["class": i, "support": c.support, "predicted": c.predicted, "correct": c.correct,
                                              "precision": c.precision, "recall": c.recall, "f1": c.f1]
                    if let name = names?[safe: i] { row["name"] = name }
                    return row
                }
            }
            try Console.emit(json: object)
        }
    }

    /// precision, recall, F1 and support per class, as scikit-learn's classification_report.
    private func printPerClass(_ perClass: [Evaluation.ClassCounts], names: [String]?) {
        let labels = perClass.indices.map { i in names?[safe: i].map { oneLine($0, limit: 24) } ?? "\(i)" }
        let width = max(5, labels.map(\.count).max() ?? 0)
        say("  " + "class".padding(toLength: width, withPad: " ", startingAt: 0) + "  precision     recall         f1    support")
        for (i, c) in perClass.enumerated() {
            say("  " + labels[i].padding(toLength: width, withPad: " ", startingAt: 0)
                + String(format: "  %9.4f  %9.4f  %9.4f  %9d", c.precision, c.recall, c.f1, c.support))
        }
    }
}

func g6(_ x: Double) -> String { String(format: "%.6g", x) }
