import Backprop

/// One product on one device with its operands in place: `run` enqueues C = op(A)·op(B)
/// (A: m×k or, for T, k×m; B: k×n or n×k; C: m×n; values uniform in [−1, 1)).
/// Shared by `backprop bench` and the package-benchmark suites in Benchmarks/.
public final class GEMMWorkload {
    public let device: any Device
    public let shape: GEMMShape
    private let a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer

    public init(device: any Device, shape: GEMMShape) throws {
        guard shape.m > 0, shape.n > 0, shape.k > 0 else {
            throw ConfigurationError("a GEMM shape needs positive sizes, got \(shape.name)")
        }
        self.device = device
        self.shape = shape
        var rng = SeededGenerator(seed: UInt64(shape.m * 31 + shape.n * 17 + shape.k))
        a = try device.makeBuffer((0..<(shape.m * shape.k)).map { _ in Float(rng.uniform(-1, 1)) })
        b = try device.makeBuffer((0..<(shape.k * shape.n)).map { _ in Float(rng.uniform(-1, 1)) })
        c = try device.makeBuffer(count: shape.m * shape.n)
    }

    /// Enqueues one product; it may still be running when this returns.
    public func run() throws {
        let s = shape
        try device.gemm(transA: s.op.transA, transB: s.op.transB, m: s.m, n: s.n, k: s.k, alpha: 1,
                        a: a.start, lda: s.op.transA ? s.m : s.k, b: b.start, ldb: s.op.transB ? s.k : s.n,
                        beta: 0, c: c.start, ldc: s.n)
    }
}

/// What measuring one product shape found.
public struct GEMMMeasurement: Sendable {
    /// GFLOP/s over the repeats.
    public var rate: Stats
    /// The first product, synchronised: kernel build or thread start-up, plus one product.
    public var firstSeconds: Double
    /// One product in steady state (the median repeat divided by its products).
    public var steadySeconds: Double
    /// Products per timed repeat.
    public var productsPerRepeat: Int
}

/// The rate of one product shape on one device, in GFLOP/s (2·m·n·k per product).
public enum GEMMBenchmark {
    /// One untimed product (kernel build, thread start-up), one timed product to size the
    /// repeats, then `repeats` runs of enough products to last about `targetSeconds`, each
    /// ending with the device synchronised before its timer stops. When one product already
    /// lasts `targetSeconds`, the sizing run counts as the first repeat.
    public static func measure(_ work: GEMMWorkload, repeats: Int = 5, targetSeconds: Double = 0.2) throws -> GEMMMeasurement {
        let device = work.device
        let first = try Measure.seconds {
            try work.run()
            try device.synchronize()
        }
        let once = try Measure.seconds {
            try work.run()
            try device.synchronize()
        }
        let inner = Swift.max(1, Swift.min(10_000, Int(targetSeconds / Swift.max(once, 1e-7))))
        var times = inner == 1 ? [once] : []
        while times.count < Swift.max(repeats, 1) {
            times.append(try Measure.seconds {
                for _ in 0..<inner { try work.run() }
                try device.synchronize()
            })
        }
        let stats = Stats(times)
        return GEMMMeasurement(rate: stats.inverted { work.shape.flops * Double(inner) / $0 / 1e9 },
                               firstSeconds: first, steadySeconds: stats.median / Double(inner),
                               productsPerRepeat: inner)
    }

    /// GFLOP/s of C = op(A)·op(B) for one shape (see `measure`).
    public static func rate(device: any Device, m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false,
                            repeats: Int = 5, targetSeconds: Double = 0.2) throws -> Stats {
        let work = try GEMMWorkload(device: device, shape: GEMMShape(m: m, n: n, k: k, op: GEMMOp(transA: transA, transB: transB)))
        return try measure(work, repeats: repeats, targetSeconds: targetSeconds).rate
    }
}
