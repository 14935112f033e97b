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
            if let a = e.accuracy { print("accuracy  \(pct(a)) (\(Int((a * Double(e.count)).rounded())) of \(e.count))") }
            if let c = e.confusion {
                print("")
                ConfusionMatrix(counts: c, names: checkpoint.classNames ?? data.classNames).print(title: data.source)
            }
            guard json else { return }
            var object: [String: Any] = ["model": model, "dataset": dataset.description, "samples": e.count, "loss": e.loss,
                                         "device": network.device.name]
            if let a = e.accuracy { object["accuracy"] = a }
            if let c = e.confusion { object["confusion"] = c }
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
        }
    }
}
