import Backprop
import Foundation
import BackpropTestSupport
import Testing

@Suite("IDX reader: MNIST-style folders")
struct IDXFolderTests {
    /// A folder with a 3-sample training pair (raw) and a 2-sample test pair (gzip).
    func folder(train: Bool = true, test: Bool = true) throws -> TempDir {
        let dir = try TempDir()
        if train {
            try dir.write("train-images-idx3-ubyte", IDXBytes.images([UInt8](repeating: 255, count: 18)))
            try dir.write("train-labels-idx1-ubyte", IDXBytes.labels([1, 2, 3]))
        }
        if test {
            try dir.write("t10k-images-idx3-ubyte.gz", Gzip.compress(IDXBytes.images([UInt8](repeating: 0, count: 12))))
            try dir.write("t10k-labels-idx1-ubyte.gz", Gzip.compress(IDXBytes.labels([8, 9])))
        }
        return dir
    }

    @Test("the training pair when present, else the test pair")
    func defaultPair() throws {
        let both = try folder()
        let train = try IDX.loadFolder(both.url)
        #expect(train.labels == [1, 2, 3])
        #expect(train.source.contains("train-images-idx3-ubyte"))
        let onlyTest = try folder(train: false)
        #expect(try IDX.loadFolder(onlyTest.url).labels == [8, 9])
    }

    @Test("split train, test, and all (train then test)")
    func splits() throws {
        let dir = try folder()
        #expect(try IDX.loadFolder(dir.url, split: .train).count == 3)
        let test = try IDX.loadFolder(dir.url, split: .test)
        #expect(test.labels == [8, 9] && test.inputs.allSatisfy { $0 == 0 })
        let all = try IDX.loadFolder(dir.url, split: .all)
        #expect(all.labels == [1, 2, 3, 8, 9])
        #expect(all.inputs == [Float](repeating: 1, count: 18) + [Float](repeating: 0, count: 12))
        #expect(all.classes == 10 && all.inputSize == 6)
    }

    @Test("a missing file is named with the expected file names")
    func missingFiles() throws {
        let dir = try folder(train: false)
        try FileManager.default.removeItem(at: dir.url.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
        expectDataError(dir.url.path, "t10k-labels-idx1-ubyte[.gz]") { try IDX.loadFolder(dir.url, split: .test) }
        expectDataError("train-images-idx3-ubyte[.gz] and", "train-labels-idx1-ubyte[.gz]") {
            try IDX.loadFolder(dir.url, split: .train)
        }
        expectDataError("no complete pair", "train-images-idx3-ubyte[.gz]", "t10k-images-idx3-ubyte[.gz]") {
            try IDX.loadFolder(dir.url)
        }
        expectDataError("lacks") { try IDX.loadFolder(dir.url, split: .all) }
    }

    @Test("a folder that does not exist, or is a file")
    func notAFolder() throws {
        let dir = try TempDir()
        let nowhere = dir.url.appendingPathComponent("absent")
        expectDataError(nowhere.path, "does not exist", "train-images-idx3-ubyte") { try IDX.loadFolder(nowhere) }
        let file = try dir.write("file", "x")
        expectDataError(file.path, "is a file") { try IDX.loadFolder(file, split: .test) }
    }

    @Test("the real MNIST test set: 10,000 images of 784 pixels in [0, 1], labels 0...9, first label 7")
    func realMNIST() throws {
        guard let dir = TestData.mnistFolder() else { return }
        let data = try IDX.loadFolder(dir, split: .test)
        #expect(data.count == 10_000)
        #expect(data.inputSize == 784)
        #expect(data.classes == 10)
        let labels = try #require(data.labels)
        #expect(labels.first == 7)
        #expect(Set(labels) == Set(0...9))
        #expect(data.inputs.min() == 0 && data.inputs.max() == 1)
    }
}
