import Backprop

/// What measuring one training set-up found.
public struct ThroughputMeasurement: Sendable {
    /// Samples per second (forward + backward + update), over the repeats.
    public var samplesPerSecond: Stats
    /// Rows per update: 1 (stochastic), the mini-batch size, or the full batch's samples.
    public var batch: Int
    public var updatesPerRepeat: Int
    public var samplesPerRepeat: Int
    /// The first update, less a steady one: kernel builds for new shapes, work-buffer
    /// allocation, thread start-up.
    public var warmupSeconds: Double
    /// One update in steady state.
    public var secondsPerUpdate: Double
    /// Updates run in all, warm-up and probes included (for per-update counts such as
    /// kernel launches, taken over the whole measurement).
    public var updatesRun: Int
    /// Kernels enqueued per update over the whole measurement, where the device counts them
    /// (OpenCL; set by the caller, which knows the device).
    public var kernelsPerUpdate: Double?
    /// Threads of the CPU path's fused stochastic step, where it ran (set by the caller).
    public var fusedThreads: Int?
    /// The share of those steps that ran on all of them (the rest: on one).
    public var fusedTeamShare: Double?
}
