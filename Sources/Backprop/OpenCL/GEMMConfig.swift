import Foundation
import BackpropKernels

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
    /// Tiled family parameters (ignored by the direct family).
    public var tiled: Tiled
    /// Direct family parameters (ignored by the tiled family).
    public var direct: Direct
    /// Work-items per dot product in the GEMV kernel (both families).
    public var gemvGroup: Int

    /// A tiled-family configuration.
    public init(tiled: Tiled, gemvGroup: Int = 64) {
        family = .tiled
        self.tiled = tiled
        direct = Direct()
        self.gemvGroup = gemvGroup
    }

    /// A direct-family configuration.
    public init(direct: Direct, gemvGroup: Int = 16) {
        family = .direct
        tiled = Tiled()
        self.direct = direct
        self.gemvGroup = gemvGroup
    }

    /// The tiled family's parameters, CLBlast's xgemm names and meanings (see gemm.cl), so
    /// that values from CLBlast's tuning database carry over: `-DMWG … -DSB`, and `skinny`.
    ///
    /// The kernel's M' is C's contiguous dimension (our n) and its N' our m: MWG, MDIMC and
    /// VWM are along the columns of C, NWG, NDIMC and VWN along its rows.
    public struct Tiled: Sendable, Hashable, Codable, CustomStringConvertible {
        /// C tile per work-group (columns, rows) and the K slab staged in local memory.
        public var mwg: Int, nwg: Int, kwg: Int
        /// Work-group shape for the computation (columns, rows): the register tile is
        /// mwg/mdimc × nwg/ndimc.
        public var mdimc: Int, ndimc: Int
        /// Work-group re-shaped for loading the A' and B' slabs.
        public var mdima: Int, ndimb: Int
        /// Unroll factor of the inner K loop.
        public var kwi: Int
        /// Vector widths (1, 2, 4, 8) along the columns and the rows.
        public var vwm: Int, vwn: Int
        /// A work-item's register tile strided by the work-group (true) or contiguous.
        public var strm: Bool, strn: Bool
        /// Stage the A' and B' slabs in local memory (or read them from global memory).
        public var sa: Bool, sb: Bool
        /// Products whose shorter side of C is at most this run the skinny kernel (at most
        /// 16, the kernel's limit; 0 never).
        public var skinny: Int

        /// CLBlast's overall default (Kernels/gemm_tiled_defaults.json).
        public init(mwg: Int = 32, nwg: Int = 32, kwg: Int = 32, mdimc: Int = 8, ndimc: Int = 16,
                    mdima: Int = 8, ndimb: Int = 16, kwi: Int = 2, vwm: Int = 4, vwn: Int = 2,
                    strm: Bool = false, strn: Bool = false, sa: Bool = true, sb: Bool = true, skinny: Int = 16) {
            (self.mwg, self.nwg, self.kwg, self.mdimc, self.ndimc) = (mwg, nwg, kwg, mdimc, ndimc)
            (self.mdima, self.ndimb, self.kwi, self.vwm, self.vwn) = (mdima, ndimb, kwi, vwm, vwn)
            (self.strm, self.strn, self.sa, self.sb, self.skinny) = (strm, strn, sa, sb, skinny)
        }

        /// CLBlast's parameter order for its xgemm database rows (GEMMK 0).
        public static let clblastOrder = ["KWG", "KWI", "MDIMA", "MDIMC", "MWG", "NDIMB", "NDIMC", "NWG",
                                          "SA", "SB", "STRM", "STRN", "VWM", "VWN"]

        /// A configuration from one of CLBlast's xgemm rows, in `clblastOrder`.
        public init?(clblast v: [Int], skinny: Int = 16) {
            guard v.count == Self.clblastOrder.count, v[8...11].allSatisfy({ $0 == 0 || $0 == 1 }) else { return nil }
            self.init(mwg: v[4], nwg: v[7], kwg: v[0], mdimc: v[3], ndimc: v[6], mdima: v[2], ndimb: v[5], kwi: v[1],
                      vwm: v[12], vwn: v[13], strm: v[10] == 1, strn: v[11] == 1, sa: v[8] == 1, sb: v[9] == 1,
                      skinny: skinny)
        }

        /// CLBlast's xgemm tuner's values for each parameter (the kernel takes vectors up to 8
        /// wide), every combination the kernel can build, each once: without a local slab, its
        /// loading shape has no meaning and is set to the computing one.
        public static let searchSpace: [Tiled] = {
            var all: [Tiled] = [], seen: Set<Tiled> = []
            for mwg in [16, 32, 64, 128] { for nwg in [16, 32, 64, 128] { for kwg in [16, 32] {
            for mdimc in [8, 16, 32] { for ndimc in [8, 16, 32] { for mdima in [8, 16, 32] { for ndimb in [8, 16, 32] {
            for kwi in [2, 8] { for vwm in [1, 2, 4, 8] { for vwn in [1, 2, 4, 8] {
            for strm in [false, true] { for strn in [false, true] { for sa in [false, true] { for sb in [false, true] {
                let t = Tiled(mwg: mwg, nwg: nwg, kwg: kwg, mdimc: mdimc, ndimc: ndimc, mdima: sa ? mdima : mdimc,
                              ndimb: sb ? ndimb : ndimc, kwi: kwi, vwm: vwm, vwn: vwn, strm: strm, strn: strn, sa: sa, sb: sb)
                if t.invalidReason == nil, seen.insert(t).inserted { all.append(t) }
            } } } } } } } } } } } } } }
            return all
        }()

        /// The vendor defaults shipped in Kernels/gemm_tiled_defaults.json, by vendor name,
        /// and the overall default last.
        public static var vendorDefaults: [(vendor: String, tiled: Tiled)] {
            let table = TiledDefaults.shared
            return table.vendors.compactMap { v in v.tiled.map { (v.vendor, $0) } } + [("default", table.fallback)]
        }

        /// Work-items per work-group.
        public var items: Int { mdimc * ndimc }
        /// Bytes of local memory the tiled kernel declares.
        public var localBytes: Int { 4 * kwg * ((sa ? mwg : 0) + (sb ? nwg : 0)) }

        /// Why the kernel cannot be built with these values, or nil (CLBlast's constraints:
        /// every division exact, the register tile a whole number of vectors).
        public var invalidReason: String? {
            let positive = [mwg, nwg, kwg, mdimc, ndimc, mdima, ndimb, kwi]
            guard positive.allSatisfy({ $0 > 0 }) else { return "every size must be positive" }
            guard [1, 2, 4, 8].contains(vwm), [1, 2, 4, 8].contains(vwn) else { return "VWM and VWN must be 1, 2, 4 or 8" }
            guard mwg % (mdimc * vwm) == 0 else { return "MWG must be a multiple of MDIMC·VWM" }
            guard nwg % (ndimc * vwn) == 0 else { return "NWG must be a multiple of NDIMC·VWN" }
            guard mwg / mdimc <= 8, nwg / ndimc <= 8 else { return "the register tile is at most 8×8" }
            guard kwg % kwi == 0 else { return "KWG must be a multiple of KWI" }
            if sa {
                guard items % mdima == 0, mwg % (mdima * vwm) == 0, kwg % (items / mdima) == 0 else {
                    return "MDIMA must divide MDIMC·NDIMC, MWG be a multiple of MDIMA·VWM and KWG of MDIMC·NDIMC/MDIMA"
                }
            }
            if sb {
                guard items % ndimb == 0, nwg % (ndimb * vwn) == 0, kwg % (items / ndimb) == 0 else {
                    return "NDIMB must divide MDIMC·NDIMC, NWG be a multiple of NDIMB·VWN and KWG of MDIMC·NDIMC/NDIMB"
                }
            }
            guard (0...16).contains(skinny) else { return "skinny must be 0 to 16" }
            return nil
        }

        public var description: String {
            "MWG=\(mwg) NWG=\(nwg) KWG=\(kwg) MDIMC=\(mdimc) NDIMC=\(ndimc) MDIMA=\(mdima) NDIMB=\(ndimb) KWI=\(kwi)"
                + " VWM=\(vwm) VWN=\(vwn) STRM=\(strm ? 1 : 0) STRN=\(strn ? 1 : 0) SA=\(sa ? 1 : 0) SB=\(sb ? 1 : 0)"
                + " skinny≤\(skinny)"
        }

        var buildOptions: String {
            "-DMWG=\(mwg) -DNWG=\(nwg) -DKWG=\(kwg) -DMDIMC=\(mdimc) -DNDIMC=\(ndimc) -DMDIMA=\(mdima)"
                + " -DNDIMB=\(ndimb) -DKWI=\(kwi) -DVWM=\(vwm) -DVWN=\(vwn) -DSTRM=\(strm ? 1 : 0)"
                + " -DSTRN=\(strn ? 1 : 0) -DSA=\(sa ? 1 : 0) -DSB=\(sb ? 1 : 0)"
        }
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

    /// The `-D` options of the matrix program. Pack thresholds and `skinny` are not among them.
    public var buildOptions: String {
        switch family {
        case .tiled: tiled.buildOptions + " -DGEMV_WG=\(gemvGroup)"
        case .direct: direct.buildOptions + " -DGEMV_WG=\(gemvGroup)"
        }
    }

    public var description: String {
        switch family {
        case .tiled: "tiled \(tiled) GEMV_WG=\(gemvGroup)"
        case .direct: "direct \(direct) GEMV_WG=\(gemvGroup)"
        }
    }

    /// gemm_skinny's fixed shape (gemm.cl: SKINNY_WG, SKINNY_L, SKINNY_S): its work-items,
    /// the long-side indices each work-group computes, and its local memory (every item's
    /// SKINNY_L × SKINNY_S partial sums). pad_kmajor's tile (8×8 or 16×16, OpenCLDevice.padTile)
    /// needs no more items than gemm_skinny.
    static let skinnyItems = 64, skinnyLongPerGroup = 4
    static let skinnyLocalBytes = skinnyItems * skinnyItems * 4

    /// Whether the device can run this configuration at all.
    public func fits(_ info: OpenCLDeviceInfo) -> Bool {
        guard gemvGroup > 0, gemvGroup & (gemvGroup - 1) == 0, gemvGroup <= info.maxWorkGroupSize else { return false }
        switch family {
        case .tiled:
            guard tiled.invalidReason == nil, tiled.items <= info.maxWorkGroupSize,
                  Self.skinnyItems <= info.maxWorkGroupSize else { return false }
            let local = UInt64(Swift.max(tiled.localBytes, Self.skinnyLocalBytes))
            return info.localMemoryBytes == 0 || local <= info.localMemoryBytes
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
    /// every device, so that a CPU OpenCL device checks the GPU family's kernels too). The
    /// tiled family's come from Kernels/gemm_tiled_defaults.json by vendor.
    public static func defaults(for info: OpenCLDeviceInfo, family: Family) -> GEMMConfig {
        let candidates: [GEMMConfig]
        switch family {
        case .tiled:
            let table = TiledDefaults.shared
            let vendor = info.type == .cpu ? nil : table.entry(forVendor: info.vendor)
            candidates = [GEMMConfig(tiled: vendor?.tiled ?? table.fallback, gemvGroup: 64),
                          GEMMConfig(tiled: table.fallback, gemvGroup: 64),
                          GEMMConfig(tiled: Tiled(mwg: 16, nwg: 16, kwg: 16, mdimc: 8, ndimc: 8, mdima: 8, ndimb: 8,
                                                  vwm: 2, vwn: 2), gemvGroup: 32)]
        case .direct:
            candidates = [GEMMConfig(direct: Direct(), gemvGroup: 16),
                          GEMMConfig(direct: Direct(lm: 1, ln: 1), gemvGroup: 1)]
        }
        return candidates.first { $0.fits(info) } ?? candidates[candidates.count - 1]
    }

    // Decoding tolerates files written before a field existed: a configuration without a
    // family is a tiled one, and missing parameters take their defaults. A tiled
    // configuration of the first tiled kernel (tm, tn, tk, wm, wn: a TM×TN tile of C, a TK
    // slab, WM×WN per work-item, scalar loads, strided register tiles) reads as the same
    // tiling in the present kernel's terms.
    private enum CodingKeys: String, CodingKey {
        case family, tiled, direct, gemvGroup
    }
    private enum LegacyKeys: String, CodingKey {
        case tm, tn, tk, wm, wn
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        family = try c.decodeIfPresent(Family.self, forKey: .family) ?? .tiled
        if let t = try c.decodeIfPresent(Tiled.self, forKey: .tiled) {
            tiled = t
        } else {
            let old = try decoder.container(keyedBy: LegacyKeys.self)
            if let tm = try old.decodeIfPresent(Int.self, forKey: .tm), let tn = try old.decodeIfPresent(Int.self, forKey: .tn),
               let tk = try old.decodeIfPresent(Int.self, forKey: .tk), let wm = try old.decodeIfPresent(Int.self, forKey: .wm),
               let wn = try old.decodeIfPresent(Int.self, forKey: .wn), wm > 0, wn > 0 {
                tiled = Tiled(mwg: tn, nwg: tm, kwg: tk, mdimc: tn / wn, ndimc: tm / wm, mdima: tn / wn, ndimb: tm / wm,
                              kwi: 1, vwm: 1, vwn: 1, strm: true, strn: true, sa: true, sb: true)
            } else {
                tiled = Tiled()
            }
        }
        direct = try c.decodeIfPresent(Direct.self, forKey: .direct) ?? Direct()
        gemvGroup = try c.decodeIfPresent(Int.self, forKey: .gemvGroup) ?? 16
    }
}

/// Kernels/gemm_tiled_defaults.json: the tiled family's defaults per GPU vendor.
struct TiledDefaults: Decodable {
    struct Vendor: Decodable {
        var vendor: String
        var match: [String]
        var values: [Int]
        var tiled: GEMMConfig.Tiled? { GEMMConfig.Tiled(clblast: values) }
    }
    var parameters: [String]
    var vendors: [Vendor]
    var `default`: [Int]

    /// The overall default.
    var fallback: GEMMConfig.Tiled { GEMMConfig.Tiled(clblast: `default`) ?? GEMMConfig.Tiled() }

    /// The entry whose names `vendor` (CL_DEVICE_VENDOR) contains, if any.
    func entry(forVendor vendor: String) -> Vendor? {
        let v = vendor.lowercased()
        return vendors.first { $0.match.contains { v.contains($0) } }
    }

    /// The table shipped in the binary. Its tests check that it decodes, that its parameter
    /// order is CLBlast's, and that every row is valid; a broken table falls back to the
    /// built-in overall default.
    static let shared: TiledDefaults = {
        let fallback = TiledDefaults(parameters: GEMMConfig.Tiled.clblastOrder, vendors: [],
                                     default: [32, 2, 8, 8, 32, 16, 16, 32, 1, 1, 0, 0, 4, 2])
        guard let table = try? JSONDecoder().decode(TiledDefaults.self, from: Data(KernelSource.tiledDefaults.utf8)),
              table.parameters == GEMMConfig.Tiled.clblastOrder else { return fallback }
        return table
    }()
}

extension GEMMConfig.Tiled {
    private enum CodingKeys: String, CodingKey {
        case mwg, nwg, kwg, mdimc, ndimc, mdima, ndimb, kwi, vwm, vwn, strm, strn, sa, sb, skinny
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = GEMMConfig.Tiled()
        func int(_ k: CodingKeys, _ v: Int) throws -> Int { try c.decodeIfPresent(Int.self, forKey: k) ?? v }
        func bool(_ k: CodingKeys, _ v: Bool) throws -> Bool { try c.decodeIfPresent(Bool.self, forKey: k) ?? v }
        self.init(mwg: try int(.mwg, d.mwg), nwg: try int(.nwg, d.nwg), kwg: try int(.kwg, d.kwg),
                  mdimc: try int(.mdimc, d.mdimc), ndimc: try int(.ndimc, d.ndimc), mdima: try int(.mdima, d.mdima),
                  ndimb: try int(.ndimb, d.ndimb), kwi: try int(.kwi, d.kwi), vwm: try int(.vwm, d.vwm),
                  vwn: try int(.vwn, d.vwn), strm: try bool(.strm, d.strm), strn: try bool(.strn, d.strn),
                  sa: try bool(.sa, d.sa), sb: try bool(.sb, d.sb), skinny: try int(.skinny, d.skinny))
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
