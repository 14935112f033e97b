import Backprop
import Foundation

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
