import Foundation

/// Delimited text files: one sample per row, features and a label (classification) or target
/// columns (regression). Numbers are read the same in every locale (Swift's `Float(String)`):
/// "1.5" is a number, and "1,5" in a comma-separated file is two fields. Every error is a
/// `DataError` naming the file, the line (unit "line"), and what was expected. Column
/// numbers in messages are 0-based, as in `Column.index`.
public enum CSV {
    /// A column, by 0-based index (negative counts from the end: -1 is the last) or by the
    /// name in the header row.
    public enum Column: Sendable, Hashable, CustomStringConvertible {
        case index(Int)
        case name(String)

        public static let first = Column.index(0)
        public static let last = Column.index(-1)

        /// An integer ("3", "-1") is an index; anything else a header name.
        public init(parsing text: String) {
            self = Int(text).map(Column.index) ?? .name(text)
        }

        public var description: String {
            switch self {
            case .index(let i): "\(i)"
            case .name(let s): s
            }
        }
    }

    /// What the non-feature columns hold.
    public enum Task: Sendable, Hashable {
        /// One label column (`labelColumn`). Labels that are all whole numbers 0...65535 are
        /// the class indices themselves (classes = largest + 1; `classNames` nil). Otherwise
        /// each distinct text is a class, numbered in sorted order — numerically when every
        /// label is a number, else by UTF-8 bytes — so the numbering does not depend on row
        /// order; `classNames` gives the text of each class.
        case classification
        /// Real-valued targets in `targets` (in this order); `labelColumn` is not used.
        case regression(targets: [Column])
        /// Every column is an input (rows to predict); the result has no labels or targets.
        case unlabelled
    }

    public enum Delimiter: Sendable, Hashable {
        case comma, semicolon, tab
        /// Whichever of comma, semicolon and tab splits the first row into the most fields
        /// (comma on a tie; never comma with a decimal comma). The default.
        case auto

        var byte: UInt8? {
            switch self {
            case .comma: UInt8(ascii: ",")
            case .semicolon: UInt8(ascii: ";")
            case .tab: UInt8(ascii: "\t")
            case .auto: nil
            }
        }
    }

    public enum Header: Sendable, Hashable {
        /// A header when the first row has a non-number in a column that holds a number in the
        /// second row (or, for a single-row file, when nothing in it is a number).
        case auto
        case present
        case absent
    }

    public enum Decimal: Sendable, Hashable {
        /// 3.14, as C, Python and every English-language locale write numbers.
        case point
        /// 3,14, as European spreadsheets write them (the delimiter is then a semicolon or a tab).
        case comma
    }

    public struct Options: Sendable, Hashable {
        public var delimiter: Delimiter
        public var header: Header
        public var decimal: Decimal

        public init(delimiter: Delimiter = .auto, header: Header = .auto, decimal: Decimal = .point) {
            self.delimiter = delimiter
            self.header = header
            self.decimal = decimal
        }
    }

    /// Reads `url` (UTF-8, or UTF-8 compressed with gzip; blank lines and lines starting with #
    /// skipped; "…" quoting with "").
    /// Inputs: rows × features, the features being every column that is not the label or a
    /// target, in file order. Refuses ragged rows, features or targets that are not finite
    /// numbers (nan, inf, 1e999), a missing or out-of-range label column, invalid UTF-8 and
    /// files without data rows.
    public static func load(_ url: URL, labelColumn: Column = .last, task: Task = .classification,
                            options: Options = Options()) throws -> Dataset {
        var data = try readFileData(url)
        if Gzip.isGzip(data) {
            var input = try ByteInput(data, source: url.path)
            data = try input.readAll()
        }
        return try parse(data, source: url.path, labelColumn: labelColumn, task: task, options: options)
    }

    /// As `load`, from bytes in memory; `source` names them in messages.
    public static func parse(_ data: Data, source: String, labelColumn: Column = .last,
                             task: Task = .classification, options: Options = Options()) throws -> Dataset {
        try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            if let line = CSVTokenizer.firstInvalidUTF8Line(bytes) {
                throw DataError(source: source, record: line, problem:
                    "is not valid UTF-8 text (expected UTF-8; convert the file, e.g. with iconv)", unit: "line")
            }
            let decimal = options.decimal == .comma ? UInt8(ascii: ",") : CSVTokenizer.point
            if decimal == options.delimiter.byte {
                throw DataError(source: source, record: nil, problem:
                    "cannot be read with a comma both as the delimiter and as the decimal separator "
                    + "(expected delimiter=semicolon or delimiter=tab with decimal=comma)")
            }
            let delimiter = options.delimiter.byte ?? detectDelimiter(bytes, source: source, excluding: decimal)
            var reader = CSVRowReader(tokenizer: CSVTokenizer(bytes, delimiter: delimiter, decimal: decimal, source: source))
            return try reader.read(labelColumn: labelColumn, task: task, header: options.header)
        }
    }

    /// The candidate giving the first record the most fields; comma on a tie (semicolon when
    /// the comma is the decimal separator).
    static func detectDelimiter(_ bytes: UnsafeBufferPointer<UInt8>, source: String, excluding decimal: UInt8 = CSVTokenizer.point) -> UInt8 {
        let candidates = [Delimiter.comma, .semicolon, .tab].compactMap(\.byte).filter { $0 != decimal }
        // Another delimiter must split the first record into two fields or more to win.
        var best = candidates[0], bestCount = 1
        for candidate in candidates {
            var t = CSVTokenizer(bytes, delimiter: candidate, source: source)
            let fields = ((try? t.next()) ?? false) ? t.fields.count : 0
            if fields > bestCount { best = candidate; bestCount = fields }
        }
        return best
    }
}
