import Backprop
import Foundation
import BackpropTestSupport
import Testing

@Suite("CSV reader: rows, labels and refusals")
struct CSVRowReaderTests {
    @Test("whole-number labels are the class indices themselves")
    func integerLabels() throws {
        let data = try csv("1,3\n2,0\n3,7\n")
        #expect(data.labels == [3, 0, 7])
        #expect(data.classes == 8)
        #expect(data.classNames == nil)
    }

    @Test("text labels are numbered in sorted order, whatever the row order")
    func textLabels() throws {
        let a = try csv("1,zebra\n2,ant\n3,moth\n4,ant\n")
        #expect(a.classNames == ["ant", "moth", "zebra"])
        #expect(a.labels == [2, 0, 1, 0])
        #expect(a.classes == 3)
        let b = try csv("3,moth\n1,zebra\n4,ant\n")
        #expect(b.classNames == a.classNames)
    }

    @Test("numeric labels that are not class indices sort by value")
    func numericLabels() throws {
        let data = try csv("1,10\n2,-1\n3,70000\n4,2\n")
        #expect(data.classNames == ["-1", "2", "10", "70000"])
        #expect(data.labels == [2, 0, 3, 1])
    }

    @Test("numeric labels compare by value: 1 and 1.0 are one class")
    func labelsByValue() throws {
        let data = try csv("1,1\n2,1.0\n3,0\n4,2.00\n5,-1\n6,-1.0\n")
        #expect(data.classNames == ["-1", "0", "1", "2.00"])
        #expect(data.labels == [2, 2, 1, 3, 0, 0])
        let indices = try csv("1,1\n2,1.0\n3,0\n")
        #expect(indices.classNames == nil && indices.labels == [1, 1, 0])
    }

    @Test("a fractional label is refused as a continuous target, naming its line from 1 and the column to read instead")
    func fractionalLabel() throws {
        expectDataError("t.csv, line 3", "\"1.5\"", "fractional", "?target=label", unit: "line", record: 3) {
            try csv("x,label\n1,0\n2,1.5\n3,1\n")
        }
    }

    @Test("ragged rows: expected N fields, found M")
    func ragged() throws {
        expectDataError("t.csv, line 3", "expected 3 fields (as on line 1), found 4", unit: "line", record: 3) {
            try csv("1,2,0\n3,4,1\n5,6,7,1\n")
        }
        expectDataError("line 2", "found 2") { try csv("1,2,0\n3,1\n") }
    }

    @Test("non-numeric features name the line, the column and the text")
    func nonNumeric() throws {
        expectDataError("t.csv, line 3", "column 1 (\"weight\") holds \"heavy\", which is not a number", unit: "line", record: 3) {
            try csv("height,weight,label\n1,2,0\n3,heavy,1\n")
        }
        expectDataError("line 1", "column 0 is empty") { try csv(",2,0\n") }
        expectDataError("column 0 holds \"1.2.3\"") { try csv("1.2.3,0\n") }
    }

    @Test("NaN, infinities and overflowing numbers are refused", arguments: ["nan", "NaN", "inf", "-inf", "infinity", "1e999", "-3.5e39"])
    func nonFinite(text: String) throws {
        expectDataError("t.csv, line 2", "column 1 holds \"\(text)\"", "not a finite 32-bit number", unit: "line", record: 2) {
            try csv("1,2,0\n3,\(text),1\n")
        }
    }

    @Test("non-finite regression targets are refused too")
    func nonFiniteTarget() throws {
        expectDataError("line 1", "column 1 holds \"nan\"") { try csv("1,nan\n", task: .regression(targets: [.last])) }
    }

    @Test("an empty file, comments only, or a header without rows: no data")
    func noData() throws {
        expectDataError("t.csv", "holds no rows") { try csv("") }
        expectDataError("holds no rows") { try csv("# nothing\n\n  \n") }
        expectDataError("has no data rows", "after the header") { try csv("a,b,label\n") }
    }

    @Test("label column out of range, unknown name, or a name without a header")
    func labelColumnErrors() throws {
        expectDataError("t.csv, line 1", "has 3 column(s)", "label column 3 is out of range", "-3...2", unit: "line") {
            try csv("1,2,0\n", labelColumn: .index(3))
        }
        expectDataError("label column -4 is out of range") { try csv("1,2,0\n", labelColumn: .index(-4)) }
        expectDataError("no column named \"class\"", "\"a\", \"b\", \"label\"") {
            try csv("a,b,label\n1,2,0\n", labelColumn: .name("class"))
        }
        expectDataError("has no header row", "\"class\"") { try csv("1,2,0\n", labelColumn: .name("class")) }
    }

    @Test("a file with only a label column has no features")
    func noFeatures() throws {
        expectDataError("no feature columns") { try csv("0\n1\n") }
    }

    @Test("too many distinct text labels suggests regression")
    func tooManyClasses() throws {
        let rows = (0...65_536).map { "1,c\($0)" }.joined(separator: "\n")
        expectDataError("more than 65536 distinct labels", "regression") { try csv(rows) }
    }
}
