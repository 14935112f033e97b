import Foundation

/// The test oracle: a multilayer perceptron in float64 with naive loops, written from the
/// textbook formulas independently of the devices (no shared code with CPUKernels or the
/// kernels). Its gradients are checked against its own finite differences, and the devices
/// are checked against it.
public struct ReferenceNetwork: Sendable {
    public let architecture: Architecture
    public var parameters: [Double]

    public init(_ architecture: Architecture, parameters: [Double]) {
        precondition(parameters.count == architecture.parameterCount)
        self.architecture = architecture
        self.parameters = parameters
    }

    /// Pre-activations and activations of every layer, each rows × units.
    public func forward(_ inputs: [Double], rows: Int) -> (z: [[Double]], a: [[Double]]) {
        let arch = architecture
        var zs: [[Double]] = [], acts: [[Double]] = []
        var previous = inputs
        for l in 0..<arch.layerCount {
            let nIn = arch.inputs(ofLayer: l), nOut = arch.units(ofLayer: l)
            let w = arch.weightOffset(l), b = arch.biasOffset(l)
            var z = [Double](repeating: 0, count: rows * nOut)
            for r in 0..<rows {
                for o in 0..<nOut {
                    var s = parameters[b + o]
                    for i in 0..<nIn { s += parameters[w + o * nIn + i] * previous[r * nIn + i] }
                    z[r * nOut + o] = s
                }
            }
            var a = z
            for r in 0..<rows {
                let row = Array(z[(r * nOut)..<((r + 1) * nOut)])
                let out = ReferenceMath.apply(arch.activations[l], row)
                for o in 0..<nOut { a[r * nOut + o] = out[o] }
            }
            zs.append(z)
            acts.append(a)
            previous = a
        }
        return (zs, acts)
    }

    /// Mean loss over the rows.
    public func loss(_ inputs: [Double], _ targets: [Double], rows: Int) -> Double {
        let (zs, acts) = forward(inputs, rows: rows)
        let n = architecture.outputSize
        var total = 0.0
        for r in 0..<rows {
            let range = (r * n)..<((r + 1) * n)
            total += ReferenceMath.loss(architecture.loss, z: Array(zs.last![range]),
                                        a: Array(acts.last![range]), t: Array(targets[range]))
        }
        return total / Double(rows)
    }

    /// The gradient of the mean loss by backpropagation, in float64.
    public func gradients(_ inputs: [Double], _ targets: [Double], rows: Int) -> [Double] {
        let arch = architecture
        let (zs, acts) = forward(inputs, rows: rows)
        var grad = [Double](repeating: 0, count: parameters.count)
        let L = arch.layerCount
        // delta of the output layer: ∂loss/∂z, row by row, from the loss and activation.
        var delta = [Double](repeating: 0, count: rows * arch.outputSize)
        let n = arch.outputSize
        for r in 0..<rows {
            let range = (r * n)..<((r + 1) * n)
            let d = ReferenceMath.outputDelta(arch.loss, arch.outputActivation, z: Array(zs[L - 1][range]),
                                              a: Array(acts[L - 1][range]), t: Array(targets[range]))
            for c in 0..<n { delta[r * n + c] = d[c] / Double(rows) }
        }
        for l in stride(from: L - 1, through: 0, by: -1) {
            let nIn = arch.inputs(ofLayer: l), nOut = arch.units(ofLayer: l)
            let input = l == 0 ? inputs : acts[l - 1]
            let w = arch.weightOffset(l), b = arch.biasOffset(l)
            for r in 0..<rows {
                for o in 0..<nOut {
                    let d = delta[r * nOut + o]
                    grad[b + o] += d
                    for i in 0..<nIn { grad[w + o * nIn + i] += d * input[r * nIn + i] }
                }
            }
            guard l > 0 else { break }
            var next = [Double](repeating: 0, count: rows * nIn)
            for r in 0..<rows {
                for i in 0..<nIn {
                    var s = 0.0
                    for o in 0..<nOut { s += parameters[w + o * nIn + i] * delta[r * nOut + o] }
                    next[r * nIn + i] = s * ReferenceMath.derivative(arch.activations[l - 1], zs[l - 1][r * nIn + i])
                }
            }
            delta = next
        }
        return grad
    }

    /// Central finite differences of the mean loss, step h per parameter.
    public func numericalGradients(_ inputs: [Double], _ targets: [Double], rows: Int, h: Double = 1e-6) -> [Double] {
        var probe = self
        return (0..<parameters.count).map { p in
            let saved = probe.parameters[p]
            probe.parameters[p] = saved + h
            let up = probe.loss(inputs, targets, rows: rows)
            probe.parameters[p] = saved - h
            let down = probe.loss(inputs, targets, rows: rows)
            probe.parameters[p] = saved
            return (up - down) / (2 * h)
        }
    }
}

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

/// C = alpha·op(A)·op(B) + beta·C in float64 with a naive triple loop (row-major, as Device.gemm).
public enum ReferenceGEMM {
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: [Double], lda: Int, b: [Double], ldb: Int,
                            beta: Double, c: inout [Double], ldc: Int) {
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let x = transA ? a[p * lda + i] : a[i * lda + p]
                    let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                    s += x * y
                }
                c[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j])
            }
        }
    }
}
