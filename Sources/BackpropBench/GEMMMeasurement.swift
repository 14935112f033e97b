import Backprop

/// What measuring one product shape found.
public struct GEMMMeasurement: Sendable {
    /// GFLOP/s over the repeats.
    public var rate: Stats
    /// The first product, synchronised: kernel build or thread start-up, plus one product.
    public var firstSeconds: Double
    /// One product in steady state (the median repeat divided by its products).
    public var steadySeconds: Double
    /// Products per timed repeat.
    public var productsPerRepeat: Int
}
