import Foundation

/// One optimizer step's rule and its hyper-parameters for this step.
public enum UpdateRule: Sendable, Equatable {
    /// p −= lr·(g + wd·p)
    case sgd(learningRate: Float, weightDecay: Float)
    /// v = μv − lr·(g + wd·p); p += v (or, Nesterov, p += μv − lr·g)
    case momentum(learningRate: Float, momentum: Float, weightDecay: Float, nesterov: Bool)
    /// Adam with decoupled weight decay; `step` counts from 1.
    case adam(learningRate: Float, beta1: Float, beta2: Float, epsilon: Float,
              weightDecay: Float, step: Int)
    /// iRPROP−: steps adapt to the gradient's sign; the learning rate plays no part.
    case rprop(etaPlus: Float, etaMinus: Float, stepMin: Float, stepMax: Float, weightDecay: Float)
    /// Fahlman's Quickprop as FANN's `fann_update_weights_quickprop` runs it, on the gradient
    /// of the mean loss over `samples` samples: FANN's slope is S = −samples·g + decay·p (its
    /// summed negative gradient, decay −0.0001 by default, on every parameter as FANN's bias
    /// weights too), ε = learningRate / samples, shrink = μ/(1+μ); the step follows the sign of
    /// the previous one (three branches), and weights are kept within ±1500.
    case quickprop(learningRate: Float, samples: Int, decay: Float, mu: Float)

    /// How many per-parameter state buffers the rule keeps.
    public var stateBuffers: Int {
        switch self {
        case .sgd: 0
        case .momentum: 1
        case .adam: 2
        case .rprop: 2
        case .quickprop: 2
        }
    }

    /// Adam's bias corrections 1/(1−β1ᵗ) and 1/(1−β2ᵗ), computed in double on the host for
    /// every device, so that all of them round the step alike.
    public static func adamCorrections(beta1: Float, beta2: Float, step: Int) -> (Float, Float) {
        let t = Double(Swift.max(step, 1))
        return (Float(1 / (1 - Foundation.pow(Double(beta1), t))),
                Float(1 / (1 - Foundation.pow(Double(beta2), t))))
    }
}
