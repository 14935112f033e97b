import Backprop
import Foundation

public struct AccuracyMeasurement: Sendable {
    /// Wall time to the target, or until the run stopped at its cap.
    public var seconds: Double
    /// Epochs trained (fractional when the time cap stopped one part-way).
    public var epochs: Double
    /// The accuracy at the target, or the best one seen when it was not reached.
    public var accuracy: Double
    public var reached: Bool
    /// One-time cost (kernel builds, allocation) seen in the warm-up, kept out of `seconds`.
    public var warmupSeconds: Double
    /// Held-out accuracy after each epoch (and at the cap), from the start of the clock.
    public var curve: [CurvePoint]
}
