import Foundation

/// Limited-memory BFGS on the full-batch loss, one iteration per epoch, as
/// `torch.optim.LBFGS(lr, history_size, line_search_fn="strong_wolfe")` takes them: the first
/// direction is −g with the step min(1, 1/‖g‖₁)·lr, later ones come from the two-loop recursion
/// over the last `history` correction pairs (s, y) with H₀ = (sᵀy / yᵀy)·I, a pair kept only when
/// sᵀy > 1e-10; the step along each direction is found by a line search that meets the strong
/// Wolfe conditions (c1 = 1e-4, c2 = 0.9, at most 25 evaluations; Nocedal & Wright's bracketing
/// and zoom with cubic interpolation). It stops when the largest gradient entry falls to the
/// gradient tolerance, or the loss or the step changes by less than the change tolerance.
///
/// The vectors live on the host (float32, dot products in float64); each evaluation of the
/// loss is one full-batch pass on the device, with the parameters uploaded for it. The
/// correction pairs are not saved in checkpoints: a resumed run starts a new history.
final class LBFGS {
    let network: Network
    let config: OptimizerConfig
    let chunkRows: Int
    /// The ranks: each evaluates its block of the samples, and the losses and gradients are
    /// summed, so every rank runs the same iteration.
    let communicator: any Communicator
    private var steps: [[Float]] = [], changes: [[Float]] = [], rho: [Double] = []
    private var scale = 1.0
    private var direction: [Float] = [], stepLength = 0.0
    private var previousGradient: [Float]?
    private var iterations = 0
    /// Loss and correctness slots for the line search's trial points.
    private var trialLoss, trialCorrect: DeviceBuffer?

    static let c1 = 1e-4, c2 = 0.9, maxLineSearch = 25

    init(network: Network, config: OptimizerConfig, chunkRows: Int, communicator: any Communicator = SingleProcess()) {
        self.network = network
        self.config = config
        self.chunkRows = chunkRows
        self.communicator = communicator
    }

    /// One iteration at `learningRate`: the loss and gradient at the current weights (their
    /// per-sample losses into the data's slots), a direction, a line search and the step.
    /// Returns why it has converged, or nil to go on.
    func epoch(_ data: DeviceData, learningRate: Float) throws -> String? {
        let x0 = try network.readParameters()
        let (f0, g0) = try evaluate(data, losses: data.loss, correct: data.correct)
        guard f0.isFinite, g0.allSatisfy(\.isFinite) else { return nil }  // the tally reports the divergence
        if Self.maxAbs(g0) <= config.lbfgsToleranceGrad { return "the largest gradient entry is at most \(config.lbfgsToleranceGrad)" }
        iterations += 1
        if let previous = previousGradient {
            let y = zip(g0, previous).map { $0 - $1 }
            let s = direction.map { $0 * Float(stepLength) }
            let ys = Self.dot(y, s)
            if ys > 1e-10 {
                if steps.count == config.lbfgsHistory {
                    steps.removeFirst()
                    changes.removeFirst()
                    rho.removeFirst()
                }
                steps.append(s)
                changes.append(y)
                rho.append(1 / ys)
                scale = ys / Self.dot(y, y)
            }
            direction = twoLoop(g0)
        } else {
            direction = g0.map { -$0 }
            scale = 1
        }
        previousGradient = g0
        let l1 = g0.reduce(0.0) { $0 + Double(abs($1)) }
        let t0 = iterations == 1 ? Swift.min(1, 1 / l1) * Double(learningRate) : Double(learningRate)
        let gtd0 = Self.dot(g0, direction)
        if gtd0 > -config.lbfgsToleranceChange { return "the direction no longer descends (gᵀd = \(gtd0))" }
        let accepted = try lineSearch(data, from: x0, t0: t0, f0: f0, gtd0: gtd0)
        stepLength = accepted.t
        try network.writeParameters(Self.moved(x0, direction, accepted.t))
        if Self.maxAbs(direction) * accepted.t <= config.lbfgsToleranceChange {
            return "the step changed no parameter by more than \(config.lbfgsToleranceChange)"
        }
        if abs(accepted.f - f0) < config.lbfgsToleranceChange {
            return "the loss changed by less than \(config.lbfgsToleranceChange)"
        }
        return nil
    }

    /// −H·g by the two-loop recursion over the stored pairs.
    private func twoLoop(_ g: [Float]) -> [Float] {
        var q = g.map { -Double($0) }
        var alpha = [Double](repeating: 0, count: steps.count)
        for i in stride(from: steps.count - 1, through: 0, by: -1) {
            alpha[i] = rho[i] * Self.dot(steps[i], q)
            for j in q.indices { q[j] -= alpha[i] * Double(changes[i][j]) }
        }
        for j in q.indices { q[j] *= scale }
        for i in 0..<steps.count {
            let beta = rho[i] * Self.dot(changes[i], q)
            for j in q.indices { q[j] += Double(steps[i][j]) * (alpha[i] - beta) }
        }
        return q.map { Float($0) }
    }

    // MARK: The line search

    struct Point {
        var t, f, gtd: Double
    }

    /// A step t > 0 along `direction` meeting the strong Wolfe conditions, or the best point
    /// seen when the evaluations run out (t = 0: no point lowered the loss).
    private func lineSearch(_ data: DeviceData, from x0: [Float], t0: Double, f0: Double, gtd0: Double) throws -> Point {
        let dMax = Self.maxAbs(direction)
        func at(_ t: Double) throws -> Point {
            try network.writeParameters(Self.moved(x0, direction, t))
            let (f, g) = try evaluate(data, losses: trialBuffers(data).loss, correct: trialBuffers(data).correct)
            let gtd = Self.dot(g, direction)
            return Point(t: t, f: f.isFinite && gtd.isFinite ? f : .infinity, gtd: gtd.isFinite ? gtd : 0)
        }
        let start = Point(t: 0, f: f0, gtd: gtd0)
        var previous = start, t = t0, evaluations = 0
        var low: Point, high: Point
        // Bracketing: grow the step until the interval holds a point that meets the conditions.
        while true {
            let current = try at(t)
            evaluations += 1
            if current.f > f0 + Self.c1 * t * gtd0 || (evaluations > 1 && current.f >= previous.f) {
                (low, high) = (previous, current)
                break
            }
            if abs(current.gtd) <= -Self.c2 * gtd0 { return current }
            if current.gtd >= 0 {
                (low, high) = (current, previous)
                break
            }
            if evaluations >= Self.maxLineSearch { return current }
            let next = Self.cubicMinimum(previous, current, within: (t + 0.01 * (t - previous.t), t * 10))
            previous = current
            t = next
        }
        // Zoom: shrink [low, high], low always the lower loss that meets sufficient decrease.
        var insufficientProgress = false
        while evaluations < Self.maxLineSearch, abs(high.t - low.t) * dMax >= config.lbfgsToleranceChange {
            let a = Swift.min(low.t, high.t), b = Swift.max(low.t, high.t)
            var t = Self.cubicMinimum(low, high, within: (a, b))
            // Keep away from the ends, where interpolation makes no progress.
            let margin = 0.1 * (b - a)
            if Swift.min(b - t, t - a) < margin {
                if insufficientProgress || t >= b || t <= a {
                    t = abs(t - b) < abs(t - a) ? b - margin : a + margin
                    insufficientProgress = false
                } else {
                    insufficientProgress = true
                }
            } else {
                insufficientProgress = false
            }
            let current = try at(t)
            evaluations += 1
            if current.f > f0 + Self.c1 * t * gtd0 || current.f >= low.f {
                high = current
            } else {
                if abs(current.gtd) <= -Self.c2 * gtd0 { return current }
                if current.gtd * (high.t - low.t) >= 0 { high = low }
                low = current
            }
        }
        return low
    }

    /// The minimiser of the cubic through two points with their slopes (Nocedal & Wright,
    /// eq. 3.59), kept within `bounds`; the middle of the bounds when the cubic has none.
    static func cubicMinimum(_ p: Point, _ q: Point, within bounds: (Double, Double)) -> Double {
        let (lo, hi) = (Swift.min(bounds.0, bounds.1), Swift.max(bounds.0, bounds.1))
        let (a, b) = p.t <= q.t ? (p, q) : (q, p)
        let d1 = a.gtd + b.gtd - 3 * (a.f - b.f) / (a.t - b.t)
        let square = d1 * d1 - a.gtd * b.gtd
        guard square >= 0, a.t != b.t, a.f.isFinite, b.f.isFinite else { return (lo + hi) / 2 }
        let d2 = square.squareRoot()
        let denominator = b.gtd - a.gtd + 2 * d2
        guard denominator != 0 else { return (lo + hi) / 2 }
        let t = b.t - (b.t - a.t) * ((b.gtd + d2 - d1) / denominator)
        return t.isFinite ? Swift.min(Swift.max(t, lo), hi) : (lo + hi) / 2
    }

    // MARK: Evaluation and vectors

    /// The mean loss and its gradient over every sample at the current weights.
    private func evaluate(_ data: DeviceData, losses: DeviceBuffer, correct: DeviceBuffer) throws -> (Double, [Float]) {
        let block = communicator.block(of: 0..<data.count)
        try network.batchGradient(data, chunkRows: chunkRows, lossOut: losses, correctOut: correct,
                                  samples: communicator.size > 1 ? block : nil)
        var sum = [block.isEmpty ? 0 : try network.device.download(losses.at(block.lowerBound), count: block.count)
            .reduce(0.0) { $0 + Double($1) }]
        var gradient = try network.readGradients()
        if communicator.size > 1 {
            try communicator.allReduceSum(&sum)
            let count = gradient.count
            try gradient.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0.baseAddress!, count: count) }
        }
        return (sum[0] / Double(data.count), gradient)
    }

    private func trialBuffers(_ data: DeviceData) throws -> (loss: DeviceBuffer, correct: DeviceBuffer) {
        if trialLoss == nil || trialLoss!.count < data.count {
            trialLoss = try network.device.makeBuffer(count: data.count)
            trialCorrect = try network.device.makeBuffer(count: data.count)
        }
        return (trialLoss!, trialCorrect!)
    }

    static func moved(_ x: [Float], _ d: [Float], _ t: Double) -> [Float] {
        let tf = Float(t)
        return zip(x, d).map { $0 + tf * $1 }
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Double {
        var sum = 0.0
        for i in a.indices { sum += Double(a[i]) * Double(b[i]) }
        return sum
    }

    static func dot(_ a: [Float], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in a.indices { sum += Double(a[i]) * b[i] }
        return sum
    }

    static func maxAbs(_ v: [Float]) -> Double { Double(v.reduce(0) { Swift.max($0, abs($1)) }) }
}
