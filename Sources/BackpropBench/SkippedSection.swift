import Backprop
import Foundation

/// A section left out, and why ("no MNIST files in …").
public struct SkippedSection: Sendable, Codable, Hashable {
    public var section: String
    public var reason: String
}
