import ArgumentParser
import Backprop
import Foundation

/// The data options of `train`.
struct DataOptions: ParsableArguments {
    @Option(help: "Data set: xor, spirals, circles, sine, mnist:DIR, idx:IMAGES,LABELS, csv:FILE, fann:FILE.")
    var dataset: DatasetSpec = .synthetic(name: "spirals", count: nil)
    // Unconditional: "--validation -1" is a value to refuse, not a missing one.
    @Option(parsing: .unconditional, help: "Held-out samples, the last ones of the data as given or drawn at random (--split): a fraction (0.1), a count (2000), or 0 (default: 0.1 for sets of 100 samples or more, else 0).")
    var validation: ValidationSplit?
    @Option(name: .customLong("validation-data"), help: ArgumentHelp(
        "A data set of its own to hold out, as Keras' validation_data (a spec as --dataset takes; then nothing is split off the training data).",
        valueName: "dataset"))
    var validationData: DatasetSpec?
    @Option(help: "Input normalisation fitted on the training split: none, minmax, standard (default: none, or the checkpoint's).")
    var normalize: Normalization.Kind?
    @Option(parsing: .unconditional, help: "Seed for generated data, initial weights and shuffling.") var seed: UInt64 = 1

    func load() throws -> Dataset {
        try dataset.load(seed: seed)
    }

    /// The held-out set of its own, when one is given (generated sets from seed + 1, so that
    /// they are other samples than the training set's).
    func loadValidation() throws -> Dataset? {
        try validationData.map { try $0.load(seed: seed &+ 1) }
    }
}
