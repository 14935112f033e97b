import Foundation

/// The update rules in float64, from their published definitions (momentum as Rumelhart,
/// Hinton & Williams' inertia term; Nesterov in Sutskever's form; Adam as Kingma & Ba with
/// decoupled weight decay as Loshchilov & Hutter; iRPROP− as Igel & Hüsken; Quickprop as
/// Fahlman, in the form of FANN's `fann_update_weights_quickprop`). The oracle for
/// the devices' optimizer kernels.
public struct ReferenceOptimizer: Sendable {
    public let rule: UpdateRule
    public var state: [[Double]]

    public init(_ rule: UpdateRule, count: Int, initialStep: Double = 0) {
        self.rule = rule
        switch rule {
        case .sgd: state = []
        case .momentum: state = [Array(repeating: 0, count: count)]
        case .adam: state = [Array(repeating: 0, count: count), Array(repeating: 0, count: count)]
        case .rprop: state = [Array(repeating: 0, count: count), Array(repeating: initialStep, count: count)]
        case .quickprop: state = [Array(repeating: 0, count: count), Array(repeating: 0, count: count)]
        }
    }

    /// One step on `p` with gradient `g`; the first `decayCount` parameters are weights.
    public mutating func step(_ p: inout [Double], _ g: [Double], decayCount: Int, rule override: UpdateRule? = nil) {
        let rule = override ?? self.rule
        for i in p.indices {
            let decays = i < decayCount
            switch rule {
            case let .sgd(lr, wd):
                p[i] -= Double(lr) * (g[i] + (decays ? Double(wd) * p[i] : 0))
            case let .momentum(lr, mu, wd, nesterov):
                let grad = g[i] + (decays ? Double(wd) * p[i] : 0)
                let previous = state[0][i]
                let velocity = Double(mu) * previous - Double(lr) * grad
                state[0][i] = velocity
                // Nesterov: look ahead along the new velocity.
                p[i] += nesterov ? Double(mu) * velocity - Double(lr) * grad : velocity
            case let .adam(lr, beta1, beta2, eps, wd, t):
                let b1 = Double(beta1), b2 = Double(beta2)
                state[0][i] = b1 * state[0][i] + (1 - b1) * g[i]
                state[1][i] = b2 * state[1][i] + (1 - b2) * g[i] * g[i]
                let mHat = state[0][i] / (1 - pow(b1, Double(t)))
                let vHat = state[1][i] / (1 - pow(b2, Double(t)))
                if decays { p[i] *= 1 - Double(lr) * Double(wd) }
                p[i] -= Double(lr) * mHat / (vHat.squareRoot() + Double(eps))
            case let .rprop(etaPlus, etaMinus, stepMin, stepMax, wd):
                var grad = g[i] + (decays ? Double(wd) * p[i] : 0)
                let product = grad * state[0][i]
                if product > 0 {
                    state[1][i] = min(state[1][i] * Double(etaPlus), Double(stepMax))
                } else if product < 0 {
                    state[1][i] = max(state[1][i] * Double(etaMinus), Double(stepMin))
                    grad = 0
                }
                state[0][i] = grad
                p[i] -= (grad > 0 ? 1 : grad < 0 ? -1 : 0) * state[1][i]
            case let .quickprop(lr, samples, decay, mu):
                // state[0]: the previous step; state[1]: the previous slope (FANN's names).
                let n = Double(samples), m = Double(mu), epsilon = Double(lr) / n, shrink = m / (1 + m)
                let slope = -n * g[i] + Double(decay) * p[i]
                let previousStep = state[0][i], previousSlope = state[1][i]
                var next = 0.0
                if previousStep > 0.001 || previousStep < -0.001 {
                    // The linear term only while the slope still points the way of the last step.
                    if (previousStep > 0) == (slope > 0), slope != 0 { next += epsilon * slope }
                    let growing = previousStep > 0 ? slope > shrink * previousSlope : slope < shrink * previousSlope
                    next += growing ? m * previousStep : previousStep * slope / (previousSlope - slope)
                } else {
                    next = epsilon * slope
                }
                state[0][i] = next
                state[1][i] = slope
                p[i] = min(max(p[i] + next, -1500), 1500)
            }
        }
    }
}
