import Foundation

/// A device's proof, run by `backprop check`: every product case against float64, a
/// finite-difference gradient check of every activation and loss/output pairing, and
/// parity with the CPU path of a random network's forward pass, gradients and one step of
/// every per-parameter optimizer, layer by layer. Each check is a `Row` with its largest
/// absolute error, its largest ULP distance, the error measure held to a tolerance, and the
/// tolerance; the device passes when every row does.
///
/// lm and lbfgs take no per-parameter step of their own: their steps are built from the
/// products and passes checked here, so they have no rows.
public struct DeviceCheck {
    public enum Section: String, Sendable, Codable, CaseIterable {
        /// `backprop check`'s own row: the GEMM family asked for built (OpenCL devices).
        case build
        case gemm, gradient, parity
    }

    public struct Row: Sendable {
        public var section: Section
        public var name: String
        /// Largest |device − reference| over the elements compared.
        public var maxAbsError: Double
        /// Largest distance in units in the last place between the device's float32 values and
        /// the reference rounded to float32 (`UInt64.max` for a NaN where a number belongs).
        public var maxULP: UInt64
        /// The measure held to `tolerance` (see `measure`).
        public var error: Double
        public var tolerance: Double
        /// What `error` is, in words.
        public var measure: String
        /// A failure that is not a size of error (a write outside the result, a disagreeing
        /// reference), or nil.
        public var problem: String?

        public init(section: Section, name: String, maxAbsError: Double, maxULP: UInt64, error: Double,
                    tolerance: Double, measure: String, problem: String? = nil) {
            (self.section, self.name, self.maxAbsError, self.maxULP) = (section, name, maxAbsError, maxULP)
            (self.error, self.tolerance, self.measure, self.problem) = (error, tolerance, measure, problem)
        }

        /// NaN errors fail (a comparison with NaN is false).
        public var passed: Bool { error <= tolerance && problem == nil }
    }

    public let device: any Device
    public let quick: Bool
    /// The GEMM family asked for (`--gemm-family`), if any: the build row fails when the
    /// device built another.
    public let requestedFamily: GEMMConfig.Family?
    /// Why there is no parity section, when there is none (the device is the CPU path).
    public var parityOmitted: String? {
        device.kind == .cpu ? "the device is the CPU path itself; the GEMM and gradient sections check it against float64" : nil
    }

    /// The sections to run (the build row, on an OpenCL device, always runs).
    public let sections: Set<Section>

    /// `quick` keeps sizes ≤ 65 and fewer networks (for slow implementations and simulators:
    /// rusticl on llvmpipe, oclgrind).
    public init(device: any Device, quick: Bool = false, requestedFamily: GEMMConfig.Family? = nil,
                sections: Set<Section> = Set(Section.allCases)) {
        self.device = device
        self.quick = quick
        self.requestedFamily = requestedFamily
        self.sections = sections
    }

    /// Runs every check, handing each row to `report` as it is done.
    @discardableResult
    public func run(_ report: (Row) -> Void = { _ in }) throws -> [Row] {
        var rows: [Row] = []
        func add(_ row: Row) { rows.append(row); report(row) }
        if let cl = device as? OpenCLDevice { add(buildRow(cl)) }
        if sections.contains(.gemm) { for c in gemmCases { add(try checkGEMM(c)) } }
        if sections.contains(.gradient) { for c in Self.gradientCases { add(try checkGradients(c)) } }
        if sections.contains(.parity), parityOmitted == nil {
            let cpu = CPUDevice()
            for seed in 1...UInt64(quick ? 2 : 5) { try checkParity(seed: seed, cpu: cpu).forEach(add) }
        }
        return rows
    }

    /// The kernels built with the family asked for (or the device's own): a fallback to the
    /// other family is a failure of the driver that the check exists to show.
    func buildRow(_ cl: OpenCLDevice) -> Row {
        let built = cl.gemmConfig.family
        var row = Row(section: .build, name: "GEMM kernels, \(built.rawValue) family", maxAbsError: 0, maxULP: 0,
                      error: 0, tolerance: 0, measure: "the family asked for built", problem: cl.familyFallback)
        if let requestedFamily, requestedFamily != built, row.problem == nil {
            row.problem = "the \(requestedFamily.rawValue) family was asked for; \(built.rawValue) was built"
        }
        return row
    }

    // MARK: GEMM

    public struct GEMMCase: Sendable, CustomStringConvertible {
        public var transA: Bool, transB: Bool, m: Int, n: Int, k: Int
        public var description: String {
            let kind = k == 1 ? "ger" : (m == 1 || n == 1) ? "gemv" : "gemm"
            return "\(kind) \(transA ? "T" : "N")\(transB ? "T" : "N") \(m)×\(n)×\(k)"
        }
    }

    /// NN, NT and TN with every size in each of m, n and k, then the matrix-vector (m or n
    /// of 1), rank-one (k of 1) and deep (k of several slabs) cases of each, at sizes that
    /// are no tile's multiple.
    public var gemmCases: [GEMMCase] {
        let sizes = quick ? [1, 3, 17, 33, 65] : [1, 3, 17, 33, 100, 257, 1000]
        let (mid, big) = quick ? (33, 65) : (100, 257)
        let cases: [(Bool, Bool)] = [(false, false), (false, true), (true, false)]
        let c = sizes.count
        var all = cases.flatMap { t in
            sizes.indices.map { i in GEMMCase(transA: t.0, transB: t.1, m: sizes[i], n: sizes[(i + 2) % c], k: sizes[(i + 4) % c]) }
        }
        for t in cases {
            all.append(GEMMCase(transA: t.0, transB: t.1, m: 1, n: big, k: mid))
            all.append(GEMMCase(transA: t.0, transB: t.1, m: mid, n: 1, k: big))
            all.append(GEMMCase(transA: t.0, transB: t.1, m: big, n: mid, k: 1))
            // Both sides past the skinny kernel's 16 and K over several slabs of the tiled
            // kernel (KWG ≤ 32), so that its loop over slabs, and its barriers, are checked.
            all.append(GEMMCase(transA: t.0, transB: t.1, m: mid, n: big, k: big))
        }
        if !quick { all.append(GEMMCase(transA: false, transB: true, m: 1000, n: 1000, k: 17)) }
        return all
    }

    /// C = alpha·op(A)·op(B) + beta·C with element offsets and padded row strides, once with
    /// beta 0 on a NaN-filled C (which must not be read) and once with beta 0.5, alpha −1.5.
    /// Each element's error is measured against Σ_k |alpha·a_ik·b_kj| + |beta·c_ij|, the scale
    /// rounding works on, and held to γ_(k+2) = (k+2)u / (1 − (k+2)u), u = 2⁻²⁴: the classical
    /// bound for a float32 dot product of length k and the two terms added to it. Elements of
    /// the buffers outside C (padding, the offset) must keep their bits.
    func checkGEMM(_ c: GEMMCase) throws -> Row {
        var rng = SeededGenerator(seed: UInt64(c.m * 1_000_003 + c.n * 1009 + c.k) &+ (c.transA ? 7 : 0) &+ (c.transB ? 13 : 0))
        let (rowsA, colsA) = c.transA ? (c.k, c.m) : (c.m, c.k)
        let (rowsB, colsB) = c.transB ? (c.n, c.k) : (c.k, c.n)
        let lda = colsA + 3, ldb = colsB + 1, ldc = c.n + 2
        let offA = 5, offB = 2, offC = 7
        let a = rng.floats(offA + rowsA * lda), b = rng.floats(offB + rowsB * ldb)
        let u = 0x1p-24, kk = Double(c.k + 2)
        let tolerance = kk * u / (1 - kk * u)
        var row = Row(section: .gemm, name: "\(c)", maxAbsError: 0, maxULP: 0, error: 0, tolerance: tolerance,
                      measure: "|error| / Σ|terms| per element", problem: nil)
        let a64 = a[offA...].map(Double.init), b64 = b[offB...].map(Double.init)
        let aAbs = a64.map(abs), bAbs = b64.map(abs)
        for beta in [Float(0), 0.5] {
            let alpha: Float = beta == 0 ? 1 : -1.5
            let c0 = beta == 0 ? [Float](repeating: .nan, count: offC + c.m * ldc) : rng.floats(offC + c.m * ldc)
            let da = try device.makeBuffer(a), db = try device.makeBuffer(b), dc = try device.makeBuffer(c0)
            try device.gemm(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: alpha,
                            a: da.at(offA), lda: lda, b: db.at(offB), ldb: ldb, beta: beta, c: dc.at(offC), ldc: ldc)
            let got = try device.download(dc.start, count: c0.count)

            var ref = c0[offC...].map(Double.init)
            ReferenceGEMM.gemm(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: Double(alpha),
                               a: a64, lda: lda, b: b64, ldb: ldb, beta: Double(beta), c: &ref, ldc: ldc)
            var scale = [Double](repeating: 0, count: ref.count)
            ReferenceGEMM.gemm(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: Double(abs(alpha)),
                               a: aAbs, lda: lda, b: bAbs, ldb: ldb, beta: 0, c: &scale, ldc: ldc)
            for i in 0..<c.m {
                for j in 0..<c.n {
                    let idx = i * ldc + j
                    let value = got[offC + idx]
                    let e = abs(Double(value) - ref[idx])
                    let s = scale[idx] + (beta == 0 ? 0 : abs(Double(beta) * Double(c0[offC + idx])))
                    row.maxAbsError = Self.worse(row.maxAbsError, e)
                    row.error = Self.worse(row.error, e / Swift.max(s, 1e-30))
                    row.maxULP = Swift.max(row.maxULP, Self.ulpDistance(value, Float(ref[idx])))
                }
            }
            if row.problem == nil, let idx = (0..<c0.count).first(where: { idx in
                let i = (idx - offC) / ldc, j = (idx - offC) % ldc
                let inside = idx >= offC && i < c.m && j < c.n
                return !inside && got[idx].bitPattern != c0[idx].bitPattern
            }) {
                row.problem = "element \(idx) of the buffer, outside C, was written (beta \(beta))"
            }
        }
        return row
    }

    // MARK: Gradients

    public struct GradientCase: Sendable, CustomStringConvertible {
        public var hidden: Activation, output: Activation, loss: Loss
        public init(hidden: Activation, output: Activation, loss: Loss) {
            (self.hidden, self.output, self.loss) = (hidden, output, loss)
        }
        public var description: String { "hidden \(hidden.name), output \(output.name), \(loss.name)" }
    }

    /// Every hidden activation under softmax cross-entropy, every output activation under
    /// squared error, and sigmoid outputs under binary cross-entropy.
    public static let gradientCases: [GradientCase] =
        Activation.all.filter { $0 != .softmax }.map { GradientCase(hidden: $0, output: .softmax, loss: .softmaxCrossEntropy) }
        + Activation.all.map { GradientCase(hidden: .tanh, output: $0, loss: .squaredError) }
        + [GradientCase(hidden: .tanh, output: .sigmoid, loss: .sigmoidCrossEntropy),
           GradientCase(hidden: .relu, output: .sigmoid, loss: .sigmoidCrossEntropy)]

    /// The device's float32 gradients of a 5-7-6-4 network on 6 samples against central
    /// finite differences of the float64 reference network (h = 1e-6), each entry's error
    /// relative to max(|gradient|, 1e-3), held to 1e-4. The loss must agree to 1e-5, and the
    /// reference's own analytic gradients must agree with the differences to 1e-5 (else
    /// the check itself is wrong, and says so).
    public func checkGradients(_ c: GradientCase) throws -> Row {
        let arch = try Architecture(sizes: [5, 7, 6, 4], hidden: c.hidden, output: c.output, loss: c.loss)
        var rng = SeededGenerator(seed: UInt64(c.description.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude))
        let rows = 6
        let params = rng.floats(arch.parameterCount, -0.8, 0.8)
        let inputs = rng.floats(rows * arch.inputSize, -1.5, 1.5)
        let targets: [Float]
        switch c.loss {
        case .softmaxCrossEntropy: targets = rng.oneHot(rows: rows, classes: arch.outputSize)
        case .sigmoidCrossEntropy: targets = rng.floats(rows * arch.outputSize, 0, 1)
        case .squaredError: targets = rng.floats(rows * arch.outputSize, -1, 1)
        }
        let reference = ReferenceNetwork(arch, parameters: params.map(Double.init))
        let x = inputs.map(Double.init), t = targets.map(Double.init)
        let analytic = reference.gradients(x, t, rows: rows)
        let numeric = reference.numericalGradients(x, t, rows: rows)
        let network = try Network(arch, device: device, parameters: params)
        let (loss, gradients) = try network.lossAndGradients(inputs: inputs, targets: targets)

        var row = Row(section: .gradient, name: "\(c)", maxAbsError: 0, maxULP: 0, error: 0, tolerance: 1e-4,
                      measure: "|error| / max(|gradient|, 1e-3) against finite differences", problem: nil)
        var referenceError = 0.0
        for i in gradients.indices {
            let e = abs(Double(gradients[i]) - numeric[i])
            row.maxAbsError = Self.worse(row.maxAbsError, e)
            row.error = Self.worse(row.error, e / Swift.max(abs(numeric[i]), 1e-3))
            row.maxULP = Swift.max(row.maxULP, Self.ulpDistance(gradients[i], Float(analytic[i])))
            referenceError = Swift.max(referenceError, abs(analytic[i] - numeric[i]) / Swift.max(abs(numeric[i]), 1e-4))
        }
        let referenceLoss = reference.loss(x, t, rows: rows)
        let lossError = abs(loss - referenceLoss) / Swift.max(abs(referenceLoss), 1e-3)
        if !(lossError <= 1e-5) {
            row.problem = "loss \(loss) against \(referenceLoss) in float64 (relative error \(lossError), tolerance 1e-5)"
        } else if !(referenceError <= 1e-5) {
            row.problem = "the float64 reference's analytic gradients disagree with finite differences (\(referenceError)): the check itself is wrong"
        }
        return row
    }

    // MARK: Parity

    /// The per-parameter optimizers, with settings that make every term count (weight decay,
    /// momentum, Adam's second moment).
    public static let parityOptimizers: [OptimizerConfig] = {
        var adam = OptimizerConfig(.adam, learningRate: 0.01, weightDecay: 0.01)
        adam.beta2 = 0.99
        return [OptimizerConfig(.sgd, learningRate: 0.1, weightDecay: 0.001),
                OptimizerConfig(.momentum, learningRate: 0.05, momentum: 0.9),
                OptimizerConfig(.nesterov, learningRate: 0.05, momentum: 0.8, weightDecay: 0.01),
                adam,
                OptimizerConfig(.rprop, learningRate: 0.01),
                OptimizerConfig(.quickprop, learningRate: 0.7)]
    }()

    /// A random network for parity: 2 to 4 layers, each size 1, 3, 17, 33, 64 or 100 (tile
    /// edges and the GEMV path's single unit), a random hidden activation and a random
    /// output/loss pairing (softmax needs two classes or more).
    public static func randomArchitecture(_ rng: inout SeededGenerator) throws -> Architecture {
        let depth = 2 + rng.index(below: 3)
        let sizes = (0...depth).map { _ in [1, 3, 17, 33, 64, 100][rng.index(below: 6)] }
        let hidden = Activation.all.filter { $0 != .softmax }[rng.index(below: 9)]
        let pairings: [(Activation, Loss)] = [(.softmax, .softmaxCrossEntropy), (.sigmoid, .sigmoidCrossEntropy),
                                              (.identity, .squaredError), (.tanh, .squaredError)]
        var (output, loss) = pairings[rng.index(below: pairings.count)]
        if sizes.last == 1 && output == .softmax { (output, loss) = (.sigmoid, .sigmoidCrossEntropy) }
        return try Architecture(sizes: sizes, hidden: hidden, output: output, loss: loss)
    }

    /// A random network (2–4 layers of 1, 3, 17, 33, 64 or 100 units; a random hidden
    /// activation and output pairing; a batch of 1, 2, 5, 31, 65 or 130) on the device and on
    /// the CPU path from the same weights: per layer, its activations A after the forward
    /// pass and its gradients (weights and biases); then, per optimizer, the change one step
    /// makes to the parameters, worst layer shown. Each error is relative to the largest
    /// magnitude in the layer, held to 1e-4; for a step, what differs by more than the
    /// float32 spacing of the new weight (each side rounds it) is relative to the largest
    /// change the step made in the layer, and for the fused stochastic rows' several steps,
    /// what differs by more than that spacing once a step (each side rounds the weight at
    /// every step, and the two round differently where one contracts a multiply-add).
    func checkParity(seed: UInt64, cpu: CPUDevice) throws -> [Row] {
        var rng = SeededGenerator(seed: seed &* 0x9E37_79B9)
        let arch = try Self.randomArchitecture(&rng)
        let loss = arch.loss
        let batch = seed == 1 ? 1 : [2, 5, 31, 65, 130][rng.index(below: 5)]  // 1: the GEMV path
        let params = Initializer.auto.parameters(for: arch, seed: seed)
        let inputs = rng.floats(batch * arch.inputSize)
        let targets = loss == .softmaxCrossEntropy ? rng.oneHot(rows: batch, classes: arch.outputSize)
                                                   : rng.floats(batch * arch.outputSize, 0, 1)
        let label = "\(arch.summary), batch \(batch)"
        let tolerance = 1e-4

        func compare(_ name: String, _ got: [Float], _ want: [Float], measure: String) -> Row {
            var row = Row(section: .parity, name: "\(label): \(name)", maxAbsError: 0, maxULP: 0, error: 0,
                          tolerance: tolerance, measure: measure, problem: nil)
            let largest = want.reduce(0) { Swift.max($0, abs(Double($1))) }
            for (g, w) in zip(got, want) {
                let e = abs(Double(g) - Double(w))
                row.maxAbsError = Self.worse(row.maxAbsError, e)
                row.maxULP = Swift.max(row.maxULP, Self.ulpDistance(g, w))
            }
            row.error = row.maxAbsError / Swift.max(largest, 1e-30)
            if largest == 0 && row.maxAbsError == 0 { row.error = 0 }
            return row
        }

        let host = try Network(arch, device: cpu, parameters: params)
        let here = try Network(arch, device: device, parameters: params)
        _ = try host.lossAndGradients(inputs: inputs, targets: targets)
        _ = try here.lossAndGradients(inputs: inputs, targets: targets)
        let gradHost = try host.readGradients(), gradHere = try here.readGradients()
        var rows: [Row] = []
        for l in 0..<arch.layerCount {
            let units = arch.units(ofLayer: l)
            let aHost = try cpu.download(host.workspace(rows: batch).a[l].start, count: batch * units)
            let aHere = try device.download(here.workspace(rows: batch).a[l].start, count: batch * units)
            rows.append(compare("layer \(l + 1) forward A", aHere, aHost, measure: "max |error| / max |A| of the layer"))
            let w = arch.weightOffset(l)..<(arch.weightOffset(l) + units * arch.inputs(ofLayer: l))
            let b = arch.biasOffset(l)..<(arch.biasOffset(l) + units)
            rows.append(compare("layer \(l + 1) gradients", Array(gradHere[w]) + Array(gradHere[b]),
                                Array(gradHost[w]) + Array(gradHost[b]), measure: "max |error| / max |gradient| of the layer"))
        }
        // Per layer, what differs by more than `steps` float32 spacings of the new weight (each
        // side rounds it once a step), relative to the largest change from `params` in the
        // layer; the worst layer (NaN first), with the largest errors of any layer.
        func afterRow(_ name: String, _ afterHere: [Float], _ afterHost: [Float], steps: Int = 1) -> Row {
            let layers = (0..<arch.layerCount).map { l in
                let units = arch.units(ofLayer: l)
                let w = arch.weightOffset(l)..<(arch.weightOffset(l) + units * arch.inputs(ofLayer: l))
                let b = arch.biasOffset(l)..<(arch.biasOffset(l) + units)
                let got = Array(afterHere[w]) + Array(afterHere[b]), want = Array(afterHost[w]) + Array(afterHost[b])
                let before = Array(params[w]) + Array(params[b])
                var r = compare("\(name), layer \(l + 1)", got, want,
                                measure: "max (|error| − \(steps) ulp of the weight) / max |change| of the worst layer")
                let change = zip(want, before).reduce(0) { Swift.max($0, abs(Double($1.0) - Double($1.1))) }
                let beyond = zip(got, want).reduce(0) { Self.worse($0, Swift.max(0, abs(Double($1.0) - Double($1.1)) - Double(steps) * Double($1.1.ulp))) }
                r.error = beyond == 0 ? 0 : beyond / Swift.max(change, 1e-30)
                return r
            }
            var worst = layers.max { a, b in a.error.isNaN ? false : b.error.isNaN || a.error < b.error }!
            worst.maxAbsError = layers.map(\.maxAbsError).reduce(0, Self.worse)
            worst.maxULP = layers.map(\.maxULP).max()!
            return worst
        }
        for config in Self.parityOptimizers {
            let afterHost = try afterOneStep(config, arch: arch, params: params, inputs: inputs, targets: targets, on: cpu)
            let afterHere = try afterOneStep(config, arch: arch, params: params, inputs: inputs, targets: targets, on: device)
            rows.append(afterRow("one \(config.kind.rawValue) step", afterHere, afterHost))
        }
        // The fused batch-of-one step (Kernels/stochastic.cl), whether or not the device takes it
        // by default, against the CPU path's: a stochastic epoch and two steps of the next, so
        // that the pending first-layer update is applied at a stop too.
        if let cl = device as? OpenCLDevice {
            let fused = cl.fusedStochastic
            cl.fusedStochastic = true
            defer { cl.fusedStochastic = fused }
            // At most 9 samples, and a tenth of the one-step rates: a random network of 100-unit
            // layers diverges within a few steps of the larger ones.
            let n = Swift.min(batch, 9)
            let set = Dataset(source: "check", inputSize: arch.inputSize, inputs: Array(inputs[0..<(n * arch.inputSize)]),
                              targets: Array(targets[0..<(n * arch.outputSize)]), targetSize: arch.outputSize)
            // Both ways the device takes them: one step at a time (2H + 1 launches each), and the
            // several steps of step_chunk's launches (checks every 4 updates bound them: launches
            // of 4, 4 and 1 over 9 samples), the first layer's update pending from one to the next.
            let (chunk, timed) = (cl.stochasticChunk, cl.stochasticChunkTimed)
            defer { (cl.stochasticChunk, cl.stochasticChunkTimed) = (chunk, timed) }
            cl.stochasticChunkTimed = false
            for var config in Self.parityOptimizers where [.sgd, .momentum, .adam].contains(config.kind) {
                config.learningRate /= 10
                let host = try afterStochasticPasses(config, arch: arch, params: params, set: set, on: cpu)
                for (launch, steps) in [("", 1), (", several a launch", 256)] {
                    cl.stochasticChunk = steps
                    let here = try afterStochasticPasses(config, arch: arch, params: params, set: set, on: cl,
                                                         checkInterval: steps > 1 ? 4 : 0)
                    rows.append(afterRow("fused stochastic \(config.kind.rawValue) steps\(launch)", here.parameters,
                                         host.parameters, steps: host.updates))
                }
            }
        }
        return rows
    }

    /// The parameters after a stochastic epoch over `set` and two steps of the next, and how
    /// many updates that took.
    private func afterStochasticPasses(_ config: OptimizerConfig, arch: Architecture, params: [Float], set: Dataset,
                                       on device: any Device, checkInterval: Int = 0) throws -> (parameters: [Float], updates: Int) {
        let network = try Network(arch, device: device, parameters: params)
        var options = TrainingOptions(mode: .stochastic, epochs: 2)
        options.checkInterval = checkInterval
        let trainer = try Trainer(network: network, optimizer: Optimizer(config, network: network), options: options)
        let data = try DeviceData(set, for: network)
        let next = Swift.min(2, set.count)
        try trainer.trainEpoch(data)
        try trainer.trainEpoch(data, updates: next)
        return (try network.readParameters(), set.count + next)
    }

    /// The parameters after one optimizer step from fresh state.
    private func afterOneStep(_ config: OptimizerConfig, arch: Architecture, params: [Float],
                              inputs: [Float], targets: [Float], on device: any Device) throws -> [Float] {
        let network = try Network(arch, device: device, parameters: params)
        let optimizer = try Optimizer(config, network: network)
        _ = try network.lossAndGradients(inputs: inputs, targets: targets)
        try optimizer.step(samples: inputs.count / arch.inputSize)
        return try network.readParameters()
    }

    // MARK: Measures

    /// The larger of two errors, NaN counting as the largest.
    static func worse(_ a: Double, _ b: Double) -> Double {
        a.isNaN || b.isNaN ? .nan : Swift.max(a, b)
    }

    /// Distance in units in the last place: the count of float32 values between the two
    /// (0 when equal, including +0 and −0); `UInt64.max` when exactly one is NaN.
    public static func ulpDistance(_ a: Float, _ b: Float) -> UInt64 {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN ? 0 : .max }
        func ordered(_ x: Float) -> Int64 {
            let bits = Int64(x.bitPattern & 0x7FFF_FFFF)
            return x.sign == .minus ? -bits : bits
        }
        return (ordered(a) - ordered(b)).magnitude
    }
}

extension SeededGenerator {
    /// `n` floats drawn uniformly from [lo, hi).
    public mutating func floats(_ n: Int, _ lo: Double = -1, _ hi: Double = 1) -> [Float] {
        (0..<n).map { _ in Float(uniform(lo, hi)) }
    }

    /// `rows` one-hot rows of `classes` values.
    public mutating func oneHot(rows: Int, classes: Int) -> [Float] {
        var t = [Float](repeating: 0, count: rows * classes)
        for r in 0..<rows { t[r * classes + index(below: classes)] = 1 }
        return t
    }
}
