/// The tunables of Kernels/gemm.cl, passed to the compiler as `-D` options. Each device
/// type has defaults; `backprop tune` searches for better ones and stores them.
///
/// Two kernel families (see the comment at the top of gemm.cl): `tiled` stages slabs of A
/// and B in local memory behind barriers (GPUs); `direct` gives each work-item a BLAS-style
/// microkernel on explicit vectors, with no local memory and no barriers (CPU devices,
/// where a work-group is a loop over its work-items), and packs the operands of large
/// products into contiguous panels first.
public struct GEMMConfig: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Family: String, Sendable, Hashable, Codable, CaseIterable {
        case tiled, direct
    }

    public var family: Family
    /// Tiled family: rows and columns of C per work-group, and the K slab in local memory.
    public var tm: Int, tn: Int, tk: Int
    /// Tiled family: rows and columns of C per work-item (the register tile).
    public var wm: Int, wn: Int
    /// Direct family parameters (ignored by the tiled family).
    public var direct: Direct
    /// Work-items per dot product in the GEMV kernel (both families).
    public var gemvGroup: Int

    /// A tiled-family configuration.
    public init(tm: Int, tn: Int, tk: Int, wm: Int, wn: Int, gemvGroup: Int = 64) {
        family = .tiled
        (self.tm, self.tn, self.tk, self.wm, self.wn, self.gemvGroup) = (tm, tn, tk, wm, wn, gemvGroup)
        direct = Direct()
    }

    /// A direct-family configuration.
    public init(direct: Direct, gemvGroup: Int = 16) {
        self.init(tm: 32, tn: 32, tk: 32, wm: 4, wn: 4, gemvGroup: gemvGroup)
        family = .direct
        self.direct = direct
    }

    /// The direct family's parameters: `-DVW -DOM -DON -DDM -DDN -DLM -DLN -DDIRECT_FMA`,
    /// and when to pack (host side only: changing it needs no rebuild).
    public struct Direct: Sendable, Hashable, Codable, CustomStringConvertible {
        /// Floats per vector (2, 4, 8 or 16).
        public var vw: Int
        /// Outer-product tile (NN, TN and packed products): OM rows × ON vectors of C.
        public var om: Int, on: Int
        /// Dot-product tile (NT read as stored): DM rows × DN columns of C.
        public var dm: Int, dn: Int
        /// Work-items per work-group along M and N.
        public var lm: Int, ln: Int
        /// `fma()` (fused, one instruction on FMA hardware) rather than `mad()`.
        public var fused: Bool
        /// Per case, the products with min(m, n, k) at least this large pack their strided
        /// operands into panels first; nil never packs.
        public var packNN: Int?, packNT: Int?, packTN: Int?

        public init(vw: Int = 8, om: Int = 6, on: Int = 2, dm: Int = 3, dn: Int = 4, lm: Int = 1, ln: Int = 16,
                    fused: Bool = true, packNN: Int? = 64, packNT: Int? = 256, packTN: Int? = 64) {
            (self.vw, self.om, self.on, self.dm, self.dn, self.lm, self.ln) = (vw, om, on, dm, dn, lm, ln)
            self.fused = fused
            (self.packNN, self.packNT, self.packTN) = (packNN, packNT, packTN)
        }

        /// Columns of C per outer-product tile.
        public var nr: Int { on * vw }

        /// Whether a product of this case and shape packs its operands.
        public func packs(transA: Bool, transB: Bool, m: Int, n: Int, k: Int) -> Bool {
            guard let threshold = transA ? packTN : transB ? packNT : packNN else { return false }
            return Swift.min(m, n, k) >= threshold
        }

        public var description: String {
            func pack(_ t: Int?) -> String { t.map { "≥\($0)" } ?? "never" }
            return "VW=\(vw) OM=\(om) ON=\(on) DM=\(dm) DN=\(dn) LM=\(lm) LN=\(ln)"
                + (fused ? "" : " DIRECT_FMA=0")
                + " pack NN \(pack(packNN)), NT \(pack(packNT)), TN \(pack(packTN))"
        }

        var buildOptions: String {
            "-DGEMM_DIRECT=1 -DVW=\(vw) -DOM=\(om) -DON=\(on) -DDM=\(dm) -DDN=\(dn) -DLM=\(lm) -DLN=\(ln)"
                + " -DDIRECT_FMA=\(fused ? 1 : 0)"
                // float16 helpers draw clang's "vector return changes the ABI" warning on
                // AVX2 (they are inlined, so it does not apply), which PoCL prints.
                + (vw == 16 ? " -w" : "")
        }
    }

    /// Work-items per work-group along N (dimension 0) and M (dimension 1).
    public var localSize: (n: Int, m: Int) {
        family == .tiled ? (tn / wn, tm / wm) : (direct.ln, direct.lm)
    }

    /// The `-D` options of the matrix program. Pack thresholds are not among them.
    public var buildOptions: String {
        switch family {
        case .tiled: "-DTM=\(tm) -DTN=\(tn) -DTK=\(tk) -DWM=\(wm) -DWN=\(wn) -DGEMV_WG=\(gemvGroup)"
        case .direct: direct.buildOptions + " -DGEMV_WG=\(gemvGroup)"
        }
    }

    public var description: String {
        switch family {
        case .tiled: "tiled TM=\(tm) TN=\(tn) TK=\(tk) WM=\(wm) WN=\(wn) GEMV_WG=\(gemvGroup)"
        case .direct: "direct \(direct) GEMV_WG=\(gemvGroup)"
        }
    }

    /// Whether the device can run this configuration at all.
    public func fits(_ info: OpenCLDeviceInfo) -> Bool {
        guard gemvGroup > 0, gemvGroup & (gemvGroup - 1) == 0, gemvGroup <= info.maxWorkGroupSize else { return false }
        switch family {
        case .tiled:
            guard tm > 0, tn > 0, tk > 0, wm > 0, wn > 0, tm % wm == 0, tn % wn == 0 else { return false }
            let items = localSize.n * localSize.m
            let localBytes = UInt64(tk * (tm + tn) * 4)
            return items <= info.maxWorkGroupSize && (info.localMemoryBytes == 0 || localBytes <= info.localMemoryBytes)
        case .direct:
            let d = direct
            guard [2, 4, 8, 16].contains(d.vw), (1...16).contains(d.om), (1...8).contains(d.on),
                  (1...8).contains(d.dm), (1...8).contains(d.dn), d.lm > 0, d.ln > 0 else { return false }
            return d.lm * d.ln <= info.maxWorkGroupSize
        }
    }

    /// Defaults by device type, used until the device is tuned: the tiled family on GPUs
    /// and accelerators, the direct family on CPUs.
    public static func defaults(for info: OpenCLDeviceInfo) -> GEMMConfig {
        defaults(for: info, family: info.type == .cpu ? .direct : .tiled)
    }

    /// The defaults of `family` on `info`, whatever its type (the suites run both families on
    /// every device, so that a CPU OpenCL device checks the GPU family's kernels too).
    public static func defaults(for info: OpenCLDeviceInfo, family: Family) -> GEMMConfig {
        let candidates: [GEMMConfig]
        switch family {
        case .tiled:
            candidates = [GEMMConfig(tm: 64, tn: 64, tk: 16, wm: 4, wn: 4, gemvGroup: 64),
                          GEMMConfig(tm: 32, tn: 32, tk: 16, wm: 2, wn: 2, gemvGroup: 32)]
        case .direct:
            candidates = [GEMMConfig(direct: Direct(), gemvGroup: 16),
                          GEMMConfig(direct: Direct(lm: 1, ln: 1), gemvGroup: 1)]
        }
        return candidates.first { $0.fits(info) } ?? GEMMConfig(tm: 8, tn: 8, tk: 8, wm: 1, wn: 1, gemvGroup: 1)
    }

    // Decoding tolerates files written before a field existed: a configuration without a
    // family is a tiled one, and missing direct parameters take their defaults.
    private enum CodingKeys: String, CodingKey {
        case family, tm, tn, tk, wm, wn, direct, gemvGroup
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        family = try c.decodeIfPresent(Family.self, forKey: .family) ?? .tiled
        tm = try c.decodeIfPresent(Int.self, forKey: .tm) ?? 32
        tn = try c.decodeIfPresent(Int.self, forKey: .tn) ?? 32
        tk = try c.decodeIfPresent(Int.self, forKey: .tk) ?? 32
        wm = try c.decodeIfPresent(Int.self, forKey: .wm) ?? 4
        wn = try c.decodeIfPresent(Int.self, forKey: .wn) ?? 4
        direct = try c.decodeIfPresent(Direct.self, forKey: .direct) ?? Direct()
        gemvGroup = try c.decodeIfPresent(Int.self, forKey: .gemvGroup) ?? 16
    }
}

extension GEMMConfig.Direct {
    private enum CodingKeys: String, CodingKey {
        case vw, om, on, dm, dn, lm, ln, fused, packNN, packNT, packTN
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = GEMMConfig.Direct()
        vw = try c.decodeIfPresent(Int.self, forKey: .vw) ?? d.vw
        om = try c.decodeIfPresent(Int.self, forKey: .om) ?? d.om
        on = try c.decodeIfPresent(Int.self, forKey: .on) ?? d.on
        dm = try c.decodeIfPresent(Int.self, forKey: .dm) ?? d.dm
        dn = try c.decodeIfPresent(Int.self, forKey: .dn) ?? d.dn
        lm = try c.decodeIfPresent(Int.self, forKey: .lm) ?? d.lm
        ln = try c.decodeIfPresent(Int.self, forKey: .ln) ?? d.ln
        fused = try c.decodeIfPresent(Bool.self, forKey: .fused) ?? d.fused
        // A key written as null means "never"; a missing key (an older file) the default.
        func threshold(_ key: CodingKeys, _ fallback: Int?) throws -> Int? {
            guard c.contains(key) else { return fallback }
            return try c.decodeNil(forKey: key) ? nil : c.decode(Int.self, forKey: key)
        }
        packNN = try threshold(.packNN, d.packNN)
        packNT = try threshold(.packNT, d.packNT)
        packTN = try threshold(.packTN, d.packTN)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(vw, forKey: .vw)
        try c.encode(om, forKey: .om)
        try c.encode(on, forKey: .on)
        try c.encode(dm, forKey: .dm)
        try c.encode(dn, forKey: .dn)
        try c.encode(lm, forKey: .lm)
        try c.encode(ln, forKey: .ln)
        try c.encode(fused, forKey: .fused)
        // nil is written as null (not omitted), so that "never" survives a round trip.
        try c.encode(packNN, forKey: .packNN)
        try c.encode(packNT, forKey: .packNT)
        try c.encode(packTN, forKey: .packTN)
    }
}
