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
