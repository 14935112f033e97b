import Backprop
import Foundation

/// One figure, in the record format the peers (Benchmarks/peers/) write, so that their JSON
/// and ours can be read side by side. Fields that do not apply to a section are nil and left
/// out of the JSON.
public struct BenchmarkRecord: Sendable, Codable, Hashable {
    public var peer = "backprop"
    public var device: String
    /// "throughput", "gemm" or "time-to-accuracy".
    public var section: String
    public var net: String?
    public var mode: String?
    /// Rows per update (1 stochastic, the mini-batch, or the full batch's samples).
    public var batch: Int?
    /// Samples per timed repeat (throughput), or training samples (time-to-accuracy).
    public var samples: Int?
    public var shape: String?
    public var op: String?
    public var median: Double?
    public var min: Double?
    public var max: Double?
    public var repeats: Int?
    /// "samples/s", "GFLOP/s" or "s".
    public var unit: String
    public var seconds: Double?
    public var epochs: Double?
    public var accuracy: Double?
    public var reached: Bool?
    public var target: Double?
    public var lr: Double?
    public var momentum: Double?
    /// First run less a steady one (kernel builds, allocation, thread start-up): kept out of
    /// the figures.
    public var compileSeconds: Double?
    /// GEMM: this device's median over the `cblas_sgemm` reference's, measured in the same run.
    public var ratioToCBLAS: Double?
    /// GEMM: true on the `cblas_sgemm` reference rows (device "cblas": the CPU path with its
    /// own skinny-product kernels off).
    public var reference: Bool?
    /// Time-to-accuracy: held-out accuracy against wall time, [[seconds, accuracy], …].
    public var curve: [[Double]]?
    /// Throughput on OpenCL: kernels enqueued per update (over a pass of up to 100 updates).
    public var kernelsPerUpdate: Double?
    /// Throughput on OpenCL: one empty kernel's enqueue-to-completion cost, measured right
    /// after the figure; times `kernelsPerUpdate`, the floor under an update's wall time.
    public var emptyLaunchSeconds: Double?
    /// Throughput on the CPU path in stochastic mode: the fused step's threads, and (with
    /// more than one) one barrier's cost measured right after the figure.
    public var fusedThreads: Int?
    public var barrierSeconds: Double?

    public init(device: String, section: BenchmarkConfiguration.Section, unit: String) {
        self.device = device
        self.section = section.rawValue
        self.unit = unit
    }

    enum CodingKeys: String, CodingKey {
        case peer, device, section, net, mode, batch, samples, shape, op, median, min, max, repeats, unit
        case seconds, epochs, accuracy, reached, target, lr, momentum, reference, curve
        case compileSeconds = "compile_seconds"
        case ratioToCBLAS = "ratio_to_cblas"
        case kernelsPerUpdate = "kernels_per_update"
        case emptyLaunchSeconds = "empty_launch_seconds"
        case fusedThreads = "fused_threads"
        case barrierSeconds = "barrier_seconds"
    }

    /// Seconds per update at the median rate, over the launch floor (kernels per update ×
    /// empty launch): 1 would be an update that costs no more than launching its kernels.
    public var launchFloorRatio: Double? {
        guard let kernelsPerUpdate, let emptyLaunchSeconds, let median, let batch, median > 0,
              kernelsPerUpdate > 0, emptyLaunchSeconds > 0 else { return nil }
        return (Double(batch) / median) / (kernelsPerUpdate * emptyLaunchSeconds)
    }

    /// Median, min and max from `stats`.
    public mutating func set(_ stats: Stats) {
        median = stats.median
        min = stats.min
        max = stats.max
        repeats = stats.repeats
    }
}
