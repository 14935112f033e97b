/// Failures of a device that are not a failed OpenCL call (those are `CLError`).
public enum DeviceError: Error, CustomStringConvertible, Sendable {
    case allocationTooLarge(bytes: Int, limit: Int, device: String)
    /// More memory than the process can get (its `ulimit -v`, the machine's free memory).
    case outOfMemory(bytes: Int, what: String, why: String)
    case foreignBuffer(device: String)
    case noSuchDevice(request: String, available: [String])
    case noOpenCL(request: String)
    case invalidRequest(String)

    public var description: String {
        switch self {
        case let .allocationTooLarge(bytes, limit, device):
            return "a buffer of \(bytes) bytes is larger than \(device) allows in one allocation (\(limit) bytes); use a smaller batch or network"
        case let .outOfMemory(bytes, what, why):
            return "\(what) needs \(bytes) bytes; \(why)"
        case let .foreignBuffer(device):
            return "a buffer from another device was passed to \(device)"
        case let .noSuchDevice(request, available):
            let list = available.isEmpty ? "none" : available.joined(separator: "; ")
            return "no OpenCL device matches '\(request)'; available: \(list)"
        case let .noOpenCL(request):
            return "'\(request)' asks for OpenCL, but no OpenCL platform is installed (install a driver, or pocl-opencl-icd for the CPU)"
        case let .invalidRequest(text):
            return "invalid device '\(text)'; expected auto, cpu, opencl, opencl:gpu, opencl:cpu, opencl:<index>, opencl:<platform>:<device> or opencl:<name substring>"
        }
    }
}
