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
