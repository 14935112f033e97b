import ArgumentParser
import Backprop
import Foundation

struct Predict: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, csv, jsonl
    }

    static let configuration = CommandConfiguration(
        abstract: "Print a saved model's predictions, one line per sample.",
        discussion: """
            --input takes a data set (as --dataset does; its labels or targets are ignored), a \
            CSV file of feature rows with exactly as many columns as the model has inputs, or - \
            for such rows on standard input. Formats, one line per sample: text (sample, class \
            and its name, its probability; or the outputs, tab-separated), csv (a header, then \
            sample,class[,name],p0,p1,… or sample,output0,…), jsonl (one JSON object per line: \
            "sample", and "class", "name", "probabilities" for classification or "outputs" for \
            regression). A single-output classifier's probabilities are [1 − p, p], as \
            scikit-learn's predict_proba gives them. --json is --format jsonl.
            """)

    @OptionGroup var model: ModelOptions
    @Option(help: ArgumentHelp("Samples to predict: a data set spec, a CSV file of feature rows, or - for standard input.",
                               valueName: "spec-or-file"), completion: .file())
    var input: String
    @Option(help: "Output format: text, csv or jsonl (default: text).") var format: Format?
    @Option(help: "Device (see `backprop --help`; default: BACKPROP_DEVICE, else auto).") var device: DeviceRequest?
    @Option(parsing: .unconditional, help: "Seed for generated data sets.") var seed: UInt64 = 1
    @OptionGroup var console: OutputOptions

    func validate() throws {
        if console.json, let format, format != .jsonl {
            throw ValidationError("--json writes JSON lines; it cannot be combined with --format \(format.rawValue)")
        }
    }

    func run() throws {
        console.apply()
        try runReportingErrors {
            let file = try model.read()
            let checkpoint = try file.checkpoint(model.choice(classification: nil))
            let arch = checkpoint.architecture
            let inputs = try checkpoint.prepared(PredictInput.load(input, seed: seed)).inputs
            let network = try checkpoint.makeNetwork(device: DeviceSelection.open(device, notice: notice))
            let outputs = try network.predict(inputs)
            let writer = PredictionWriter(format: console.json ? .jsonl : format ?? .text, outputs: arch.outputSize,
                                          classifier: arch.loss != .squaredError, names: checkpoint.classNames)
            try writer.write(outputs, count: inputs.count / arch.inputSize)
        }
    }
}

/// Predictions as text, CSV or JSON lines, written in blocks to standard output.
struct PredictionWriter {
    let format: Predict.Format
    let outputs: Int
    let classifier: Bool
    let names: [String]?

    func write(_ values: [Float], count: Int) throws {
        var block = header.map { $0 + "\n" } ?? ""
        for i in 0..<count {
            block += try line(i, values[(i * outputs)..<((i + 1) * outputs)]) + "\n"
            if block.utf8.count > 1 << 16 {
                writeOut(block)
                block = ""
            }
        }
        writeOut(block)
    }

    private var header: String? {
        guard format == .csv else { return nil }
        if !classifier { return (["sample"] + (0..<outputs).map { "output\($0)" }).joined(separator: ",") }
        return (["sample", "class"] + (names == nil ? [] : ["name"]) + (0..<max(outputs, 2)).map { "p\($0)" }).joined(separator: ",")
    }

    /// The class probabilities of an output row: the row itself, or [1 − p, p] for one output.
    private func probabilities(_ row: ArraySlice<Float>) -> [Float] {
        outputs == 1 ? [1 - row[row.startIndex], row[row.startIndex]] : Array(row)
    }

    private func line(_ i: Int, _ row: ArraySlice<Float>) throws -> String {
        let c = Evaluation.predictedClass(row)
        let name = names?[safe: c]
        switch (format, classifier) {
        case (.text, true):
            let label = name.map { " (\(oneLine($0, limit: 80)))" } ?? ""
            return "\(i)\t\(c)\(label)\t\(String(format: "%.4f", probabilities(row)[c]))"
        case (.text, false):
            return "\(i)\t" + row.map { String(format: "%.6g", $0) }.joined(separator: "\t")
        case (.csv, true):
            return (["\(i)", "\(c)"] + (names == nil ? [] : [csvField(name ?? "")]) + probabilities(row).map { "\($0)" })
                .joined(separator: ",")
        case (.csv, false):
            return (["\(i)"] + row.map { "\($0)" }).joined(separator: ",")
        case (.jsonl, true):
            var object: [String: Any] = ["sample": i, "class": c, "probabilities": probabilities(row).map(Double.init)]
            if let name { object["name"] = name }
            return try json(object)
        case (.jsonl, false):
            return try json(["sample": i, "outputs": row.map(Double.init)])
        }
    }

    private func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break.
    private func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
