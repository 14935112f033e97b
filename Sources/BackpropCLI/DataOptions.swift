import ArgumentParser
import Backprop
import Foundation

/// The data options shared by `train`, `evaluate` and `bench`.
struct DataOptions: ParsableArguments {
    @Option(help: "Data set: xor, spirals, circles, sine, mnist:DIR, idx:IMAGES,LABELS, csv:FILE.")
    var dataset: String = "spirals"
    // Unconditional: "--validation -1" is a value to refuse, not a missing one.
    @Option(parsing: .unconditional, help: "Held-out samples, the last ones of the data as given: a fraction (0.1), a count (2000), or 0 (default: 0.1 for sets of 100 samples or more, else 0).")
    var validation: String?
    @Option(help: "Input normalisation fitted on the training split: none, minmax, standard.")
    var normalize: String = "none"
    @Option(parsing: .unconditional, help: "Seed for generated data, initial weights and shuffling.") var seed: UInt64 = 1

    func validateOptions() throws {
        do {
            _ = try validation.map { try ValidationSplit(parsing: $0) }
            _ = try Normalization.Kind(parsing: normalize)
            _ = try DatasetSpec(parsing: dataset)
        } catch let e as DataError {
            throw ValidationError(e.problem.isEmpty ? e.description : "\(e.source) \(e.problem)")
        }
    }

    func load() throws -> Dataset {
        try DatasetSpec(parsing: dataset).load(seed: seed)
    }

    /// The split `--validation` asks for; by default a tenth of sets of 100 samples or more.
    func split(_ data: Dataset) throws -> (train: Dataset, validation: Dataset?) {
        let v = try validation.map { try ValidationSplit(parsing: $0) } ?? (data.count >= 100 ? .fraction(0.1) : .none)
        return try data.split(v)
    }
}
