import COpenCL
import Synchronization

enum KernelArgument {
    case int(Int)
    case float(Float)
    case mem(cl_mem)
    /// A buffer and the element its data starts at (kernels take `global real* X, const int offX`).
    case buffer(cl_mem, offset: Int)
    /// An `int8` and a `float8` (OpenCL's vector types: 32 bytes each), for kernels that take
    /// many scalars packed, since an implementation may copy each argument of each launch.
    case ints(SIMD8<Int32>)
    case floats(SIMD8<Float>)
}
