import Backprop
import Foundation

/// What the tuner measures with: product shapes, verification against OpenBLAS, timing.
extension GEMMTuner {
    /// 1024³ in each case.
    public static let squareShapes: [GEMMShape] = [.nn(1024, 1024, 1024), .nt(1024, 1024, 1024), .tn(1024, 1024, 1024)]
    /// The products of a 784,1024,10 network trained in batches of 256: forward (NT),
    /// weight gradients (TN) and input gradients (NN) of both layers.
    public static let networkShapes: [GEMMShape] = [
        .nt(256, 1024, 784), .nt(256, 10, 1024),
        .tn(1024, 784, 256), .tn(10, 1024, 256),
        .nn(256, 784, 1024), .nn(256, 1024, 10),
    ]
    public static var representativeShapes: [GEMMShape] { squareShapes + networkShapes }

    /// Runs `shape` on `device` with element offsets, padded row strides, beta == 0 over a C
    /// full of NaN (which must not be read) and then alpha = −1.5, beta = 0.5, and compares
    /// with OpenBLAS: each element within 1e-4 of Σ_k |a_ik·b_kj| + |beta·c_ij|, nothing
    /// outside C written. Returns nil when right, else what was wrong.
    public static func verify(_ device: any Device, _ shape: GEMMShape, reference: CPUDevice = CPUDevice()) throws -> String? {
        let s = shape
        var rng = SeededGenerator(seed: UInt64(s.m * 7919 + s.n * 104_729 + s.k))
        let (rowsA, colsA) = s.transA ? (s.k, s.m) : (s.m, s.k)
        let (rowsB, colsB) = s.transB ? (s.n, s.k) : (s.k, s.n)
        let lda = colsA + 1, ldb = colsB + 3, ldc = s.n + 2
        let offA = 3, offB = 5, offC = 7
        let a = (0..<(offA + rowsA * lda)).map { _ in Float(rng.uniform(-1, 1)) }
        let b = (0..<(offB + rowsB * ldb)).map { _ in Float(rng.uniform(-1, 1)) }
        let countC = offC + s.m * ldc
        let da = try device.makeBuffer(a), db = try device.makeBuffer(b)
        let ra = try reference.makeBuffer(a), rb = try reference.makeBuffer(b)
        let absA = try reference.makeBuffer(a.map(abs)), absB = try reference.makeBuffer(b.map(abs))
        var c0 = [Float](repeating: .nan, count: countC)
        for (alpha, beta) in [(Float(1), Float(0)), (-1.5, 0.5)] {
            let dc = try device.makeBuffer(c0), rc = try reference.makeBuffer(c0)
            let mag = try reference.makeBuffer(count: countC)
            func run(_ d: any Device, _ x: DeviceBuffer, _ y: DeviceBuffer, _ z: DeviceBuffer, _ al: Float, _ be: Float) throws {
                try d.gemm(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, alpha: al,
                           a: x.at(offA), lda: lda, b: y.at(offB), ldb: ldb, beta: be, c: z.at(offC), ldc: ldc)
            }
            try run(device, da, db, dc, alpha, beta)
            try run(reference, ra, rb, rc, alpha, beta)
            try run(reference, absA, absB, mag, abs(alpha), 0)
            let got = try device.download(dc.start, count: countC)
            let want = try reference.download(rc.start, count: countC)
            let scale = try reference.download(mag.start, count: countC)
            for idx in 0..<countC {
                let i = (idx - offC) / ldc, j = (idx - offC) % ldc
                guard idx >= offC, i < s.m, j < s.n else {
                    if got[idx].bitPattern != c0[idx].bitPattern { return "\(s): element \(idx) outside C was written" }
                    continue
                }
                let fromC = beta == 0 ? 0 : Double(abs(beta * c0[idx]))
                let bound = 1e-4 * (Double(scale[idx]) + fromC) + 1e-30
                let error = abs(Double(got[idx]) - Double(want[idx]))
                if !(error <= bound) {
                    return "\(s), beta \(beta): C[\(i), \(j)] = \(got[idx]), OpenBLAS says \(want[idx])"
                }
            }
            c0 = (0..<countC).map { _ in Float(rng.uniform(-1, 1)) }
        }
        return nil
    }

    /// Device buffers for timing one shape (contiguous operands, C = A·op(B), beta = 0).
    final class Operands {
        let a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer
        init(_ s: GEMMShape, on device: any Device) throws {
            var rng = SeededGenerator(seed: UInt64(s.m * 31 + s.n * 17 + s.k))
            a = try device.makeBuffer((0..<(s.m * s.k)).map { _ in Float(rng.uniform(-1, 1)) })
            b = try device.makeBuffer((0..<(s.k * s.n)).map { _ in Float(rng.uniform(-1, 1)) })
            c = try device.makeBuffer(count: s.m * s.n)
        }
    }

    /// The fastest of `repeats` timings of `shape` on `device`, in seconds per product, each
    /// timing a batch of products that lasts about `target` seconds; a single product's time
    /// if that already exceeds `limit`.
    static func seconds(_ device: any Device, _ s: GEMMShape, _ x: Operands, target: Double, repeats: Int,
                        limit: Double? = nil) throws -> Double {
        func product() throws {
            try device.gemm(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, alpha: 1,
                            a: x.a.start, lda: s.transA ? s.m : s.k, b: x.b.start, ldb: s.transB ? s.k : s.n,
                            beta: 0, c: x.c.start, ldc: s.n)
        }
        try product()
        try device.synchronize()
        let once = try Measure.seconds {
            try product()
            try device.synchronize()
        }
        if let limit, once > limit { return once }
        let inner = Swift.max(1, Swift.min(1000, (target / Swift.max(once, 1e-6)).clampedInt()))
        let times = try Measure.repeated(repeats, warmup: 0) {
            for _ in 0..<inner { try product() }
            try device.synchronize()
        }
        return times.min()! / Double(inner)
    }
}
