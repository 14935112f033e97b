/// Input that cannot be used: which file or set, which record (sample, line, byte offset),
/// and what was expected. The command line exits with status 65 (data error) on it.
public struct DataError: Error, CustomStringConvertible, Sendable {
    public let source: String
    public let record: Int?
    public let problem: String
    /// What `record` counts ("record", "line", "byte"); "record" for samples.
    public let unit: String

    public init(source: String, record: Int?, problem: String, unit: String = "record") {
        self.source = source
        self.record = record
        self.problem = problem
        self.unit = unit
    }

    public var description: String {
        if let record { return "\(source), \(unit) \(record): \(problem)" }
        return "\(source): \(problem)"
    }
}

extension DataError {
    /// A text from a file as a message quotes it, in quotes and cut to `limit` characters ("…"
    /// marks the cut): a field may be megabytes long. Control characters are escaped where the
    /// message is shown.
    static func quote(_ text: String, limit: Int = 80) -> String {
        "\"" + (text.count > limit ? String(text.prefix(limit)) + "…" : text) + "\""
    }
}
