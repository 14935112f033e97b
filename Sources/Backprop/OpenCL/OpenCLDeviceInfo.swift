import Foundation
import COpenCL

/// What a user needs to know about one OpenCL device, as `backprop devices` lists it.
public struct OpenCLDeviceInfo: Sendable, CustomStringConvertible {
    public enum DeviceType: String, Sendable { case gpu, cpu, accelerator, other }

    /// Position across all platforms, in enumeration order: `opencl:<index>` selects it.
    public let index: Int
    public let platformIndex: Int
    public let deviceIndex: Int
    public let platformName: String
    public let name: String
    public let vendor: String
    public let type: DeviceType
    public let computeUnits: Int
    public let maxClockMHz: Int
    public let globalMemoryBytes: UInt64
    public let maxAllocationBytes: UInt64
    public let localMemoryBytes: UInt64
    public let maxWorkGroupSize: Int
    public let openCLVersion: String
    public let openCLCVersion: String
    public let driverVersion: String
    public let supportsFP16: Bool
    public let supportsFP64: Bool

    // OpenCL handles, kept as bit patterns so that the description stays Sendable.
    let idBits: UInt
    let platformBits: UInt
    var id: cl_device_id { OpaquePointer(bitPattern: idBits)! }
    var platformID: cl_platform_id { OpaquePointer(bitPattern: platformBits)! }

    public var description: String {
        "\(name) (\(platformName), \(type.rawValue))"
    }
}
