import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// The CPU path's element-wise passes against float64 formulas, at awkward sizes (vector
/// tails of 1 to 7 lanes), both in one piece and split over threads (`parallelElements` = 1
/// splits every pass; the default splits only large ones, as 1000 × 67 is).
@Suite("CPU element-wise passes")
struct CPUDeviceTests {
    static let shapes: [(rows: Int, cols: Int)] = [(1, 1), (3, 17), (33, 3), (1000, 67)]
    static let activations: [Activation] = [.relu, .leakyReLU(alpha: 0.1), .identity, .sigmoid, .tanh,
                                            .elu(alpha: 1), .swish, .softmax]

    static func device(split: Bool) -> CPUDevice {
        let cpu = CPUDevice()
        if split { cpu.parallelElements = 1 }
        return cpu
    }

    @Test("bias + activation forward", arguments: [false, true])
    func biasActivation(split: Bool) throws {
        let cpu = Self.device(split: split)
        var rng = SeededGenerator(seed: 7)
        for (rows, cols) in Self.shapes {
            for f in Self.activations {
                let z0 = rng.floats(rows * cols, -3, 3), bias = rng.floats(cols, -1, 1)
                let z = try cpu.makeBuffer(z0), b = try cpu.makeBuffer(bias), a = try cpu.makeBuffer(count: rows * cols)
                try cpu.biasActivation(rows: rows, cols: cols, z: z.start, bias: b.start, a: a.start, activation: f)
                var zRef = [Double](), aRef = [Double]()
                for r in 0..<rows {
                    let row = (0..<cols).map { Double(z0[r * cols + $0]) + Double(bias[$0]) }
                    zRef += row
                    aRef += ReferenceMath.apply(f, row)
                }
                let zErr = maxRelativeError(try cpu.download(z.start, count: rows * cols), zRef)
                let aErr = maxRelativeError(try cpu.download(a.start, count: rows * cols), aRef)
                #expect(zErr < 1e-6 && aErr < 1e-5, "\(f) \(rows)×\(cols) split \(split): z \(zErr), a \(aErr)")
            }
        }
    }

    @Test("activation derivative times the incoming delta", arguments: [false, true])
    func activationBackward(split: Bool) throws {
        let cpu = Self.device(split: split)
        var rng = SeededGenerator(seed: 8)
        for (rows, cols) in Self.shapes {
            let n = rows * cols
            for f in Self.activations where f != .softmax {
                // Exact zeros too: ReLU's derivative at 0 is taken as 0.
                var z0 = rng.floats(n, -3, 3)
                for i in stride(from: 0, to: n, by: 5) { z0[i] = 0 }
                let a0 = z0.map { Float(ReferenceMath.value(f, Double($0))) }
                let d0 = rng.floats(n, -2, 2)
                let d = try cpu.makeBuffer(d0), z = try cpu.makeBuffer(z0), a = try cpu.makeBuffer(a0)
                try cpu.activationBackward(count: n, dA: d.start, z: z.start, a: a.start, activation: f)
                let expected = (0..<n).map { Double(d0[$0]) * ReferenceMath.derivative(f, Double(z0[$0])) }
                let err = maxRelativeError(try cpu.download(d.start, count: n), expected)
                #expect(err < 1e-4, "\(f) \(rows)×\(cols) split \(split): \(err)")
            }
        }
    }

    @Test("column sums with alpha and beta", arguments: [false, true])
    func columnSums(split: Bool) throws {
        let cpu = Self.device(split: split)
        var rng = SeededGenerator(seed: 9)
        for (rows, cols) in Self.shapes {
            for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (-2, 0.25)] {
                let dz0 = rng.floats(rows * cols), db0 = rng.floats(cols)
                let dz = try cpu.makeBuffer(dz0), db = try cpu.makeBuffer(db0)
                try cpu.columnSums(rows: rows, cols: cols, dZ: dz.start, into: db.start, alpha: alpha, beta: beta)
                let expected = (0..<cols).map { c in
                    Double(beta) * Double(db0[c]) + Double(alpha) * (0..<rows).reduce(0.0) { $0 + Double(dz0[$1 * cols + c]) }
                }
                // Relative to the sum of the terms' magnitudes: float32 summation of 1,000
                // signed terms is that accurate, not relative to a total that may cancel to 0.
                let scale = (0..<cols).map { c in
                    abs(Double(beta) * Double(db0[c])) + abs(Double(alpha)) * (0..<rows).reduce(0.0) { $0 + abs(Double(dz0[$1 * cols + c])) }
                }
                let got = try cpu.download(db.start, count: cols)
                let err = (0..<cols).map { abs(Double(got[$0]) - expected[$0]) / scale[$0] }.max() ?? 0
                #expect(err < 1e-6, "\(rows)×\(cols) alpha \(alpha) beta \(beta) split \(split): \(err)")
            }
        }
    }

    @Test("optimizer updates, split or not, match the float64 rules", arguments: [false, true])
    func updates(split: Bool) throws {
        let cpu = Self.device(split: split)
        var rng = SeededGenerator(seed: 10)
        let rules: [UpdateRule] = [.sgd(learningRate: 0.1, weightDecay: 0.01),
                                   .momentum(learningRate: 0.05, momentum: 0.9, weightDecay: 0, nesterov: true),
                                   .adam(learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, step: 3),
                                   .rprop(etaPlus: 1.2, etaMinus: 0.5, stepMin: 1e-6, stepMax: 50, weightDecay: 0),
                                   .quickprop(learningRate: 0.7, samples: 50, decay: -0.0001, mu: 1.75)]
        for count in [1, 17, 67_001] {
            for rule in rules {
                let p0 = rng.floats(count), g0 = rng.floats(count)
                var reference = ReferenceOptimizer(rule, count: count)
                let state = try (0..<rule.stateBuffers).map { _ in try cpu.makeBuffer([Float](repeating: 0, count: count)) }
                let p = try cpu.makeBuffer(p0), g = try cpu.makeBuffer(g0)
                let decayCount = count / 2
                try cpu.update(rule, parameters: p.start, gradients: g.start, state: state, count: count, decayCount: decayCount)
                var expected = p0.map(Double.init)
                reference.step(&expected, g0.map(Double.init), decayCount: decayCount)
                // Quickprop's step is of the weights' size (−lr·g): p + step may cancel to near 0,
                // where a relative error means nothing; measure it against the weights' scale.
                let floor: Double
                if case .quickprop = rule { floor = 0.1 } else { floor = 1e-3 }
                let err = maxRelativeError(try cpu.download(p.start, count: count), expected, floor: floor)
                #expect(err < 1e-5, "\(rule) n=\(count) split \(split): \(err)")
            }
        }
    }
}
