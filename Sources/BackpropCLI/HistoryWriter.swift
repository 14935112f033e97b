import Backprop
import Foundation

/// `--history FILE`: one row per epoch, as CSV or (for .jsonl and .json) JSON lines, the whole
/// file replaced atomically, so that it is whole whenever it is read: after an epoch when a
/// second has passed since the last write (rewriting it after every one of 100,000 short epochs
/// would write terabytes), and at the end (`finish`).
final class HistoryWriter {
    let url: URL
    let jsonLines: Bool
    private var rows: [String] = []
    private var written = 0
    private var lastWrite = ContinuousClock.now - .seconds(10)
    static let interval = Duration.seconds(1)

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
        if ContinuousClock.now - lastWrite >= Self.interval { write() }
    }

    /// Writes the rows not yet on disk, if any (after the last epoch, and when training fails).
    func finish() {
        if written < rows.count { write() }
    }

    private func write() {
        lastWrite = ContinuousClock.now
        written = rows.count
        // A failed write is reported and training goes on: the history is not the model.
        do {
            try OutputFile.write(Array((rows.joined(separator: "\n") + "\n").utf8), to: url)
        } catch {
            printError("backprop: could not write the history (\(oneLine("\(error)"))); training goes on")
        }
    }
}
