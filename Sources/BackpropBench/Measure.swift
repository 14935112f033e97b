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

public enum Measure {
    /// Wall-clock seconds of `body`, which must synchronise its device before returning.
    public static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        return (ContinuousClock.now - start).seconds
    }

    /// `warmup` untimed runs, then `repeats` timed ones.
    public static func repeated(_ repeats: Int, warmup: Int = 1, _ body: () throws -> Void) rethrows -> [Double] {
        for _ in 0..<warmup { try body() }
        return try (0..<Swift.max(repeats, 1)).map { _ in try seconds(body) }
    }
}
