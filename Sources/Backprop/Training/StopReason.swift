public enum StopReason: Sendable, Equatable, CustomStringConvertible {
    case epochLimit
    case targetLoss
    case targetAccuracy
    case noImprovement(epochs: Int)
    case interrupted
    /// A batch method can go no further: Levenberg–Marquardt's μ passed its maximum, L-BFGS met a tolerance.
    case converged(String)

    public var description: String {
        switch self {
        case .epochLimit: "epoch limit reached"
        case .targetLoss: "target loss reached"
        case .targetAccuracy: "target accuracy reached"
        case .noImprovement(let n): "no improvement on the validation set for \(n) epochs"
        case .interrupted: "interrupted"
        case .converged(let why): "converged: \(why)"
        }
    }
}
