import Foundation

/// FANN's training-data format (`fann_read_train_from_file`, `fann_save_train`):
///
///     PAIRS INPUTS OUTPUTS          the first line: three whole numbers
///     x1 x2 … x_INPUTS              then, for each pair, a line of inputs
///     t1 … t_OUTPUTS                and a line of outputs, whitespace-separated
///
/// Blank lines are skipped; lines may end in \n or \r\n; a file may be gzipped. The outputs
/// are class labels when every output row is one-hot (two outputs or more, exactly one 1, the
/// rest 0), else regression targets; `Task.regression` keeps one-hot rows as targets too (as
/// FANN trains them). Errors name the file and line (from 1) and what was expected; the
/// header's claim is checked against the file's size before anything is allocated.
public enum FANN {
    public enum Task: String, Sendable, Hashable, CaseIterable {
        /// Classes when every output row is one-hot, else regression targets.
        case auto
        /// Class labels; a row that is not one-hot is an error naming its line.
        case classification
        /// The outputs as regression targets, one-hot or not.
        case regression
    }

    /// The most inputs or outputs a pair may have (a header beyond it is refused).
    public static let maxWidth = 1 << 24

    public static func load(_ url: URL, task: Task = .auto) throws -> Dataset {
        var data = try readFileData(url)
        if Gzip.isGzip(data) {
            var input = try ByteInput(data, source: url.path)
            data = try input.readAll()
        }
        return try parse(data, source: url.path, task: task)
    }

    /// As `load`, from bytes in memory; `source` names them in messages.
    public static func parse(_ data: Data, source: String, task: Task = .auto) throws -> Dataset {
        try data.withUnsafeBytes { raw in
            var lines = Lines(raw.bindMemory(to: UInt8.self), source: source)
            return try read(&lines, source: source, task: task)
        }
    }

    private static func read(_ lines: inout Lines, source: String, task: Task) throws -> Dataset {
        let header = "expected the header \"PAIRS INPUTS OUTPUTS\": three whole numbers, as fann_save_train writes"
        guard let (headerLine, fields) = try lines.next() else {
            throw DataError(source: source, record: nil, problem: "is empty (\(header))")
        }
        func fail(_ line: Int, _ problem: String) -> DataError { DataError(source: source, record: line, problem: problem, unit: "line") }
        guard fields.count == 3 else {
            throw fail(headerLine, "holds \(fields.count) value(s); \(header)")
        }
        var counts: [Int] = []
        for (name, text) in zip(["PAIRS", "INPUTS", "OUTPUTS"], fields) {
            guard let v = Int(text), v >= 1 else {
                throw fail(headerLine, "has \(name) \(DataError.quote(String(text))), not a whole number ≥ 1; \(header)")
            }
            guard name == "PAIRS" || v <= maxWidth else {
                throw fail(headerLine, "has \(name) \(v), more than the \(maxWidth) a pair may hold")
            }
            counts.append(v)
        }
        let (pairs, inputs, outputs) = (counts[0], counts[1], counts[2])
        // Each value takes at least two bytes ("0" and a separator), but for the file's last.
        let (perPair, o1) = (inputs + outputs).multipliedReportingOverflow(by: 2)
        let (least, o2) = perPair.multipliedReportingOverflow(by: pairs)
        if o1 || o2 || least - 1 > lines.remaining {
            throw fail(headerLine, "claims \(pairs) pairs of \(inputs) inputs and \(outputs) outputs, at least "
                       + (o1 || o2 ? "more bytes than memory holds" : "\(least - 1) bytes")
                       + ", but only \(lines.remaining) byte(s) follow in the file")
        }
        if let why = MemoryBudget.shortfall(pairs * (inputs + outputs) * 4) {
            throw fail(headerLine, "claims \(pairs) pairs of \(inputs)+\(outputs) values, more than memory holds: \(why)")
        }
        var x = [Float](), t = [Float]()
        x.reserveCapacity(pairs * inputs)
        t.reserveCapacity(pairs * outputs)
        var outputLines = [Int]()
        outputLines.reserveCapacity(pairs)
        for pair in 1...pairs {
            for (what, width) in [("inputs", inputs), ("outputs", outputs)] {
                guard let (line, fields) = try lines.next() else {
                    throw DataError(source: source, record: nil, problem:
                        "ends after \(pair - 1) of the \(pairs) pairs its header promises (expected the \(what) of pair \(pair))")
                }
                guard fields.count == width else {
                    throw fail(line, "holds \(fields.count) value(s); expected the \(width) \(what) of pair \(pair) of \(pairs)")
                }
                for (i, text) in fields.enumerated() {
                    guard let v = Float(text), v.isFinite else {
                        throw fail(line, "has \(DataError.quote(String(text))) as value \(i + 1); expected a finite number (\(what) of pair \(pair))")
                    }
                    if what == "inputs" { x.append(v) } else { t.append(v) }
                }
                if what == "outputs" { outputLines.append(line) }
            }
        }
        if let (line, fields) = try lines.next() {
            throw fail(line, "holds \(fields.count) more value(s) after the \(pairs) pairs the header promises; "
                       + "expected the end of the file (or a header with more pairs)")
        }
        var set: Dataset
        let notOneHot = outputs >= 2 ? firstNonOneHot(t, outputs) : 0
        switch task {
        case .regression:
            set = Dataset(source: source, inputSize: inputs, inputs: x, targets: t, targetSize: outputs)
        case .auto where notOneHot != nil:
            set = Dataset(source: source, inputSize: inputs, inputs: x, targets: t, targetSize: outputs)
        case .classification where notOneHot != nil:
            let row = notOneHot!
            throw fail(outputLines[row], "holds outputs that are not one-hot (expected, for task=classification, "
                       + "exactly one 1 and \(outputs - 1) zeros among \(outputs) outputs\(outputs < 2 ? "; a single output is a target" : ""))")
        case .auto, .classification:
            let labels = (0..<pairs).map { r in Int32(t[(r * outputs)..<((r + 1) * outputs)].firstIndex(of: 1)! - r * outputs) }
            set = Dataset(source: source, inputSize: inputs, inputs: x, labels: labels, classes: outputs)
        }
        set.lines = outputLines
        return set
    }

    /// The first row of `t` that is not one-hot, nil when all are.
    private static func firstNonOneHot(_ t: [Float], _ width: Int) -> Int? {
        for r in 0..<(t.count / width) {
            var ones = 0
            for v in t[(r * width)..<((r + 1) * width)] {
                if v == 1 { ones += 1 } else if v != 0 { return r }
            }
            if ones != 1 { return r }
        }
        return nil
    }

    /// Non-blank lines, split at spaces and tabs, with their numbers (from 1).
    private struct Lines {
        let bytes: UnsafeBufferPointer<UInt8>
        let source: String
        var offset = 0, number = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>, source: String) {
            self.bytes = bytes
            self.source = source
        }

        var remaining: Int { bytes.count - offset }

        mutating func next() throws -> (Int, [Substring])? {
            while offset < bytes.count {
                number += 1
                var end = offset
                while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
                let slice = UnsafeBufferPointer(rebasing: bytes[offset..<end])
                offset = Swift.min(end + 1, bytes.count)
                guard let text = String(validating: slice, as: UTF8.self) else {
                    throw DataError(source: source, record: number, problem: "is not valid UTF-8 text (expected numbers)", unit: "line")
                }
                let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
                if !fields.isEmpty { return (number, fields) }
            }
            return nil
        }
    }
}
