import Backprop
import BackpropTestSupport
import Testing

/// Evaluation counts per class in memory proportional to the classes, and keeps a confusion
/// matrix only while it is small.
@Suite("Evaluation")
struct EvaluationTests {
    @Test("per-class counts add up to the confusion matrix and the accuracy")
    func perClass() throws {
        let data = SyntheticData.spirals(count: 90, seed: 2)
        let network = try Network(Architecture(sizes: [2, 8, 2]), device: TestDevices.cpu(), seed: 3)
        let e = try Evaluation.measure(network, on: data, confusion: true)
        let counts = try #require(e.perClass), confusion = try #require(e.confusion)
        #expect(counts.map(\.support) == confusion.map { $0.reduce(0, +) })
        #expect(counts.map(\.predicted) == (0..<2).map { c in confusion.reduce(0) { $0 + $1[c] } })
        #expect(counts.map(\.correct) == (0..<2).map { confusion[$0][$0] })
        let right = Double(counts.reduce(0) { $0 + $1.correct }) / 90
        #expect(abs(right - (e.accuracy ?? -1)) < 1e-12)
    }

    @Test("beyond the confusion limit only the per-class counts are kept")
    func wideOutputs() throws {
        let classes = Evaluation.confusionLimit + 1
        let data = Dataset(source: "wide", inputSize: 2, inputs: [Float](repeating: 0.5, count: 2 * 40),
                           labels: (0..<40).map { Int32($0 * 25 % classes) })
        let network = try Network(Architecture(sizes: [2, 3, classes]), device: TestDevices.cpu(), seed: 1)
        let e = try Evaluation.measure(network, on: data, confusion: true)
        #expect(e.confusion == nil && e.perClass?.count == classes)
        #expect(e.perClass?.reduce(0) { $0 + $1.support } == 40)
    }
}
