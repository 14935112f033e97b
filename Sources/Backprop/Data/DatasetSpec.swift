import Foundation

/// A data set as named on the command line:
///
///     xor | spirals | circles | sine | mnist-like    built-in, optionally NAME:COUNT (spirals:1000)
///     mnist:DIR[?split=train|test|all]             MNIST-style folder (default: train, else t10k)
///     idx:IMAGES,LABELS                            two IDX files (split at the last comma)
///     csv:FILE[?OPTIONS]                           delimited text, OPTIONS joined by &:
///         label=COLUMN          classification label column, name or index (default -1, the last)
///         target=COL[,COL…]     regression instead, with these target columns
///         header=yes|no|auto    delimiter=auto|comma|semicolon|tab (default auto)
///         decimal=point|comma   (comma: 3,14, as European spreadsheets write numbers)
///     fann:FILE[?task=auto|classification|regression]   FANN's training-data format
///
/// Options follow the LAST "?" of the text, and only when what follows it holds an "=".
public enum DatasetSpec: Sendable, Hashable, CustomStringConvertible {
    case synthetic(name: String, count: Int?)
    /// `split` nil: the training pair if present, else the test pair.
    case mnist(directory: String, split: IDX.Split?)
    case idx(images: String, labels: String)
    case csv(path: String, labelColumn: CSV.Column, task: CSV.Task, options: CSV.Options)
    case fann(path: String, task: FANN.Task)

    /// The accepted forms, for help texts and errors.
    public static let forms = [
        "xor", "spirals", "circles", "sine", "mnist-like", "NAME:COUNT (a built-in set with COUNT samples)",
        "mnist:DIR[?split=train|test|all]", "idx:IMAGES,LABELS",
        "csv:FILE[?label=COLUMN | ?target=COL,COL…][&header=yes|no|auto][&delimiter=auto|comma|semicolon|tab][&decimal=point|comma]",
        "fann:FILE[?task=auto|classification|regression]",
    ]

    public init(parsing text: String) throws {
        func refuse(_ why: String) -> DataError {
            DataError(source: text, record: nil, problem: "\(why); expected one of: " + Self.forms.joined(separator: ", "))
        }
        let head = text.prefix { $0 != ":" }
        let kind = head.lowercased()
        let rest = head.endIndex < text.endIndex ? String(text[text.index(after: head.endIndex)...]) : nil
        if SyntheticData.names.contains(kind) {
            guard let rest else { self = .synthetic(name: kind, count: nil); return }
            guard let count = Int(rest), count > 0 else { throw refuse("has a count that is not a positive whole number") }
            self = .synthetic(name: kind, count: count)
            return
        }
        guard let rest, !rest.isEmpty else { throw refuse("is not a known data set") }
        let (body, options) = try Self.splitOptions(rest, refuse)
        guard !body.isEmpty else { throw refuse("names no file or folder") }
        switch kind {
        case "mnist":
            var split: IDX.Split? = nil
            for (key, value) in options {
                guard key == "split", let s = IDX.Split(rawValue: value.lowercased()) else {
                    throw refuse("has option \(key)=\(value); mnist takes split=train|test|all")
                }
                split = s
            }
            self = .mnist(directory: body, split: split)
        case "idx":
            guard options.isEmpty, let comma = body.lastIndex(of: ","),
                  comma != body.startIndex, body.index(after: comma) != body.endIndex
            else { throw refuse("needs two files, IMAGES,LABELS") }
            self = .idx(images: String(body[..<comma]), labels: String(body[body.index(after: comma)...]))
        case "csv":
            var label = CSV.Column.last, task = CSV.Task.classification, csvOptions = CSV.Options()
            for (key, value) in options {
                switch (key, value.lowercased()) {
                case ("label", _): label = CSV.Column(parsing: value)
                case ("target", _), ("targets", _):
                    task = .regression(targets: value.split(separator: ",").map { CSV.Column(parsing: String($0)) })
                case ("header", "yes"), ("header", "true"): csvOptions.header = .present
                case ("header", "no"), ("header", "false"): csvOptions.header = .absent
                case ("header", "auto"): csvOptions.header = .auto
                case ("delimiter", "comma"), ("delimiter", ","): csvOptions.delimiter = .comma
                case ("delimiter", "semicolon"), ("delimiter", ";"): csvOptions.delimiter = .semicolon
                case ("delimiter", "tab"): csvOptions.delimiter = .tab
                case ("delimiter", "auto"): csvOptions.delimiter = .auto
                case ("decimal", "point"), ("decimal", "."): csvOptions.decimal = .point
                case ("decimal", "comma"), ("decimal", ","): csvOptions.decimal = .comma
                default: throw refuse("has an unknown csv option \(key)=\(value)")
                }
            }
            if case .regression(let targets) = task, targets.isEmpty { throw refuse("has an empty target list") }
            if csvOptions.decimal == .comma && csvOptions.delimiter == .comma {
                throw refuse("has delimiter=comma with decimal=comma; a comma cannot be both (use delimiter=semicolon or tab)")
            }
            self = .csv(path: body, labelColumn: label, task: task, options: csvOptions)
        case "fann":
            var task = FANN.Task.auto
            for (key, value) in options {
                guard key == "task", let t = FANN.Task(rawValue: value.lowercased()) else {
                    throw refuse("has option \(key)=\(value); fann takes task=auto|classification|regression")
                }
                task = t
            }
            self = .fann(path: body, task: task)
        default:
            throw refuse("is not a known data set")
        }
    }

    /// "FILE?a=1&b=2" → ("FILE", [("a", "1"), ("b", "2")]); no options when nothing after the
    /// last "?" holds an "=".
    private static func splitOptions(_ text: String, _ refuse: (String) -> DataError) throws
        -> (String, [(String, String)]) {
        guard let q = text.lastIndex(of: "?"), text[q...].contains("=") else { return (text, []) }
        var options: [(String, String)] = []
        for pair in text[text.index(after: q)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw refuse("has an option \"\(pair)\" that is not KEY=VALUE")
            }
            options.append((String(parts[0]).lowercased(), String(parts[1])))
        }
        return (String(text[..<q]), options)
    }

    /// The samples; `seed` is used by the built-in sets only.
    public func load(seed: UInt64) throws -> Dataset {
        switch self {
        case .synthetic(let name, let count):
            return try SyntheticData.make(name, count: count, seed: seed)
        case .mnist(let directory, let split):
            let dir = Self.url(directory)
            return try split.map { try IDX.loadFolder(dir, split: $0) } ?? IDX.loadFolder(dir)
        case .idx(let images, let labels):
            return try IDX.load(images: Self.url(images), labels: Self.url(labels))
        case .csv(let path, let label, let task, let options):
            return try CSV.load(Self.url(path), labelColumn: label, task: task, options: options)
        case .fann(let path, let task):
            return try FANN.load(Self.url(path), task: task)
        }
    }

    /// A path with a leading ~ expanded (shells do not expand it after "mnist:").
    static func url(_ path: String) -> URL {
        URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
    }

    /// The spec in its text form (parsing it gives the same spec back).
    public var description: String {
        switch self {
        case .synthetic(let name, let count): return count.map { "\(name):\($0)" } ?? name
        case .mnist(let directory, let split): return "mnist:\(directory)" + (split.map { "?split=\($0.rawValue)" } ?? "")
        case .idx(let images, let labels): return "idx:\(images),\(labels)"
        case .csv(let path, let label, let task, let options):
            var parts: [String] = []
            switch task {
            case .classification: if label != .last { parts.append("label=\(label)") }
            case .regression(let targets): parts.append("target=" + targets.map(\.description).joined(separator: ","))
            case .unlabelled: break  // never parsed from a spec: only `predict --input FILE` reads rows this way
            }
            switch options.header {
            case .auto: break
            case .present: parts.append("header=yes")
            case .absent: parts.append("header=no")
            }
            switch options.delimiter {
            case .auto: break
            case .comma: parts.append("delimiter=comma")
            case .semicolon: parts.append("delimiter=semicolon")
            case .tab: parts.append("delimiter=tab")
            }
            if options.decimal == .comma { parts.append("decimal=comma") }
            return "csv:\(path)" + (parts.isEmpty ? "" : "?" + parts.joined(separator: "&"))
        case .fann(let path, let task):
            return "fann:\(path)" + (task == .auto ? "" : "?task=\(task.rawValue)")
        }
    }
}
