import Foundation
import COpenCL

/// Enumerates OpenCL platforms and devices.
enum CLInfo {
    /// Every device on every platform. A system with the ICD loader but no driver has no
    /// platforms: that is an empty list, not an error.
    ///
    /// Enumerated once per process: the ICD loader (ocl-icd) loads its vendor libraries on the
    /// first call without a lock, and threads making that first call together (parallel test
    /// suites) saw no platform at all or crashed in strlen. A static is initialised exactly
    /// once, the other threads waiting for it.
    static func allDevices() throws(CLError) -> [OpenCLDeviceInfo] {
        try enumerated.get()
    }

    private static let enumerated = Result { () throws(CLError) in try enumerate() }

    private static func enumerate() throws(CLError) -> [OpenCLDeviceInfo] {
        var platformCount: cl_uint = 0
        let status = clGetPlatformIDs(0, nil, &platformCount)
        if status == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */ || platformCount == 0 { return [] }
        try clCheck(status, "clGetPlatformIDs")
        var platforms = [cl_platform_id?](repeating: nil, count: Int(platformCount))
        try clCheck(clGetPlatformIDs(platformCount, &platforms, nil), "clGetPlatformIDs")

        var result: [OpenCLDeviceInfo] = []
        for (p, platform) in platforms.enumerated() {
            guard let platform else { continue }
            var deviceCount: cl_uint = 0
            let s = clGetDeviceIDs(platform, cl_device_type(CL_DEVICE_TYPE_ALL), 0, nil, &deviceCount)
            if s == CL_DEVICE_NOT_FOUND || deviceCount == 0 { continue }
            try clCheck(s, "clGetDeviceIDs")
            var devices = [cl_device_id?](repeating: nil, count: Int(deviceCount))
            try clCheck(
                clGetDeviceIDs(platform, cl_device_type(CL_DEVICE_TYPE_ALL), deviceCount, &devices, nil),
                "clGetDeviceIDs")
            let platformName = platformString(platform, cl_platform_info(CL_PLATFORM_NAME))
            for (d, device) in devices.enumerated() {
                guard let device else { continue }
                result.append(info(device, platform: platform, platformName: platformName,
                                   index: result.count, platformIndex: p, deviceIndex: d))
            }
        }
        return result
    }

    static func info(_ device: cl_device_id, platform: cl_platform_id, platformName: String,
                     index: Int, platformIndex: Int, deviceIndex: Int) -> OpenCLDeviceInfo {
        let rawType: cl_device_type = scalar(device, CL_DEVICE_TYPE, default: 0)
        let type: OpenCLDeviceInfo.DeviceType =
            rawType & cl_device_type(CL_DEVICE_TYPE_GPU) != 0 ? .gpu
            : rawType & cl_device_type(CL_DEVICE_TYPE_CPU) != 0 ? .cpu
            : rawType & cl_device_type(CL_DEVICE_TYPE_ACCELERATOR) != 0 ? .accelerator : .other
        let extensions = string(device, CL_DEVICE_EXTENSIONS)
        let fp64: cl_device_fp_config = scalar(device, CL_DEVICE_DOUBLE_FP_CONFIG, default: 0)
        return OpenCLDeviceInfo(
            index: index, platformIndex: platformIndex, deviceIndex: deviceIndex,
            platformName: platformName,
            name: string(device, CL_DEVICE_NAME),
            vendor: string(device, CL_DEVICE_VENDOR),
            type: type,
            computeUnits: Int(scalar(device, CL_DEVICE_MAX_COMPUTE_UNITS, default: cl_uint(0))),
            maxClockMHz: Int(scalar(device, CL_DEVICE_MAX_CLOCK_FREQUENCY, default: cl_uint(0))),
            globalMemoryBytes: scalar(device, CL_DEVICE_GLOBAL_MEM_SIZE, default: cl_ulong(0)),
            maxAllocationBytes: scalar(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, default: cl_ulong(0)),
            localMemoryBytes: scalar(device, CL_DEVICE_LOCAL_MEM_SIZE, default: cl_ulong(0)),
            maxWorkGroupSize: Int(scalar(device, CL_DEVICE_MAX_WORK_GROUP_SIZE, default: Int(0))),
            openCLVersion: string(device, CL_DEVICE_VERSION),
            openCLCVersion: string(device, CL_DEVICE_OPENCL_C_VERSION),
            driverVersion: string(device, CL_DRIVER_VERSION),
            supportsFP16: extensions.contains("cl_khr_fp16"),
            supportsFP64: fp64 != 0 || extensions.contains("cl_khr_fp64"),
            idBits: UInt(bitPattern: device), platformBits: UInt(bitPattern: platform))
    }

    static func string(_ device: cl_device_id, _ param: Int32) -> String {
        var size = 0
        guard clGetDeviceInfo(device, cl_device_info(param), 0, nil, &size) == CL_SUCCESS, size > 0
        else { return "" }
        var bytes = [CChar](repeating: 0, count: size)
        guard clGetDeviceInfo(device, cl_device_info(param), size, &bytes, nil) == CL_SUCCESS
        else { return "" }
        return cString(bytes)
    }

    static func platformString(_ platform: cl_platform_id, _ param: cl_platform_info) -> String {
        var size = 0
        guard clGetPlatformInfo(platform, param, 0, nil, &size) == CL_SUCCESS, size > 0 else { return "" }
        var bytes = [CChar](repeating: 0, count: size)
        guard clGetPlatformInfo(platform, param, size, &bytes, nil) == CL_SUCCESS else { return "" }
        return cString(bytes)
    }

    static func scalar<T>(_ device: cl_device_id, _ param: Int32, default value: T) -> T {
        var v = value
        let status = withUnsafeMutableBytes(of: &v) { raw in
            clGetDeviceInfo(device, cl_device_info(param), raw.count, raw.baseAddress, nil)
        }
        return status == CL_SUCCESS ? v : value
    }

    private static func cString(_ bytes: [CChar]) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .trimmingCharacters(in: .whitespaces)
    }
}
