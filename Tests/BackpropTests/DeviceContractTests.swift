import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// The `Device` contract holds on every device: each buffer argument is read and written
/// from its element offset, and nothing outside the elements an operation owns is touched.
/// Every operation runs twice, once on buffers of exactly its size and once on the same
/// values placed at awkward offsets inside larger buffers filled with NaN; the results must
/// be bit for bit the same, and every NaN around them left as it was.
@Suite("The Device contract")
struct DeviceContractTests {
    /// Buffers for one run: each operand at offset 0 in a buffer of its size, or at its own
    /// offset (7, 13, 19, …) in a buffer with 5 spare elements after it, NaN all around.
    final class Operands {
        let device: any Device
        let offsets: Bool
        private(set) var placed: [(buffer: DeviceBuffer, offset: Int, initial: [UInt32])] = []

        init(_ device: any Device, offsets: Bool) {
            self.device = device
            self.offsets = offsets
        }

        func put(_ values: [Float]) throws -> BufferRef {
            let offset = offsets ? 7 + 6 * placed.count : 0
            let spare = offsets ? 5 : 0
            let buffer = try device.makeBuffer([Float](repeating: .nan, count: offset) + values
                                               + [Float](repeating: .nan, count: spare))
            placed.append((buffer, offset, values.map(\.bitPattern)))
            return buffer.at(offset)
        }

        func put(ints values: [Int32]) throws -> BufferRef {
            try put(values.map { Float(bitPattern: UInt32(bitPattern: $0)) })
        }

        /// Every operand's own elements, whether any of them changed, and whether everything
        /// around them is still NaN.
        func read() throws -> (values: [[UInt32]], changed: Bool, surroundUntouched: Bool) {
            var untouched = true, changed = false
            var values: [[UInt32]] = []
            for p in placed {
                let all = try device.download(p.buffer.start, count: p.buffer.count)
                let own = all[p.offset..<(p.offset + p.initial.count)].map(\.bitPattern)
                values.append(own)
                changed = changed || own != p.initial
                let around = all[..<p.offset] + all[(p.offset + p.initial.count)...]
                untouched = untouched && around.allSatisfy { $0.bitPattern == Float.nan.bitPattern }
            }
            return (values, changed, untouched)
        }
    }

    struct Operation: Sendable, CustomTestStringConvertible {
        let name: String
        let run: @Sendable (Operands, inout SeededGenerator) throws -> Void
        var testDescription: String { name }
    }

    static let rows = 17, cols = 3

    static let operations: [Operation] = [
        Operation(name: "biasActivation relu") { o, rng in
            try o.device.biasActivation(rows: rows, cols: cols, z: o.put(rng.floats(rows * cols)), bias: o.put(rng.floats(cols)),
                                        a: o.put(rng.floats(rows * cols)), activation: .relu)
        },
        Operation(name: "biasActivation softmax") { o, rng in
            try o.device.biasActivation(rows: rows, cols: cols, z: o.put(rng.floats(rows * cols)), bias: o.put(rng.floats(cols)),
                                        a: o.put(rng.floats(rows * cols)), activation: .softmax)
        },
        Operation(name: "activationBackward tanh") { o, rng in
            let n = rows * cols
            try o.device.activationBackward(count: n, dA: o.put(rng.floats(n)), z: o.put(rng.floats(n)),
                                            a: o.put(rng.floats(n)), activation: .tanh)
        },
        Operation(name: "columnSums") { o, rng in
            try o.device.columnSums(rows: rows, cols: cols, dZ: o.put(rng.floats(rows * cols)), into: o.put(rng.floats(cols)),
                                    alpha: -0.5, beta: 0.25)
        },
        Operation(name: "outputDelta cross-entropy") { o, rng in
            let z = rng.floats(rows * cols)
            try o.device.outputDelta(loss: .softmaxCrossEntropy, activation: .softmax, rows: rows, cols: cols,
                                     z: o.put(z), a: o.put(softmax(z)), targets: .values(o.put(rng.oneHot(rows: rows, classes: cols))),
                                     dZ: o.put(rng.floats(rows * cols)), scale: 0.125,
                                     lossOut: o.put(rng.floats(rows)), correctOut: o.put(rng.floats(rows)))
        },
        Operation(name: "outputDelta squared error, no delta") { o, rng in
            let n = rows * cols
            try o.device.outputDelta(loss: .squaredError, activation: .sigmoid, rows: rows, cols: cols,
                                     z: o.put(rng.floats(n)), a: o.put(rng.floats(n, 0, 1)), targets: .values(o.put(rng.floats(n))),
                                     dZ: nil, scale: 1, lossOut: o.put(rng.floats(rows)), correctOut: o.put(rng.floats(rows)))
        },
        Operation(name: "outputDelta cross-entropy, class targets") { o, rng in
            let z = rng.floats(rows * cols)
            try o.device.outputDelta(loss: .softmaxCrossEntropy, activation: .softmax, rows: rows, cols: cols,
                                     z: o.put(z), a: o.put(softmax(z)), targets: .classes(o.put((0..<rows).map { Float($0 % cols) })),
                                     dZ: o.put(rng.floats(rows * cols)), scale: 0.125,
                                     lossOut: o.put(rng.floats(rows)), correctOut: o.put(rng.floats(rows)))
        },
        Operation(name: "gatherRows") { o, rng in
            let order: [Int32] = (0..<Int32(rows)).map { ($0 * 5) % Int32(rows) }
            try o.device.gatherRows(rows: rows, cols: cols, source: o.put(rng.floats(rows * cols)),
                                    indices: o.put(ints: order), into: o.put(rng.floats(rows * cols)))
        },
        Operation(name: "update sgd") { o, rng in try update(o, &rng, .sgd(learningRate: 0.1, weightDecay: 0.01)) },
        Operation(name: "update momentum") { o, rng in
            try update(o, &rng, .momentum(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true))
        },
        Operation(name: "update adam") { o, rng in
            try update(o, &rng, .adam(learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, step: 3))
        },
        Operation(name: "update rprop") { o, rng in
            try update(o, &rng, .rprop(etaPlus: 1.2, etaMinus: 0.5, stepMin: 1e-6, stepMax: 50, weightDecay: 0))
        },
        Operation(name: "update quickprop") { o, rng in
            try update(o, &rng, .quickprop(learningRate: 0.7, samples: 9, decay: -0.0001, mu: 1.75))
        },
        Operation(name: "rowOuterProducts") { o, rng in
            // 17 rows of 3×2 outer products into rows of stride 8 (a Jacobian block in wider rows).
            try o.device.rowOuterProducts(rows: rows, m: cols, n: 2, x: o.put(rng.floats(rows * cols)), ldx: cols,
                                          y: o.put(rng.floats(rows * 2)), ldy: 2, into: o.put(rng.floats(rows * 8)), ldo: 8)
        },
        Operation(name: "rowOuterProducts, one y row for all") { o, rng in
            try o.device.rowOuterProducts(rows: rows, m: cols, n: 1, x: o.put(rng.floats(rows * cols)), ldx: cols,
                                          y: o.put([1.5]), ldy: 0, into: o.put(rng.floats(rows * 4)), ldo: 4)
        },
        Operation(name: "axpby") { o, rng in
            try o.device.axpby(count: 33, alpha: 1.5, x: o.put(rng.floats(33)), beta: -0.5, y: o.put(rng.floats(33)))
        },
        Operation(name: "checkFinite") { o, rng in
            var values = rng.floats(33)
            values[20] = .infinity
            try o.device.checkFinite(o.put(values), count: 33, flag: o.put(ints: [0]))
        },
        Operation(name: "fill and copy") { o, rng in
            let a = try o.put(rng.floats(33)), b = try o.put(rng.floats(33))
            try o.device.fill(a, count: 33, with: 2.5)
            try o.device.copy(b, to: a, count: 20)
        },
        Operation(name: "upload") { o, rng in
            try o.device.upload(rng.floats(29), to: o.put(rng.floats(33)))
        },
        Operation(name: "gemm NT") { o, rng in
            try o.device.gemm(transA: false, transB: true, m: rows, n: 5, k: cols, alpha: 1, a: o.put(rng.floats(rows * cols)),
                              lda: cols, b: o.put(rng.floats(5 * cols)), ldb: cols, beta: 0.5,
                              c: o.put(rng.floats(rows * 5)), ldc: 5)
        },
    ]

    /// The update rule's state buffers are whole buffers by contract; parameters and gradients
    /// are positions.
    static func update(_ o: Operands, _ rng: inout SeededGenerator, _ rule: UpdateRule) throws {
        let n = 33
        let p = try o.put(rng.floats(n)), g = try o.put(rng.floats(n))
        let state = try (0..<rule.stateBuffers).map { _ in try o.device.makeBuffer(rng.floats(n, 0.01, 1)) }
        try o.device.update(rule, parameters: p, gradients: g, state: state, count: n, decayCount: 20)
    }

    static func softmax(_ z: [Float]) -> [Float] {
        stride(from: 0, to: z.count, by: cols).flatMap { start -> [Float] in
            let row = z[start..<(start + cols)]
            let m = row.max()!
            let e = row.map { Float(exp(Double($0 - m))) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }
        }
    }

    @Test("each operation honours its element offsets and writes nothing else", arguments: TestDevices.kinds, operations)
    func offsets(_ kind: DeviceKind, _ operation: Operation) throws {
        try check(TestDevices.make(kind), operation, kind: "\(kind)")
    }

    private func check(_ device: any Device, _ operation: Operation, kind: String) throws {
        func run(offsets: Bool) throws -> (values: [[UInt32]], changed: Bool, surroundUntouched: Bool) {
            var rng = SeededGenerator(seed: 11)
            let o = Operands(device, offsets: offsets)
            try operation.run(o, &rng)
            return try o.read()
        }
        let plain = try run(offsets: false), shifted = try run(offsets: true)
        // The operation wrote something, or comparing the two runs would show nothing.
        let changed = plain.changed, untouched = shifted.surroundUntouched
        #expect(changed, "\(operation.name) on \(kind) changed none of its operands")
        #expect(untouched, "\(operation.name) on \(kind) wrote outside its operands")
        for (i, (a, b)) in zip(plain.values, shifted.values).enumerated() {
            let same = a == b
            #expect(same, "\(operation.name) on \(kind): operand \(i) differs when placed at an offset")
        }
    }
}
