/// The rate of one product shape on one device, in GFLOP/s (2·m·n·k per product).
public enum GEMMBenchmark {
    /// Runs C = A·op(B) enough times per repeat to last about `targetSeconds`, with the
    /// device synchronised before each timer stops.
    public static func rate(device: any Device, m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false,
                            repeats: Int = 5, targetSeconds: Double = 0.2) throws -> Stats {
        var rng = SeededGenerator(seed: UInt64(m * 31 + n * 17 + k))
        let a = try device.makeBuffer((0..<(m * k)).map { _ in Float(rng.uniform(-1, 1)) })
        let b = try device.makeBuffer((0..<(k * n)).map { _ in Float(rng.uniform(-1, 1)) })
        let c = try device.makeBuffer(count: m * n)
        let lda = transA ? m : k, ldb = transB ? k : n
        func product() throws {
            try device.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: a.start, lda: lda,
                            b: b.start, ldb: ldb, beta: 0, c: c.start, ldc: n)
        }
        // Warm up (kernel compilation, thread start-up), then size the inner loop.
        try product()
        try device.synchronize()
        let once = try Measure.seconds {
            try product()
            try device.synchronize()
        }
        let inner = Swift.max(1, Swift.min(10_000, Int(targetSeconds / Swift.max(once, 1e-7))))
        let times = try Measure.repeated(repeats, warmup: 0) {
            for _ in 0..<inner { try product() }
            try device.synchronize()
        }
        let flops = 2 * Double(m) * Double(n) * Double(k) * Double(inner)
        return Stats(times).inverted { flops / $0 / 1e9 }
    }
}
