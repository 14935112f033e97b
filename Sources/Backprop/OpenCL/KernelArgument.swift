import COpenCL
import Synchronization

enum KernelArgument {
    case int(Int)
    case float(Float)
    case mem(cl_mem)
    /// A buffer and the element its data starts at (kernels take `global real* X, const int offX`).
    case buffer(cl_mem, offset: Int)
}
