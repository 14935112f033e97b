/// Stochastic SGD (plain or with classical momentum) and Adam on an OpenCL device in 2H + 1
/// kernels a step for H hidden layers (Kernels/stochastic.cl; issue 15): 3 for 784-128-10,
/// where the general path launches 11, each costing PoCL several microseconds however little
/// it does. A step runs, for each hidden layer up, `step_forward` (its rows' products, bias
/// and activation); `step_output` (the output layer, the loss and δ in one work-group); and,
/// for each layer down to the second, `step_backprop` (in row blocks: a hidden layer's δ and
/// biases from the partial products of the layer above, then the block's partial product into
/// the layer below and the rows' update, in one pass over the weights).
///
/// As on the CPU path (`FusedStochasticStep`), the first layer's update is left pending and
/// applied by the next step's `step_forward` as it reads each row, so that matrix, the
/// largest in an MLP, is read and written once a step; `flush` applies the last one, and the
/// epoch loop calls it before anything reads the parameters. The arithmetic is the general
/// path's (optimizers.cl's rules, decay on the weights only); only the order of float
/// additions differs. The step's Z, A, δ, coefficients and partial products are its own
/// buffer (evaluation may replace the network's workspace between epochs), one for all layers,
/// and the kernels take their scalars packed in vectors: PoCL's cost of a launch grows with
/// its arguments (BENCHMARKS.md).
///
/// On CPU devices the epoch hands it its steps a check interval at a time (`steps`), and it
/// runs them in launches of `step_chunk`, up to `OpenCLDevice.stochasticChunk` steps each:
/// one work-group, so one of the device's threads, walks the samples with the per-step
/// kernels' arithmetic in the same order (the same bits), a barrier where they have a launch
/// boundary. That trades the device's other cores for the launches: on PoCL small networks
/// ran 2–5× as fast, and 784-1024-1024-10 at 0.8× the per-step kernels, so the two are timed
/// against each other (`LaunchChoice`) and the faster runs.
final class OpenCLStochasticStep: FusedStep {
    let network: Network
    let optimizer: Optimizer
    let device: OpenCLDevice
    private let arch: Architecture
    private let layers: [OpenCLDevice.StepLayer]
    private let vectors: [OpenCLDevice.StepVectors]
    /// The input and rule of the first layer's pending update (its δ comes from the partial
    /// products and the step's Z and A in vectors[0]), or nil when none is pending.
    private var pendingUpdate: (input: BufferRef, rule: OpenCLDevice.StepRule)?
    var pending: Bool { pendingUpdate != nil }
    var enabled: Bool { device.fusedStochastic }
    /// step_chunk's layer plan, and its rules (the pending update's, then a chunk's steps').
    private let plan: DeviceBuffer
    private var rules: DeviceBuffer?
    /// What `rules` holds.
    private var uploadedRules: [Float] = []
    /// The epoch's sample order on the device (grown, never shrunk), while it has one.
    private var order: DeviceBuffer?
    /// The same order on the host, for the pending update's input after a chunk.
    private var epochOrder: [Int32]?
    var chunkLimit: Int { Swift.max(1, device.stochasticChunk) }

    /// The fused step for `network` trained by plain SGD, classical momentum or Adam on an
    /// `OpenCLDevice` that takes it (`fusedStochastic`), or nil (another device or rule).
    static func make(network: Network, optimizer: Optimizer) throws -> OpenCLStochasticStep? {
        guard let device = network.device as? OpenCLDevice, device.fusedStochastic,
              rules.contains(optimizer.config.kind) else { return nil }
        return try OpenCLStochasticStep(network: network, optimizer: optimizer, device: device)
    }

    private init(network: Network, optimizer: Optimizer, device: OpenCLDevice) throws {
        self.network = network
        self.optimizer = optimizer
        self.device = device
        let arch = network.architecture
        self.arch = arch
        let state = optimizer.state
        let s1 = state.first ?? network.parameters, s2 = state.count > 1 ? state[1] : s1
        layers = (0..<arch.layerCount).map { l in
            OpenCLDevice.StepLayer(units: arch.units(ofLayer: l), fanIn: arch.inputs(ofLayer: l),
                                   weights: network.parameters.at(arch.weightOffset(l)),
                                   biases: network.parameters.at(arch.biasOffset(l)), state1: s1, state2: s2)
        }
        vectors = try OpenCLDevice.StepVectors.make(units: (0..<arch.layerCount).map { arch.units(ofLayer: $0) },
                                                    device: device)
        let values = OpenCLDevice.stepPlan(layers, vectors: vectors,
                                           activations: (0..<arch.layerCount).map { arch.activations[$0] },
                                           blocks: device.stepBlocks)
        plan = try device.makeBuffer(count: values.count)
        try device.upload(values, to: plan.start)
    }

    /// The rule of the step about to be taken (Adam's bias corrections at its step number).
    private func rule(learningRate lr: Float, step: Int? = nil) -> OpenCLDevice.StepRule {
        let c = optimizer.config
        switch c.kind {
        case .momentum: return .momentum(c.momentum, learningRate: lr, weightDecay: c.weightDecay)
        case .adam:
            let (c1, c2) = UpdateRule.adamCorrections(beta1: c.beta1, beta2: c.beta2, step: step ?? optimizer.steps + 1)
            return .adam(learningRate: lr, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, c1: c1, c2: c2,
                         weightDecay: c.weightDecay)
        default: return .sgd(learningRate: lr, weightDecay: c.weightDecay)
        }
    }

    /// One step on sample `sample` of `data`, its loss and correctness into slot `slot`.
    func step(_ data: DeviceData, sample: Int, slot: Int, next: Int?, learningRate lr: Float) throws {
        let input = data.inputs.at(sample * arch.inputSize), rule = rule(learningRate: lr)
        let out = arch.layerCount - 1
        var x = input
        for l in 0..<out {
            try device.stepForward(layers[l], input: x, pending: l == 0 ? pendingUpdate : nil, out: vectors[l],
                                   activation: arch.activations[l])
            // Applied once enqueued: a flush after an error later in the step must not apply it again.
            if l == 0 { pendingUpdate = nil }
            x = vectors[l].a
        }
        try device.stepOutput(layers[out], input: x, rule: rule, out: vectors[out], loss: arch.loss,
                              activation: arch.outputActivation, targets: data.targets(from: sample),
                              lossOut: data.loss.at(slot), correctOut: data.correct.at(slot))
        // Down to the second layer, or the only one: the output layer's δ is step_output's, a
        // hidden layer's comes from the partial products of the layer above, and a hidden first
        // layer's update is left pending.
        for l in stride(from: out, through: out > 0 ? 1 : 0, by: -1) {
            try device.stepBackprop(layers[l], input: l == 0 ? input : vectors[l - 1].a, this: vectors[l],
                                    rule: rule, hidden: l < out ? arch.activations[l] : nil,
                                    partOut: l > 0 ? vectors[l - 1] : nil)
        }
        if out > 0 { pendingUpdate = (input, rule) }
        optimizer.countStep()
    }

    func beginEpoch(order values: [Int32]?) throws {
        epochOrder = values
        guard let values else { return }
        if (order?.count ?? 0) < values.count { order = try device.makeBuffer(count: values.count) }
        try device.upload(values, to: order!.start)
    }

    /// The sample at `position` of the epoch begun by `beginEpoch`.
    private func sample(at position: Int) -> Int { epochOrder.map { Int($0[position]) } ?? position }

    /// Chunked launches or the per-step kernels, as they time (`OpenCLDevice.stochasticChunkTimed`).
    private(set) var launchChoice = LaunchChoice()

    /// The steps at `positions`: in launches of `step_chunk`, `chunkLimit` steps at most each,
    /// or by the per-step kernels, as `launchChoice` has them timed (or chunked, untimed).
    func steps(_ data: DeviceData, positions: Range<Int>, learningRate lr: Float) throws {
        guard device.stochasticChunkTimed else { return try chunkedSteps(data, positions: positions, learningRate: lr) }
        var rest = positions
        func run(chunked: Bool, _ range: Range<Int>, timed: Bool) throws {
            let start = ContinuousClock.now
            if chunked {
                try chunkedSteps(data, positions: range, learningRate: lr)
            } else {
                for p in range { try step(data, sample: sample(at: p), slot: p, next: nil, learningRate: lr) }
            }
            guard timed else { return }
            try device.synchronize()
            launchChoice.record(chunked: chunked, steps: range.count, seconds: (ContinuousClock.now - start).seconds)
        }
        // Only the calls with a probe are timed (and synchronised): both their parts.
        var timed = false
        if rest.count >= LaunchChoice.minTimed, let probe = launchChoice.probe(before: rest.count) {
            try device.synchronize()
            try run(chunked: probe.chunked, rest.prefix(probe.steps), timed: true)
            rest = rest.dropFirst(probe.steps)
            timed = rest.count >= LaunchChoice.minTimed
        }
        if !rest.isEmpty { try run(chunked: launchChoice.chunked, rest, timed: timed) }
    }

    private func chunkedSteps(_ data: DeviceData, positions: Range<Int>, learningRate lr: Float) throws {
        let chunk = OpenCLDevice.ChunkData(inputs: data.inputs.start, inputSize: arch.inputSize, count: data.count,
                                           targets: data.targets(from: 0), targetWidth: data.targetWidth,
                                           loss: data.loss.start, correct: data.correct.start,
                                           order: epochOrder == nil ? nil : order?.start)
        if let epochOrder {
            precondition(epochOrder.count == data.count, "beginEpoch gave an order of \(epochOrder.count) for \(data.count) samples")
        }
        let limit = chunkLimit
        if (rules?.count ?? 0) < 8 * (limit + 1) {
            rules = try device.makeBuffer(count: 8 * (limit + 1))
            uploadedRules = []
        }
        var first = positions.lowerBound
        while first < positions.upperBound {
            let count = Swift.min(limit, positions.upperBound - first)
            // The pending update's rule, then each step's (Adam's corrections move with its step).
            var values = [Float]()
            values.reserveCapacity(8 * (count + 1))
            let pendingRule = pendingUpdate?.rule ?? rule(learningRate: lr)
            var last = pendingRule
            values.append(contentsOf: pendingRule.values)
            for i in 0..<count {
                last = rule(learningRate: lr, step: optimizer.steps + 1 + i)
                values.append(contentsOf: last.values)
            }
            // A blocking write waits for the launch before it: skipped where the buffer holds
            // these rules already (SGD's and momentum's are one rule an epoch).
            let held = uploadedRules.count >= values.count
                && zip(uploadedRules, values).allSatisfy { $0.bitPattern == $1.bitPattern }
            if !held {
                try device.upload(values, to: rules!.start)
                uploadedRules = values
            }
            try device.stepChunk(layers, plan: plan.start, rules: rules!.start, ruleCode: last.code, vectors: vectors,
                                 loss: arch.loss, data: chunk, first: first, count: count,
                                 pendingInput: pendingUpdate?.input)
            pendingUpdate = nil
            for _ in 0..<count { optimizer.countStep() }
            if arch.layerCount > 1 {
                pendingUpdate = (data.inputs.at(sample(at: first + count - 1) * arch.inputSize), last)
            }
            first += count
        }
    }

    /// Applies the first layer's pending update, if any: after it, the parameters are exactly
    /// those of the plain step (up to the order of float additions).
    func flush() throws {
        guard let update = pendingUpdate else { return }
        try device.stepForward(layers[0], input: nil, pending: update, out: vectors[0], activation: arch.activations[0])
        pendingUpdate = nil
    }
}

extension OpenCLStochasticStep {
    /// Whether the fused step runs in chunked launches (one work-group on one of the device's
    /// threads) or in the per-step kernels (2H + 1 launches, spread over its threads), chosen
    /// by timing each: both compute the same bits, so the choice changes only the speed. The
    /// first calls of `steps` of `minTimed` steps or more, and every `exploreEvery`-th after
    /// them, first give the other mode `probeSteps` steps, and both parts are timed, so that
    /// a choice that stops being the faster (the OS moves threads between cores) is found
    /// again; the other calls run untimed, with no wait for the device. A probe of the slower
    /// mode costs little: on PoCL up to 6× the step for 16 of some 64 × 200 steps.
    struct LaunchChoice {
        static let minTimed = 16, probeSteps = 16, exploreEvery = 64
        /// The mode the calls run in between probes.
        private(set) var chunked = true
        /// Smoothed seconds a step in each mode, nil until timed.
        private(set) var perStep: Double?, chunk: Double?
        private var calls = 0

        /// Before a call of `count` steps: the mode and steps of a probe due first, if any.
        mutating func probe(before count: Int) -> (chunked: Bool, steps: Int)? {
            calls += 1
            let steps = Swift.min(Self.probeSteps, count)
            if perStep == nil { return (false, steps) }
            if chunk == nil { return (true, steps) }
            return calls % Self.exploreEvery == 0 ? (!chunked, steps) : nil
        }

        /// After `steps` steps took `seconds` in a mode: its smoothed time, and the choice.
        mutating func record(chunked ran: Bool, steps: Int, seconds: Double) {
            let t = seconds / Double(steps)
            if ran { chunk = chunk.map { 0.5 * $0 + 0.5 * t } ?? t } else { perStep = perStep.map { 0.5 * $0 + 0.5 * t } ?? t }
            if let perStep, let chunk { chunked = chunk <= perStep }
        }
    }
}
