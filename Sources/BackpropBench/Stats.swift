import Backprop
import Foundation

/// Median, minimum and maximum of repeated measurements.
public struct Stats: Sendable, Codable, Hashable {
    public var median: Double
    public var min: Double
    public var max: Double
    public var repeats: Int

    public init(_ samples: [Double]) {
        precondition(!samples.isEmpty)
        let s = samples.sorted()
        let n = s.count
        median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
        min = s[0]
        max = s[n - 1]
        repeats = n
    }

    /// The same statistics of a derived quantity that falls as the measurement rises
    /// (a rate from a time): min and max swap.
    public func inverted(_ f: (Double) -> Double) -> Stats {
        var r = self
        r.median = f(median)
        r.min = f(max)
        r.max = f(min)
        return r
    }
}
