/// How weights start. Biases always start at zero. `auto` picks He for ReLU-like layers
/// (relu, leaky-relu, elu, swish, mish) and Glorot for the others, layer by layer.
public enum Initializer: String, Sendable, Hashable, Codable, CaseIterable {
    case auto
    /// U(−l, l) with l = √(6 / (in + out)).
    case glorotUniform = "glorot-uniform"
    /// N(0, 2 / (in + out)).
    case glorotNormal = "glorot-normal"
    /// U(−l, l) with l = √(6 / in).
    case heUniform = "he-uniform"
    /// N(0, 2 / in).
    case heNormal = "he-normal"

    /// The flat parameter vector (see `Architecture`) for `architecture`, from `seed`.
    public func parameters(for architecture: Architecture, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        var values = [Float](repeating: 0, count: architecture.parameterCount)
        for l in 0..<architecture.layerCount {
            let fanIn = Double(architecture.inputs(ofLayer: l)), fanOut = Double(architecture.units(ofLayer: l))
            let rule = resolved(for: architecture.activations[l])
            let offset = architecture.weightOffset(l)
            for i in 0..<(architecture.inputs(ofLayer: l) * architecture.units(ofLayer: l)) {
                let w: Double
                switch rule {
                case .glorotUniform: w = rng.uniform(-1, 1) * (6 / (fanIn + fanOut)).squareRoot()
                case .glorotNormal: w = rng.normal() * (2 / (fanIn + fanOut)).squareRoot()
                case .heUniform: w = rng.uniform(-1, 1) * (6 / fanIn).squareRoot()
                case .heNormal, .auto: w = rng.normal() * (2 / fanIn).squareRoot()
                }
                values[offset + i] = Float(w)
            }
        }
        return values
    }

    private func resolved(for activation: Activation) -> Initializer {
        guard self == .auto else { return self }
        switch activation {
        case .relu, .leakyReLU, .elu, .swish, .mish: return .heUniform
        default: return .glorotUniform
        }
    }
}
