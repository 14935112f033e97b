import ArgumentParser
import Backprop
import Foundation

/// The samples `predict --input` names: a data set spec (labels ignored), a CSV file whose
/// every column is an input, or - for such a file on standard input.
enum PredictInput {
    static func load(_ text: String, seed: UInt64) throws -> Dataset {
        let data: Dataset
        if text == "-" {
            data = try CSV.load(URL(fileURLWithPath: "/dev/stdin"), task: .unlabelled, options: .init(delimiter: .auto))
        } else if FileManager.default.fileExists(atPath: text) {
            data = try CSV.load(URL(fileURLWithPath: text), task: .unlabelled, options: .init(delimiter: .auto))
        } else if let spec = try? DatasetSpec(parsing: text) {
            data = try spec.load(seed: seed)
        } else {
            // Neither a file nor a spec: most likely a path with a typo, so say that first.
            throw DataError(source: text, record: nil, problem:
                "does not exist (expected a CSV file of feature rows, or a data set: "
                + DatasetSpec.forms.joined(separator: ", ") + ")")
        }
        return data
    }
}
