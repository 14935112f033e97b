extension BinaryFloatingPoint {
    /// This value as an Int, rounded toward zero and clamped to Int's range, `nan` for NaN.
    /// `Int(_:)` traps on NaN, infinities and values out of range, and any of them can come
    /// from data or options: every float-to-integer conversion in the package goes through here.
    package func clampedInt(nan: Int = 0) -> Int {
        if isNaN { return nan }
        // Int.max + 1 = 2⁶³ and Int.min = −2⁶³ are exact in every binary floating-point type.
        if self >= Self(Int.max) { return .max }
        if self <= Self(Int.min) { return .min }
        return Int(self)
    }
}
