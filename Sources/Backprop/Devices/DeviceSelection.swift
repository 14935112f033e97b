import Foundation
import Synchronization

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

public enum DeviceSelection {
    /// Every OpenCL device on every platform; empty when no OpenCL driver is installed.
    public static func openCLDevices() throws -> [OpenCLDeviceInfo] {
        try CLInfo.allDevices()
    }

    /// Opens the device `request` names; nil means `BACKPROP_DEVICE`, else `auto`.
    /// `auto` falls back to the CPU path, saying why once; an explicit OpenCL request
    /// never falls back: it opens that device or throws.
    public static func open(_ request: DeviceRequest? = nil) throws -> any Device {
        try openWithFallbacks(request).device
    }

    /// Opens the first device of the request that can be opened, and returns the ones after
    /// it: where training goes on if this device fails midway. A device that cannot be
    /// opened is skipped with a notice naming it and the error.
    public static func openWithFallbacks(_ request: DeviceRequest? = nil) throws
        -> (device: any Device, fallbacks: [DeviceRequest]) {
        let request = try request ?? DeviceRequest.fromEnvironment()
        switch request {
        case .cpu:
            return (CPUDevice(), [])
        case .opencl:
            return (try OpenCLDevice(openCLInfo(request)), [])
        case .firstOf(let list):
            var lastError: Error = DeviceError.invalidRequest(request.description)
            for (i, alternative) in list.enumerated() {
                do {
                    let (device, more) = try openWithFallbacks(alternative)
                    return (device, more + list.dropFirst(i + 1))
                } catch {
                    lastError = error
                    if i + 1 < list.count {
                        Diagnostics.notice("could not open '\(alternative)': \(error); trying '\(list[i + 1])'")
                    }
                }
            }
            throw lastError
        case .auto:
            let devices: [OpenCLDeviceInfo]
            do {
                devices = try openCLDevices()
            } catch {
                Diagnostics.notice("OpenCL is not usable (\(error)); using the CPU path (OpenBLAS)")
                return (CPUDevice(), [])
            }
            guard let gpu = devices.first(where: { $0.type == .gpu }) else {
                Diagnostics.notice(devices.isEmpty
                    ? "no OpenCL driver found; using the CPU path (OpenBLAS)"
                    : "no OpenCL GPU found; using the CPU path (OpenBLAS); --device opencl selects \(devices[0].name)")
                return (CPUDevice(), [])
            }
            do {
                return (try OpenCLDevice(gpu), [.cpu])
            } catch {
                Diagnostics.notice("could not open \(gpu.name): \(error)\nfalling back to the CPU path (OpenBLAS)")
                return (CPUDevice(), [])
            }
        }
    }

    /// The OpenCL device an `opencl…` request names, without opening it (`backprop tune`
    /// must not depend on the stored GEMM configuration it is about to replace).
    public static func openCLInfo(_ request: DeviceRequest) throws -> OpenCLDeviceInfo {
        guard case .opencl(let selector) = request else {
            throw DeviceError.invalidRequest(request.description)
        }
        let devices = try openCLDevices()
        guard !devices.isEmpty else { throw DeviceError.noOpenCL(request: request.description) }
        guard let info = pick(selector, from: devices) else {
            throw DeviceError.noSuchDevice(request: request.description,
                                           available: devices.map { "\($0.index): \($0.description)" })
        }
        return info
    }

    static func pick(_ selector: DeviceRequest.OpenCLSelector, from devices: [OpenCLDeviceInfo]) -> OpenCLDeviceInfo? {
        switch selector {
        case .best:
            return devices.first { $0.type == .gpu } ?? devices.first
        case .type(let type):
            return devices.first { $0.type == type }
        case .index(let i):
            return devices.first { $0.index == i }
        case let .platformDevice(p, d):
            return devices.first { $0.platformIndex == p && $0.deviceIndex == d }
        case .name(let text):
            let needle = text.lowercased()
            return devices.first {
                $0.name.lowercased().contains(needle) || $0.platformName.lowercased().contains(needle)
                    || $0.vendor.lowercased().contains(needle)
            }
        }
    }
}

/// One-line notices for the user (device fallbacks and the like), each said once per process,
/// on standard error unless a handler is installed.
public enum Diagnostics {
    private static let said = Mutex<Set<String>>([])
    private static let handlerBox = Mutex<(@Sendable (String) -> Void)?>(nil)

    /// Routes notices elsewhere (a log, a test); nil restores standard error.
    public static func setHandler(_ handler: (@Sendable (String) -> Void)?) {
        handlerBox.withLock { $0 = handler }
    }

    public static func notice(_ text: String) {
        let first = said.withLock { $0.insert(text).inserted }
        guard first else { return }
        if let handler = handlerBox.withLock({ $0 }) {
            handler(text)
        } else {
            FileHandle.standardError.write(Data(("backprop: " + text + "\n").utf8))
        }
    }
}
