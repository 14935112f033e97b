import Foundation

/// Activation and loss formulas in float64, written directly from their definitions.
public enum ReferenceMath {
    public static func apply(_ f: Activation, _ z: [Double]) -> [Double] {
        if f == .softmax {
            let m = z.max() ?? 0
            let e = z.map { exp($0 - m) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }
        }
        return z.map { value(f, $0) }
    }

    public static func value(_ f: Activation, _ z: Double) -> Double {
        switch f {
        case .identity, .softmax: return z
        case .sigmoid: return 1 / (1 + exp(-z))
        case .tanh: return (exp(z) - exp(-z)) / (exp(z) + exp(-z))
        case .relu: return z > 0 ? z : 0
        case .leakyReLU(let a): return z > 0 ? z : Double(a) * z
        case .elu(let a): return z > 0 ? z : Double(a) * (exp(z) - 1)
        case .softplus: return log(1 + exp(z))
        case .swish: return z / (1 + exp(-z))
        case .mish: return z * Foundation.tanh(log(1 + exp(z)))
        }
    }

    /// f'(z) by the quotient and chain rules on the definitions above.
    public static func derivative(_ f: Activation, _ z: Double) -> Double {
        let s = 1 / (1 + exp(-z))
        switch f {
        case .identity, .softmax: return 1
        case .sigmoid: return exp(-z) / ((1 + exp(-z)) * (1 + exp(-z)))
        case .tanh: let c = cosh(z); return 1 / (c * c)
        case .relu: return z > 0 ? 1 : 0
        case .leakyReLU(let a): return z > 0 ? 1 : Double(a)
        case .elu(let a): return z > 0 ? 1 : Double(a) * exp(z)
        case .softplus: return exp(z) / (1 + exp(z))
        case .swish: return s * (1 + z * (1 - s))
        case .mish:
            let sp = log(1 + exp(z))
            let c = cosh(sp)
            return Foundation.tanh(sp) + z * s / (c * c)
        }
    }

    public static func loss(_ loss: Loss, z: [Double], a: [Double], t: [Double]) -> Double {
        switch loss {
        case .squaredError:
            return 0.5 * zip(a, t).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        case .softmaxCrossEntropy:
            return -zip(a, t).reduce(0) { $0 + $1.1 * log($1.0) }
        case .sigmoidCrossEntropy:
            return -zip(a, t).reduce(0) { $0 + $1.1 * log($1.0) + (1 - $1.1) * log(1 - $1.0) }
        }
    }

    /// ∂loss/∂z for one sample, through the full Jacobian of the output activation.
    public static func outputDelta(_ loss: Loss, _ f: Activation, z: [Double], a: [Double], t: [Double]) -> [Double] {
        let n = z.count
        // ∂loss/∂a
        let dA: [Double] = (0..<n).map { i in
            switch loss {
            case .squaredError: return a[i] - t[i]
            case .softmaxCrossEntropy: return -t[i] / a[i]
            case .sigmoidCrossEntropy: return -t[i] / a[i] + (1 - t[i]) / (1 - a[i])
            }
        }
        if f == .softmax {
            // ∂a_j/∂z_i = a_j (δ_ij − a_i)
            var d = [Double](repeating: 0, count: n)
            for i in 0..<n {
                for j in 0..<n {
                    let jacobian = a[j] * ((j == i ? 1.0 : 0.0) - a[i])
                    d[i] += dA[j] * jacobian
                }
            }
            return d
        }
        return (0..<n).map { dA[$0] * derivative(f, z[$0]) }
    }
}
