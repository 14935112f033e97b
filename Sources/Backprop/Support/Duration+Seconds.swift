extension Duration {
    /// The duration in seconds, for timings and rates. Package-wide: the library, its tools
    /// and its command share it; it is not part of the library's API.
    package var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
