import Backprop
import Foundation

/// Where the figures were taken.
public struct MachineInfo: Sendable, Codable, Hashable {
    public var cpu: String
    public var cores: Int
    public var openBLASThreads: Int
    public var devices: [DeviceInfo]
    public var date: String
    public var commandLine: String
    /// 1-, 5- and 15-minute load averages before and after: above the core count, other work
    /// shared the machine and the figures are not comparable with a quiet run's.
    public var loadBefore: [Double]?
    public var loadAfter: [Double]?
    public var profile: String
    public var seconds: Double?
    /// The Backprop version that measured (nil in reports from before 0.2.0).
    public var version: String?
    /// The CPU's vector extensions that matter to OpenBLAS and PoCL (avx2, fma, avx512f, …).
    public var cpuFlags: [String]?
    /// OpenBLAS's kernel set ("SkylakeX", "Haswell", …), and the CPU path's own row kernels'
    /// instruction set ("avx512", "avx2", "baseline").
    public var openBLASCore: String?
    public var rowKernels: String?

    public init(cpu: String, cores: Int, openBLASThreads: Int, devices: [DeviceInfo], date: String,
                commandLine: String, loadBefore: [Double]?, loadAfter: [Double]?, profile: String, seconds: Double?) {
        self.cpu = cpu
        self.cores = cores
        self.openBLASThreads = openBLASThreads
        self.devices = devices
        self.date = date
        self.commandLine = commandLine
        self.loadBefore = loadBefore
        self.loadAfter = loadAfter
        self.profile = profile
        self.seconds = seconds
        version = BackpropVersion.current
        cpuFlags = Self.vectorFlags()
        openBLASCore = CPUDevice.openBLASCore
        rowKernels = CPUDevice.rowKernelISA
    }

    enum CodingKeys: String, CodingKey {
        case cpu, cores, devices, date, profile, seconds, version
        case cpuFlags = "cpu_flags"
        case openBLASThreads = "openblas_threads"
        case openBLASCore = "openblas_core"
        case rowKernels = "row_kernels"
        case commandLine = "command_line"
        case loadBefore = "load_before"
        case loadAfter = "load_after"
    }

    /// This machine now: the CPU model from /proc/cpuinfo, cores, OpenBLAS's threads.
    public static func current(devices: [DeviceInfo], commandLine: String, profile: String) -> MachineInfo {
        MachineInfo(cpu: cpuModel(), cores: ProcessInfo.processInfo.activeProcessorCount,
                    openBLASThreads: CPUDevice().threads, devices: devices,
                    date: ISO8601DateFormatter().string(from: Date()), commandLine: commandLine,
                    loadBefore: loadAverage(), loadAfter: nil, profile: profile, seconds: nil)
    }

    static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "unknown"
    }

    /// The vector extensions /proc/cpuinfo lists, of those that decide GEMM speed.
    static func vectorFlags() -> [String]? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(line.split(separator: " ").map(String.init))
        return ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "amx_tile", "neon", "asimd"]
            .filter(flags.contains)
    }

    /// The three load averages from /proc/loadavg; nil where it cannot be read.
    public static func loadAverage() -> [Double]? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        let values = text.split(separator: " ").prefix(3).compactMap { Double($0) }
        return values.count == 3 ? values : nil
    }
}
