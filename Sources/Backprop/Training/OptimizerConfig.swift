/// The update rule and its settings, as chosen on the command line and stored in checkpoints.
public struct OptimizerConfig: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case sgd, momentum, nesterov, adam, rprop, quickprop
        /// Levenberg–Marquardt: Gauss–Newton steps damped by μ, for squared error (`LevenbergMarquardt`).
        case lm
        /// Limited-memory BFGS with a strong-Wolfe line search (`LBFGS`).
        case lbfgs

        /// Parses a name, with the aliases people type: `adamw` (our Adam's weight decay is the
        /// decoupled one), `sgd-momentum`, `nag`, `irprop-`.
        public init?(name: String) {
            switch name.lowercased() {
            case "adamw": self = .adam
            case "sgd-momentum", "momentum-sgd": self = .momentum
            case "nag": self = .nesterov
            case "irprop-", "irprop", "irprop−": self = .rprop
            case "levenberg-marquardt", "trainlm", "levenberg_marquardt": self = .lm
            case "l-bfgs", "l_bfgs": self = .lbfgs
            default: self.init(rawValue: name.lowercased())
            }
        }

        /// The learning rate used when none is given: 0.001 for adam (PyTorch's and Keras'),
        /// 0.7 for quickprop (FANN's), 1 for lbfgs (PyTorch's: the line search's first step),
        /// 0.01 for the others (Keras' SGD; PyTorch's Rprop). lm takes none.
        public var defaultLearningRate: Float {
            switch self {
            case .adam: 0.001
            case .quickprop: 0.7
            case .lbfgs, .lm: 1
            case .sgd, .momentum, .nesterov, .rprop: 0.01
            }
        }

        /// Methods that need the gradient (or the Jacobian) of the whole training set at each
        /// step, and run in batch mode only.
        public var isBatchMethod: Bool { self == .quickprop || self == .lm || self == .lbfgs }

        /// The refusal of a batch method in another `mode`.
        func batchModeOnly(_ mode: String) -> ConfigurationError {
            ConfigurationError([.init(.mode, mode), .init(.optimizer, rawValue)],
                               "\(rawValue) steps on the gradient of the whole training set and runs in batch mode only (its default)")
        }

        /// Whether a learning rate means anything to the method (lm adapts its damping μ).
        public var takesLearningRate: Bool { self != .lm }
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
    /// Quickprop: the decay added to FANN's slope (negative: towards zero) and μ, the largest
    /// growth of a step (FANN's defaults −0.0001 and 1.75).
    public var quickpropDecay: Float = -0.0001
    public var quickpropMu: Float = 1.75
    /// Levenberg–Marquardt's damping: its start, the factors on a better and a worse step, and
    /// the largest μ before training stops (MATLAB trainlm's 0.001, 0.1, 10, 1e10).
    public var lmMu: Double = 0.001
    public var lmMuDecrease: Double = 0.1
    public var lmMuIncrease: Double = 10
    public var lmMuMax: Double = 1e10
    /// L-BFGS: the correction pairs kept (torch.optim.LBFGS's history_size; 10 here) and the
    /// tolerances on the largest gradient entry and on the change of the loss or parameters
    /// below which it has converged (torch's tolerance_grad 1e-7, tolerance_change 1e-9).
    public var lbfgsHistory: Int = 10
    public var lbfgsToleranceGrad: Double = 1e-7
    public var lbfgsToleranceChange: Double = 1e-9

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
        guard quickpropDecay.isFinite, quickpropDecay <= 0 else {
            throw ConfigurationError(.quickpropDecay, quickpropDecay, "must be a finite number ≤ 0 (FANN's is −0.0001: it pulls weights towards zero)")
        }
        guard quickpropMu.isFinite, quickpropMu > 0 else {
            throw ConfigurationError(.quickpropMu, quickpropMu, "must be a finite number above 0 (FANN's is 1.75)")
        }
        guard lmMu > 0, lmMuDecrease > 0, lmMuDecrease < 1, lmMuIncrease > 1, lmMuMax > lmMu else {
            throw ConfigurationError("Levenberg–Marquardt needs μ > 0, 0 < μ decrease < 1 < μ increase and μ max > μ")
        }
        guard lbfgsHistory >= 1, lbfgsHistory <= 1000 else {
            throw ConfigurationError(.lbfgsHistory, lbfgsHistory, "must lie in 1...1000")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case kind, learningRate, momentum, beta1, beta2, epsilon, weightDecay, etaPlus, etaMinus, stepMin, stepMax
        case quickpropDecay, quickpropMu, lmMu, lmMuDecrease, lmMuIncrease, lmMuMax
        case lbfgsHistory, lbfgsToleranceGrad, lbfgsToleranceChange
    }

    /// Checkpoints written before a setting existed lack its key: it takes its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(try c.decode(Kind.self, forKey: .kind), learningRate: try c.decode(Float.self, forKey: .learningRate))
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
        }
        try read(.momentum, &momentum)
        try read(.beta1, &beta1)
        try read(.beta2, &beta2)
        try read(.epsilon, &epsilon)
        try read(.weightDecay, &weightDecay)
        try read(.etaPlus, &etaPlus)
        try read(.etaMinus, &etaMinus)
        try read(.stepMin, &stepMin)
        try read(.stepMax, &stepMax)
        try read(.quickpropDecay, &quickpropDecay)
        try read(.quickpropMu, &quickpropMu)
        try read(.lmMu, &lmMu)
        try read(.lmMuDecrease, &lmMuDecrease)
        try read(.lmMuIncrease, &lmMuIncrease)
        try read(.lmMuMax, &lmMuMax)
        try read(.lbfgsHistory, &lbfgsHistory)
        try read(.lbfgsToleranceGrad, &lbfgsToleranceGrad)
        try read(.lbfgsToleranceChange, &lbfgsToleranceChange)
    }
}
