import Foundation

/// Which device to train on. Parsed from `--device` and `BACKPROP_DEVICE`:
/// `auto` (an OpenCL GPU, else the CPU path), `cpu` (OpenBLAS), `opencl` (the best OpenCL
/// device: a GPU if any, else the first), `opencl:gpu|cpu|accelerator` (by type),
/// `opencl:<index>` (across all platforms, as `backprop devices` numbers them),
/// `opencl:<platform>:<device>` (indices within a platform) or `opencl:<name substring>`.
/// A comma-separated list (`opencl:gpu,cpu`) is an order of preference: the first that
/// opens is used, and if it fails during training, the next takes over. `auto` is
/// `opencl:gpu,cpu`, saying once which it chose and why.
public enum DeviceRequest: Sendable, Hashable, CustomStringConvertible {
    case auto
    case cpu
    case opencl(OpenCLSelector)
    indirect case firstOf([DeviceRequest])

    public enum OpenCLSelector: Sendable, Hashable {
        case best
        case type(OpenCLDeviceInfo.DeviceType)
        case index(Int)
        case platformDevice(platform: Int, device: Int)
        case name(String)
    }

    public init(parsing text: String) throws {
        // A name may hold a comma only in a list: "opencl:gpu,cpu".
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if items.count > 1 {
            self = .firstOf(try items.map { try DeviceRequest(single: $0, whole: text) })
            return
        }
        self = try DeviceRequest(single: text, whole: text)
    }

    private init(single text: String, whole: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        switch t.lowercased() {
        case "auto", "": self = .auto; return
        case "cpu", "blas": self = .cpu; return
        case "opencl", "cl": self = .opencl(.best); return
        default: break
        }
        guard t.lowercased().hasPrefix("opencl:") else { throw DeviceError.invalidRequest(whole) }
        let rest = String(t.dropFirst("opencl:".count))
        if let type = OpenCLDeviceInfo.DeviceType(rawValue: rest.lowercased()), type != .other {
            self = .opencl(.type(type))
        } else if let index = Int(rest), index >= 0 {
            self = .opencl(.index(index))
        } else if case let parts = rest.split(separator: ":", omittingEmptySubsequences: false), parts.count == 2,
                  let p = Int(parts[0]), let d = Int(parts[1]), p >= 0, d >= 0 {
            self = .opencl(.platformDevice(platform: p, device: d))
        } else if !rest.isEmpty {
            self = .opencl(.name(rest))
        } else {
            throw DeviceError.invalidRequest(whole)
        }
    }

    /// `BACKPROP_DEVICE` if set, else `auto`.
    public static func fromEnvironment() throws -> DeviceRequest {
        guard let text = ProcessInfo.processInfo.environment["BACKPROP_DEVICE"] else { return .auto }
        return try DeviceRequest(parsing: text)
    }

    public var description: String {
        switch self {
        case .auto: "auto"
        case .cpu: "cpu"
        case .opencl(.best): "opencl"
        case .opencl(.type(let t)): "opencl:\(t.rawValue)"
        case .opencl(.index(let i)): "opencl:\(i)"
        case .opencl(.platformDevice(let p, let d)): "opencl:\(p):\(d)"
        case .opencl(.name(let n)): "opencl:\(n)"
        case .firstOf(let list): list.map(\.description).joined(separator: ",")
        }
    }
}
