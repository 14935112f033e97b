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
