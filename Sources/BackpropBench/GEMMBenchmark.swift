import Backprop

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
        let inner = Swift.max(1, Swift.min(10_000, (targetSeconds / Swift.max(once, 1e-7)).clampedInt()))
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
