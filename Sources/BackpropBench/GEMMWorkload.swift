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
