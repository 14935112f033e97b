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
                        "has no header row, so the \(what) column cannot be chosen by the name \"\(name)\" "
                        + "(expected a header, or give the column's index)", unit: "line")
                }
                guard let k = names.firstIndex(of: name) else {
                    throw DataError(source: source, record: firstLine, problem:
                        "has no column named \"\(name)\" for the \(what) (expected one of: "
                        + names.map { "\"\($0)\"" }.joined(separator: ", ") + ")", unit: "line")
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
        var labelIDs: [Int32] = [], labelTexts: [String] = [], ids: [String: Int32] = [:]
        while try tokenizer.next() {
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
            return Dataset(source: source, inputSize: featureCount, unlabelled: inputs)
        }
        let rows = targetCount > 0 ? targets.count / targetCount : labelIDs.count
        guard rows > 0 else {
            throw DataError(source: source, record: nil, problem:
                "has no data rows (expected at least one row of numbers\(hasHeader ? " after the header" : ""))")
        }
        if case .regression = task {
            return Dataset(source: source, inputSize: featureCount, inputs: inputs, targets: targets, targetSize: targetCount)
        }
        let (classOf, classes, classNames) = Self.classes(labelTexts)
        var data = Dataset(source: source, inputSize: featureCount, inputs: inputs,
                           labels: labelIDs.map { classOf[Int($0)] }, classes: classes)
        data.classNames = classNames
        return data
    }

    /// Field `j` as a finite Float, or an error naming the line, the column and the text.
    private func number(_ j: Int, _ names: [String]?) throws -> Float {
        guard let v = tokenizer.number(j), v.isFinite else {
            let text = tokenizer.text(j)
            let why = text.isEmpty ? "is empty"
                : tokenizer.number(j) == nil ? "holds \"\(text)\", which is not a number"
                : "holds \"\(text)\", which is not a finite 32-bit number (NaN, infinite or out of range)"
            throw DataError(source: source, record: tokenizer.recordLine, problem:
                "\(describe(j, names)) \(why) (expected a finite number)", unit: "line")
        }
        return v
    }

    private func describe(_ j: Int, _ names: [String]?) -> String {
        names.map { "column \(j) (\"\($0[j])\")" } ?? "column \(j)"
    }

    /// Class index for each distinct label text (in order of first appearance), the class
    /// count, and the class names (nil when the labels are the class numbers themselves).
    static func classes(_ texts: [String]) -> (classOf: [Int32], count: Int, names: [String]?) {
        let numbers = texts.map { t -> Int? in
            t.utf8.count <= 5 && t.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) ? Int(t) : nil
        }
        let whole = numbers.compactMap { $0 }
        if whole.count == texts.count, let top = whole.max(), top < IDX.maxClasses {
            return (whole.map { Int32($0) }, top + 1, nil)
        }
        let values = texts.map { Double($0) }
        let numeric = values.allSatisfy { $0?.isFinite == true }
        let order = texts.indices.sorted { a, b in
            if numeric, let x = values[a], let y = values[b], x != y { return x < y }
            return texts[a].utf8.lexicographicallyPrecedes(texts[b].utf8)
        }
        var classOf = [Int32](repeating: 0, count: texts.count)
        for (rank, i) in order.enumerated() { classOf[i] = Int32(rank) }
        return (classOf, texts.count, order.map { texts[$0] })
    }
}
