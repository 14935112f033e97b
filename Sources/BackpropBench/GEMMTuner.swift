import Backprop
import Foundation

/// Searches the GEMM configurations of one OpenCL device on representative products
/// (`representativeShapes`: 1024³ and a 784,1024,10 network's products, NN, NT and TN), and
/// stores the winner with `GEMMTuning.store`, where `OpenCLDevice` finds it.
///
/// The search is a bounded coordinate descent, one group of parameters at a time, starting
/// from the device type's defaults: for the direct family the microkernel (vector width and
/// outer-product tile), the work-group shape, the NT dot-product tile, then per case the
/// size from which packing pays; for the tiled family a list of tile shapes. The other
/// family's default is measured too (not in `quick` mode) and wins if it is faster. Each
/// candidate is a separate program build; it is verified against OpenBLAS on every shape
/// before it is timed, and discarded if it fails to build or computes a wrong result.
/// Timings are the fastest of a few repeats, which is what a shared machine measures best.
public final class GEMMTuner {
    public let info: OpenCLDeviceInfo
    public let quick: Bool
    /// The family searched: the device type's own unless one is asked for.
    public let family: GEMMConfig.Family?
    private let progress: (String) -> Void
    /// The check of every result and the "openblas" column: cblas_sgemm for every shape (the
    /// CPU path's own skinny-product kernels and team split off, so that the column is OpenBLAS's).
    private let reference: CPUDevice = {
        let cpu = CPUDevice()
        cpu.skinnyProducts = false
        cpu.teamProducts = false
        return cpu
    }()
    private let target: Double, repeats: Int
    private var operands: [GEMMShape: Operands] = [:]
    /// Seconds per product by configuration and shape, and the configurations that failed.
    private var measured: [GEMMConfig: [GEMMShape: Double]] = [:]
    private var failed: Set<GEMMConfig> = []
    private var tried = 0, discarded = 0

    /// One row of the closing comparison, all in GFLOP/s, measured one after the other.
    public struct Row: Sendable {
        public var shape: GEMMShape
        public var defaults: Double, tuned: Double, openBLAS: Double
    }

    public struct Report: Sendable {
        public var best: GEMMConfig
        public var defaults: GEMMConfig
        public var rows: [Row]
        /// Configurations built and verified, and those discarded (build failure or wrong result).
        public var tried: Int, discarded: Int
        public var seconds: Double
    }

    /// `quick` searches only the microkernel, on NN 1024³, for a result in about half a minute.
    /// `family` searches that family whatever the device's type (and does not measure the other).
    public init(info: OpenCLDeviceInfo, quick: Bool = false, family: GEMMConfig.Family? = nil,
                progress: @escaping (String) -> Void = { _ in }) {
        self.info = info
        self.quick = quick
        self.family = family
        self.progress = progress
        (target, repeats) = quick ? (0.08, 3) : (0.1, 3)
    }

    /// Searches, stores the winner for the device (unless `store` is false) and compares it
    /// with the defaults and OpenBLAS.
    public func run(store: Bool = true) throws -> Report {
        let start = ContinuousClock.now
        let defaults = family.map { GEMMConfig.defaults(for: info, family: $0) } ?? GEMMConfig.defaults(for: info)
        var best = defaults
        switch defaults.family {
        case .direct: best = searchDirect(from: defaults)
        case .tiled: best = searchTiled(from: defaults)
        }
        if !quick && family == nil {
            let other = GEMMConfig.defaults(for: info, family: defaults.family == .direct ? .tiled : .direct)
            best = pick("other family", [best, other], on: Self.squareShapes)
        }
        if failed.contains(best) { best = defaults }
        if store {
            try GEMMTuning.store(best, for: info)
            progress("stored for \(info.name): \(best)")
        }
        let rows = try compare(defaults, best, on: quick ? Self.squareShapes : Self.representativeShapes)
        return Report(best: best, defaults: defaults, rows: rows, tried: tried, discarded: discarded,
                      seconds: (ContinuousClock.now - start).seconds)
    }

    // MARK: Search

    private func searchDirect(from base: GEMMConfig) -> GEMMConfig {
        // Each stage's candidates: the incumbent first, then its variations.
        func vary<T>(_ c: GEMMConfig, _ values: [T], _ set: (inout GEMMConfig.Direct, T) -> Void) -> [GEMMConfig] {
            [c] + values.map { v in
                var x = c
                set(&x.direct, v)
                return x
            }.filter { $0 != c }
        }
        // Microkernel: VW, OM × ON vectors (12 float8 accumulators fit AVX2's 16 registers;
        // 16 × (6 × 2) is for AVX-512, and spills on AVX2).
        let tiles = quick ? [(8, 6, 2), (8, 4, 3), (16, 6, 1)]
            : [(8, 6, 2), (8, 4, 3), (8, 5, 2), (8, 8, 1), (16, 6, 1), (16, 4, 1), (16, 6, 2)]
        var best = pick("microkernel", vary(base, tiles) { ($0.vw, $0.om, $0.on) = $1 },
                        on: quick ? [.nn(1024, 1024, 1024)] : [.nn(1024, 1024, 1024), .tn(1024, 784, 256)])
        if quick { return best }
        let groups = [(1, 16), (4, 4), (16, 1), (2, 8), (1, 1)]
        best = pick("work-group", vary(best, groups) { ($0.lm, $0.ln) = $1 }, on: Self.squareShapes)
        // The NT dot-product tile, timed on the NT products read as stored (never packed).
        var unpacked = best
        unpacked.direct.packNT = nil
        let dots = [(3, 4), (3, 3), (2, 4), (4, 2)]
        let dot = pick("NT dot tile", vary(unpacked, dots) { ($0.dm, $0.dn) = $1 },
                       on: Self.representativeShapes.filter { $0.op == .nt })
        best.direct.dm = dot.direct.dm
        best.direct.dn = dot.direct.dn
        return choosePacking(best)
    }

    /// The tiled family: the vendor table's rows (each a CLBlast default somewhere) and a
    /// seeded random sample of CLBlast's search space (`GEMMConfig.Tiled.searchSpace`), as
    /// CLBlast's own tuner samples it, on the square products; then the skinny kernel's
    /// threshold on the network's products, which include the output layer's.
    private func searchTiled(from base: GEMMConfig) -> GEMMConfig {
        let space = GEMMConfig.Tiled.searchSpace.filter { GEMMConfig(tiled: $0, gemvGroup: base.gemvGroup).fits(info) }
        var rng = SeededGenerator(seed: 0x7417ED)
        let sample = (0..<(quick ? 6 : 36)).compactMap { _ in space.isEmpty ? nil : space[rng.index(below: space.count)] }
        let known = GEMMConfig.Tiled.vendorDefaults.map(\.tiled)
        var seen: Set<GEMMConfig> = [base]
        let candidates = [base] + (known + sample).map { GEMMConfig(tiled: $0, gemvGroup: base.gemvGroup) }
            .filter { $0.fits(info) && seen.insert($0).inserted }
        progress("tiled search space: \(space.count) configurations fit \(info.name); trying \(candidates.count)")
        let best = pick("tiles", candidates, on: quick ? [.nn(1024, 1024, 1024)] : Self.squareShapes)
        if quick { return best }
        let thresholds = [best.tiled.skinny, 16, 8, 0]
        var seenSkinny: Set<Int> = []
        let skinny = thresholds.filter { seenSkinny.insert($0).inserted }.map { v -> GEMMConfig in
            var c = best
            c.tiled.skinny = v
            return c
        }
        return pick("skinny kernel up to", skinny, on: Self.representativeShapes)
    }

    /// Per case, the smallest min(m, n, k) from which packing pays: each shape of the case is
    /// timed packed and read as stored, alternately, and the threshold splits the shapes where
    /// it minimises the total time relative to each shape's faster way (at the geometric
    /// midpoint between the split's neighbours; half the smallest if all shapes pack).
    private func choosePacking(_ config: GEMMConfig) -> GEMMConfig {
        var always = config, never = config
        (always.direct.packNN, always.direct.packNT, always.direct.packTN) = (1, 1, 1)
        (never.direct.packNN, never.direct.packNT, never.direct.packTN) = (nil, nil, nil)
        let shapes = Self.representativeShapes
        progress("packing: each shape packed and read as stored, alternately")
        guard evaluate(always, on: shapes, label: "  all packed") != nil,
              evaluate(never, on: shapes, label: "  none packed") != nil,
              let times = try? interleaved([always, never], on: shapes) else { return config }
        let (packed, direct) = (times[0], times[1])
        var result = config
        for op in [GEMMOp.nn, .nt, .tn] {
            let cases = shapes.filter { $0.op == op }.sorted { $0.smallest < $1.smallest }
            // Split s: shapes [0, s) read as stored, [s, count) packed. Packing must win by
            // 10% to count: near break-even, noise decides, and reading as stored saves two
            // launches and the scratch buffer.
            func cost(_ s: Int) -> Double {
                cases.indices.reduce(0) { sum, i in
                    let t = i < s ? direct[cases[i]]! : 1.1 * packed[cases[i]]!
                    return sum + t / Swift.min(direct[cases[i]]!, packed[cases[i]]!)
                }
            }
            let split = (0...cases.count).min { cost($0) < cost($1) }!
            let threshold: Int? = split == cases.count ? nil
                : split == 0 ? Swift.max(1, cases[0].smallest / 2)
                : (Double(cases[split - 1].smallest) * Double(cases[split].smallest)).squareRoot().clampedInt()
            switch op {
            case .nn: result.direct.packNN = threshold
            case .nt: result.direct.packNT = threshold
            default: result.direct.packTN = threshold
            }
            let detail = cases.map { "\($0) \(String(format: "%.2f", direct[$0]! / packed[$0]!))×" }.joined(separator: ", ")
            progress("  \(op.rawValue): packing speed-up \(detail) → pack from min(m,n,k) \(threshold.map { "≥ \($0)" } ?? "never")")
        }
        return result
    }

    /// Seconds per product of each (verified) configuration on each shape, timed in turn,
    /// configuration after configuration, for every shape: the median of five rounds. The
    /// median, not the fastest: a configuration whose speed depends on what the cache holds
    /// (a product read as stored at a power-of-two stride runs anywhere from 3 to 50 GFLOP/s
    /// at 1024³ on a shared machine) must not win on its one lucky round.
    private func interleaved(_ configs: [GEMMConfig], on shapes: [GEMMShape]) throws -> [[GEMMShape: Double]] {
        let devices = try configs.map { try OpenCLDevice(info, gemmConfig: $0) }
        var times = [[GEMMShape: Double]](repeating: [:], count: configs.count)
        for s in shapes {
            let x = try operands(s, devices[0])
            var rounds = [[Double]](repeating: [], count: configs.count)
            for _ in 0..<5 {
                for (i, d) in devices.enumerated() {
                    rounds[i].append(try Self.seconds(d, s, x, target: target, repeats: 1))
                }
            }
            for i in configs.indices { times[i][s] = rounds[i].sorted()[2] }
        }
        return times
    }

    /// The candidate with the best geometric-mean rate over `shapes`. The first candidate is
    /// the incumbent: another must beat the best so far by 3% to replace it, so that timing
    /// noise does not trade a known configuration for an equal one.
    private func pick(_ stage: String, _ candidates: [GEMMConfig], on shapes: [GEMMShape]) -> GEMMConfig {
        progress("\(stage): \(candidates.count) candidates on \(shapes.map(\.description).joined(separator: ", "))")
        var best = candidates[0], bestScore = -1.0, bestTimes: [GEMMShape: Double] = [:]
        for (i, c) in candidates.enumerated() {
            let label = "  [\(i + 1)/\(candidates.count)] \(c)"
            guard let times = evaluate(c, on: shapes, label: label, cutoff: bestTimes) else { continue }
            let score = exp(shapes.reduce(0) { $0 + log($1.flops / times[$1]! / 1e9) } / Double(shapes.count))
            if score > bestScore * (i == 0 ? 1 : 1.03) { (best, bestScore, bestTimes) = (c, score, times) }
        }
        // A challenger that won on timings taken at another moment is timed again, in turn
        // with the incumbent, and must still be 3% faster.
        let incumbent = candidates[0]
        if best != incumbent, !failed.contains(incumbent), let again = try? interleaved([incumbent, best], on: shapes) {
            let score = { (t: [GEMMShape: Double]) in shapes.reduce(0) { $0 + log($1.flops / t[$1]!) } / Double(shapes.count) }
            let gain = exp(score(again[1]) - score(again[0]))
            progress(String(format: "  timed again in turn with the incumbent: %.2f×", gain))
            if gain < 1.03 { best = incumbent }
        }
        progress("  → \(best)")
        return best
    }

    /// Seconds per product of `config` on each shape, after verifying each; nil if it fails,
    /// or if it is more than 4 times slower than `cutoff` on a shape (the rest is not timed).
    private func evaluate(_ config: GEMMConfig, on shapes: [GEMMShape], label: String,
                          cutoff: [GEMMShape: Double] = [:]) -> [GEMMShape: Double]? {
        guard !failed.contains(config) else { return nil }
        var times = measured[config] ?? [:]
        let missing = shapes.filter { times[$0] == nil }
        guard !missing.isEmpty else { return times }
        let start = ContinuousClock.now
        do {
            if measured[config] == nil { tried += 1 }
            let device = try OpenCLDevice(info, gemmConfig: config)
            for s in missing {
                if let wrong = try Self.verify(device, s, reference: reference) { throw WrongResult(text: wrong) }
                let limit = cutoff[s].map { 4 * $0 }
                let t = try Self.seconds(device, s, operands(s, device), target: target, repeats: repeats, limit: limit)
                if let limit, t > limit {
                    failed.insert(config)
                    progress("\(label): too slow (\(String(format: "%.1f", s.flops / t / 1e9)) GFLOP/s on \(s))")
                    return nil
                }
                times[s] = t
            }
        } catch {
            discarded += 1
            failed.insert(config)
            progress("\(label): discarded (\(String("\(error)".prefix(160))))")
            return nil
        }
        measured[config] = times
        let rates = shapes.map { String(format: "%.1f", $0.flops / times[$0]! / 1e9) }.joined(separator: " ")
        progress("\(label): \(rates) GFLOP/s (\(String(format: "%.1f", (ContinuousClock.now - start).seconds)) s)")
        return times
    }

    private struct WrongResult: Error, CustomStringConvertible {
        var text: String
        var description: String { "wrong result: \(text)" }
    }

    private func operands(_ s: GEMMShape, _ device: OpenCLDevice) throws -> Operands {
        if let x = operands[s] { return x }
        let x = try Operands(s, on: device)
        operands[s] = x
        return x
    }

    /// Defaults, tuned and OpenBLAS on each shape, measured one right after the other.
    private func compare(_ defaults: GEMMConfig, _ tuned: GEMMConfig, on shapes: [GEMMShape]) throws -> [Row] {
        progress("comparing defaults, tuned and OpenBLAS")
        let d = try OpenCLDevice(info, gemmConfig: defaults), t = try OpenCLDevice(info, gemmConfig: tuned)
        return try shapes.map { s in
            let x = try operands(s, d), r = try Operands(s, on: reference)
            func rate(_ device: any Device, _ ops: Operands) throws -> Double {
                s.flops / (try Self.seconds(device, s, ops, target: target, repeats: repeats)) / 1e9
            }
            let row = Row(shape: s, defaults: try rate(d, x), tuned: try rate(t, x), openBLAS: try rate(reference, r))
            progress(String(format: "  %@: defaults %.1f, tuned %.1f, OpenBLAS %.1f GFLOP/s", s.description,
                            row.defaults, row.tuned, row.openBLAS))
            return row
        }
    }
}
