import ArgumentParser
import Backprop
import Foundation

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a saved model on a data set: loss, accuracy and a confusion matrix.",
        discussion: "The model's stored input normalisation is applied to the data first.")

    @Option(help: "The model (a checkpoint written by `train --save`).") var model: String
    @Option(help: "Data set: xor, spirals, circles, sine, mnist:DIR, idx:IMAGES,LABELS, csv:FILE.")
    var dataset: String
    @Option(parsing: .unconditional, help: "Seed for generated data sets.") var seed: UInt64 = 1
    @Option(help: "Device (see `backprop --help`).") var device: String?
    @Flag(help: "Print one JSON object with the results as the last line.") var json = false

    func validate() throws {
        _ = try parseDevice(device)
        try validateDatasetSpec(dataset, option: "--dataset")
    }

    func run() throws {
        try runReportingErrors {
            let checkpoint = try Checkpoint.read(from: URL(fileURLWithPath: model))
            var data = try DatasetSpec(parsing: dataset).load(seed: seed)
            if let n = checkpoint.normalization { try n.apply(to: &data) }
            let network = try checkpoint.makeNetwork(device: try DeviceSelection.open(device.map { try DeviceRequest(parsing: $0) }, notice: notice))
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
            var object: [String: Any] = ["model": model, "dataset": dataset, "samples": e.count, "loss": e.loss,
                                         "device": network.device.name]
            if let a = e.accuracy { object["accuracy"] = a }
            if let c = e.confusion { object["confusion"] = c }
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
        }
    }
}

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a saved model's predictions, one line per sample.",
        discussion: """
            --input takes a data set (as --dataset does; its labels or targets are ignored) or a \
            CSV file of feature rows with exactly as many columns as the model has inputs.
            """)

    @Option(help: "The model (a checkpoint written by `train --save`).") var model: String
    @Option(help: "Samples to predict: a data set spec or a CSV file of feature rows.") var input: String
    @Option(help: "Device (see `backprop --help`).") var device: String?
    @Option(parsing: .unconditional, help: "Seed for generated data sets.") var seed: UInt64 = 1

    func validate() throws {
        _ = try parseDevice(device)
    }

    func run() throws {
        try runReportingErrors {
            let checkpoint = try Checkpoint.read(from: URL(fileURLWithPath: model))
            let arch = checkpoint.architecture
            var inputs = try PredictInput.load(input, inputSize: arch.inputSize, seed: seed)
            if let n = checkpoint.normalization { try n.apply(to: &inputs) }
            let network = try checkpoint.makeNetwork(device: try DeviceSelection.open(device.map { try DeviceRequest(parsing: $0) }, notice: notice))
            let outputs = try network.predict(inputs)
            let k = arch.outputSize
            let classifier = arch.loss != .squaredError
            for i in 0..<(inputs.count / arch.inputSize) {
                let row = outputs[(i * k)..<((i + 1) * k)]
                if classifier {
                    let c = Evaluation.predictedClass(row)
                    let p = k == 1 ? (c == 1 ? row[row.startIndex] : 1 - row[row.startIndex]) : row[row.startIndex + c]
                    let name = checkpoint.classNames?[safe: c].map { " (\($0))" } ?? ""
                    print("\(i)\t\(c)\(name)\t\(String(format: "%.4f", p))")
                } else {
                    print("\(i)\t" + row.map { String(format: "%.6g", $0) }.joined(separator: "\t"))
                }
            }
        }
    }
}

/// The samples `predict --input` names: a data set spec (labels ignored), or a CSV file whose
/// every column is an input.
enum PredictInput {
    static func load(_ text: String, inputSize: Int, seed: UInt64) throws -> [Float] {
        let data: Dataset
        if FileManager.default.fileExists(atPath: text) {
            data = try CSV.load(URL(fileURLWithPath: text), task: .unlabelled, options: .init(delimiter: .auto))
        } else if let spec = try? DatasetSpec(parsing: text) {
            data = try spec.load(seed: seed)
        } else {
            // Neither a file nor a spec: most likely a path with a typo, so say that first.
            throw DataError(source: text, record: nil, problem:
                "does not exist (expected a CSV file of feature rows, or a data set: "
                + DatasetSpec.forms.joined(separator: ", ") + ")")
        }
        guard data.inputSize == inputSize else {
            throw DataError(source: data.source, record: nil,
                            problem: "has \(data.inputSize) values per sample, but the model takes \(inputSize) inputs")
        }
        return data.inputs
    }
}
