/// The update rule and its settings, as chosen on the command line and stored in checkpoints.
public struct OptimizerConfig: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case sgd, momentum, nesterov, adam, rprop

        /// Parses a name, with the aliases people type: `adamw` (our Adam's weight decay is the
        /// decoupled one), `sgd-momentum`, `nag`, `irprop-`.
        public init?(name: String) {
            switch name.lowercased() {
            case "adamw": self = .adam
            case "sgd-momentum", "momentum-sgd": self = .momentum
            case "nag": self = .nesterov
            case "irprop-", "irprop", "irprop−": self = .rprop
            default: self.init(rawValue: name.lowercased())
            }
        }

        /// The learning rate used when none is given: 0.001 for adam (PyTorch's and Keras'),
        /// 0.01 for the others (Keras' SGD; PyTorch's Rprop).
        public var defaultLearningRate: Float { self == .adam ? 0.001 : 0.01 }
    }

    public var kind: Kind
    /// The step size η (for RPROP, the initial per-weight step Δ₀).
    public var learningRate: Float
    /// μ, the share of the previous change kept (momentum, Nesterov).
    public var momentum: Float = 0.9
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// L2 weight decay (decoupled for Adam); biases are never decayed.
    public var weightDecay: Float = 0
    /// iRPROP− factors and bounds.
    public var etaPlus: Float = 1.2
    public var etaMinus: Float = 0.5
    public var stepMin: Float = 1e-6
    public var stepMax: Float = 50

    public init(_ kind: Kind, learningRate: Float, momentum: Float = 0.9, weightDecay: Float = 0) {
        self.kind = kind
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    public static let validNames = Kind.allCases.map(\.rawValue).joined(separator: ", ")

    public func validate() throws {
        guard learningRate.isFinite, learningRate > 0 else {
            throw ConfigurationError(.learningRate, learningRate, "must be a finite number above 0")
        }
        guard momentum.isFinite, momentum >= 0, momentum < 1 else {
            throw ConfigurationError(.momentum, momentum, "must lie in [0, 1)")
        }
        guard weightDecay.isFinite, weightDecay >= 0 else {
            throw ConfigurationError(.weightDecay, weightDecay, "must be a finite number ≥ 0")
        }
        for (setting, beta) in [(ConfigurationError.Setting.beta1, beta1), (.beta2, beta2)] where !(beta >= 0 && beta < 1) {
            throw ConfigurationError(setting, beta, "must lie in [0, 1)")
        }
        guard epsilon > 0 else { throw ConfigurationError("Adam needs ε > 0") }
        guard etaPlus > 1, etaMinus > 0, etaMinus < 1, stepMin > 0, stepMax >= stepMin else {
            throw ConfigurationError("RPROP needs η+ > 1, 0 < η− < 1 and 0 < Δmin ≤ Δmax")
        }
    }
}
