import Backprop
import Foundation

/// Held-out accuracy after some wall time.
public struct CurvePoint: Sendable, Hashable, Codable {
    public var seconds: Double
    public var accuracy: Double
}
