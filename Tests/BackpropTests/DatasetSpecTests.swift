import Backprop
import Foundation
import BackpropTestSupport
import Testing

@Suite("Data set specifications")
struct DatasetSpecTests {
    @Test("each form parses, and prints back as it was written", arguments: [
        "xor", "spirals", "circles", "sine", "mnist-like", "spirals:1000",
        "mnist:/data/mnist", "mnist:/data/mnist?split=test", "mnist:/data/mnist?split=all",
        "idx:/d/images-idx3-ubyte.gz,/d/labels-idx1-ubyte.gz",
        "csv:/d/iris.csv", "csv:/d/iris.csv?label=species", "csv:/d/x.csv?label=0&header=no&delimiter=semicolon",
        "csv:/d/y.csv?target=t1,-1", "csv:/d/z.tsv?header=yes&delimiter=tab",
    ])
    func roundTrip(text: String) throws {
        #expect(try DatasetSpec(parsing: text).description == text)
    }

    @Test("the parsed cases")
    func cases() throws {
        #expect(try DatasetSpec(parsing: "spirals:1000") == .synthetic(name: "spirals", count: 1000))
        #expect(try DatasetSpec(parsing: "XOR") == .synthetic(name: "xor", count: nil))
        #expect(try DatasetSpec(parsing: "mnist:data") == .mnist(directory: "data", split: nil))
        #expect(try DatasetSpec(parsing: "idx:a,b,c") == .idx(images: "a,b", labels: "c"))
        // A "?" not followed by KEY=VALUE belongs to the path.
        #expect(try DatasetSpec(parsing: "csv:what?.csv") == .csv(path: "what?.csv", labelColumn: .last,
                                                                    task: .classification, options: .init()))
        #expect(try DatasetSpec(parsing: "csv:f?target=a,b&delimiter=auto") == .csv(
            path: "f", labelColumn: .last, task: .regression(targets: [.name("a"), .name("b")]),
            options: .init(delimiter: .auto)))
    }

    @Test("unknown or malformed specs list the valid forms", arguments: [
        "moons", "", "/data/mnist", "mnist:", "mnist", "idx:onlyone", "idx:a,", "spirals:-3", "spirals:x",
        "csv:f?colour=red", "csv:f?header=maybe", "mnist:d?split=val", "csv:f?target=,", "csv:?label=x",
    ])
    func refusals(text: String) throws {
        expectDataError("expected one of:", "mnist:DIR", "idx:IMAGES,LABELS", "csv:FILE") { try DatasetSpec(parsing: text) }
    }

    @Test("load: built-in sets use the seed")
    func loadSynthetic() throws {
        let spec = try DatasetSpec(parsing: "spirals:60")
        #expect(try spec.load(seed: 1).inputs == SyntheticData.spirals(count: 60, seed: 1).inputs)
        #expect(try DatasetSpec(parsing: "xor").load(seed: 0).count == 4)
    }

    @Test("load: files named by csv:, idx: and mnist:")
    func loadFiles() throws {
        let dir = try TempDir()
        let file = try dir.write("d.csv", "a;b;kind\n1;2;big\n3;4;small\n")
        let spec = try DatasetSpec(parsing: "csv:\(file.path)?label=kind&delimiter=semicolon")
        #expect(try spec.load(seed: 0).classNames == ["big", "small"])
        let images = try dir.write("t10k-images-idx3-ubyte", IDXBytes.images([UInt8](repeating: 0, count: 6)))
        let labels = try dir.write("t10k-labels-idx1-ubyte", IDXBytes.labels([4]))
        #expect(try DatasetSpec(parsing: "idx:\(images.path),\(labels.path)").load(seed: 0).labels == [4])
        #expect(try DatasetSpec(parsing: "mnist:\(dir.url.path)").load(seed: 0).labels == [4])
        expectDataError("train-images-idx3-ubyte[.gz]") { try DatasetSpec(parsing: "mnist:\(dir.url.path)?split=train").load(seed: 0) }
    }
}
