import Foundation

/// Tuned GEMM parameters per device, kept in the user's cache directory
/// (`gemm-tuning.json` in `CacheDirectory.root`, beside the kernel binaries) and used automatically
/// by `OpenCLDevice`. Keyed by device, platform and driver version: a driver update re-tunes.
public enum GEMMTuning {
    static var file: URL? {
        CacheDirectory.root?.appendingPathComponent("gemm-tuning.json")
    }

    static func key(_ info: OpenCLDeviceInfo) -> String {
        [info.platformName, info.name, info.driverVersion].joined(separator: "|")
    }

    /// The stored configuration for `info`'s device, if it was tuned and still fits it.
    public static func stored(for info: OpenCLDeviceInfo) -> GEMMConfig? {
        guard let config = readAll()[key(info)], config.fits(info) else { return nil }
        return config
    }

    /// Records `config` as the tuned configuration for `info`'s device (atomic replace).
    public static func store(_ config: GEMMConfig, for info: OpenCLDeviceInfo) throws {
        guard let file else { return }
        var all = readAll()
        all[key(info)] = config
        try write(all, to: file)
    }

    /// Drops `info`'s stored configuration, so that the device type's defaults apply again.
    /// Returns whether there was one.
    @discardableResult
    public static func forget(_ info: OpenCLDeviceInfo) throws -> Bool {
        guard let file else { return false }
        var all = readAll()
        guard all.removeValue(forKey: key(info)) != nil else { return false }
        try write(all, to: file)
        return true
    }

    private static func write(_ all: [String: GEMMConfig], to file: URL) throws {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(all).write(to: file, options: .atomic)
    }

    private static func readAll() -> [String: GEMMConfig] {
        guard let file, let data = try? Data(contentsOf: file),
              let all = try? JSONDecoder().decode([String: GEMMConfig].self, from: data) else { return [:] }
        return all
    }
}
