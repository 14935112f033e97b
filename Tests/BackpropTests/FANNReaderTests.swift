@testable import Backprop
import Foundation
import BackpropTestSupport
import Testing

@Suite("FANN's training-data format")
struct FANNReaderTests {
    static func parse(_ text: String, task: FANN.Task = .auto) throws -> Dataset {
        try FANN.parse(Data(text.utf8), source: "f.data", task: task)
    }

    @Test("one-hot outputs are classes, other outputs targets; task=regression keeps one-hot rows as targets")
    func tasks() throws {
        let classes = try Self.parse("3 2 3\n0 1\n0 0 1\n0.5 0.25\n1 0 0\r\n\n-1 2e-1\n0 1 0\n")
        #expect(classes.labels == [2, 0, 1] && classes.classes == 3 && classes.inputs == [0, 1, 0.5, 0.25, -1, 0.2])
        #expect(classes.lines == [3, 5, 8], "each pair's outputs line, blank lines counted")
        let kept = try Self.parse("2 1 2\n0\n0 1\n1\n1 0\n", task: .regression)
        #expect(kept.labels == nil && kept.targets == [0, 1, 1, 0] && kept.targetSize == 2)
        let targets = try Self.parse("2 1 2\n0\n0.1 0.9\n1\n1 0\n")
        #expect(targets.labels == nil && targets.targets == [0.1, 0.9, 1, 0])
        // One output is a target, even 0/1 (parity, two-spiral): FANN trains them with squared error.
        let single = try Self.parse("2 2 1\n0 0\n0\n0 1\n1\n")
        #expect(single.labels == nil && single.targets == [0, 1])
    }

    @Test("malformed files fail with the line and what was expected", arguments: [
        ("", nil, "is empty"),
        ("2 1\n0\n1\n", 1, "holds 2 value(s); expected the header"),
        ("two 1 1\n0\n1\n", 1, "PAIRS \"two\""),
        ("0 1 1\n", 1, "PAIRS \"0\""),
        ("1 -3 1\n", 1, "INPUTS \"-3\""),
        ("1 2 1\n0 0 0\n1\n", 2, "holds 3 value(s); expected the 2 inputs of pair 1 of 1"),
        ("2 1 1\n0\n1\n1\n1 0\n", 5, "holds 2 value(s); expected the 1 outputs of pair 2 of 2"),
        ("1 2 1\n0 x\n1\n", 2, "\"x\" as value 2"),
        ("1 1 1\n0\nnan\n", 3, "expected a finite number"),
        ("1 1 1\n0\n1e99\n", 3, "expected a finite number"),
        ("3 1 1\n0.0\n1.0\n1.0\n0.0\n", nil, "ends after 2 of the 3 pairs"),
        ("3 1 1\n0\n1\n1\n0\n1 1 1 1 1 1\n", 6, "holds 6 value(s); expected the 1 inputs of pair 3 of 3"),
        ("1 1 1\n0\n1\n5\n", 4, "more value(s) after the 1 pairs"),
        ("1000000 100 10\n0 0\n", 1, "claims 1000000 pairs of 100 inputs and 10 outputs"),
        ("9223372036854775807 16777216 16777216\n0\n", 1, "more bytes than memory holds"),
        ("1 16777217 1\n", 1, "more than the 16777216"),
    ] as [(String, Int?, String)])
    func malformed(text: String, line: Int?, mentions: String) {
        #expect {
            _ = try Self.parse(text)
        } throws: { error in
            guard let e = error as? DataError else { return false }
            return e.source == "f.data" && e.record == line && (line == nil || e.unit == "line") && e.problem.contains(mentions)
        }
    }

    @Test("task=classification refuses a row that is not one-hot, naming its line")
    func notOneHot() {
        #expect {
            _ = try Self.parse("2 1 2\n0\n0 1\n1\n1 1\n", task: .classification)
        } throws: { error in
            (error as? DataError).map { $0.record == 5 && $0.problem.contains("not one-hot") } ?? false
        }
    }

    @Test("the spec: fann:FILE?task=…, gzip, and FANN's nine sets as its README describes them")
    func files() throws {
        let spec = try DatasetSpec(parsing: "fann:/x/y.train?task=regression")
        #expect(spec == .fann(path: "/x/y.train", task: .regression) && spec.description == "fann:/x/y.train?task=regression")
        #expect(throws: DataError.self) { try DatasetSpec(parsing: "fann:a?task=both") }
        let dir = try TempDir()
        let gz = try dir.write("x.data.gz", try Gzip.compress(Data("2 1 2\n0\n0 1\n1\n1 0\n".utf8)))
        #expect(try DatasetSpec.fann(path: gz.path, task: .auto).load(seed: 1).labels == [1, 0])

        guard let folder = TestData.fannFolder() else { return }
        let expected: [(String, Int, Int, Int, Int, Bool)] = [  // train, test pairs, inputs, outputs, classes?
            ("building", 2104, 2104, 14, 3, false), ("diabetes", 384, 384, 8, 2, true), ("gene", 1588, 1587, 120, 3, true),
            ("mushroom", 4062, 4062, 125, 2, true), ("parity8", 256, 256, 8, 1, false), ("robot", 374, 594, 48, 3, false),
            ("soybean", 342, 341, 82, 19, true), ("thyroid", 3600, 3600, 21, 3, true), ("two-spiral", 193, 193, 2, 1, false),
        ]
        for (name, train, test, inputs, outputs, classes) in expected {
            for (part, pairs) in [("train", train), ("test", test)] {
                let d = try FANN.load(folder.appendingPathComponent("\(name).\(part)"))
                #expect(d.count == pairs && d.inputSize == inputs && d.isClassification == classes, "\(name).\(part)")
                #expect((d.classes ?? d.targetSize) == outputs, "\(name).\(part)")
                #expect(d.inputs.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(name).\(part): the README says all inputs lie in [0, 1]")
            }
        }
    }
}

/// Seeded mutation fuzzing of the FANN reader (counts: FuzzSupport.swift): small valid files
/// mutated bytewise, with numbers swapped for hostile ones and lines duplicated or dropped.
@Suite("FANN fuzz")
struct FANNFuzzTests {
    static let seeds: [[UInt8]] = [
        "3 2 3\n0 1\n0 0 1\n0.5 0.25\n1 0 0\n-1 2e-1\n0 1 0\n", "2 1 1\n0\n1\n1\n0\n", "1 3 2\r\n0.1 0.2 0.3\r\n0.5 0.5\r\n",
    ].map { Array($0.utf8) }

    @Test("mutated FANN files parse or throw DataError, never crash")
    func mutations() throws {
        var m = Mutator(seed: Fuzz.seed &+ 11)
        var tally = Fuzz.Tally("FANN")
        for iteration in 0..<Fuzz.iterations {
            var bytes = m.pick(Self.seeds)
            for _ in 0...m.below(3) {
                if m.chance(3) {
                    CSVFuzzTests.mutate(&bytes, &m)
                } else {
                    m.mutateBytes(&bytes)
                }
            }
            let task = m.pick(FANN.Task.allCases)
            var parsed: Dataset?
            let refusal = tally.check(iteration, bytes) { parsed = try FANN.parse(Data(bytes), source: "fuzz.data", task: task) }
            if let refusal { #expect(refusal.source == "fuzz.data", "iteration \(iteration): \(refusal)") }
            if let d = parsed {
                let rows = d.count
                let fits = d.inputs.count == rows * d.inputSize && d.inputs.allSatisfy(\.isFinite)
                    && (d.labels.map { $0.count == rows && $0.allSatisfy { $0 >= 0 && Int($0) < d.classes! } }
                        ?? (d.targets?.count == rows * d.targetSize))
                #expect(fits, "iteration \(iteration): an inconsistent data set")
            }
        }
        tally.report()
    }
}
