/// The tunables of Kernels/gemm.cl, passed to the compiler as `-D` options. Each device
/// type has defaults; `backprop tune` searches for better ones and stores them.
public struct GEMMConfig: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Rows and columns of C per work-group, and the K slab staged in local memory.
    public var tm: Int, tn: Int, tk: Int
    /// Rows and columns of C per work-item (the register tile).
    public var wm: Int, wn: Int
    /// Work-items per dot product in the GEMV kernel.
    public var gemvGroup: Int

    public init(tm: Int, tn: Int, tk: Int, wm: Int, wn: Int, gemvGroup: Int = 64) {
        (self.tm, self.tn, self.tk, self.wm, self.wn, self.gemvGroup) = (tm, tn, tk, wm, wn, gemvGroup)
    }

    /// Work-items per work-group along N (dimension 0) and M (dimension 1).
    public var localSize: (n: Int, m: Int) { (tn / wn, tm / wm) }

    public var buildOptions: String {
        "-DTM=\(tm) -DTN=\(tn) -DTK=\(tk) -DWM=\(wm) -DWN=\(wn) -DGEMV_WG=\(gemvGroup)"
    }

    public var description: String { "TM=\(tm) TN=\(tn) TK=\(tk) WM=\(wm) WN=\(wn) GEMV_WG=\(gemvGroup)" }

    /// Whether the device can run this configuration at all.
    func fits(_ info: OpenCLDeviceInfo) -> Bool {
        guard tm > 0, tn > 0, tk > 0, wm > 0, wn > 0, tm % wm == 0, tn % wn == 0 else { return false }
        guard gemvGroup > 0, gemvGroup & (gemvGroup - 1) == 0, gemvGroup <= info.maxWorkGroupSize else { return false }
        let items = localSize.n * localSize.m
        let localBytes = UInt64(tk * (tm + tn) * 4)
        return items <= info.maxWorkGroupSize && (info.localMemoryBytes == 0 || localBytes <= info.localMemoryBytes)
    }

    /// Defaults by device type, used until the device is tuned.
    static func defaults(for info: OpenCLDeviceInfo) -> GEMMConfig {
        let candidates: [GEMMConfig]
        switch info.type {
        case .gpu, .accelerator, .other:
            candidates = [GEMMConfig(tm: 64, tn: 64, tk: 16, wm: 4, wn: 4, gemvGroup: 64),
                          GEMMConfig(tm: 32, tn: 32, tk: 16, wm: 2, wn: 2, gemvGroup: 32)]
        case .cpu:
            candidates = [GEMMConfig(tm: 32, tn: 32, tk: 32, wm: 4, wn: 4, gemvGroup: 16),
                          GEMMConfig(tm: 16, tn: 16, tk: 16, wm: 2, wn: 2, gemvGroup: 8)]
        }
        return candidates.first { $0.fits(info) } ?? GEMMConfig(tm: 8, tn: 8, tk: 8, wm: 1, wn: 1, gemvGroup: 1)
    }
}
