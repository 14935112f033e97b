import Backprop
import BackpropTestSupport
import Foundation
import Testing

/// Class targets as one index per sample give bit for bit the loss, correctness and delta of
/// the one-hot rows they stand for, for every loss and output pairing, on every device; and
/// the data uploaded for training takes one element per sample, whatever the class count.
@Suite("Output targets")
struct OutputTargetsTests {
    static let pairings: [(Loss, Activation, Int)] = [
        (.softmaxCrossEntropy, .softmax, 5), (.squaredError, .softmax, 5), (.squaredError, .identity, 3),
        (.squaredError, .sigmoid, 1), (.sigmoidCrossEntropy, .sigmoid, 1), (.sigmoidCrossEntropy, .sigmoid, 4),
    ]

    @Test("class indices and one-hot rows give the same loss, correctness and delta", arguments: TestDevices.kinds)
    func sameAsOneHot(_ kind: DeviceKind) throws {
        let device = try TestDevices.make(kind)
        var rng = SeededGenerator(seed: 21)
        for (loss, output, cols) in Self.pairings {
            let rows = 17
            let z = rng.floats(rows * cols, -3, 3)
            let a = output == .softmax ? z : z.map { output == .sigmoid ? 1 / (1 + exp(-$0)) : $0 }
            let labels = (0..<rows).map { _ in rng.index(below: cols == 1 ? 2 : cols) }
            let oneHot = cols == 1 ? labels.map(Float.init) : labels.flatMap { l in (0..<cols).map { $0 == l ? Float(1) : 0 } }
            func run(_ targets: (DeviceBuffer) -> OutputTargets, _ values: [Float]) throws -> [Float] {
                let zb = try device.makeBuffer(z), ab = try device.makeBuffer(a), tb = try device.makeBuffer(values)
                let d = try device.makeBuffer(count: rows * cols), l = try device.makeBuffer(count: rows), c = try device.makeBuffer(count: rows)
                let zero = try device.makeBuffer([Float](repeating: 0, count: cols))
                if output == .softmax {
                    try device.biasActivation(rows: rows, cols: cols, z: zb.start, bias: zero.start, a: ab.start, activation: .softmax)
                }
                try device.outputDelta(loss: loss, activation: output, rows: rows, cols: cols, z: zb.start, a: ab.start,
                                       targets: targets(tb), dZ: d.start, scale: 0.25, lossOut: l.start, correctOut: c.start)
                return try device.download(d.start, count: rows * cols) + device.download(l.start, count: rows)
                    + device.download(c.start, count: rows)
            }
            let dense = try run({ .values($0.start) }, oneHot), indexed = try run({ .classes($0.start) }, labels.map(Float.init))
            let error = zip(dense, indexed).map { abs(Double($0) - Double($1)) / max(1, abs(Double($0))) }.max() ?? 0
            #expect(error == 0, "\(loss) with \(output), \(cols) outputs, on \(kind): \(error)")
        }
    }

    @Test("classification data takes one target element per sample on the device, whatever the classes")
    func memoryFollowsSamples() throws {
        let data = Dataset(source: "wide", inputSize: 2, inputs: [Float](repeating: 0.5, count: 2 * 51),
                           labels: (0..<51).map { $0 == 50 ? 65_535 : Int32($0 % 3) })
        let network = try Network(Architecture(sizes: [2, 4, 65_536]), device: TestDevices.cpu())
        let uploaded = try DeviceData(data, for: network)
        #expect(uploaded.targetWidth == 1 && uploaded.targetBuffer.count == 51)
    }
}
