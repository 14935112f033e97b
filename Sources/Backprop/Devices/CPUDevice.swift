import CBLAS
import CBackpropCPU
import Foundation

/// The CPU path: OpenBLAS for every matrix product, tight loops for the rest. Operations
/// run synchronously on the calling thread (OpenBLAS spreads products over its threads).
public final class CPUDevice: Device {
    public let threads: Int
    public var name: String { "CPU (OpenBLAS, \(threads) thread\(threads == 1 ? "" : "s"))" }
    public var kind: DeviceKind { .cpu }

    /// - Parameter threads: OpenBLAS threads; nil keeps OpenBLAS's own choice
    ///   (`OPENBLAS_NUM_THREADS`, else one per core).
    public init(threads: Int? = nil) {
        if let threads { openblas_set_num_threads(Int32(Swift.max(1, threads))) }
        self.threads = Int(openblas_get_num_threads())
    }

    /// Products of fewer multiply-adds than this run on the calling thread: OpenBLAS wakes
    /// its threads for any product past a few thousand elements, and for the matrix-vector
    /// products of stochastic training the wake-up costs more than the arithmetic.
    public var parallelThreshold = 1 << 20

    /// Whether a product that reaches `parallelThreshold` runs on the device's team, one
    /// single-threaded cblas_sgemm a thread on its own block of C (`TeamSplit`), rather than on
    /// OpenBLAS's threads. OpenBLAS's threads share their packed panels and wait for each
    /// other's: when the hypervisor places the two cores far apart (on one 2-core Zen 4 guest, a
    /// core-to-core round trip went from 55–85 ns to 325–375 ns for seconds to minutes at a
    /// time), 784,1024,1024,10 mini-batch 256 fell from ~19k to ~15k samples/s, where rows of C
    /// a thread held 16–17k (BENCHMARKS.md, issue 15). All of a step's products take the team
    /// (rows where C has enough, else columns): a step that mixed the team's threads with
    /// OpenBLAS's, each spinning a while after its work, lost up to 2× on two cores. The blocks
    /// are fixed by the shape and the thread count, so the bits do not depend on which thread
    /// runs a block, or whether the team was free.
    public var teamProducts = true
    /// Rows of C a thread at the least for a split by rows, and columns for one by columns
    /// (below both, OpenBLAS's threads keep the product).
    public var teamMinRows = 64, teamMinColumns = 16

    /// How a product is cut over the team: by rows of C (each thread reads its rows of op(A)
    /// and all of op(B)) or by columns (its columns of op(B), all of op(A)).
    enum TeamSplit: Equatable {
        case rows([Range<Int>]), columns([Range<Int>])
    }

    /// The split of an m×n product over `threads` threads, nil where neither side has the
    /// rows or columns a thread.
    func teamSplit(m: Int, n: Int) -> TeamSplit? {
        if m >= teamMinRows * threads { return .rows(Self.blocks(m, parts: threads)) }
        if n >= teamMinColumns * threads { return .columns(Self.blocks(n, parts: threads)) }
        return nil
    }

    /// `count` rows (or columns) in `parts` parts: contiguous, ascending, each cut at the
    /// multiple of 16 nearest an even share (whole tiles for the micro-kernels), so that at 64
    /// a part or more, parts differ by 16 at most.
    static func blocks(_ count: Int, parts: Int) -> [Range<Int>] {
        func bound(_ i: Int) -> Int { i >= parts ? count : Swift.min(count, (count * i / parts + 8) / 16 * 16) }
        return (0..<parts).map { bound($0)..<bound($0 + 1) }
    }

    /// Sets OpenBLAS's thread count for a product of `work` multiply-adds (a global setting,
    /// cheap to change: it only moves a counter when lowering).
    @inline(__always)
    private func useThreads(forWork work: Int) {
        let wanted = Int32(work >= parallelThreshold ? threads : 1)
        if wanted > 1 { team.rest() }
        if openblas_get_num_threads() != wanted { openblas_set_num_threads(wanted) }
    }

    /// Whether products with one side of at most 16 (a network's output layer: NT with n ≤ 16,
    /// TN with m ≤ 16, NN with k ≤ 16) take the CPU path's own kernels (`bp_gemm_nt_narrow`,
    /// `bp_gemm_tn_short`, `bp_gemm_nn_thin`), which keep a tile of C in registers over the
    /// whole depth, rather than cblas_sgemm, whose packing costs more than such products'
    /// arithmetic. nil (the default): each kernel where its instance for this CPU (as chosen
    /// when the device was made) beat OpenBLAS (`SkinnyKernel.isDefault`); false: none (to measure cblas_sgemm); true: all,
    /// whichever instance runs (tests).
    public var skinnyProducts: Bool?
    /// The row kernels' instruction set when the device was made: what the default choice of
    /// skinny kernels goes by (read once, not a string a product).
    private let kernelISA = CPUDevice.rowKernelISA

    /// The kernel set OpenBLAS chose for this CPU at load ("Haswell", "SkylakeX", "Zen", …).
    public static var openBLASCore: String { String(cString: openblas_get_corename()) }

    /// What OPENBLAS_CORETYPE imposed on OpenBLAS's choice, with a warning where that leaves
    /// this CPU's AVX-512 unused (nil when the variable is unset: OpenBLAS chose by itself).
    /// On one Zen 5 machine whose environment set Haswell, 784,1024,1024,10 mini-batch 256 ran
    /// at 19.5k samples/s, and at 34.2k with the variable unset (OpenBLAS then chose Cooperlake).
    public static var openBLASCoreSetting: String? {
        guard let set = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], !set.isEmpty else { return nil }
        let narrow = ["haswell", "zen", "sandybridge", "nehalem", "core2", "prescott", "barcelona", "bulldozer",
                      "piledriver", "steamroller", "excavator", "atom"].contains(openBLASCore.lowercased())
        let unused = narrow && bp_cpu_has_skylakex_avx512() != 0 ? ": this CPU's AVX-512 goes unused" : ""
        return "as OPENBLAS_CORETYPE=\(set) asks\(unused)"
    }

    /// Whether stochastic SGD, momentum and Adam take the fused step (`FusedStochasticStep`: two
    /// passes over the weights where the plain step makes three, one over the first layer's). On by
    /// default; off only to measure or check the plain step against it.
    public var fusedStochastic = true

    /// Networks of at least this many weights take the fused stochastic step on
    /// `fusedThreads` threads (each owning a block of every hidden layer); smaller ones on one,
    /// where a barrier a step would cost more than the split saves.
    public var fusedSplitWeights = 1 << 15
    /// Threads of the fused stochastic step: `threads` (OpenBLAS's count) unless set. The
    /// step splits its layers into this many blocks and runs them on this many threads or on
    /// one, whichever it measures faster (`ThreadChoice`): both give the same bits.
    public var fusedThreads: Int?
    /// Forces the split step onto one thread (1) or all of them (more), for tests.
    var fusedRunThreads: Int?

    /// The instruction set the CPU path's own row kernels run with ("avx512", "avx2",
    /// "baseline"): the widest this CPU has.
    public static var rowKernelISA: String { String(cString: bp_cpu_kernel_isa()) }

    /// Seconds one barrier of a team of `threads` threads takes (the mean of `rounds`), as the
    /// fused stochastic step meets them: taken beside a split step's figures, since it moves
    /// with where the OS places the threads. nil if the threads cannot be started.
    public static func barrierSeconds(threads: Int, rounds: Int = 20_000) -> Double? {
        guard let team = bp_team_create(Int32(threads)) else { return nil }
        defer { bp_team_destroy(team) }
        return bp_team_barrier_ns(team, Int32(rounds)) * 1e-9
    }

    /// Makes the CPU kernels called from this thread (and from the thread-team runs it starts)
    /// run with `isa` ("avx512", "avx2", "baseline"), for tests of each instance: other
    /// threads keep theirs. False, changing nothing, where this CPU lacks it.
    static func useRowKernelISA(_ isa: String) -> Bool { bp_cpu_use_kernel_isa(isa) != 0 }

    /// Element-wise passes over at least this many elements are split over `threads` (one
    /// part each): below it, waking a second thread costs more than it saves.
    public var parallelElements = 1 << 16

    /// The threads of the split passes (`forEachPart`), started at the first.
    private(set) lazy var team = CPUTeam(size: threads)

    /// Runs `body` over `0..<count` split into contiguous parts, one per thread of `team`, when
    /// `work` (elements touched, or multiply-adds) reaches `threshold` (`parallelElements`
    /// unless given), else in one call on this thread. The parts are disjoint; `body` must
    /// only write what its part owns.
    @inline(__always)
    func forEachPart(_ count: Int, work: Int, threshold: Int? = nil, _ body: (Range<Int>) -> Void) {
        let parts = threads
        guard Swift.min(parts, count) > 1, work >= threshold ?? parallelElements else { return body(0..<count) }
        // The team returns only when every part has run, and the parts write disjoint ranges.
        let ran = team.run { i in
            let part = (count * i / parts)..<(count * (i + 1) / parts)
            if !part.isEmpty { body(part) }
        }
        if !ran { body(0..<count) }
    }

    // MARK: Memory

    public func makeBuffer(count: Int) throws -> DeviceBuffer {
        guard count >= 0, count <= Int(Int32.max) else {
            throw DeviceError.allocationTooLarge(bytes: count * 4, limit: Int(Int32.max) * 4, device: name)
        }
        // Large buffers are checked against the memory left (small ones cannot matter, and the
        // check reads /proc): an allocation that fails would end the process.
        if count >= 1 << 24, let why = MemoryBudget.shortfall(count * 4) {
            throw DeviceError.outOfMemory(bytes: count * 4, what: "a buffer of \(count) floats", why: why)
        }
        return CPUBuffer(count: count)
    }

    public func upload(_ source: UnsafeRawBufferPointer, to destination: BufferRef) throws {
        let n = source.count / 4
        let dst = try words(destination, n)
        if n > 0 { UnsafeMutableRawPointer(dst).copyMemory(from: source.baseAddress!, byteCount: n * 4) }
    }

    public func download(_ source: BufferRef, into destination: UnsafeMutableRawBufferPointer) throws {
        let n = destination.count / 4
        let src = try words(source, n)
        if n > 0 { destination.baseAddress!.copyMemory(from: src, byteCount: n * 4) }
    }

    public func fill(_ destination: BufferRef, count: Int, with value: Float) throws {
        try words(destination, count).update(repeating: value, count: count)
    }

    public func copy(_ source: BufferRef, to destination: BufferRef, count: Int) throws {
        try words(destination, count).update(from: words(source, count), count: count)
    }

    public func synchronize() throws {}

    // MARK: Products

    public func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: BufferRef, lda: Int, b: BufferRef, ldb: Int,
                     beta: Float, c: BufferRef, ldc: Int) throws {
        guard m > 0, n > 0 else { return }
        let pa = try words(a, GEMMPlan.extent(rows: transA ? k : m, cols: transA ? m : k, ld: lda))
        let pb = try words(b, GEMMPlan.extent(rows: transB ? n : k, cols: transB ? k : n, ld: ldb))
        let pc = try words(c, GEMMPlan.extent(rows: m, cols: n, ld: ldc))
        let plan = GEMMPlan.plan(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        // A skinny product runs on the device's team: OpenBLAS's thread count (and the team's
        // rest before OpenBLAS's threads run, which would put the team to sleep) is for the rest.
        if case .gemm = plan, alpha != 0,
           skinny(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: pa, lda: lda,
                  b: pb, ldb: ldb, beta: beta, c: pc, ldc: ldc) { return }
        if case .gemm = plan, teamProducts, threads > 1, m * n * k >= parallelThreshold, let split = teamSplit(m: m, n: n) {
            if openblas_get_num_threads() != 1 { openblas_set_num_threads(1) }
            let opA = transA ? CblasTrans : CblasNoTrans, opB = transB ? CblasTrans : CblasNoTrans
            let (byRows, parts) = switch split {
            case let .rows(p): (true, p)
            case let .columns(p): (false, p)
            }
            let block = { (indices: Range<Int>) in
                for p in parts[indices] where !p.isEmpty {
                    let i = p.lowerBound
                    // Rows i..<: op(A)'s rows from i, all of op(B); columns: all of op(A), op(B)'s columns from i.
                    let a = byRows ? (transA ? pa + i : pa + i * lda) : pa
                    let b = byRows ? pb : (transB ? pb + i * ldb : pb + i)
                    cblas_sgemm(CblasRowMajor, opA, opB, Int32(byRows ? p.count : m), Int32(byRows ? n : p.count), Int32(k),
                                alpha, a, Int32(lda), b, Int32(ldb), beta, pc + (byRows ? i * ldc : i), Int32(ldc))
                }
            }
            // A block a team thread; should the team be busy, this thread runs every block.
            forEachPart(parts.count, work: m * n * k, threshold: parallelThreshold, block)
            return
        }
        useThreads(forWork: m * n * k)
        switch plan {
        case .gemm:
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, pa, Int32(lda), pb, Int32(ldb),
                        beta, pc, Int32(ldc))
        case let .gemv(v):
            let x = v.matrixIsA ? pa : pb
            let vec = v.matrixIsA ? pb : pa
            if beta == 0 { for i in 0..<v.outputs { pc[i * v.incY] = 0 } }
            if v.rowDot {
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(v.outputs), Int32(v.depth), alpha,
                            x, Int32(v.ldx), vec, Int32(v.incV), beta, pc, Int32(v.incY))
            } else {
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(v.depth), Int32(v.outputs), alpha,
                            x, Int32(v.ldx), vec, Int32(v.incV), beta, pc, Int32(v.incY))
            }
        case let .ger(g):
            if beta != 1 {
                for i in 0..<m {
                    let row = pc + i * ldc
                    if beta == 0 { row.update(repeating: 0, count: n) } else { for j in 0..<n { row[j] *= beta } }
                }
            }
            cblas_sger(CblasRowMajor, Int32(m), Int32(n), alpha, pa, Int32(g.incA), pb, Int32(g.incB),
                       pc, Int32(ldc))
        }
    }

    /// The CPU path's kernels for products with one side of at most 16 (`bp_cpu.h`).
    enum SkinnyKernel: Sendable {
        /// NT with n ≤ 16, split by rows of C.
        case ntNarrow
        /// TN with m ≤ 16, split by columns of C in whole vectors of 16.
        case tnShort
        /// NN with k ≤ 16, split by rows of C.
        case nnThin

        /// Whether the kernel runs by default under the instruction set `isa`: where its
        /// instance beat cblas_sgemm. One thread against OpenBLAS's kernels, 10-unit output
        /// layers at batches 32–1024: on a Zen 5 (OpenBLAS's AVX2 kernels), AVX-512 2.0–3.8×
        /// for all three, AVX2 NT 1.7–2.0×, NN 0.96–1.16×, TN 0.86–1.34×, the baseline
        /// 0.36–0.74×; on a Zen 3 (OpenBLAS's own Zen kernels), AVX2 at batch 256 NN 1.6–2.5×
        /// and TN 1.25–1.4×, and inside a 784-1024-1024-10 step, where cblas_sgemm ran them on
        /// its two threads at 12 and 21 GFLOP/s, more (BENCHMARKS.md).
        func isDefault(isa: String) -> Bool {
            switch isa {
            case "avx512", "avx2": true
            default: false
            }
        }

        /// The kernel for C(m×n) = op(A)·op(B), or nil when the shape is none of theirs.
        init?(transA: Bool, transB: Bool, m: Int, n: Int, k: Int) {
            switch (transA, transB) {
            case (false, true) where n <= 16: self = .ntNarrow
            case (true, false) where m <= 16: self = .tnShort
            case (false, false) where k <= 16: self = .nnThin
            default: return nil
            }
        }
    }

    /// Runs C = alpha·op(A)·op(B) + beta·C on its skinny-product kernel when it has one,
    /// split over `threads` (rows of C, or columns in whole vectors for TN) once it reaches
    /// `parallelThreshold` multiply-adds; false, touching nothing, when it has none.
    private func skinny(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
        guard let which = SkinnyKernel(transA: transA, transB: transB, m: m, n: n, k: k),
              skinnyProducts ?? which.isDefault(isa: kernelISA) else { return false }
        let kernel: @convention(c) (Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
                                    UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
        let split: Int, side: Int, block: Int
        switch which {
        case .ntNarrow: (kernel, split, side, block) = (bp_gemm_nt_narrow, m, n, 1)
        case .tnShort: (kernel, split, side, block) = (bp_gemm_tn_short, n, m, 16)
        case .nnThin: (kernel, split, side, block) = (bp_gemm_nn_thin, m, n, 1)
        }
        let blocks = (split + block - 1) / block
        forEachPart(blocks, work: m * n * k, threshold: parallelThreshold) { part in
            let first = part.lowerBound * block, last = Swift.min(split, part.upperBound * block)
            kernel(Int32(first), Int32(last), Int32(side), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                   beta, c, Int32(ldc))
        }
        return true
    }

    // MARK: Layers

    public func biasActivation(rows: Int, cols: Int, z: BufferRef, bias: BufferRef,
                               a: BufferRef, activation: Activation) throws {
        let pz = try words(z, rows * cols), pa = try words(a, rows * cols), pb = try words(bias, cols)
        forEachPart(rows, work: rows * cols) { part in
            for r in part {
                CPUKernels.biasActivation(z: pz + r * cols, bias: pb, a: pa + r * cols, count: cols, activation: activation)
            }
        }
    }

    public func activationBackward(count: Int, dA: BufferRef, z: BufferRef, a: BufferRef,
                                   activation: Activation) throws {
        precondition(activation != .softmax, "softmax is an output activation; its delta comes from outputDelta")
        let pd = try words(dA, count), pz = try words(z, count), pa = try words(a, count)
        forEachPart(count, work: count) { part in
            CPUKernels.activationBackward(pd + part.lowerBound, z: pz + part.lowerBound, a: pa + part.lowerBound,
                                          count: part.count, activation: activation)
        }
    }

    public func columnSums(rows: Int, cols: Int, dZ: BufferRef, into db: BufferRef, alpha: Float, beta: Float) throws {
        let pd = try words(dZ, rows * cols), pb = try words(db, cols)
        // Split by columns: each part sums its columns down every row, so parts share nothing.
        forEachPart(cols, work: rows * cols) { part in
            guard !part.isEmpty else { return }
            let out = pb + part.lowerBound, n = part.count
            if beta == 0 { out.update(repeating: 0, count: n) } else if beta != 1 {
                for c in 0..<n { out[c] *= beta }
            }
            for r in 0..<rows {
                let row = pd + r * cols + part.lowerBound
                if alpha == 1 {
                    for c in 0..<n { out[c] += row[c] }
                } else {
                    for c in 0..<n { out[c] += alpha * row[c] }
                }
            }
        }
    }

    public func outputDelta(loss: Loss, activation: Activation, rows: Int, cols: Int,
                            z: BufferRef, a: BufferRef, targets: OutputTargets,
                            dZ: BufferRef?, scale: Float,
                            lossOut: BufferRef, correctOut: BufferRef) throws {
        let pz = try words(z, rows * cols), pa = try words(a, rows * cols)
        let width = targets.width(cols: cols)
        let pt = try words(targets.buffer, rows * width)
        let classes = targets.isClasses
        let pd = try dZ.map { try words($0, rows * cols) }
        let pl = try words(lossOut, rows), pk = try words(correctOut, rows)
        for r in 0..<rows {
            let o = r * cols
            let result = CPUKernels.outputDelta(
                loss: loss, activation: activation, cols: cols, z: pz + o, a: pa + o,
                targets: classes ? .index(pt[r].clampedInt(nan: -1)) : .values(pt + o), dZ: pd.map { $0 + o }, scale: scale)
            pl[r] = result.loss
            pk[r] = result.correct ? 1 : 0
        }
    }

    // MARK: Data and updates

    public func rowOuterProducts(rows: Int, m: Int, n: Int, x: BufferRef, ldx: Int, y: BufferRef, ldy: Int,
                                 into out: BufferRef, ldo: Int) throws {
        guard rows > 0, m > 0, n > 0 else { return }
        precondition(ldx >= m && ldy >= 0 && ldo >= m * n, "row outer products: bad strides")
        let xs = try words(x, (rows - 1) * ldx + m), ys = try words(y, (ldy == 0 ? 0 : (rows - 1) * ldy) + n)
        let o = try words(out, (rows - 1) * ldo + m * n)
        for r in 0..<rows {
            let xr = xs + r * ldx, yr = ys + r * ldy, or = o + r * ldo
            for i in 0..<m {
                let xi = xr[i], oi = or + i * n
                for j in 0..<n { oi[j] = xi * yr[j] }
            }
        }
    }

    public func gatherRows(rows: Int, cols: Int, source: BufferRef, indices: BufferRef,
                           into destination: BufferRef) throws {
        let idx = UnsafeMutableRawPointer(try words(indices, rows)).assumingMemoryBound(to: Int32.self)
        let dst = try words(destination, rows * cols)
        let src = try words(source, 0)
        let available = source.buffer.count - source.offset
        for r in 0..<rows {
            let i = Int(idx[r])
            precondition(i >= 0 && (i + 1) * cols <= available, "gather index \(i) out of range")
            (dst + r * cols).update(from: src + i * cols, count: cols)
        }
    }

    public func update(_ rule: UpdateRule, parameters: BufferRef, gradients: BufferRef,
                       state: [DeviceBuffer], count: Int, decayCount: Int) throws {
        precondition(state.count == rule.stateBuffers, "\(rule) needs \(rule.stateBuffers) state buffers")
        let p = try words(parameters, count), g = try words(gradients, count)
        let s = try state.map { try words($0.start, count) }
        forEachPart(count, work: count) { part in
            CPUKernels.update(rule, p: p, g: g, state: s, range: part, decayCount: decayCount)
        }
    }

    public func axpby(count: Int, alpha: Float, x: BufferRef, beta: Float, y: BufferRef) throws {
        guard count > 0 else { return }
        let px = try words(x, count), py = try words(y, count)
        useThreads(forWork: count)
        cblas_saxpby(Int32(count), alpha, px, 1, beta, py, 1)
    }

    public func checkFinite(_ values: BufferRef, count: Int, flag: BufferRef) throws {
        let p = try words(values, count)
        let f = UnsafeMutableRawPointer(try words(flag, 1)).assumingMemoryBound(to: Int32.self)
        for i in 0..<count where !p[i].isFinite {
            f[0] = 1
            break
        }
    }

    // MARK: Helpers

    /// The buffer's storage from `ref.offset`, checked to hold `count` more elements (also the
    /// fused stochastic step's way to its buffers).
    @inline(__always)
    func words(_ ref: BufferRef, _ count: Int) throws -> UnsafeMutablePointer<Float> {
        guard let buffer = ref.buffer as? CPUBuffer else {
            throw DeviceError.foreignBuffer(device: name)
        }
        precondition(ref.offset >= 0 && count >= 0 && ref.offset + count <= buffer.count,
                     "buffer range \(ref.offset)..<\(ref.offset + count) outside 0..<\(buffer.count)")
        return buffer.pointer + ref.offset
    }
}
