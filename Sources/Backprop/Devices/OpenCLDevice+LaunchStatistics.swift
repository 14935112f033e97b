/// What launching kernels costs on one OpenCL device: how many were enqueued, and the floor
/// under each (`OpenCLDevice.emptyLaunchSeconds`). For kernels-per-update figures: read
/// `kernels` before and after the work and divide by its updates.
public final class LaunchStatistics {
    /// Kernels enqueued on the device so far.
    public internal(set) var kernels = 0
}

extension OpenCLDevice {
    /// The wall time of one launch of a kernel that does nothing, averaged over `count`
    /// back-to-back launches and one final wait: the floor under every kernel's cost.
    public func emptyLaunchSeconds(count: Int = 2000) throws -> Double {
        try ks.empty.set(.int(0))
        try enqueue(ks.empty, global: [localSize], local: [localSize])
        try synchronize()
        let start = ContinuousClock.now
        for _ in 0..<count { try enqueue(ks.empty, global: [localSize], local: [localSize]) }
        try synchronize()
        return (ContinuousClock.now - start).seconds / Double(max(count, 1))
    }
}
