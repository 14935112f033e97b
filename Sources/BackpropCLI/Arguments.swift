import ArgumentParser
import Foundation
import Backprop
import BackpropBench

// The library's setting types as option values: each is parsed once, here, by the library's
// own parser, and an option that is not given stays nil, so that the library's documented
// default applies (the help texts name it). A value that does not parse is a usage error
// (status 64) naming the option and listing the forms it takes.

extension Activation: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public var defaultValueDescription: String { name }
    public static var allValueStrings: [String] {
        ["identity", "sigmoid", "tanh", "relu", "leaky-relu[:ALPHA]", "elu[:ALPHA]", "softplus", "swish", "mish", "softmax"]
    }
}

extension Loss: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
}

extension OptimizerConfig.Kind: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
}

extension SplitOrder: ExpressibleByArgument {}

extension Initializer: ExpressibleByArgument {}

extension Normalization.Kind: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
}

extension LearningMode.Kind: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument.lowercased() == "mini-batch" ? "minibatch" : argument.lowercased())
    }
}

extension LearningMode: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public static var allValueStrings: [String] { ["stochastic", "minibatch-SIZE", "batch"] }
}

extension LearningRateSchedule: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public static var allValueStrings: [String] { ["constant", "step:EVERY:FACTOR", "bold-driver[:UP:DOWN]"] }
}

// Free-form values: their options' help says what they take.
extension ValidationSplit: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
}

extension LayerSizes: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
}

extension DeviceRequest: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
    public static var allValueStrings: [String] {
        ["auto", "cpu", "opencl", "opencl:gpu", "opencl:cpu", "opencl:<index>", "opencl:<platform>:<device>",
         "opencl:<name substring>", "a comma-separated list of these, in order of preference"]
    }
}

extension DatasetSpec: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
    public static var allValueStrings: [String] { forms }
}

extension BenchmarkConfiguration.Section: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { ["throughput", "gemm", "accuracy"] }
}

/// A comma-separated list of values that hold no comma themselves ("throughput,gemm",
/// "stochastic,minibatch-256", "256,512"), at least one.
struct CommaList<Element: ExpressibleByArgument>: ExpressibleByArgument {
    var items: [Element]

    init?(argument: String) {
        let parts = argument.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let parsed = parts.compactMap(Element.init(argument:))
        guard !parsed.isEmpty, parsed.count == parts.count else { return nil }
        items = parsed
    }

    static var allValueStrings: [String] { Element.allValueStrings.isEmpty ? [] : ["a comma-separated list of:"] + Element.allValueStrings }
}
