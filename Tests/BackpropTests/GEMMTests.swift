import Backprop
import BackpropTestSupport
import Testing

/// Every product case of both devices against a float64 triple loop, on random inputs,
/// for sizes that are not multiples of any tile (1, 3, 17, 33, 64, 100, 257, 1000 in each
/// dimension), with element offsets, padded row strides, alpha and beta.
@Suite("GEMM against a float64 reference")
struct GEMMTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var transA: Bool, transB: Bool, m: Int, n: Int, k: Int
        var testDescription: String { "\(transA ? "T" : "N")\(transB ? "T" : "N") \(m)×\(n)×\(k)" }
    }

    static let sizes = [1, 3, 17, 33, 64, 100, 257, 1000]
    /// Each size appears in each of m, n and k, for each of NN, NT and TN.
    static let cases: [Case] = [(false, false), (false, true), (true, false)].flatMap { t in
        (0..<sizes.count).map { i in
            Case(transA: t.0, transB: t.1, m: sizes[i], n: sizes[(i + 3) % 8], k: sizes[(i + 5) % 8])
        }
    } + [Case(transA: false, transB: true, m: 128, n: 128, k: 128),
         Case(transA: true, transB: false, m: 64, n: 100, k: 257),
         Case(transA: false, transB: false, m: 33, n: 17, k: 1)]

    @Test("CPU path (OpenBLAS)", arguments: cases)
    func cpu(_ c: Case) throws {
        try check(TestDevices.cpu(), c)
    }

    @Test("OpenCL kernels", .enabled(if: TestDevices.runOpenCL, TestDevices.skipReason), arguments: cases)
    func openCL(_ c: Case) throws {
        try check(TestDevices.openCL(), c)
    }

    /// Both GEMM families on every OpenCL device present (PoCL gets the direct family by
    /// default; here it runs the tiled family that GPUs get as well).
    @Test("each GEMM family on each OpenCL device", .enabled(if: TestDevices.runOpenCL, TestDevices.skipReason),
          arguments: [GEMMConfig.Family.tiled, .direct])
    func families(_ family: GEMMConfig.Family) throws {
        let infos = try DeviceSelection.openCLDevices()
        if TestDevices.isCI && infos.isEmpty { Issue.record("\(TestDevices.skipReason)") }
        for info in infos {
            let device = try OpenCLDevice(info, gemmConfig: GEMMConfig.defaults(for: info, family: family))
            #expect(device.gemmConfig.family == family)
            for c in Self.cases { try check(device, c) }
        }
    }

    /// Relative error per element, measured against Σ_k |a_ik·b_kj| (the scale rounding
    /// works on), must stay under 1e-5; so must the norm-wise error ‖C − C_ref‖ / ‖C_ref‖.
    func check(_ device: any Device, _ c: Case) throws {
        var rng = SeededGenerator(seed: UInt64(c.m * 1_000_003 + c.n * 1009 + c.k) &+ (c.transA ? 7 : 0) &+ (c.transB ? 13 : 0))
        let (rowsA, colsA) = c.transA ? (c.k, c.m) : (c.m, c.k)
        let (rowsB, colsB) = c.transB ? (c.n, c.k) : (c.k, c.n)
        let lda = colsA + 3, ldb = colsB + 1, ldc = c.n + 2
        let offA = 5, offB = 2, offC = 7
        let a = rng.floats(offA + rowsA * lda), b = rng.floats(offB + rowsB * ldb)
        for beta in [Float(0), 0.5] {
            let alpha: Float = beta == 0 ? 1 : -1.5
            // beta == 0 must not read C: fill it with NaN.
            let c0 = beta == 0 ? [Float](repeating: .nan, count: offC + c.m * ldc) : rng.floats(offC + c.m * ldc)
            let da = try device.makeBuffer(a), db = try device.makeBuffer(b), dc = try device.makeBuffer(c0)
            try device.gemm(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: alpha,
                            a: da.at(offA), lda: lda, b: db.at(offB), ldb: ldb, beta: beta, c: dc.at(offC), ldc: ldc)
            let got = try device.download(dc.start, count: c0.count)

            var ref = c0.map(Double.init)
            var refC = Array(ref[offC...])
            ReferenceGEMM.gemm(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: Double(alpha),
                               a: Array(a[offA...].map(Double.init)), lda: lda,
                               b: Array(b[offB...].map(Double.init)), ldb: ldb,
                               beta: Double(beta), c: &refC, ldc: ldc)
            ref.replaceSubrange(offC..., with: refC)
            var magnitude = [Double](repeating: 0, count: refC.count)
            ReferenceGEMM.gemm(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: Double(abs(alpha)),
                               a: Array(a[offA...].map { Double(abs($0)) }), lda: lda,
                               b: Array(b[offB...].map { Double(abs($0)) }), ldb: ldb,
                               beta: 0, c: &magnitude, ldc: ldc)

            var worst = 0.0, diff2 = 0.0, norm2 = 0.0
            for i in 0..<c.m {
                for j in 0..<c.n {
                    let idx = i * ldc + j
                    let e = abs(Double(got[offC + idx]) - ref[offC + idx])
                    let scale = magnitude[idx] + (beta == 0 ? 0 : abs(Double(beta) * Double(c0[offC + idx])))
                    worst = max(worst, e / max(scale, 1e-30))
                    diff2 += e * e
                    norm2 += ref[offC + idx] * ref[offC + idx]
                }
            }
            let normwise = (diff2 / max(norm2, 1e-300)).squareRoot()
            #expect(worst < 1e-5, "element-wise relative error \(worst) on \(device.name), beta \(beta)")
            #expect(normwise < 1e-5, "norm-wise relative error \(normwise) on \(device.name), beta \(beta)")
            // Padding between rows and before the offset must be untouched.
            for idx in 0..<c0.count {
                let i = (idx - offC) / ldc, j = (idx - offC) % ldc
                let inside = idx >= offC && i < c.m && j < c.n
                if !inside {
                    #expect(got[idx].bitPattern == c0[idx].bitPattern, "element \(idx) outside C was written")
                    if got[idx].bitPattern != c0[idx].bitPattern { break }
                }
            }
        }
    }
}
