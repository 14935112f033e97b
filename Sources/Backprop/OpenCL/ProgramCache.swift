import Foundation

/// Built OpenCL programs on disk, so a second run does not compile again. A file's name is
/// a hash of everything that can change the binary: the device, its driver and platform
/// versions, the build options and the source text. The first line of the file repeats the
/// key's text and is checked on load, so a hash collision or a foreign file is a miss.
///
/// Location: `<cache root>/kernels` (see `CacheDirectory`).
enum ProgramCache {
    static var directory: URL? { CacheDirectory.root?.appendingPathComponent("kernels") }

    static func key(device: OpenCLDeviceInfo, source: String, options: String) -> String {
        let parts = [device.platformName, device.name, device.vendor, device.openCLVersion,
                     device.driverVersion, options, Hash.hex(source)]
        return parts.joined(separator: "|")
    }

    static func load(key: String) -> [UInt8]? {
        guard let url = file(for: key), let data = try? Data(contentsOf: url) else { return nil }
        let header = Array((key + "\n").utf8)
        guard data.count > header.count, Array(data.prefix(header.count)) == header else { return nil }
        return Array(data.dropFirst(header.count))
    }

    /// Writes atomically (a temporary file, then rename); failures only cost a recompile.
    static func store(_ binary: [UInt8], key: String) {
        guard let url = file(for: key) else { return }
        var data = Data((key + "\n").utf8)
        data.append(contentsOf: binary)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(),
                                                 withIntermediateDirectories: true)
        try? data.write(to: url, options: .atomic)
    }

    private static func file(for key: String) -> URL? {
        directory?.appendingPathComponent(Hash.hex(key) + ".clbin")
    }
}

/// A 128-bit FNV-1a hash (two 64-bit lanes with different bases), for cache file names and
/// source fingerprints. Not cryptographic; collisions are caught by the stored key.
enum Hash {
    static func hex(_ text: String) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x6c62_272e_07bb_0142
        for byte in text.utf8 {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = b ^ (b >> 29)
        }
        return String(format: "%016llx%016llx", a, b)
    }
}

/// Where Backprop keeps what it can rebuild: kernel binaries and tuned GEMM parameters.
/// `$BACKPROP_CACHE_DIR`, else `$XDG_CACHE_HOME/backprop`, else `~/.cache/backprop`;
/// `BACKPROP_CACHE_DIR=off` keeps nothing on disk.
public enum CacheDirectory {
    public static var root: URL? {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["BACKPROP_CACHE_DIR"] {
            return dir == "off" || dir.isEmpty ? nil : URL(fileURLWithPath: dir)
        }
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("backprop")
        }
        guard let home = env["HOME"], !home.isEmpty else { return nil }
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/backprop")
    }
}
