@testable import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// Seeded mutation fuzzing of the CSV reader (counts and the command for a million:
/// FuzzSupport.swift). Small valid files are mutated — generic byte mutations, delimiters,
/// quotes, line ends, comment marks and invalid UTF-8 spliced in, numbers replaced by nan, inf,
/// 1e999, hex floats or hundreds of digits, lines duplicated or dropped — and read with a
/// random choice of label column, task, delimiter and header setting. Each must parse or
/// throw a `DataError` naming the file; what parses must be a consistent data set. One input
/// in `Fuzz.fileEvery` also goes through `CSV.load`.
@Suite("CSV fuzz")
struct CSVFuzzTests {
    static let seeds: [[UInt8]] = [
        "x,y,label\n0.5,1,a\n-2,3e-2,b\n4,5,a\n",
        "1;2;0\n3;4;1\n5;6;2\n",
        "\"f 1\",\"f,2\",class\n\"1.5\",2,\"x\"\"y\"\n3,  4 ,z\n",
        "1\t2\t3\n4\t5\t6\n",
        "# comment\r\n1,2,0\r\n\r\n3,4,1\r\n",
        "\u{FEFF}a,b\n1,0\n2,1\n",
        "7,8,9,10\n",
    ].map { Array($0.utf8) }

    /// Text spliced in: the tokenizer's structural bytes, and what a number field must refuse.
    static let tokens: [[UInt8]] = [
        ",", ";", "\t", "\"", "\"\"", "\n", "\r\n", "\r", "#", " ", "\u{FEFF}", "", "\",\"", "\"\n\"", ",,",
    ].map { Array($0.utf8) } + [[0xFF], [0xC3], [0xE2, 0x82], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0], [0xF4, 0x90, 0x80, 0x80]]

    static let numbers: [String] = [
        "nan", "NaN", "-nan", "inf", "-inf", "infinity", "1e999", "-1e999", "1e-999", "3.4028236e38", "0x1p3", "0x",
        "1_000", "+", "-", ".", "e5", "1e", "١", "٣.٥", "65535", "65536", "-1", "99999", "00001", "1.0", "-0",
        String(repeating: "9", count: 400), "0." + String(repeating: "1", count: 300), String(repeating: "-", count: 50),
    ]

    static let labelColumns: [CSV.Column] = [.last, .last, .first, .index(1), .index(-2), .index(7), .index(-9),
                                             .name("label"), .name("x"), .name("nope")]

    @Test("mutated CSV files parse or throw DataError, never crash")
    func mutations() throws {
        var m = Mutator(seed: Fuzz.seed &+ 2)
        let dir = try TempDir()
        var tally = Fuzz.Tally("CSV")
        for iteration in 0..<Fuzz.iterations {
            var bytes = m.pick(Self.seeds)
            for _ in 0...m.below(3) { Self.mutate(&bytes, &m) }
            let label = m.pick(Self.labelColumns)
            let task: CSV.Task = m.pick([.classification, .classification, .classification, .unlabelled,
                                         .regression(targets: [.last]), .regression(targets: [.first, .index(1)]),
                                         .regression(targets: [.name("y")]), .regression(targets: [.index(0), .index(0)])])
            let options = CSV.Options(delimiter: m.pick([.comma, .comma, .auto, .semicolon, .tab]),
                                      header: m.pick([.auto, .auto, .present, .absent]))
            var parsed: Dataset?
            let refusal = tally.check(iteration, bytes) {
                parsed = try CSV.parse(Data(bytes), source: "fuzz.csv", labelColumn: label, task: task, options: options)
            }
            if let parsed { Self.checkConsistent(parsed, task, iteration) }
            if let refusal { #expect(refusal.source == "fuzz.csv", "iteration \(iteration): \(refusal)") }
            if iteration % Fuzz.fileEvery == 0 {
                let url = try dir.write("fuzz.csv", Data(bytes))
                let fromFile = Result { try CSV.load(url, labelColumn: label, task: task, options: options) }
                switch (parsed, refusal, fromFile) {
                case (let a?, _, .success(let b)):
                    #expect(a.inputs == b.inputs && a.labels == b.labels && a.targets == b.targets, "iteration \(iteration)")
                case (nil, let a?, .failure(let b as DataError)):
                    #expect(a.record == b.record && a.problem == b.problem && b.source == url.path, "iteration \(iteration): \(a) vs \(b)")
                default: Issue.record("iteration \(iteration): memory gave \(String(describing: refusal)), file gave \(fromFile)")
                }
            }
        }
        tally.report()
    }

    static func checkConsistent(_ d: Dataset, _ task: CSV.Task, _ iteration: Int) {
        let shaped = d.inputSize > 0 && d.count > 0 && d.inputs.count == d.count * d.inputSize
        let finite = d.inputs.allSatisfy { $0.isFinite }
        #expect(shaped && finite, "iteration \(iteration): inputs not whole rows of finite numbers")
        let fits: Bool
        switch task {
        case .classification:
            let labels = d.labels ?? [], classes = d.classes ?? 0
            fits = labels.count == d.count && labels.allSatisfy { $0 >= 0 && Int($0) < classes }
                && (d.classNames == nil || d.classNames?.count == classes)
        case .regression(let targets):
            fits = d.targetSize == targets.count && d.targets?.count == d.count * d.targetSize
                && d.targets?.allSatisfy { $0.isFinite } == true
        case .unlabelled:
            fits = d.labels == nil && d.targets == nil
        }
        #expect(fits, "iteration \(iteration): labels or targets do not fit the rows")
    }

    static func mutate(_ bytes: inout [UInt8], _ m: inout Mutator) {
        switch m.below(10) {
        case 0..<3:
            m.mutateBytes(&bytes)
        case 3..<6:
            m.splice(&bytes, m.pick(Self.tokens))
        case 6..<8: // a number (a run of digits, signs, points and exponents) replaced
            let starts = bytes.indices.filter { i in Self.isNumeric(bytes[i]) && (i == 0 || !Self.isNumeric(bytes[i - 1])) }
            guard !starts.isEmpty else { return }
            let start = m.pick(starts)
            var end = start
            while end < bytes.count && Self.isNumeric(bytes[end]) { end += 1 }
            bytes.replaceSubrange(start..<end, with: Array(m.pick(Self.numbers).utf8))
        case 8: // a line duplicated
            let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            let line = m.pick(lines)
            bytes.insert(contentsOf: Array(line) + [UInt8(ascii: "\n")], at: m.chance(2) ? bytes.count : 0)
        default: // a line dropped
            var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            lines.remove(at: m.below(lines.count))
            bytes = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
        }
    }

    static func isNumeric(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-")
            || b == UInt8(ascii: "+") || b == UInt8(ascii: "e")
    }
}
