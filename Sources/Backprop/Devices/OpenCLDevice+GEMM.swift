import COpenCL

/// Matrix products on the OpenCL device: the plan (`GEMMShape`) picks GEMV or GER where one
/// side has length 1; otherwise the configured family's kernels run (Kernels/gemm.cl).
extension OpenCLDevice {
    public func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: BufferRef, lda: Int, b: BufferRef, ldb: Int,
                     beta: Float, c: BufferRef, ldc: Int) throws {
        guard m > 0, n > 0 else { return }
        let ma = try mem(a, GEMMPlan.extent(rows: transA ? k : m, cols: transA ? m : k, ld: lda))
        let mb = try mem(b, GEMMPlan.extent(rows: transB ? n : k, cols: transB ? k : n, ld: ldb))
        let mc = try mem(c, GEMMPlan.extent(rows: m, cols: n, ld: ldc))
        let ks = gemmKernels
        switch GEMMPlan.plan(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc) {
        case .gemm:
            precondition(!(transA && transB), "gemm_tt is not needed by the network and not provided")
            let p = Product(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                            a: ma, offA: a.offset, lda: lda, b: mb, offB: b.offset, ldb: ldb,
                            beta: beta, c: mc, offC: c.offset, ldc: ldc)
            switch gemmConfig.family {
            case .tiled: try tiledGEMM(p)
            case .direct: try directGEMM(p)
            }
        case let .gemv(v):
            let (x, xo) = v.matrixIsA ? (ma, a.offset) : (mb, b.offset)
            let (vec, vo) = v.matrixIsA ? (mb, b.offset) : (ma, a.offset)
            if gemmConfig.family == .direct, let rowsK = ks.gemvRowsDirect, let colsK = ks.gemvColsDirect {
                // CPU devices: whole outputs per work-item, contiguous vectors.
                let kernel = v.rowDot ? rowsK : colsK
                try kernel.set(.int(v.outputs), .int(v.depth), .float(alpha), .mem(x), .int(xo), .int(v.ldx),
                               .mem(vec), .int(vo), .int(v.incV), .float(beta), .mem(mc), .int(c.offset), .int(v.incY))
                try enqueue1D(kernel, v.rowDot ? v.outputs : (v.outputs + gemmConfig.direct.vw - 1) / gemmConfig.direct.vw,
                              local: gemmConfig.direct.ln)
                return
            }
            let kernel = v.rowDot ? ks.gemvRows : ks.gemvCols
            try kernel.set(.int(v.outputs), .int(v.depth), .float(alpha), .mem(x), .int(xo), .int(v.ldx),
                           .mem(vec), .int(vo), .int(v.incV), .float(beta), .mem(mc), .int(c.offset), .int(v.incY))
            if v.rowDot {
                try enqueue(kernel, global: [v.outputs * gemmConfig.gemvGroup], local: [gemmConfig.gemvGroup])
            } else {
                try enqueue1D(kernel, v.outputs)
            }
        case let .ger(g):
            if gemmConfig.family == .direct, let kernel = ks.gerDirect {
                try kernel.set(.int(m), .int(n), .float(alpha), .mem(ma), .int(a.offset), .int(g.incA),
                               .mem(mb), .int(b.offset), .int(g.incB), .float(beta), .mem(mc), .int(c.offset), .int(ldc))
                try enqueue1D(kernel, m, local: gemmConfig.direct.ln)
                return
            }
            try ks.ger.set(.int(m), .int(n), .float(alpha), .mem(ma), .int(a.offset), .int(g.incA),
                           .mem(mb), .int(b.offset), .int(g.incB), .float(beta), .mem(mc), .int(c.offset), .int(ldc))
            try enqueue1D(ks.ger, m * n)
        }
    }

    /// One full product's arguments, buffers resolved.
    struct Product {
        var transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float
        var a: cl_mem, offA: Int, lda: Int, b: cl_mem, offB: Int, ldb: Int
        var beta: Float, c: cl_mem, offC: Int, ldc: Int
    }

    /// The tiled family. Products whose shorter side of C is at most `skinny` run
    /// gemm_skinny on the matrices as stored. The others run gemm_tiled on C' = A'ᵀ·B' in
    /// C's memory order (gemm.cl): A' = op(B) as K×n and B' = op(A) as K×m, each padded to
    /// whole tiles. An operand already stored so (op(B) = B, op(A) = Aᵀ), with whole tiles
    /// and its offset and stride whole vectors, is read where it is; the others are copied
    /// into the scratch buffer first (pad_kmajor, transposing where needed).
    private func tiledGEMM(_ p: Product) throws {
        let ks = gemmKernels, t = gemmConfig.tiled
        if Swift.min(p.m, p.n) <= t.skinny {
            let kernel = ks.gemmSkinny!
            try kernel.set(.int(p.transA ? 1 : 0), .int(p.transB ? 1 : 0), .int(p.m), .int(p.n), .int(p.k),
                           .float(p.alpha), .mem(p.a), .int(p.offA), .int(p.lda), .mem(p.b), .int(p.offB), .int(p.ldb),
                           .float(p.beta), .mem(p.c), .int(p.offC), .int(p.ldc))
            let groups = (Swift.max(p.m, p.n) + GEMMConfig.skinnyLongPerGroup - 1) / GEMMConfig.skinnyLongPerGroup
            try enqueue(kernel, global: [groups * GEMMConfig.skinnyItems], local: [GEMMConfig.skinnyItems])
            return
        }
        let mp = roundUp(p.n, t.mwg), np = roundUp(p.m, t.nwg), kp = roundUp(p.k, t.kwg)
        let aInPlace = !p.transB && p.n == mp && p.k == kp && p.ldb % t.vwm == 0 && p.offB % t.vwm == 0
        let bInPlace = p.transA && p.m == np && p.k == kp && p.lda % t.vwn == 0 && p.offA % t.vwn == 0
        let sizeA = aInPlace ? 0 : roundUp(kp * mp, 16)
        let sizeB = bInPlace ? 0 : kp * np
        let scratch = sizeA + sizeB > 0 ? try packBuffer(count: sizeA + sizeB) : nil
        var (a, offA, lda) = (p.b, p.offB, p.ldb)
        if !aInPlace, let scratch {
            try padKMajor(kmajor: !p.transB, x: p.n, k: p.k, xp: mp, kp: kp, p.b, p.offB, p.ldb, into: scratch, at: 0)
            (a, offA, lda) = (scratch, 0, mp)
        }
        var (b, offB, ldb) = (p.a, p.offA, p.lda)
        if !bInPlace, let scratch {
            try padKMajor(kmajor: p.transA, x: p.m, k: p.k, xp: np, kp: kp, p.a, p.offA, p.lda, into: scratch, at: sizeA)
            (b, offB, ldb) = (scratch, sizeA, np)
        }
        let kernel = ks.gemmTiled!
        try kernel.set(.int(p.n), .int(p.m), .int(kp), .float(p.alpha), .mem(a), .int(offA / t.vwm), .int(lda / t.vwm),
                       .mem(b), .int(offB / t.vwn), .int(ldb / t.vwn), .float(p.beta), .mem(p.c), .int(p.offC), .int(p.ldc))
        try enqueue(kernel, global: [mp / t.mwg * t.mdimc, np / t.nwg * t.ndimc], local: [t.mdimc, t.ndimc])
    }

    /// Copies the x×k operand at `src` (element (x, k) at k·ld + x when `kmajor`, else
    /// x·ld + k) into `dst` at `offset` as kp rows of xp, zero-padded (gemm.cl's pad_kmajor).
    private func padKMajor(kmajor: Bool, x: Int, k: Int, xp: Int, kp: Int, _ src: cl_mem, _ offS: Int, _ ld: Int,
                           into dst: cl_mem, at offset: Int) throws {
        let kernel = gemmKernels.padKMajor!
        try kernel.set(.int(x), .int(k), .int(xp), .int(kp), .int(kmajor ? 1 : 0), .mem(src), .int(offS), .int(ld),
                       .mem(dst), .int(offset))
        let ts = padTile
        let global = kmajor ? [roundUp(xp, ts), roundUp(kp, ts)] : [roundUp(kp, ts), roundUp(xp, ts)]
        try enqueue(kernel, global: global, local: [ts, ts])
    }

    /// The direct family: a microkernel per work-item on the matrices as stored, or, for
    /// products the configuration packs, on op(B) (and for TN op(A)) copied into panels.
    private func directGEMM(_ p: Product) throws {
        let ks = gemmKernels, d = gemmConfig.direct
        let local = [d.ln, d.lm]
        let tilesN = (p.n + d.nr - 1) / d.nr, tilesM = (p.m + d.om - 1) / d.om
        guard d.packs(transA: p.transA, transB: p.transB, m: p.m, n: p.n, k: p.k) else {
            let kernel = p.transA ? ks.gemmTNDirect! : p.transB ? ks.gemmNTDirect! : ks.gemmNNDirect!
            try kernel.set(.int(p.m), .int(p.n), .int(p.k), .float(p.alpha), .mem(p.a), .int(p.offA), .int(p.lda),
                           .mem(p.b), .int(p.offB), .int(p.ldb), .float(p.beta), .mem(p.c), .int(p.offC), .int(p.ldc))
            let global = p.transB && !p.transA
                ? [roundUp((p.n + d.dn - 1) / d.dn, d.ln), roundUp((p.m + d.dm - 1) / d.dm, d.lm)]
                : [roundUp(tilesN, d.ln), roundUp(tilesM, d.lm)]
            try enqueue(kernel, global: global, local: local)
            return
        }
        // Panels: op(A) (TN only) first, then op(B).
        let sizeA = p.transA ? tilesM * p.k * d.om : 0
        let sizeB = tilesN * p.k * d.nr
        let scratch = try packBuffer(count: sizeA + sizeB)
        if p.transA {
            try pack(kmajor: true, rows: p.m, k: p.k, panel: d.om, p.a, p.offA, p.lda, into: scratch, at: 0)
        }
        try pack(kmajor: !p.transB, rows: p.n, k: p.k, panel: d.nr, p.b, p.offB, p.ldb, into: scratch, at: sizeA)
        let kernel: CLKernel
        if p.transA {
            kernel = ks.gemmPacked!
            try kernel.set(.int(p.m), .int(p.n), .int(p.k), .float(p.alpha), .mem(scratch), .int(0),
                           .mem(scratch), .int(sizeA), .float(p.beta), .mem(p.c), .int(p.offC), .int(p.ldc))
        } else {
            kernel = ks.gemmRowsPacked!
            try kernel.set(.int(p.m), .int(p.n), .int(p.k), .float(p.alpha), .mem(p.a), .int(p.offA), .int(p.lda),
                           .mem(scratch), .int(sizeA), .float(p.beta), .mem(p.c), .int(p.offC), .int(p.ldc))
        }
        try enqueue(kernel, global: [roundUp(tilesN, d.ln), roundUp(tilesM, d.lm)], local: local)
    }

    /// Copies the rows×k operand held at `src` (element (r, k) at k·ld + r when `kmajor`,
    /// else r·ld + k) into panels of `panel` rows at `offset` in `dst` (see gemm.cl).
    private func pack(kmajor: Bool, rows: Int, k: Int, panel: Int, _ src: cl_mem, _ offS: Int, _ ld: Int,
                      into dst: cl_mem, at offset: Int) throws {
        let kernel = kmajor ? gemmKernels.packKMajor! : gemmKernels.packRMajor!
        try kernel.set(.int(rows), .int(k), .int(panel), .mem(src), .int(offS), .int(ld), .mem(dst), .int(offset))
        if kmajor {
            try enqueue1D(kernel, k)
        } else {
            try enqueue(kernel, global: [roundUp((k + 7) / 8, localSize), (rows + panel - 1) / panel],
                        local: [localSize, 1])
        }
    }

    /// The scratch buffer for packed panels (direct family) or padded K-major operands (tiled
    /// family), grown (once per larger size) to `count`.
    private func packBuffer(count: Int) throws -> cl_mem {
        if let scratch = packScratch, scratch.count >= count { return scratch.mem }
        guard count <= Int(Int32.max), UInt64(count) * 4 <= info.maxAllocationBytes else {
            throw DeviceError.allocationTooLarge(bytes: count * 4, limit: Int(info.maxAllocationBytes), device: name)
        }
        // The old buffer is released once the commands already enqueued on it complete.
        let scratch = try CLBuffer(context: context, count: count)
        packScratch = scratch
        return scratch.mem
    }
}

/// The kernel objects of the matrix program. The GEMM kernels present depend on the family
/// the program was built for; the matrix-vector kernels are in every program.
struct GEMMKernels {
    let gemvRows, gemvCols, ger: CLKernel
    // Tiled family.
    let gemmTiled, padKMajor, gemmSkinny: CLKernel?
    // Direct family.
    let gemmNNDirect, gemmNTDirect, gemmTNDirect: CLKernel?
    let packKMajor, packRMajor, gemmPacked, gemmRowsPacked: CLKernel?
    let gemvRowsDirect, gemvColsDirect, gerDirect: CLKernel?

    init(_ m: cl_program, family: GEMMConfig.Family) throws(CLError) {
        gemvRows = try CLKernel(program: m, name: "gemv_rows")
        gemvCols = try CLKernel(program: m, name: "gemv_cols")
        ger = try CLKernel(program: m, name: "ger")
        let tiled = family == .tiled
        func make(_ name: String, _ present: Bool) throws(CLError) -> CLKernel? {
            present ? try CLKernel(program: m, name: name) : nil
        }
        gemmTiled = try make("gemm_tiled", tiled)
        padKMajor = try make("pad_kmajor", tiled)
        gemmSkinny = try make("gemm_skinny", tiled)
        gemmNNDirect = try make("gemm_nn_direct", !tiled)
        gemmNTDirect = try make("gemm_nt_direct", !tiled)
        gemmTNDirect = try make("gemm_tn_direct", !tiled)
        packKMajor = try make("pack_kmajor", !tiled)
        packRMajor = try make("pack_rmajor", !tiled)
        gemmPacked = try make("gemm_packed", !tiled)
        gemmRowsPacked = try make("gemm_rows_packed", !tiled)
        gemvRowsDirect = try make("gemv_rows_direct", !tiled)
        gemvColsDirect = try make("gemv_cols_direct", !tiled)
        gerDirect = try make("ger_direct", !tiled)
    }
}
