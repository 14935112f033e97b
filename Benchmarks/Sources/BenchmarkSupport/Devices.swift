import Backprop
import BackpropBench
import Foundation

/// The devices the suites measure, opened once per process on first use:
/// `BACKPROP_BENCH_DEVICES` (requests as `backprop bench --device` takes them, separated by
/// spaces), else the CPU path and every OpenCL device present.
public enum BenchDevices {
    nonisolated(unsafe) private static var opened: [BenchmarkDevice]?

    /// The labels of the devices, without opening any ("cpu", "opencl:0 pocl-haswell").
    public static func labels() -> [String] {
        (try? open().map(\.label)) ?? ["cpu"]
    }

    /// The devices, opened on the first call (benchmarks run one at a time, on one thread).
    public static func open() throws -> [BenchmarkDevice] {
        if let opened { return opened }
        let text = ProcessInfo.processInfo.environment["BACKPROP_BENCH_DEVICES"]
        let requests = try text.map { try $0.split(separator: " ").map { try DeviceRequest(parsing: String($0)) } }
        let devices = try BenchmarkDevice.open(requests)
        opened = devices
        return devices
    }

    public static func device(_ label: String) throws -> any Device {
        guard let d = try open().first(where: { $0.label == label }) else {
            throw ConfigurationError("no device labelled \(label)")
        }
        return d.device
    }
}
