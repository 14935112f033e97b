import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// Parses CSV text held in memory, as a file called "t.csv".
func csv(_ text: String, labelColumn: CSV.Column = .last, task: CSV.Task = .classification,
         options: CSV.Options = CSV.Options()) throws -> Dataset {
    try CSV.parse(Data(text.utf8), source: "t.csv", labelColumn: labelColumn, task: task, options: options)
}

@Suite("CSV reader: options")
struct CSVReaderTests {
    @Test("features are the other columns in file order; the label is the last column by default")
    func basic() throws {
        let data = try csv("1,2,0\n3.5,-4e-1,1\n")
        #expect(data.inputSize == 2 && data.count == 2)
        #expect(data.inputs == [1, 2, 3.5, -0.4])
        #expect(data.labels == [0, 1])
        #expect(data.classes == 2)
        #expect(data.source == "t.csv")
    }

    @Test("a file on disk", .timeLimit(.minutes(1)))
    func file() throws {
        let dir = try TempDir()
        let url = try dir.write("iris.csv", "sepal,petal,species\n5.1,1.4,setosa\n7.0,4.7,versicolor\n")
        let data = try CSV.load(url, labelColumn: .name("species"))
        #expect(data.classNames == ["setosa", "versicolor"])
        #expect(data.source == url.path)
    }

    @Test("label column by index, negative index, or header name")
    func labelColumn() throws {
        let text = "y,a,b\n1,10,20\n0,30,40\n"
        for column in [CSV.Column.first, .index(-3), .name("y")] {
            let data = try csv(text, labelColumn: column)
            #expect(data.labels == [1, 0])
            #expect(data.inputs == [10, 20, 30, 40])
        }
        #expect(try csv(text, labelColumn: .index(1)).inputs == [1, 20, 0, 40])
        #expect(CSV.Column(parsing: "-2") == .index(-2))
        #expect(CSV.Column(parsing: "label") == .name("label"))
    }

    @Test("a header is detected when a non-number sits above a number")
    func headerDetection() throws {
        #expect(try csv("x,label\n1,0\n2,1\n").count == 2)
        // Text labels in every row are not a header.
        #expect(try csv("1,cat\n2,dog\n").classNames == ["cat", "dog"])
        // Forced off, a header row becomes a data row and its text is refused.
        expectDataError("t.csv", "line 1", "column 0 holds \"x\"") {
            try csv("x,label\n1,0\n", options: .init(header: .absent))
        }
        // Forced on, the first numeric row is skipped.
        #expect(try csv("1,0\n2,1\n", options: .init(header: .present)).inputs == [2])
    }

    @Test("semicolon and tab delimiters, given or detected")
    func delimiters() throws {
        #expect(try csv("1;2;1\n3;4;0\n", options: .init(delimiter: .semicolon)).inputs == [1, 2, 3, 4])
        #expect(try csv("1\t2\t1\n3\t4\t0\n", options: .init(delimiter: .tab)).inputs == [1, 2, 3, 4])
        #expect(try csv("a;b;c\n1;2;1\n", options: .init(delimiter: .auto)).inputs == [1, 2])
        #expect(try csv("a\tb\tc\n1\t2\t1\n", options: .init(delimiter: .auto)).inputs == [1, 2])
        #expect(try csv("1,2,1\n", options: .init(delimiter: .auto)).inputs == [1, 2])
    }

    @Test("a decimal comma is a field separator, never a decimal point")
    func decimalComma() throws {
        let data = try csv("1,5,2\n")
        #expect(data.inputs == [1, 5])
        #expect(data.labels == [2])
        expectDataError("holds \"1,5\"", "not a number") { try csv("1,5;0\n", options: .init(delimiter: .semicolon)) }
    }

    @Test("regression: target columns in the order given, as floats")
    func regression() throws {
        let text = "a,t1,b,t2\n1,0.5,2,-1\n3,1.5,4,-2\n"
        let data = try csv(text, task: .regression(targets: [.name("t2"), .index(1)]))
        #expect(!data.isClassification)
        #expect(data.inputs == [1, 2, 3, 4])
        #expect(data.targets == [-1, 0.5, -2, 1.5])
        #expect(data.targetSize == 2)
        expectDataError("target column 9 is out of range") { try csv(text, task: .regression(targets: [.index(9)])) }
        expectDataError("at least one target") { try csv(text, task: .regression(targets: [])) }
        expectDataError("as a target twice") { try csv(text, task: .regression(targets: [.index(1), .name("t1")])) }
    }
}
