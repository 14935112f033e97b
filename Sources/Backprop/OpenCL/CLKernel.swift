import COpenCL
import Synchronization

/// OpenCL objects this process holds (buffers, kernels, queues): for leak checks
/// (`backprop stress`), since drivers do not report their own object counts.
public enum CLObjectCount {
    static let live = Atomic<Int>(0)
    public static var current: Int { live.load(ordering: .relaxed) }
    static func created() { live.add(1, ordering: .relaxed) }
    static func released() { live.subtract(1, ordering: .relaxed) }
}

/// A kernel object with its name, for error messages. Kernel objects are not shared
/// between device objects: setting arguments is not thread-safe in OpenCL.
final class CLKernel {
    let kernel: cl_kernel
    let name: String

    init(program: cl_program, name: String) throws(CLError) {
        var status: cl_int = 0
        let kernel = clCreateKernel(program, name, &status)
        try clCheck(status, "clCreateKernel(\(name))")
        guard let kernel else { throw CLError(code: status, call: "clCreateKernel(\(name))") }
        self.kernel = kernel
        self.name = name
        CLObjectCount.created()
    }

    deinit {
        clReleaseKernel(kernel)
        CLObjectCount.released()
    }

    /// Sets the arguments in order. Int becomes `int`, Float `real`, a buffer its `cl_mem`.
    /// Inlined, so that the argument list stays on the stack: no allocation per launch.
    @inline(__always)
    func set(_ args: KernelArgument...) throws(CLError) {
        for (i, arg) in args.enumerated() {
            let index = cl_uint(i)
            let status: cl_int
            switch arg {
            case .int(let v):
                var x = Int32(truncatingIfNeeded: v)
                status = clSetKernelArg(kernel, index, 4, &x)
            case .float(let v):
                var x = v
                status = clSetKernelArg(kernel, index, 4, &x)
            case .mem(let m):
                var x: cl_mem? = m
                status = clSetKernelArg(kernel, index, MemoryLayout<cl_mem>.size, &x)
            }
            try clCheck(status, "clSetKernelArg(\(name), \(i))")
        }
    }
}

enum KernelArgument {
    case int(Int)
    case float(Float)
    case mem(cl_mem)
}

/// Device memory. Released when the last reference goes.
final class CLBuffer: DeviceBuffer {
    let mem: cl_mem
    let contextID: ObjectIdentifier

    init(context: CLContext, count: Int) throws(CLError) {
        var status: cl_int = 0
        let bytes = Swift.max(count, 1) * 4
        let mem = clCreateBuffer(context.context, cl_mem_flags(CL_MEM_READ_WRITE), bytes, nil, &status)
        try clCheck(status, "clCreateBuffer(\(bytes) bytes)")
        guard let mem else { throw CLError(code: status, call: "clCreateBuffer(\(bytes) bytes)") }
        self.mem = mem
        self.contextID = ObjectIdentifier(context)
        super.init(count: count)
        CLObjectCount.created()
    }

    deinit {
        clReleaseMemObject(mem)
        CLObjectCount.released()
    }
}
