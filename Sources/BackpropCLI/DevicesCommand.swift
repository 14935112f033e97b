import ArgumentParser
import Backprop
import Foundation

struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every OpenCL platform and device, and the CPU path.")

    @Flag(help: "Also open each device and report how its kernels were built (compiled or cached) and how long it took.")
    var compile = false
    @OptionGroup var console: OutputOptions

    func run() throws {
        console.apply()
        try runReportingErrors {
            let cpu = CPUDevice()
            var listed: [[String: Any]] = []
            say("cpu            \(cpu.name)")
            let devices = try DeviceSelection.openCLDevices()
            if devices.isEmpty {
                say("no OpenCL platform found (install a GPU driver's OpenCL, or pocl-opencl-icd for the CPU)")
            }
            var platform = -1
            for d in devices {
                if d.platformIndex != platform {
                    platform = d.platformIndex
                    say("platform \(d.platformIndex): \(d.platformName)")
                }
                var entry: [String: Any] = [
                    "device": "opencl:\(d.index)", "platform_index": d.platformIndex, "device_index": d.deviceIndex,
                    "platform": d.platformName, "name": d.name, "type": d.type.rawValue, "vendor": d.vendor,
                    "compute_units": d.computeUnits, "max_clock_mhz": d.maxClockMHz, "global_memory_bytes": d.globalMemoryBytes,
                    "max_allocation_bytes": d.maxAllocationBytes, "local_memory_bytes": d.localMemoryBytes,
                    "max_work_group_size": d.maxWorkGroupSize, "opencl_version": d.openCLVersion,
                    "opencl_c_version": d.openCLCVersion, "driver_version": d.driverVersion, "fp16": d.supportsFP16, "fp64": d.supportsFP64,
                ]
                say("opencl:\(d.index)  [\(d.platformIndex):\(d.deviceIndex)] \(d.name)")
                say("    type \(d.type.rawValue), \(d.computeUnits) compute units at \(d.maxClockMHz) MHz, vendor \(d.vendor)")
                say("    memory \(bytes(d.globalMemoryBytes)) (largest allocation \(bytes(d.maxAllocationBytes))), local \(bytes(d.localMemoryBytes)), work-group ≤ \(d.maxWorkGroupSize)")
                say("    \(d.openCLVersion); \(d.openCLCVersion); driver \(d.driverVersion)")
                say("    fp16 \(d.supportsFP16 ? "yes" : "no"), fp64 \(d.supportsFP64 ? "yes" : "no")")
                if compile {
                    let start = Date()
                    let device = try OpenCLDevice(d)
                    let seconds = Date().timeIntervalSince(start)
                    say("    kernels: \(device.buildReport); device opened in \(String(format: "%.3f", seconds)) s")
                    say("    GEMM tiles: \(device.gemmConfig)")
                    entry["kernels"] = "\(device.buildReport)"
                    entry["open_seconds"] = seconds
                    entry["gemm_tiles"] = "\(device.gemmConfig)"
                }
                listed.append(entry)
            }
            let auto = try DeviceSelection.open(.auto, notice: notice)
            say("auto selects: \(auto.name)")
            if console.json {
                try Console.emit(json: ["cpu": cpu.name, "opencl": listed, "auto": auto.name, "version": BackpropVersion.current])
            }
        }
    }

    private func bytes(_ n: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(n), i = 0
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        return String(format: i == 0 ? "%.0f %@" : "%.1f %@", v, units[i])
    }
}
