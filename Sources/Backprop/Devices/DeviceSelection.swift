import Foundation

/// Opens the device a `DeviceRequest` names. Notices about the choice (why `auto` took the
/// CPU path, a device of a preference list that could not be opened) go to `notice`, one
/// line each, for the caller to show as it shows its own messages.
public enum DeviceSelection {
    /// Every OpenCL device on every platform; empty when no OpenCL driver is installed.
    public static func openCLDevices() throws -> [OpenCLDeviceInfo] {
        try CLInfo.allDevices()
    }

    /// Opens the device `request` names; nil means `BACKPROP_DEVICE`, else `auto`.
    /// `auto` falls back to the CPU path, saying why; an explicit OpenCL request never falls
    /// back: it opens that device or throws.
    public static func open(_ request: DeviceRequest? = nil, notice: (String) -> Void = { _ in }) throws -> any Device {
        try openWithFallbacks(request, notice: notice).device
    }

    /// Opens the first device of the request that can be opened, and returns the ones after
    /// it: where training goes on if this device fails midway. A device that cannot be
    /// opened is skipped with a notice naming it and the error. `localRank` (a rank's place
    /// among those on its host) picks, of the devices a request such as `opencl` or
    /// `opencl:gpu` matches, the one at that place, round-robin: GPU i for local rank i.
    public static func openWithFallbacks(_ request: DeviceRequest? = nil, localRank: Int = 0,
                                         notice: (String) -> Void = { _ in }) throws
        -> (device: any Device, fallbacks: [DeviceRequest]) {
        let request = try request ?? DeviceRequest.fromEnvironment()
        switch request {
        case .cpu:
            return (CPUDevice(), [])
        case .opencl:
            return (try openCL(openCLInfo(request, localRank: localRank), notice: notice), [])
        case .firstOf(let list):
            var lastError: Error = DeviceError.invalidRequest(request.description)
            for (i, alternative) in list.enumerated() {
                do {
                    let (device, more) = try openWithFallbacks(alternative, localRank: localRank, notice: notice)
                    return (device, more + list.dropFirst(i + 1))
                } catch {
                    lastError = error
                    if i + 1 < list.count { notice("could not open '\(alternative)': \(error); trying '\(list[i + 1])'") }
                }
            }
            throw lastError
        case .auto:
            let devices: [OpenCLDeviceInfo]
            do {
                devices = try openCLDevices()
            } catch {
                notice("OpenCL is not usable (\(error)); using the CPU path (OpenBLAS)")
                return (CPUDevice(), [])
            }
            let gpus = devices.filter { $0.type == .gpu }
            guard !gpus.isEmpty else {
                notice(devices.isEmpty
                    ? "no OpenCL driver found; using the CPU path (OpenBLAS)"
                    : "no OpenCL GPU found; using the CPU path (OpenBLAS); --device opencl selects \(devices[0].name)")
                return (CPUDevice(), [])
            }
            let gpu = gpus[localRank % gpus.count]
            do {
                return (try openCL(gpu, notice: notice), [.cpu])
            } catch {
                notice("could not open \(gpu.name): \(error); falling back to the CPU path (OpenBLAS)")
                return (CPUDevice(), [])
            }
        }
    }

    /// The OpenCL device an `opencl…` request names, without opening it (`backprop tune`
    /// must not depend on the stored GEMM configuration it is about to replace).
    public static func openCLInfo(_ request: DeviceRequest, localRank: Int = 0) throws -> OpenCLDeviceInfo {
        guard case .opencl(let selector) = request else {
            throw DeviceError.invalidRequest(request.description)
        }
        let devices = try openCLDevices()
        guard !devices.isEmpty else { throw DeviceError.noOpenCL(request: request.description) }
        guard let info = pick(selector, from: devices, localRank: localRank) else {
            throw DeviceError.noSuchDevice(request: request.description,
                                           available: devices.map { "\($0.index): \($0.description)" })
        }
        return info
    }

    /// An OpenCL device, behind `FaultInjectingDevice` when `BACKPROP_FAULT_AFTER_OPERATIONS`
    /// asks for a fault (a testing aid for error paths and fallbacks).
    private static func openCL(_ info: OpenCLDeviceInfo, notice: (String) -> Void = { _ in }) throws -> any Device {
        let device = try OpenCLDevice(info)
        if let fallback = device.familyFallback { notice(fallback) }
        guard let limit = FaultInjectingDevice.limitFromEnvironment() else { return device }
        return FaultInjectingDevice(device, failingAfter: limit)
    }

    static func pick(_ selector: DeviceRequest.OpenCLSelector, from devices: [OpenCLDeviceInfo],
                     localRank: Int = 0) -> OpenCLDeviceInfo? {
        func nth(_ matches: [OpenCLDeviceInfo]) -> OpenCLDeviceInfo? { matches.isEmpty ? nil : matches[localRank % matches.count] }
        switch selector {
        case .best:
            return nth(devices.filter { $0.type == .gpu }) ?? nth(devices)
        case .type(let type):
            return nth(devices.filter { $0.type == type })
        case .index(let i):
            return devices.first { $0.index == i }
        case let .platformDevice(p, d):
            return devices.first { $0.platformIndex == p && $0.deviceIndex == d }
        case .name(let text):
            let needle = text.lowercased()
            return nth(devices.filter {
                $0.name.lowercased().contains(needle) || $0.platformName.lowercased().contains(needle)
                    || $0.vendor.lowercased().contains(needle)
            })
        }
    }
}
