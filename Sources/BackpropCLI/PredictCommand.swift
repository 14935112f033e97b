import ArgumentParser
import Backprop
import Foundation

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a saved model's predictions, one line per sample.",
        discussion: """
            --input takes a data set (as --dataset does; its labels or targets are ignored) or a \
            CSV file of feature rows with exactly as many columns as the model has inputs.
            """)

    @Option(help: "The model (a checkpoint written by `train --save`).") var model: String
    @Option(help: "Samples to predict: a data set spec or a CSV file of feature rows.") var input: String
    @Option(help: "Device (see `backprop --help`; default: BACKPROP_DEVICE, else auto).") var device: DeviceRequest?
    @Option(parsing: .unconditional, help: "Seed for generated data sets.") var seed: UInt64 = 1

    func run() throws {
        try runReportingErrors {
            let checkpoint = try Checkpoint.read(from: URL(fileURLWithPath: model))
            let arch = checkpoint.architecture
            let inputs = try checkpoint.prepared(PredictInput.load(input, seed: seed)).inputs
            let network = try checkpoint.makeNetwork(device: DeviceSelection.open(device, notice: notice))
            let outputs = try network.predict(inputs)
            let k = arch.outputSize
            let classifier = arch.loss != .squaredError
            for i in 0..<(inputs.count / arch.inputSize) {
                let row = outputs[(i * k)..<((i + 1) * k)]
                if classifier {
                    let c = Evaluation.predictedClass(row)
                    let p = k == 1 ? (c == 1 ? row[row.startIndex] : 1 - row[row.startIndex]) : row[row.startIndex + c]
                    let name = checkpoint.classNames?[safe: c].map { " (\(oneLine($0, limit: 80)))" } ?? ""
                    print("\(i)\t\(c)\(name)\t\(String(format: "%.4f", p))")
                } else {
                    print("\(i)\t" + row.map { String(format: "%.6g", $0) }.joined(separator: "\t"))
                }
            }
        }
    }
}
