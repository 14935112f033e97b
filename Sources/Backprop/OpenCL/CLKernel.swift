import COpenCL
import Synchronization

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

    /// Sets the arguments in order. Int becomes `int`, Float `real`, a buffer its `cl_mem`, a
    /// buffer with an offset two arguments (the `cl_mem` and the offset as an `int`), and
    /// eight Int32s or Floats an `int8` or `float8`.
    /// Inlined, so that the argument list stays on the stack: no allocation per launch.
    /// `first` is the index of the first argument, for a kernel whose arguments take several
    /// calls; returns the index after the last.
    @inline(__always) @discardableResult
    func set(from first: Int = 0, _ args: KernelArgument...) throws(CLError) -> Int {
        var index = cl_uint(first)
        for arg in args {
            switch arg {
            case .int(let v): try set(index, Int32(truncatingIfNeeded: v))
            case .float(let v): try set(index, v)
            case .mem(let m): try set(index, m)
            case .buffer(let m, let offset):
                try set(index, m)
                index += 1
                try set(index, Int32(truncatingIfNeeded: offset))
            case .ints(let v): try set(index, v)
            case .floats(let v): try set(index, v)
            }
            index += 1
        }
        return Int(index)
    }

    @inline(__always)
    private func set<T: BitwiseCopyable>(_ index: cl_uint, _ value: T) throws(CLError) {
        let status = withUnsafeBytes(of: value) { clSetKernelArg(kernel, index, $0.count, $0.baseAddress) }
        try clCheck(status, "clSetKernelArg(\(name), \(index))")
    }
}
