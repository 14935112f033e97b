import COpenCL
import Synchronization

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
