import ArgumentParser
import Backprop
import Foundation

struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every OpenCL platform and device, and the CPU path.")

    @Flag(help: "Also open each device and report how its kernels were built (compiled or cached) and how long it took.")
    var compile = false

    func run() throws {
        try runReportingErrors {
            let cpu = CPUDevice()
            print("cpu            \(cpu.name)")
            let devices = try DeviceSelection.openCLDevices()
            if devices.isEmpty {
                print("no OpenCL platform found (install a GPU driver's OpenCL, or pocl-opencl-icd for the CPU)")
            }
            var platform = -1
            for d in devices {
                if d.platformIndex != platform {
                    platform = d.platformIndex
                    print("platform \(d.platformIndex): \(d.platformName)")
                }
                print("opencl:\(d.index)  [\(d.platformIndex):\(d.deviceIndex)] \(d.name)")
                print("    type \(d.type.rawValue), \(d.computeUnits) compute units at \(d.maxClockMHz) MHz, vendor \(d.vendor)")
                print("    memory \(bytes(d.globalMemoryBytes)) (largest allocation \(bytes(d.maxAllocationBytes))), local \(bytes(d.localMemoryBytes)), work-group ≤ \(d.maxWorkGroupSize)")
                print("    \(d.openCLVersion); \(d.openCLCVersion); driver \(d.driverVersion)")
                print("    fp16 \(d.supportsFP16 ? "yes" : "no"), fp64 \(d.supportsFP64 ? "yes" : "no")")
                if compile {
                    let start = Date()
                    let device = try OpenCLDevice(d)
                    print("    kernels: \(device.buildReport); device opened in \(String(format: "%.3f", Date().timeIntervalSince(start))) s")
                    print("    GEMM tiles: \(device.gemmConfig)")
                }
            }
            let auto = try DeviceSelection.open(.auto, notice: notice)
            print("auto selects: \(auto.name)")
        }
    }

    private func bytes(_ n: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(n), i = 0
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        return String(format: i == 0 ? "%.0f %@" : "%.1f %@", v, units[i])
    }
}
