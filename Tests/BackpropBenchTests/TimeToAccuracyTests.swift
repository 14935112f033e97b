import Backprop
import BackpropBench
import Foundation
import BackpropTestSupport
import Testing

@Suite("TimeToAccuracy")
struct TimeToAccuracyTests {
    @Test("the data folder: $BACKPROP_DATA_DIR/mnist, else ../shared/data/mnist from here")
    func defaultDirectory() {
        #expect(TimeToAccuracy.defaultDirectory(environment: ["BACKPROP_DATA_DIR": "/data"], currentDirectory: "/w/repo").path
            == "/data/mnist")
        #expect(TimeToAccuracy.defaultDirectory(environment: [:], currentDirectory: "/w/repo").path == "/w/shared/data/mnist")
    }

    /// An MNIST-style t10k pair of `count` 2×3 images whose label is their first pixel's.
    static func folder(count: Int) throws -> TempDir {
        let dir = try TempDir()
        let labels = (0..<count).map { UInt8($0 % 10) }
        try dir.write("t10k-images-idx3-ubyte", IDXBytes.images(labels.flatMap { [$0 * 20, 0, 0, 0, 0, 255] }))
        try dir.write("t10k-labels-idx1-ubyte", IDXBytes.labels(labels))
        return dir
    }

    @Test("the split: first samples train, last ones held out; too few is an error naming the folder")
    func split() throws {
        let dir = try Self.folder(count: 30)
        let s = try TimeToAccuracy.loadSplit(dir.url, trainCount: 20, heldOutCount: 5)
        #expect(s.train.count == 20 && s.heldOut.count == 5)
        #expect(s.train.labels?.first == 0 && s.heldOut.labels?.first == 5)
        expectDataError("30 samples", "20 + 20") { _ = try TimeToAccuracy.loadSplit(dir.url, trainCount: 20, heldOutCount: 20) }
    }

    @Test("a run stops at its cap, says the target was not reached, and keeps its curve", arguments: TestDevices.kinds)
    func capped(_ kind: DeviceKind) throws {
        let device = try TestDevices.make(kind)
        let data = SyntheticData.mnistLike(count: 600, seed: 5)
        var s = TimeToAccuracySettings()
        s.sizes = [784, 8, 10]
        s.target = 1.01 // unreachable
        s.maxSeconds = 0.2
        let run = AccuracyRun(name: "minibatch-64", mode: .minibatch(64),
                              optimizer: OptimizerConfig(.momentum, learningRate: 0.05), maxEpochs: 3)
        let m = try TimeToAccuracy.measure(device: device, run: run, train: data.slice(0..<500),
                                           heldOut: data.slice(500..<600), settings: s)
        #expect(!m.reached)
        #expect(m.epochs > 0 && m.epochs <= 3)
        #expect(!m.curve.isEmpty && m.curve.count <= 3)
        #expect(m.accuracy == m.curve.map(\.accuracy).max())
        #expect(m.seconds > 0 && m.warmupSeconds >= 0)
    }

    @Test("a reachable target stops the run at the first epoch that reaches it")
    func reached() throws {
        let data = SyntheticData.mnistLike(count: 600, seed: 5)
        var s = TimeToAccuracySettings()
        s.sizes = [784, 16, 10]
        s.target = 0.5
        let run = AccuracyRun(name: "minibatch-64", mode: .minibatch(64),
                              optimizer: OptimizerConfig(.momentum, learningRate: 0.05), maxEpochs: 20)
        let m = try TimeToAccuracy.measure(device: TestDevices.cpu(), run: run, train: data.slice(0..<500),
                                           heldOut: data.slice(500..<600), settings: s)
        #expect(m.reached && m.accuracy >= 0.5)
        #expect(m.curve.dropLast().allSatisfy { $0.accuracy < 0.5 })
    }
}
