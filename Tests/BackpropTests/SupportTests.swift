import Backprop
import BackpropTestSupport
import Testing

/// The package's guards against conversions and allocations that would end the process.
@Suite("Support: float-to-int conversions and the memory budget")
struct SupportTests {
    @Test("float-to-int conversions clamp instead of trapping on NaN, infinities and huge values")
    func clampedInt() {
        #expect(Double.nan.clampedInt() == 0 && Float.nan.clampedInt(nan: -1) == -1)
        #expect(Double.infinity.clampedInt() == .max && (-Double.infinity).clampedInt() == .min)
        #expect(Float.greatestFiniteMagnitude.clampedInt() == .max && 9.3e18.clampedInt() == .max)
        #expect((-9.3e18).clampedInt() == .min && Double(Int.min).clampedInt() == .min)
        #expect((2.9).clampedInt() == 2 && (-2.9).clampedInt() == -2 && Float(16_777_216).clampedInt() == 16_777_216)
    }

    @Test("the memory budget refuses what cannot fit and lets small allocations through")
    func memoryBudget() throws {
        #if os(Linux)
        let budget = try #require(MemoryBudget.available())
        #expect(budget > 1 << 20)
        #expect(MemoryBudget.shortfall(1 << 20) == nil)
        let why = try #require(MemoryBudget.shortfall(Int.max))
        #expect(why.contains("more than the") && why.contains("this process can still allocate"))
        #endif
        #expect(MemoryBudget.describe(1536) == "1.5 KiB" && MemoryBudget.describe(12) == "12 bytes")
    }
}
