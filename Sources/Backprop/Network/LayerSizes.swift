/// Layer sizes from inputs to outputs, spelt one way wherever they appear (options, summaries,
/// JSON, benchmark tables and charts): "784,256,10".
public struct LayerSizes: Sendable, Hashable, CustomStringConvertible {
    public var sizes: [Int]

    public init(_ sizes: [Int]) { self.sizes = sizes }

    /// Parses "784,256,10": at least two whole numbers of 1 or more, separated by commas.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        guard parts.count >= 2, parts.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw ConfigurationError(.layers, text, "must list at least two sizes of 1 or more, like 784,256,10")
        }
        sizes = parts.map { $0! }
    }

    public var description: String { sizes.map(String.init).joined(separator: ",") }
}
