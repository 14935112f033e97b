import Backprop
import Foundation

/// `--history FILE`: one row per epoch, as CSV or (for .jsonl and .json) JSON lines, the whole
/// file replaced atomically after each epoch, so that it is whole whenever it is read.
final class HistoryWriter {
    let url: URL
    let jsonLines: Bool
    private var rows: [String] = []

    static let columns = ["epoch", "loss", "accuracy", "validation_loss", "validation_accuracy", "learning_rate",
                          "seconds", "samples_per_second", "undone"]

    init(_ url: URL) throws {
        try OutputFile.check(url, as: .history)
        self.url = url
        jsonLines = ["jsonl", "json", "ndjson"].contains(url.pathExtension.lowercased())
        if !jsonLines { rows.append(Self.columns.joined(separator: ",")) }
    }

    func add(_ r: EpochReport) {
        let values: [Any?] = [r.epoch, r.loss, r.accuracy, r.validationLoss, r.validationAccuracy, Double(r.learningRate),
                              r.seconds, r.samplesPerSecond, r.undone]
        if jsonLines {
            var object: [String: Any] = [:]
            for (key, value) in zip(Self.columns, values) { if let value { object[key] = value } }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
            rows.append(String(decoding: data, as: UTF8.self))
        } else {
            rows.append(values.map { v -> String in
                switch v {
                case let d as Double: d.isFinite ? "\(d)" : ""
                case let i as Int: "\(i)"
                case let b as Bool: b ? "true" : "false"
                default: ""
                }
            }.joined(separator: ","))
        }
        // A failed write is reported and training goes on: the history is not the model.
        do {
            try OutputFile.write(Array((rows.joined(separator: "\n") + "\n").utf8), to: url)
        } catch {
            printError("backprop: could not write the history (\(oneLine("\(error)"))); training goes on")
        }
    }
}
