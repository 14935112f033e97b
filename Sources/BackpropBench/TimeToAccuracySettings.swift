import Backprop
import Foundation

public struct TimeToAccuracySettings: Sendable, Hashable {
    public var sizes = [784, 256, 10]
    /// Held-out accuracy to reach, a fraction.
    public var target = 0.95
    /// Each run stops at this wall time (checked after every update) if not at the target.
    public var maxSeconds = 60.0
    public var runs = AccuracyRun.standard
    /// The first `trainCount` samples train, the last `heldOutCount` are held out.
    public var trainCount = 8_000
    public var heldOutCount = 2_000
    public var seed: UInt64 = 42

    public init() {}
}
