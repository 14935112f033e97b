/// Turns the records of a CSV file into a Dataset: decides whether the first row is a header,
/// resolves the label and target columns, then reads every row in one pass (linear in the
/// file size), checking each field as it goes.
struct CSVRowReader {
    var tokenizer: CSVTokenizer
    private var source: String { tokenizer.source }

    /// What each column of a row is.
    private enum Role: Equatable { case feature, label, target(Int) }

    mutating func read(labelColumn: CSV.Column, task: CSV.Task, header: CSV.Header) throws -> Dataset {
        let start = tokenizer
        guard try tokenizer.next() else {
            throw DataError(source: source, record: nil, problem: "holds no rows (expected a header and rows of numbers, or rows of numbers)")
        }
        let firstLine = tokenizer.recordLine
        let first = (0..<tokenizer.fields.count).map { tokenizer.text($0) }
        let firstNumeric = (0..<first.count).map { tokenizer.number($0) != nil }
        let hasHeader: Bool
        switch header {
        case .present: hasHeader = true
        case .absent: hasHeader = false
        case .auto:
            if try tokenizer.next() {
                let k = min(first.count, tokenizer.fields.count)
                hasHeader = (0..<k).contains { !firstNumeric[$0] && tokenizer.number($0) != nil }
            } else {
                hasHeader = !firstNumeric.contains(true)
            }
        }
        let names = hasHeader ? first : nil
        let width = first.count

        // Resolve the columns against the first row's width and the header.
        func resolve(_ column: CSV.Column, _ what: String) throws -> Int {
            switch column {
            case .index(let i):
                let k = i < 0 ? width + i : i
                guard k >= 0 && k < width else {
                    throw DataError(source: source, record: firstLine, problem:
                        "has \(width) column(s), so the \(what) column \(i) is out of range "
                        + "(expected an index in \(-width)...\(width - 1))", unit: "line")
                }
                return k
            case .name(let name):
                guard let names else {
                    throw DataError(source: source, record: firstLine, problem:
                        "has no header row, so the \(what) column cannot be chosen by the name \(DataError.quote(name)) "
                        + "(expected a header, or give the column's index)", unit: "line")
                }
                guard let k = names.firstIndex(of: name) else {
                    throw DataError(source: source, record: firstLine, problem:
                        "has no column named \(DataError.quote(name)) for the \(what) (expected one of: "
                        + names.prefix(20).map { DataError.quote($0) }.joined(separator: ", ")
                        + (names.count > 20 ? ", … \(names.count - 20) more" : "") + ")", unit: "line")
                }
                return k
            }
        }
        var roles = [Role](repeating: .feature, count: width)
        var targetCount = 0
        switch task {
        case .classification:
            roles[try resolve(labelColumn, "label")] = .label
        case .regression(let targets):
            guard !targets.isEmpty else {
                throw DataError(source: source, record: nil, problem: "needs at least one target column for regression")
            }
            for column in targets {
                let k = try resolve(column, "target")
                guard roles[k] == .feature else {
                    throw DataError(source: source, record: firstLine, problem:
                        "names column \(k) as a target twice (expected distinct target columns)", unit: "line")
                }
                roles[k] = .target(targetCount)
                targetCount += 1
            }
        case .unlabelled:
            break
        }
        let featureCount = roles.filter { $0 == .feature }.count
        guard featureCount > 0 else {
            throw DataError(source: source, record: firstLine, problem:
                "has no feature columns left once the label or targets are taken (expected at least one)", unit: "line")
        }

        // One pass over the data rows.
        tokenizer = start
        if hasHeader { _ = try tokenizer.next() }
        var inputs: [Float] = [], targets: [Float] = [], row = [Float](repeating: 0, count: targetCount)
        var labelIDs: [Int32] = [], labelTexts: [String] = [], labelLines: [Int] = [], ids: [String: Int32] = [:]
        var lines: [Int] = []
        while try tokenizer.next() {
            lines.append(tokenizer.recordLine)
            guard tokenizer.fields.count == width else {
                throw DataError(source: source, record: tokenizer.recordLine, problem:
                    "expected \(width) fields (as on line \(firstLine)), found \(tokenizer.fields.count)", unit: "line")
            }
            for j in 0..<width {
                switch roles[j] {
                case .feature: inputs.append(try number(j, names))
                case .target(let k): row[k] = try number(j, names)
                case .label:
                    let text = tokenizer.text(j)
                    guard !text.isEmpty else {
                        throw DataError(source: source, record: tokenizer.recordLine, problem:
                            "has an empty label in \(describe(j, names)) (expected a class)", unit: "line")
                    }
                    if let id = ids[text] {
                        labelIDs.append(id)
                    } else {
                        guard labelTexts.count < IDX.maxClasses else {
                            throw DataError(source: source, record: tokenizer.recordLine, problem:
                                "has more than \(IDX.maxClasses) distinct labels in \(describe(j, names)) "
                                + "(expected a class column; is this a regression target?)", unit: "line")
                        }
                        ids[text] = Int32(labelTexts.count)
                        labelIDs.append(Int32(labelTexts.count))
                        labelTexts.append(text)
                        labelLines.append(tokenizer.recordLine)
                    }
                }
            }
            targets += row
        }
        if case .unlabelled = task {
            guard !inputs.isEmpty else {
                throw DataError(source: source, record: nil, problem:
                    "has no data rows (expected at least one row of numbers\(hasHeader ? " after the header" : ""))")
            }
            var data = Dataset(source: source, inputSize: featureCount, unlabelled: inputs)
            data.lines = lines
            return data
        }
        let rows = targetCount > 0 ? targets.count / targetCount : labelIDs.count
        guard rows > 0 else {
            throw DataError(source: source, record: nil, problem:
                "has no data rows (expected at least one row of numbers\(hasHeader ? " after the header" : ""))")
        }
        if case .regression = task {
            var data = Dataset(source: source, inputSize: featureCount, inputs: inputs, targets: targets, targetSize: targetCount)
            data.lines = lines
            return data
        }
        let labelColumn = roles.firstIndex(of: .label)!
        let (classOf, classes, classNames) = try Self.classes(labelTexts) { k in
            DataError(source: source, record: labelLines[k], problem:
                "has the label \(DataError.quote(labelTexts[k])) in \(describe(labelColumn, names)), a fractional number: class "
                + "labels are whole numbers or names (for a continuous target, read the column with ?target="
                + "\(names?[labelColumn] ?? "\(labelColumn)"))", unit: "line")
        }
        var data = Dataset(source: source, inputSize: featureCount, inputs: inputs,
                           labels: labelIDs.map { classOf[Int($0)] }, classes: classes)
        data.classNames = classNames
        data.lines = lines
        return data
    }

    /// Field `j` as a finite Float, or an error naming the line, the column and the text.
    private func number(_ j: Int, _ names: [String]?) throws -> Float {
        guard let v = tokenizer.number(j), v.isFinite else {
            let text = tokenizer.text(j)
            let why = text.isEmpty ? "is empty"
                : tokenizer.number(j) == nil ? "holds \(DataError.quote(text)), which is not a number"
                : "holds \(DataError.quote(text)), which is not a finite 32-bit number (NaN, infinite or out of range)"
            throw DataError(source: source, record: tokenizer.recordLine, problem:
                "\(describe(j, names)) \(why) (expected a finite number)", unit: "line")
        }
        return v
    }

    private func describe(_ j: Int, _ names: [String]?) -> String {
        names.map { "column \(j) (\(DataError.quote($0[j], limit: 40)))" } ?? "column \(j)"
    }

    /// The class of each distinct label text (given in order of first appearance), the class
    /// count, and the class names (nil when the labels are the class numbers themselves).
    /// Numbers are compared by value, as scikit-learn does: "1" and "1.0" are one class. Whole
    /// numbers in 0..<65536 are the class indices; other whole numbers are classes in order of
    /// value, named as first written; a fractional number is refused (`fractional(k)` makes the
    /// error for text k): it is a continuous target, not a class. Texts that are not all
    /// numbers are classes in the order of their UTF-8 bytes, so that the numbering does not
    /// depend on row order.
    static func classes(_ texts: [String], fractional: (Int) -> DataError) throws
        -> (classOf: [Int32], count: Int, names: [String]?) {
        let values = texts.map { Double($0) }
        if values.allSatisfy({ $0?.isFinite == true }) {
            let v = values.map { $0! }
            if let k = v.firstIndex(where: { $0 != $0.rounded() }) { throw fractional(k) }
            if v.allSatisfy({ $0 >= 0 && $0 < Double(IDX.maxClasses) }) {
                return (v.map { Int32($0) }, (v.max() ?? 0).clampedInt() + 1, nil)
            }
            let distinct = Array(Set(v)).sorted()
            let rank = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, Int32($0)) })
            return (v.map { rank[$0]! }, distinct.count, distinct.map { value in texts[v.firstIndex(of: value)!] })
        }
        let order = texts.indices.sorted { texts[$0].utf8.lexicographicallyPrecedes(texts[$1].utf8) }
        var classOf = [Int32](repeating: 0, count: texts.count)
        for (rank, i) in order.enumerated() { classOf[i] = Int32(rank) }
        return (classOf, texts.count, order.map { texts[$0] })
    }
}
