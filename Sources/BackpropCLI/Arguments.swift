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
    public static var defaultCompletionKind: CompletionKind { .list(Activation.all.map(\.name)) }
}

extension Loss: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var defaultCompletionKind: CompletionKind { .list(Loss.allCases.map(\.rawValue)) }
}

extension OptimizerConfig.Kind: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var defaultCompletionKind: CompletionKind { .list(allCases.map(\.rawValue) + ["adamw"]) }
}

extension SplitOrder: ExpressibleByArgument {}

extension Initializer: ExpressibleByArgument {}

extension Normalization.Kind: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
    public static var defaultCompletionKind: CompletionKind { .list(allCases.map(\.rawValue)) }
}

extension LearningMode.Kind: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument.lowercased() == "mini-batch" ? "minibatch" : argument.lowercased())
    }
    public static var defaultCompletionKind: CompletionKind { .list(allCases.map(\.rawValue)) }
}

extension LearningMode: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public static var allValueStrings: [String] { ["stochastic", "minibatch-SIZE", "batch"] }
    public static var defaultCompletionKind: CompletionKind {
        .list(["stochastic", "minibatch-32", "minibatch-256", "minibatch-1024", "batch"])
    }
}

extension LearningRateSchedule: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public static var allValueStrings: [String] { ["constant", "step:EVERY:FACTOR", "bold-driver[:UP:DOWN]"] }
    public static var defaultCompletionKind: CompletionKind { .list(["constant", "step:", "bold-driver"]) }
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
    /// The fixed forms, then `opencl:<index>` of each OpenCL device present when the shell asks.
    public static var defaultCompletionKind: CompletionKind {
        .custom { _, _, _ in
            ["auto", "cpu", "opencl", "opencl:gpu", "opencl:cpu"]
                + ((try? DeviceSelection.openCLDevices()) ?? []).map { "opencl:\($0.index)" }
        }
    }
}

extension DatasetSpec: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
    public static var allValueStrings: [String] { forms }
    /// The built-in sets and the file forms; after `csv:`, `fann:`, `mnist:` or `idx:`, the paths.
    public static var defaultCompletionKind: CompletionKind {
        .custom { words, index, prefix in
            let current = words.indices.contains(index) ? String(words[index].prefix(prefix.count)) : prefix
            for form in ["csv:", "fann:", "mnist:", "idx:"] where current.lowercased().hasPrefix(form) {
                return pathCompletions(String(current.dropFirst(form.count))).map { String(current.prefix(form.count)) + $0 }
            }
            return SyntheticData.names + ["csv:", "fann:", "mnist:", "idx:"]
        }
    }
}

/// Paths that start with `partial` (entries of its folder; folders end in `/`), for value
/// forms a shell cannot complete as files on its own (`csv:PATH`).
func pathCompletions(_ partial: String) -> [String] {
    let slash = partial.lastIndex(of: "/")
    let folder = slash.map { String(partial[...$0]) } ?? ""
    let stem = slash.map { String(partial[partial.index(after: $0)...]) } ?? partial
    let listed = (folder.isEmpty ? "." : (folder as NSString).expandingTildeInPath)
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: listed) else { return [] }
    return entries.filter { $0.hasPrefix(stem) && (stem.hasPrefix(".") || !$0.hasPrefix(".")) }.sorted().map { name in
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: (listed as NSString).appendingPathComponent(name), isDirectory: &isFolder)
        return folder + name + (isFolder.boolValue ? "/" : "")
    }
}

extension BenchmarkConfiguration.Section: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { ["throughput", "gemm", "accuracy"] }
    public static var defaultCompletionKind: CompletionKind { .list(allValueStrings) }
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
    static var defaultCompletionKind: CompletionKind { Element.defaultCompletionKind }
}
