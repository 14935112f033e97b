import CBackpropCPU

/// Stochastic SGD (plain or with classical momentum) and Adam on the CPU path in as few passes over
/// the weights as the algorithm allows, spread over the cores (issue 15). The plain step reads each weight matrix three times: the
/// forward product, the backward product Wᵀδ, and the rank-1 update (read and write). Here:
///
/// - a layer's backward product and its update share one pass (`bp_rows_backprop_update`:
///   row j adds δ_j·w_j to Wᵀδ with the row as the forward pass saw it, then takes its
///   update), so a matrix is read twice a step, not three times;
/// - the first layer needs no backward product, and its update of row j needs only δ_j and the
///   step's input: it is left pending and applied inside the next step's forward product of
///   that row (`bp_rows_update_dot`), so that matrix, the largest in an MLP, is read and
///   written once a step. `flush` applies the last pending update; the epoch loop calls it
///   before it returns or throws, so nothing outside a pass sees one.
///
/// With two or more threads (`CPUDevice.fusedThreads`, for networks of at least
/// `CPUDevice.fusedSplitWeights` weights), each thread owns a block of every hidden layer's
/// units: their rows of that layer's matrix, and their columns of the output layer's. A
/// thread's blocks stay in its core's cache from step to step, and it writes only its own
/// rows, units and partial sums. A step needs one barrier per hidden layer after the first,
/// one for the output layer's partial sums (which every thread then adds in the same order
/// and takes the softmax of, so all hold the same δ), and one per hidden-to-hidden backward
/// product: one barrier a step for a network with one hidden layer.
///
/// The arithmetic is the plain step's: each product uses the weights of the forward pass and
/// each update is w ← (1 − lr·wd)·w − lr·∇ (weights), b ← b − lr·∇ (biases), or momentum's
/// v ← μ·v − lr·(∇ + wd·w), w ← w + v (no decay on biases), or Adam's (`bp_adam`'s rule, its
/// moments walked beside the weights in the same passes, decay on the weights only), applied
/// after the gradient that needs the old values. Only the order of float additions differs. The
/// element-wise parts are `CPUKernels`' (the CPU device's own).
final class FusedStochasticStep: FusedStep {
    let network: Network
    let optimizer: Optimizer
    let device: CPUDevice
    /// The blocks each hidden layer is split into, and so the most threads the step runs on
    /// (1: the caller alone).
    let blocks: Int
    /// The threads the last step ran on: all `blocks`, or 1 (see `ThreadChoice`).
    private(set) var running = 1
    /// Steps taken, and those of them the team ran.
    private(set) var stepsRun = 0, teamStepsRun = 0
    private var chooser = ThreadChoice()
    private let arch: Architecture
    private let layers: Int
    private let weights: [UnsafeMutablePointer<Float>]
    private let biases: [UnsafeMutablePointer<Float>]
    /// Classical momentum's velocity beside each layer's weights and biases (the optimizer's
    /// state, laid out like the parameters), or nil for plain SGD; and its μ.
    private let velocity: [UnsafeMutablePointer<Float>]?, biasVelocity: [UnsafeMutablePointer<Float>]?
    private let mu: Float
    /// Adam's first and second moments beside each layer's weights (the optimizer's state,
    /// laid out like the parameters), or nil for the SGD rules; the step's constants for the
    /// weights and for the biases (no decay), and those of the pending first-layer update.
    private let adamM: [UnsafeMutablePointer<Float>]?, adamV: [UnsafeMutablePointer<Float>]?
    private let adamBiasM: [UnsafeMutablePointer<Float>]?, adamBiasV: [UnsafeMutablePointer<Float>]?
    /// (In memory of their own: the team's threads read them while a step runs.)
    private let adam: UnsafeMutablePointer<bp_adam_step>
    private var adamBias: UnsafeMutablePointer<bp_adam_step> { adam + 1 }
    private var pendingAdam: UnsafeMutablePointer<bp_adam_step> { adam + 2 }
    /// Z, A and δ of each hidden layer (the step's own: evaluation may replace the network's
    /// workspace between epochs).
    private let z: [UnsafeMutablePointer<Float>], a: [UnsafeMutablePointer<Float>], d: [UnsafeMutablePointer<Float>]
    /// Per block: its partial output pre-activations, its copies of the output layer's Z, A,
    /// δ and −lr·δ (block 0's updates the output biases after the step), and −lr·δ of the
    /// hidden layer it is updating.
    private let zPart: [UnsafeMutablePointer<Float>]
    private let outZ: [UnsafeMutablePointer<Float>], outA: [UnsafeMutablePointer<Float>], outD: [UnsafeMutablePointer<Float>]
    private let outC: [UnsafeMutablePointer<Float>]
    private let coef: [UnsafeMutablePointer<Float>]
    /// dxPart[l][b]: block b's share of layer l's backward product Wᵀδ (l ≥ 1, hidden).
    private let dxPart: [[UnsafeMutablePointer<Float>]]
    /// own[l][b]: the units of hidden layer l that block b owns (multiples of 16 apart, so
    /// that no two threads write one cache line of Z, A or δ). For a network without hidden
    /// layers, own[0] is the inputs (one block).
    private let own: [[Range<Int>]]
    private var allocations: [UnsafeMutablePointer<Float>] = []
    /// The first layer's pending update: W₀ ← pendingScale·W₀ + pendingCoef·pendingInputᵀ
    /// (momentum: V₀ ← μ·V₀ + pendingDecay·W₀ + pendingCoef·pendingInputᵀ, W₀ += V₀).
    private let pendingCoef: UnsafeMutablePointer<Float>
    private var pendingInput: UnsafePointer<Float>?
    private var pendingScale: Float = 1, pendingDecay: Float = 0
    /// Whether the first layer holds an update not yet applied.
    private(set) var pending = false
    var enabled: Bool { device.fusedStochastic }
    private let team: OpaquePointer
    /// The step being run: its input, targets, loss slots, rate and weight scale.
    private var input: UnsafePointer<Float>
    private var targets: CPUKernels.SampleTargets = .index(0)
    private var lossSlot: UnsafeMutablePointer<Float>, correctSlot: UnsafeMutablePointer<Float>
    /// 1 − lr·wd (SGD's factor on the weights) and −lr·wd (momentum's decay term).
    private var rate: Float = 0, scale: Float = 1, decay: Float = 0

    /// The fused step for `network` trained by plain SGD, classical momentum or Adam on
    /// `CPUDevice`, or nil where it does not apply (another device or rule; these take the
    /// general path).
    static func make(network: Network, optimizer: Optimizer) throws -> FusedStochasticStep? {
        guard let device = network.device as? CPUDevice, device.fusedStochastic,
              rules.contains(optimizer.config.kind) else { return nil }
        return try FusedStochasticStep(network: network, optimizer: optimizer, device: device)
    }

    private init(network: Network, optimizer: Optimizer, device: CPUDevice) throws {
        self.network = network
        self.optimizer = optimizer
        self.device = device
        let arch = network.architecture, layers = arch.layerCount
        self.arch = arch
        self.layers = layers
        let parameters = try device.words(network.parameters.start, arch.parameterCount)
        weights = (0..<layers).map { parameters + arch.weightOffset($0) }
        biases = (0..<layers).map { parameters + arch.biasOffset($0) }
        if optimizer.config.kind == .momentum {
            let v = try device.words(optimizer.state[0].start, arch.parameterCount)
            velocity = (0..<layers).map { v + arch.weightOffset($0) }
            biasVelocity = (0..<layers).map { v + arch.biasOffset($0) }
        } else {
            velocity = nil
            biasVelocity = nil
        }
        mu = optimizer.config.momentum
        adam = .allocate(capacity: 3)
        adam.initialize(repeating: bp_adam_step(), count: 3)
        if optimizer.config.kind == .adam {
            let m = try device.words(optimizer.state[0].start, arch.parameterCount)
            let v = try device.words(optimizer.state[1].start, arch.parameterCount)
            adamM = (0..<layers).map { m + arch.weightOffset($0) }
            adamV = (0..<layers).map { v + arch.weightOffset($0) }
            adamBiasM = (0..<layers).map { m + arch.biasOffset($0) }
            adamBiasV = (0..<layers).map { v + arch.biasOffset($0) }
        } else {
            (adamM, adamV, adamBiasM, adamBiasV) = (nil, nil, nil, nil)
        }
        // Blocks: only with a hidden layer to split and enough weights to repay a barrier. A
        // block may own no units of a narrow layer; its thread still meets every barrier.
        let hidden = (0..<Swift.max(layers - 1, 0)).map { arch.units(ofLayer: $0) }
        var threads = 1
        if layers > 1, arch.weightCount >= device.fusedSplitWeights {
            threads = Swift.max(1, device.fusedThreads ?? device.threads)
        }
        blocks = threads
        func split(_ n: Int) -> [Range<Int>] {
            (0..<threads).map { t in
                let lo = Swift.min(n, (n * t / threads + 15) / 16 * 16)
                let hi = t + 1 == threads ? n : Swift.min(n, (n * (t + 1) / threads + 15) / 16 * 16)
                return lo..<hi
            }
        }
        own = layers > 1 ? hidden.map(split) : [[0..<arch.inputSize]]
        let widest = arch.sizes.max() ?? 1, outputs = arch.outputSize
        var allocations: [UnsafeMutablePointer<Float>] = []
        func buffer(_ n: Int) -> UnsafeMutablePointer<Float> {
            // 64-byte aligned and padded to whole cache lines: no two threads share a line.
            let count = (Swift.max(n, 1) + 15) / 16 * 16
            let p = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64).bindMemory(to: Float.self, capacity: count)
            p.initialize(repeating: 0, count: count)
            allocations.append(p)
            return p
        }
        z = hidden.map(buffer)
        a = hidden.map(buffer)
        d = hidden.map(buffer)
        zPart = (0..<threads).map { _ in buffer(outputs) }
        outZ = (0..<threads).map { _ in buffer(outputs) }
        outA = (0..<threads).map { _ in buffer(outputs) }
        outD = (0..<threads).map { _ in buffer(outputs) }
        outC = (0..<threads).map { _ in buffer(outputs) }
        coef = (0..<threads).map { _ in buffer(widest) }
        dxPart = (0..<Swift.max(layers - 1, 0)).map { l in
            l == 0 ? [] : (0..<threads).map { _ in buffer(arch.inputs(ofLayer: l)) }
        }
        pendingCoef = buffer(arch.units(ofLayer: 0))
        self.allocations = allocations
        guard let team = bp_team_create(Int32(threads)) else {
            for p in allocations { p.deallocate() }
            adam.deallocate()
            throw ConfigurationError("the fused stochastic step could not start its \(threads - 1) worker thread(s)")
        }
        self.team = team
        input = UnsafePointer(parameters)
        lossSlot = parameters
        correctSlot = parameters
        chooser.start(blocks: blocks)
    }

    deinit {
        bp_team_destroy(team)
        for p in allocations { p.deallocate() }
        adam.deallocate()
    }

    /// One SGD step on sample `sample` of `data`, its loss and correctness into slot `slot`;
    /// `next`, the sample of the step after, is fetched into the caches meanwhile.
    func step(_ data: DeviceData, sample: Int, slot: Int, next: Int?, learningRate lr: Float) throws {
        input = UnsafePointer(try device.words(data.inputs.at(sample * arch.inputSize), arch.inputSize))
        if let next, next >= 0, next < data.count {
            bp_prefetch(try device.words(data.inputs.at(next * arch.inputSize), arch.inputSize), Int32(arch.inputSize))
        }
        let t = try device.words(data.targetBuffer.at(sample * data.targetWidth), data.targetWidth)
        targets = data.isClassification ? .index(t[0].clampedInt(nan: -1)) : .values(t)
        lossSlot = try device.words(data.loss.at(slot), 1)
        correctSlot = try device.words(data.correct.at(slot), 1)
        rate = lr
        scale = 1 - lr * optimizer.config.weightDecay
        decay = -lr * optimizer.config.weightDecay
        if adamM != nil {
            let c = optimizer.config
            let (c1, c2) = UpdateRule.adamCorrections(beta1: c.beta1, beta2: c.beta2, step: optimizer.steps + 1)
            adam.pointee = bp_adam_step(lr: lr, b1: c.beta1, b2: c.beta2, eps: c.epsilon, c1: c1, c2: c2, wd: c.weightDecay)
            adamBias.pointee = adam.pointee
            adamBias.pointee.wd = 0
        }
        running = device.fusedRunThreads.map { $0 <= 1 ? 1 : blocks } ?? chooser.threads
        if blocks > 1 { chooser.beforeStep() }
        if running > 1 {
            bp_team_run(team, { context, thread in
                Unmanaged<FusedStochasticStep>.fromOpaque(context!).takeUnretainedValue().run(thread: Int(thread))
            }, Unmanaged.passUnretained(self).toOpaque())
        } else {
            body(0..<blocks)
        }
        if blocks > 1 { chooser.afterStep(threads: running) }
        stepsRun += 1
        if running > 1 { teamStepsRun += 1 }
        // The output biases, once every block has read them.
        let out = layers - 1
        updateBiases(out, 0..<arch.outputSize, outC[0])
        pendingInput = input
        pendingScale = scale
        pendingDecay = decay
        pendingAdam.pointee = adam.pointee
        pending = true
        optimizer.countStep()
    }

    /// Applies the first layer's pending update, if any: after it, the parameters are exactly
    /// those of the plain step.
    func flush() {
        // A window of the thread choice does not span what happens between passes.
        chooser.discardWindow()
        guard pending, let pendingInput else { return }
        updateDot(0, 0..<arch.units(ofLayer: 0), cols: 0..<arch.inputSize, pending: pendingInput, x: nil, out: nil)
        pending = false
    }

    /// Rows `rows` of layer l's weights over its columns `cols`: the first layer's pending
    /// update by the step's rule (with `pending`, the input it was left for), then, with x,
    /// each row's product with x[cols] into out[row] (`bp_rows_update_dot`, Adam's
    /// `bp_rows_update_dot_adam`).
    @inline(__always)
    private func updateDot(_ l: Int, _ rows: Range<Int>, cols: Range<Int>, pending: UnsafePointer<Float>?,
                           x: UnsafePointer<Float>?, out: UnsafeMutablePointer<Float>?) {
        let (first, last, n, ld, c) = (Int32(rows.lowerBound), Int32(rows.upperBound), Int32(cols.count),
                                       Int32(arch.inputs(ofLayer: l)), cols.lowerBound)
        let w = weights[l] + c, xs = x.map { $0 + c }
        guard let pending else {
            return bp_rows_update_dot(first, last, n, w, ld, 1, nil, nil, xs, out, nil, 0, 0)
        }
        if let adamM, let adamV {
            bp_rows_update_dot_adam(first, last, n, w, adamM[l] + c, adamV[l] + c, ld, pendingCoef, pending + c, xs, out,
                                    pendingAdam)
        } else {
            bp_rows_update_dot(first, last, n, w, ld, pendingScale, pendingCoef, pending + c, xs, out,
                               velocity.map { $0[l] + c }, mu, pendingDecay)
        }
    }

    /// Rows `rows` of layer l's weights over its columns `cols`: dx[cols] += Σ_j d[j]·w_j (the
    /// weights as the forward pass saw them), then each row's update by the step's rule on
    /// coefficients `coef` and input x[cols] (`bp_rows_backprop_update`, `bp_rows_backprop_adam`).
    @inline(__always)
    private func backpropUpdate(_ l: Int, _ rows: Range<Int>, cols: Range<Int>, d: UnsafePointer<Float>,
                                coef: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let (first, last, n, ld, c) = (Int32(rows.lowerBound), Int32(rows.upperBound), Int32(cols.count),
                                       Int32(arch.inputs(ofLayer: l)), cols.lowerBound)
        if let adamM, let adamV {
            bp_rows_backprop_adam(first, last, n, weights[l] + c, adamM[l] + c, adamV[l] + c, ld, d, coef, x + c, dx, adam)
        } else {
            bp_rows_backprop_update(first, last, n, weights[l] + c, ld, d, scale, coef, x + c, dx,
                                    velocity.map { $0[l] + c }, mu, decay)
        }
    }

    /// Biases `units` of layer l by their coefficients (`c`, indexed by unit; see
    /// `coefficient`): b += c, or with momentum v = μ·v + c, b += v, or Adam's step on the
    /// gradient c (no decay on biases).
    @inline(__always)
    private func updateBiases(_ l: Int, _ units: Range<Int>, _ c: UnsafeMutablePointer<Float>) {
        let b = biases[l]
        if let adamBiasM, let adamBiasV {
            guard !units.isEmpty else { return }
            let o = units.lowerBound, a = adamBias.pointee
            bp_adam(b + o, c + o, adamBiasM[l] + o, adamBiasV[l] + o, Int32(units.count), a.lr, a.b1, a.b2, a.eps,
                    a.c1, a.c2, 0)
        } else if let biasVelocity {
            let v = biasVelocity[l]
            for j in units {
                v[j] = mu * v[j] + c[j]
                b[j] += v[j]
            }
        } else {
            for j in units { b[j] += c[j] }
        }
    }

    /// A unit's update coefficient from its δ: −lr·δ for the SGD rules (the update is scale·w +
    /// coefficient·x), δ itself for Adam (its gradient is coefficient·x).
    @inline(__always)
    private func coefficient(_ delta: Float, _ lr: Float) -> Float { adamM == nil ? -lr * delta : delta }

    /// Thread t's blocks: its own on the team, all of them alone.
    private func run(thread t: Int) {
        body(running == 1 ? 0..<blocks : t..<(t + 1))
    }

    /// Waits for the other threads of the team, when the step runs on it.
    @inline(__always)
    private func sync() {
        if running > 1 { bp_team_barrier(team) }
    }

    /// The step over blocks `bs` (see the type's comment for what a block owns). Each phase
    /// writes only what its block owns, so one thread running every block in turn computes
    /// exactly what the team computes.
    private func body(_ bs: Range<Int>) {
        let out = layers - 1, outputs = arch.outputSize, lr = rate
        let wasPending = pending
        // Forward through the hidden layers: the block's rows.
        for l in 0..<out {
            if l > 0 { sync() }  // the whole of A of the layer below
            let fanIn = arch.inputs(ofLayer: l), x = l == 0 ? input : UnsafePointer(a[l - 1])
            for b in bs {
                let r = own[l][b]
                if r.isEmpty { continue }
                updateDot(l, r, cols: 0..<fanIn, pending: l == 0 && wasPending ? pendingInput : nil, x: x, out: z[l])
                CPUKernels.biasActivation(z: z[l] + r.lowerBound, bias: biases[l] + r.lowerBound, a: a[l] + r.lowerBound,
                                          count: r.count, activation: arch.activations[l])
            }
        }
        // The output layer: the block's columns (its units of the layer below).
        let x = out > 0 ? UnsafePointer(a[out - 1]) : input
        for b in bs {
            let cols = out > 0 ? own[out - 1][b] : 0..<arch.inputSize
            let zp = zPart[b]
            if cols.isEmpty {
                zp.update(repeating: 0, count: outputs)
            } else {
                updateDot(out, 0..<outputs, cols: cols, pending: out == 0 && wasPending ? pendingInput : nil, x: x, out: zp)
            }
        }
        sync()
        for b in bs {
            // Every block adds the partial sums in the same order: all hold the same Z, A and δ.
            let oz = outZ[b], oa = outA[b], od = outD[b], oc = outC[b]
            oz.update(from: zPart[0], count: outputs)
            for u in 1..<blocks { for j in 0..<outputs { oz[j] += zPart[u][j] } }
            CPUKernels.biasActivation(z: oz, bias: biases[out], a: oa, count: outputs, activation: arch.outputActivation)
            let result = CPUKernels.outputDelta(loss: arch.loss, activation: arch.outputActivation, cols: outputs,
                                                z: oz, a: oa, targets: targets, dZ: od, scale: 1)
            if b == 0 {
                lossSlot.pointee = result.loss
                correctSlot.pointee = result.correct ? 1 : 0
            }
            for j in 0..<outputs { oc[j] = coefficient(od[j], lr) }
            if out == 0 {
                // A single layer (one block): its whole update is left pending.
                pendingCoef.update(from: oc, count: outputs)
                continue
            }
            // Backward through the output layer's columns of the block.
            let cols = own[out - 1][b]
            if cols.isEmpty { continue }
            let dx = d[out - 1] + cols.lowerBound
            dx.update(repeating: 0, count: cols.count)
            backpropUpdate(out, 0..<outputs, cols: cols, d: od, coef: oc, x: x, dx: dx)
            CPUKernels.activationBackward(dx, z: z[out - 1] + cols.lowerBound, a: a[out - 1] + cols.lowerBound,
                                          count: cols.count, activation: arch.activations[out - 1])
        }
        // Backward through the hidden layers: the block's rows, down.
        for l in stride(from: out - 1, through: 0, by: -1) {
            let fanIn = arch.inputs(ofLayer: l), dl = d[l]
            for b in bs {
                let r = own[l][b], c = coef[b]
                for j in r { c[j] = coefficient(dl[j], lr) }
                updateBiases(l, r, c)
                if l == 0 {
                    if !r.isEmpty { (pendingCoef + r.lowerBound).update(from: c + r.lowerBound, count: r.count) }
                    continue
                }
                let part = dxPart[l][b]
                part.update(repeating: 0, count: fanIn)
                if !r.isEmpty { backpropUpdate(l, r, cols: 0..<fanIn, d: dl, coef: c, x: a[l - 1], dx: part) }
            }
            if l == 0 { break }
            sync()  // every block's share of Wᵀδ
            let dx = d[l - 1]
            for b in bs {
                let below = own[l - 1][b]
                if below.isEmpty { continue }
                for k in below {
                    var v = dxPart[l][0][k]
                    for u in 1..<blocks { v += dxPart[l][u][k] }
                    dx[k] = v
                }
                CPUKernels.activationBackward(dx + below.lowerBound, z: z[l - 1] + below.lowerBound,
                                              a: a[l - 1] + below.lowerBound, count: below.count,
                                              activation: arch.activations[l - 1])
            }
        }
    }
}

/// Which of 1 or all `blocks` threads the split step runs on, chosen by timing it: the two
/// compute the same bits (see `FusedStochasticStep.body`), so the choice changes only the
/// speed. Two threads win when the OS places them on cores that trade a cache line in ~60–80
/// ns, and lose when it places them where that takes 300+ ns or when they share a core with
/// other work; the placement moves every few seconds to minutes. So the step runs windows of
/// `window` steps, keeps a smoothed time per step for each choice, runs the faster, and every
/// `exploreEvery` windows gives the other one a window to re-measure it.
struct ThreadChoice {
    static let window = 2048
    static let exploreEvery = 16
    /// The choice the next step runs with: 1 or `blocks`, as set by `stepped`.
    private(set) var threads = 0
    private var blocks = 0
    private var steps = 0, windows = 0
    private var started = ContinuousClock.now
    /// Smoothed seconds per step on one thread and on the team (nil until measured).
    private var single: Double?, team: Double?

    /// Before a step: starts a window's clock at its first step.
    mutating func beforeStep() {
        if steps == 0 { started = ContinuousClock.now }
    }

    /// Forgets the steps of the window under way (the pass ended inside it).
    mutating func discardWindow() { steps = 0 }

    /// After a step that ran on `ran` threads: counts it, and at a window's end times the
    /// window and chooses the next.
    mutating func afterStep(threads ran: Int) {
        if threads == 0 { return }
        steps += 1
        guard steps == Self.window else { return }
        let seconds = (ContinuousClock.now - started).seconds / Double(steps)
        steps = 0
        windows += 1
        func smooth(_ old: Double?) -> Double { old.map { 0.5 * $0 + 0.5 * seconds } ?? seconds }
        if ran == 1 { single = smooth(single) } else { team = smooth(team) }
        // A window the caller forced (`CPUDevice.fusedRunThreads`) still counts for its choice.
        guard let single, let team else {
            threads = single == nil ? 1 : blocks  // measure the one not yet measured
            return
        }
        let faster = single < team ? 1 : blocks
        threads = windows % Self.exploreEvery == 0 ? (faster == 1 ? blocks : 1) : faster
    }

    /// Starts the choice for a step of `blocks` blocks, on the team.
    mutating func start(blocks: Int) {
        self.blocks = blocks
        threads = blocks
        steps = 0
    }
}
