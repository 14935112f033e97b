import CBackpropCPU
import Foundation

/// The CPU path's element-wise arithmetic, line for line the same as Kernels/*.cl so that
/// both devices round alike. Pointers address one row or one parameter range.
enum CPUKernels {
    /// a = softmax(z) over `count` elements.
    static func softmax(_ z: UnsafeMutablePointer<Float>, into a: UnsafeMutablePointer<Float>, count: Int) {
        var m = -Float.infinity
        for c in 0..<count { m = Swift.max(m, z[c]) }
        var s: Float = 0
        for c in 0..<count {
            let e = Foundation.exp(z[c] - m)
            a[c] = e
            s += e
        }
        let inv = 1 / s
        for c in 0..<count { a[c] *= inv }
    }

    /// z += bias; a = f(z), over one row of `count` elements (softmax over the row).
    @inline(__always)
    static func biasActivation(z zr: UnsafeMutablePointer<Float>, bias pb: UnsafePointer<Float>,
                               a ar: UnsafeMutablePointer<Float>, count cols: Int, activation: Activation) {
        // The activation is chosen once per row, so that the common ones run as straight
        // loops the compiler vectorises.
        switch activation {
        case .softmax:
            for c in 0..<cols { zr[c] += pb[c] }
            softmax(zr, into: ar, count: cols)
        case .relu:
            for c in 0..<cols {
                let v = zr[c] + pb[c]
                zr[c] = v
                ar[c] = v > 0 ? v : 0
            }
        case .identity:
            for c in 0..<cols {
                let v = zr[c] + pb[c]
                zr[c] = v
                ar[c] = v
            }
        case .leakyReLU(let alpha):
            for c in 0..<cols {
                let v = zr[c] + pb[c]
                zr[c] = v
                ar[c] = v > 0 ? v : alpha * v
            }
        default:
            for c in 0..<cols {
                let v = zr[c] + pb[c]
                zr[c] = v
                ar[c] = activation.forward(v)
            }
        }
    }

    /// d ← d ⊙ f'(z) over `count` elements (not softmax: its delta comes from outputDelta).
    @inline(__always)
    static func activationBackward(_ d: UnsafeMutablePointer<Float>, z: UnsafeMutablePointer<Float>,
                                   a: UnsafeMutablePointer<Float>, count n: Int, activation: Activation) {
        switch activation {
        case .relu: scaleWherePositive(d, z: z, count: n, otherwise: 0)
        case .leakyReLU(let alpha): scaleWherePositive(d, z: z, count: n, otherwise: alpha)
        case .identity: break
        case .sigmoid: for i in 0..<n { d[i] *= a[i] * (1 - a[i]) }
        case .tanh: for i in 0..<n { d[i] *= 1 - a[i] * a[i] }
        default: for i in 0..<n { d[i] *= activation.derivative(z: z[i], a: a[i]) }
        }
    }

    /// One sample's targets: its values, or its class index (for one output, the 0/1 target).
    enum SampleTargets {
        case values(UnsafeMutablePointer<Float>)
        case index(Int)

        /// Target c of the row (see TARGET in Kernels/loss.cl).
        @inline(__always)
        func at(_ c: Int, cols: Int) -> Float {
            switch self {
            case .values(let t): t[c]
            case .index(let k): cols == 1 ? Float(k) : (c == k ? 1 : 0)
            }
        }
    }

    /// One sample's loss, correctness and (when dZ is given) delta; see Kernels/loss.cl.
    static func outputDelta(loss: Loss, activation f: Activation, cols: Int,
                            z: UnsafeMutablePointer<Float>, a: UnsafeMutablePointer<Float>,
                            targets: SampleTargets, dZ d: UnsafeMutablePointer<Float>?,
                            scale: Float) -> (loss: Float, correct: Bool) {
        var l: Float = 0
        @inline(__always) func t(_ c: Int) -> Float { targets.at(c, cols: cols) }
        switch loss {
        case .softmaxCrossEntropy:
            var m = -Float.infinity
            for c in 0..<cols { m = Swift.max(m, z[c]) }
            var s: Float = 0
            for c in 0..<cols { s += Foundation.exp(z[c] - m) }
            let lse = m + Foundation.log(s)
            for c in 0..<cols {
                let tc = t(c)
                if tc != 0 { l -= tc * (z[c] - lse) }
                d?[c] = scale * (a[c] - tc)
            }
        case .sigmoidCrossEntropy:
            for c in 0..<cols {
                let tc = t(c)
                l += Swift.max(z[c], 0) - z[c] * tc + Foundation.log1p(Foundation.exp(-Swift.abs(z[c])))
                d?[c] = scale * (a[c] - tc)
            }
        case .squaredError where f == .softmax:
            var ga: Float = 0
            for c in 0..<cols {
                let g = a[c] - t(c)
                l += g * g
                ga += g * a[c]
            }
            l *= 0.5
            if let d { for c in 0..<cols { d[c] = scale * a[c] * ((a[c] - t(c)) - ga) } }
        case .squaredError:
            for c in 0..<cols {
                let g = a[c] - t(c)
                l += g * g
                d?[c] = scale * g * f.derivative(z: z[c], a: a[c])
            }
            l *= 0.5
        }
        let correct: Bool
        switch targets {
        case _ where cols == 1: correct = (a[0] >= 0.5) == (t(0) >= 0.5)
        case .index(let k): correct = argmax(a, cols) == k
        case .values(let tv): correct = argmax(a, cols) == argmax(tv, cols)
        }
        return (l, correct)
    }

    static func argmax(_ x: UnsafeMutablePointer<Float>, _ count: Int) -> Int {
        var best = 0
        for c in 1..<Swift.max(count, 1) where x[c] > x[best] { best = c }
        return best
    }

    /// d[i] stays where z[i] > 0 and becomes `otherwise` × d[i] elsewhere (z NaN included): the
    /// ReLU and leaky-ReLU derivative times the incoming delta, eight lanes at a time and
    /// without branches (a branch per element mispredicts on half of them).
    static func scaleWherePositive(_ d: UnsafeMutablePointer<Float>, z: UnsafeMutablePointer<Float>, count n: Int,
                                   otherwise: Float) {
        var i = 0
        while i + 8 <= n {
            let zv = UnsafeRawPointer(z + i).loadUnaligned(as: SIMD8<Float>.self)
            let dv = UnsafeRawPointer(d + i).loadUnaligned(as: SIMD8<Float>.self)
            let scaled = otherwise == 0 ? SIMD8<Float>(repeating: 0) : dv * otherwise
            UnsafeMutableRawPointer(d + i).storeBytes(of: dv.replacing(with: scaled, where: .!(zv .> 0)),
                                                      as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            if !(z[i] > 0) { d[i] = otherwise == 0 ? 0 : otherwise * d[i] }
            i += 1
        }
    }

    /// One optimizer step over p[range]; see Kernels/optimizers.cl. The weights (indices below
    /// `decayCount`) and the biases run as two branch-free loops, which the compiler vectorises.
    static func update(_ rule: UpdateRule, p: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>,
                       state s: [UnsafeMutablePointer<Float>], range: Range<Int>, decayCount: Int) {
        let split = Swift.min(Swift.max(decayCount, range.lowerBound), range.upperBound)
        for (part, decay) in [(range.lowerBound..<split, true), (split..<range.upperBound, false)] where !part.isEmpty {
            switch rule {
            case let .sgd(lr, wd):
                sgd(p, g, part, lr: lr, wd: decay ? wd : 0)
            case let .momentum(lr, mu, wd, nesterov):
                momentum(p, g, s[0], part, lr: lr, mu: mu, wd: decay ? wd : 0, nesterov: nesterov)
            case let .adam(lr, beta1, beta2, eps, wd, step):
                let (c1, c2) = UpdateRule.adamCorrections(beta1: beta1, beta2: beta2, step: step)
                adam(p, g, s[0], s[1], part, lr: lr, beta1: beta1, beta2: beta2, eps: eps, c1: c1, c2: c2,
                     wd: decay ? wd : 0)
            case let .rprop(etaPlus, etaMinus, stepMin, stepMax, wd):
                rprop(p, g, s[0], s[1], part, etaPlus: etaPlus, etaMinus: etaMinus, stepMin: stepMin,
                      stepMax: stepMax, wd: decay ? wd : 0)
            case let .quickprop(lr, samples, qDecay, mu):
                // FANN decays every weight, its biases included.
                quickprop(p, g, s[0], s[1], part, lr: lr, samples: Float(samples), decay: qDecay, mu: mu)
            }
        }
    }

    @inline(__always)
    private static func sgd(_ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ r: Range<Int>,
                            lr: Float, wd: Float) {
        for i in r { p[i] -= lr * (g[i] + wd * p[i]) }
    }

    @inline(__always)
    private static func momentum(_ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
                                 _ v: UnsafeMutablePointer<Float>, _ r: Range<Int>,
                                 lr: Float, mu: Float, wd: Float, nesterov: Bool) {
        if nesterov {
            for i in r {
                let gi = g[i] + wd * p[i]
                let vi = mu * v[i] - lr * gi
                v[i] = vi
                p[i] += mu * vi - lr * gi
            }
        } else {
            for i in r {
                let vi = mu * v[i] - lr * (g[i] + wd * p[i])
                v[i] = vi
                p[i] += vi
            }
        }
    }

    @inline(__always)
    private static func adam(_ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
                             _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ r: Range<Int>,
                             lr: Float, beta1: Float, beta2: Float, eps: Float, c1: Float, c2: Float, wd: Float) {
        // In C (CBackpropCPU), for the vector square roots and divisions Swift's baseline
        // build does not emit: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
        // p = p − lr·wd·p − lr·(m·c1) / (√(v·c2) + ε).
        let o = r.lowerBound
        bp_adam(p + o, g + o, m + o, v + o, Int32(r.count), lr, beta1, beta2, eps, c1, c2, wd)
    }

    @inline(__always)
    private static func quickprop(_ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
                                  _ prevStep: UnsafeMutablePointer<Float>, _ prevSlope: UnsafeMutablePointer<Float>,
                                  _ r: Range<Int>, lr: Float, samples: Float, decay: Float, mu: Float) {
        let epsilon = lr / samples, shrink = mu / (1 + mu)
        for i in r {
            let w = p[i], step = prevStep[i], previous = prevSlope[i]
            let slope = -samples * g[i] + decay * w
            var next: Float = 0
            if step > 0.001 {
                if slope > 0 { next += epsilon * slope }
                next += slope > shrink * previous ? mu * step : step * slope / (previous - slope)
            } else if step < -0.001 {
                if slope < 0 { next += epsilon * slope }
                next += slope < shrink * previous ? mu * step : step * slope / (previous - slope)
            } else {
                next += epsilon * slope
            }
            prevStep[i] = next
            p[i] = Swift.min(Swift.max(w + next, -1500), 1500)
            prevSlope[i] = slope
        }
    }

    @inline(__always)
    private static func rprop(_ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
                              _ gPrev: UnsafeMutablePointer<Float>, _ step: UnsafeMutablePointer<Float>, _ r: Range<Int>,
                              etaPlus: Float, etaMinus: Float, stepMin: Float, stepMax: Float, wd: Float) {
        for i in r {
            var gi = g[i] + wd * p[i]
            let sgn = gi * gPrev[i]
            var si = step[i]
            if sgn > 0 {
                si = Swift.min(si * etaPlus, stepMax)
            } else if sgn < 0 {
                si = Swift.max(si * etaMinus, stepMin)
                gi = 0
            }
            step[i] = si
            gPrev[i] = gi
            p[i] -= (gi > 0 ? 1 : gi < 0 ? -1 : 0) * si
        }
    }
}
