import Backprop
import Foundation

/// A device under benchmark: opened once, with the label the tables use ("cpu",
/// "opencl:0 pocl-haswell") and how long opening it took (OpenCL: the kernel builds).
public final class BenchmarkDevice {
    public let label: String
    public let device: any Device
    public let openSeconds: Double
    /// How the kernels were obtained (OpenCL), for the report.
    public let buildReport: String?

    init(label: String, device: any Device, openSeconds: Double, buildReport: String?) {
        self.label = label
        self.device = device
        self.openSeconds = openSeconds
        self.buildReport = buildReport
    }

    public var info: DeviceInfo {
        DeviceInfo(label: label, name: device.name, kind: device.kind.rawValue, openSeconds: openSeconds,
                   build: buildReport)
    }

    /// The GEMM reference, "cblas": the CPU path with every product on `cblas_sgemm` and
    /// OpenBLAS's threads (its own skinny-product kernels and team split off), so that the CPU
    /// path's rows have a ratio too.
    public static func cblas() -> BenchmarkDevice {
        var cpu: CPUDevice?
        let seconds = Measure.seconds { cpu = CPUDevice() }
        let device = cpu ?? CPUDevice()
        device.skinnyProducts = false
        device.teamProducts = false
        return BenchmarkDevice(label: "cblas", device: device, openSeconds: seconds, buildReport: nil)
    }

    /// Opens the devices `requests` name (nil: the CPU path and every OpenCL device), in the
    /// order asked, each through `DeviceSelection` as training opens it (a preference list
    /// measures the first of its devices that opens); a device asked for twice is measured
    /// once. An OpenCL request that matches no device throws, naming the choices.
    public static func open(_ requests: [DeviceRequest]?, notice: (String) -> Void = { _ in }) throws -> [BenchmarkDevice] {
        let all = try requests ?? ([.cpu] + DeviceSelection.openCLDevices().map { .opencl(.index($0.index)) })
        var result: [BenchmarkDevice] = []
        for request in all {
            var opened: (any Device)?
            let seconds = try Measure.seconds { opened = try DeviceSelection.open(request, notice: notice) }
            guard let device = opened else { continue }
            let cl = device as? OpenCLDevice
            let label = cl.map { Self.label(for: $0.info) } ?? (device.kind == .cpu ? "cpu" : device.name)
            guard !result.contains(where: { $0.label == label }) else { continue }
            result.append(BenchmarkDevice(label: label, device: device, openSeconds: seconds, buildReport: cl?.buildReport))
        }
        return result
    }

    /// "opencl:<index> <short name>": PoCL's "pthread-haswell-AMD EPYC" becomes
    /// "pocl-haswell"; others keep their name less vendor words, at most 20 characters.
    public static func label(for info: OpenCLDeviceInfo) -> String {
        "opencl:\(info.index) \(shortName(name: info.name, platform: info.platformName))"
    }

    public static func shortName(name: String, platform: String) -> String {
        if platform.lowercased().contains("portable computing language") || name.hasPrefix("pthread-") {
            let parts = name.split(separator: "-")
            let arch = parts.count >= 2 && parts[0] == "pthread" ? "-" + parts[1] : ""
            return "pocl" + arch
        }
        let drop: Set<String> = ["nvidia", "amd", "intel", "intel(r)", "corporation", "geforce", "(tm)", "(r)",
                                 "graphics", "advanced", "micro", "devices,", "inc.", "apple"]
        let words = name.replacingOccurrences(of: "(TM)", with: "").replacingOccurrences(of: "(R)", with: "")
            .split(separator: " ").map(String.init).filter { !drop.contains($0.lowercased()) }
        let short = (words.isEmpty ? name : words.joined(separator: " "))
        return short.count > 20 ? String(short.prefix(20)).trimmingCharacters(in: .whitespaces) : short
    }
}
