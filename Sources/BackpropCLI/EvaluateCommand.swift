import ArgumentParser
import Backprop
import Foundation

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a saved model on a data set: loss, accuracy and a confusion matrix.",
        discussion: "The model's stored input normalisation is applied to the data first.")

    @Option(help: "The model (a checkpoint written by `train --save`).") var model: String
    @Option(help: "Data set: xor, spirals, circles, sine, mnist:DIR, idx:IMAGES,LABELS, csv:FILE.")
    var dataset: DatasetSpec
    @Option(parsing: .unconditional, help: "Seed for generated data sets.") var seed: UInt64 = 1
    @Option(help: "Device (see `backprop --help`; default: BACKPROP_DEVICE, else auto).") var device: DeviceRequest?
    @Flag(help: "Print one JSON object with the results as the last line.") var json = false

    func run() throws {
        try runReportingErrors {
            let checkpoint = try Checkpoint.read(from: URL(fileURLWithPath: model))
            let data = try checkpoint.prepared(dataset.load(seed: seed))
            let network = try checkpoint.makeNetwork(device: DeviceSelection.open(device, notice: notice))
            let e = try Evaluation.measure(network, on: data, confusion: data.isClassification)
            print("model     \(model): \(network.architecture.summary)")
            print("data      \(data.source): \(data.count) samples")
            print("loss      \(f4(e.loss))")
            if let a = e.accuracy { print("accuracy  \(pct(a)) (\((a * Double(e.count)).rounded().clampedInt()) of \(e.count))") }
            let names = checkpoint.classNames ?? data.classNames
            if let c = e.confusion, c.count <= ConfusionMatrix.readable {
                print("")
                ConfusionMatrix(counts: c, names: names).print(title: data.source)
            } else if let k = e.perClass?.count {
                print("confusion matrix of \(k) classes left out (at most \(ConfusionMatrix.readable) are printed; --json has per-class counts)")
            }
            guard json else { return }
            var object: [String: Any] = ["model": model, "dataset": dataset.description, "samples": e.count, "loss": e.loss,
                                         "device": network.device.name]
            if let a = e.accuracy { object["accuracy"] = a }
            // Output in proportion to the classes: the matrix while it is small, counts per class always.
            if let c = e.confusion, c.count <= ConfusionMatrix.readable { object["confusion"] = c }
            if let perClass = e.perClass {
                object["per_class"] = perClass.enumerated().map { i, c -> [String: Any] in
                    var row: [String: Any] = ["class": i, "support": c.support, "predicted": c.predicted, "correct": c.correct]
                    if let name = names?[safe: i] { row["name"] = name }
                    return row
                }
            }
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
        }
    }
}
