import Backprop
import BackpropTestSupport
import Testing

/// Labels renumbered as a model numbers its classes, by name, numbers by value.
@Suite("Dataset.relabeled")
struct DatasetRelabelTests {
    static func named(_ labels: [String]) throws -> Dataset {
        try CSV.parse(.init(labels.enumerated().map { "\($0.offset),\($0.element)\n" }.joined().utf8), source: "d.csv")
    }

    @Test("a set without some of the model's classes keeps the model's numbering")
    func subset() throws {
        // Trained on three species; evaluated on two of them, which alone would number 0 and 1.
        let data = try Self.named(["versicolor", "virginica", "versicolor"])
        #expect(data.labels == [0, 1, 0])
        let mapped = try data.relabeled(toClasses: ["setosa", "versicolor", "virginica"], count: 3)
        #expect(mapped.labels == [1, 2, 1] && mapped.classNames == ["setosa", "versicolor", "virginica"] && mapped.classes == 3)
    }

    @Test("numbers match by value, and plain class numbers match a model without names")
    func numbers() throws {
        let data = try Self.named(["1.0", "-1", "1"])
        #expect(try data.relabeled(toClasses: ["-1", "1"], count: 2).labels == [1, 0, 1])
        let indices = try Self.named(["2", "0"])
        #expect(try indices.relabeled(toClasses: nil, count: 3).labels == [2, 0])
    }

    @Test("a class the model does not know is refused, naming it and the model's classes")
    func unknown() throws {
        let data = try Self.named(["setosa", "rose"])
        expectDataError("d.csv", "\"rose\"", "which the model does not know", "\"setosa\", \"versicolor\"") {
            try data.relabeled(toClasses: ["setosa", "versicolor"], count: 2)
        }
        expectDataError("\"setosa\"", "\"0\", \"1\"") { try data.relabeled(toClasses: nil, count: 2) }
    }
}
