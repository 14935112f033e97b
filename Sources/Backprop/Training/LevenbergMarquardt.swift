import CBLAS
import Foundation

/// Levenberg–Marquardt for a network trained on squared error: each epoch solves
/// (JᵀJ + μI)·Δ = Jᵀe for the step Δ, where e = t − o are the residuals of every (sample, output)
/// pair and J = ∂o/∂θ their Jacobian, and damps with μ as MATLAB's trainlm does: μ starts at
/// 0.001; a step that lowers the loss is taken and μ shrinks ×0.1; one that does not is undone,
/// μ grows ×10 and the system is solved again; past μ = 1e10 training stops.
///
/// J never exists whole. The samples go through in chunks: one forward pass, then the output
/// layer's delta for each output separately (the chunk's rows repeated once per output, the
/// derivative of output k alone), backpropagated with the same GEMMs as training, so that row
/// (sample, k) of every layer's delta is ∂o_k/∂z. Each layer's block of J is then a row-wise
/// outer product of that delta with the layer's input (`Device.rowOuterProducts`), and JᵀJ and
/// Jᵀe accumulate chunk by chunk as two more GEMMs on the device. The P×P system is factored
/// on the host in float64 (LAPACK's dpotrf from OpenBLAS, two triangular solves), where the
/// conditioning that μ controls is safe.
final class LevenbergMarquardt {
    let network: Network
    let config: OptimizerConfig
    /// The ranks: each accumulates the system over its block of the samples, the systems and
    /// the trial losses are summed, and every rank solves the same system.
    let communicator: any Communicator
    /// The damping now.
    var mu: Double

    /// Device memory for one chunk of Jacobian rows, in elements (64 MiB of floats).
    static let jacobianChunkElements = 1 << 24
    /// The most bytes the P×P system may take: 4·P² on the device (JᵀJ), 4·P² on the host
    /// (its copy) and 8·P² (the float64 factor).
    static let memoryBudget = 2 << 30

    /// The bytes the system of `parameters` unknowns needs (see `memoryBudget`).
    static func systemBytes(parameters p: Int) -> Int { 16 * p * p }

    /// Refuses, before anything is allocated, a network LM cannot train: a loss other than mse,
    /// a softmax output, or a system beyond the budget.
    static func check(_ arch: Architecture) throws {
        if arch.loss != .squaredError {
            throw ConfigurationError([.init(.optimizer, "lm"), .init(.loss, arch.loss.name)],
                                     "Levenberg–Marquardt minimises a sum of squared residuals and needs the mse loss")
        }
        if arch.outputActivation == .softmax {
            throw ConfigurationError([.init(.optimizer, "lm"), .init(.output, "softmax")],
                                     "Levenberg–Marquardt needs each output's own derivative; softmax couples the outputs (use sigmoid or identity)")
        }
        let p = arch.parameterCount
        let (squared, overflow) = p.multipliedReportingOverflow(by: p)
        if overflow || squared > memoryBudget / 16 {
            throw ConfigurationError([.init(.optimizer, "lm"), .init(.layers, LayerSizes(arch.sizes).description)],
                                     "Levenberg–Marquardt solves a P×P system for the network's P = \(p) parameters, which needs "
                                     + (overflow ? "more bytes than memory holds" : "\(systemBytes(parameters: p)) bytes")
                                     + " (16·P²), more than its budget of \(memoryBudget) bytes; use a smaller network or another optimizer")
        }
    }

    private let samplesPerChunk: Int
    private let jacobian, jtj, jte, residual, ones, unitDeltas, repeatRows: DeviceBuffer
    /// Each layer's Z and A, and the input, with every row repeated once per output.
    private let zRepeated, aRepeated: [DeviceBuffer]
    private let inputRepeated: DeviceBuffer
    /// Loss and correctness slots for trial steps (the epoch's own slots keep the losses of the
    /// weights the epoch started from, as every batch epoch reports them).
    private var trialLoss, trialCorrect: DeviceBuffer?
    /// Class labels as one-hot rows, for data whose targets are labels; made once per data set.
    private var oneHot: (data: ObjectIdentifier, buffer: DeviceBuffer)?

    init(network: Network, config: OptimizerConfig, mu: Double? = nil, chunkRows: Int,
         communicator: any Communicator = SingleProcess()) throws {
        let arch = network.architecture
        try Self.check(arch)
        self.network = network
        self.config = config
        self.communicator = communicator
        self.mu = mu ?? config.lmMu
        let p = arch.parameterCount, k = arch.outputSize, device = network.device
        samplesPerChunk = Swift.max(1, Swift.min(chunkRows, Self.jacobianChunkElements / Swift.max(1, p * k)))
        let rows = samplesPerChunk * k
        if let why = MemoryBudget.shortfall(Self.systemBytes(parameters: p) + rows * p * 4) {
            throw DeviceError.outOfMemory(bytes: Self.systemBytes(parameters: p) + rows * p * 4,
                                          what: "Levenberg–Marquardt's system for \(p) parameters", why: why)
        }
        jacobian = try device.makeBuffer(count: rows * p)
        jtj = try device.makeBuffer(count: p * p)
        jte = try device.makeBuffer(count: p)
        residual = try device.makeBuffer(count: rows)
        ones = try device.makeBuffer([1])
        unitDeltas = try device.makeBuffer((0..<rows).flatMap { r in (0..<k).map { Float($0 == r % k ? 1 : 0) } })
        repeatRows = try device.makeBuffer(count: rows)
        try device.upload((0..<rows).map { Int32($0 / k) }, to: repeatRows.start)
        zRepeated = try (0..<arch.layerCount).map { try device.makeBuffer(count: rows * arch.units(ofLayer: $0)) }
        aRepeated = try (0..<arch.layerCount).map { try device.makeBuffer(count: rows * arch.units(ofLayer: $0)) }
        inputRepeated = try device.makeBuffer(count: rows * arch.inputSize)
        _ = try network.workspace(rows: rows)
    }

    /// How an epoch ended: a step taken; none possible (μ passed its maximum); or the system
    /// at the current weights is not finite.
    enum Outcome { case stepped, stalled, diverged }

    /// One epoch: the system at the current weights (their per-sample losses into the data's
    /// slots), then steps tried until one lowers the loss.
    func epoch(_ data: DeviceData) throws -> Outcome {
        let arch = network.architecture, device = network.device, p = arch.parameterCount
        let start = try accumulateSystem(data)
        let block = communicator.block(of: 0..<data.count)
        var before = [block.isEmpty ? 0 : try device.download(data.loss.at(block.lowerBound), count: block.count)
            .reduce(0.0) { $0 + Double($1) }]
        var system = try device.download(jtj.start, count: p * p)
        var jte = try device.download(self.jte.start, count: p)
        if communicator.size > 1 {
            try communicator.allReduceSum(&before)
            try system.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0.baseAddress!, count: p * p) }
            try jte.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0.baseAddress!, count: p) }
        }
        let gradient = jte.map(Double.init)
        let before0 = before[0]
        guard system.allSatisfy(\.isFinite), gradient.allSatisfy(\.isFinite), before0.isFinite else { return .diverged }
        while mu <= config.lmMuMax {
            if let delta = Self.solve(system, gradient, damping: mu, count: p) {
                try network.writeParameters(zip(start, delta).map { $0 + Float($1) })
                let after = try trialLossSum(data)
                if after < before0 {
                    mu *= config.lmMuDecrease
                    return .stepped
                }
            }
            mu *= config.lmMuIncrease
        }
        try network.writeParameters(start)
        return .stalled
    }

    /// (A + μI)·Δ = b by Cholesky in float64, A given as P×P floats; nil when A + μI is not
    /// positive definite (or the solution is not finite): a larger μ is needed.
    static func solve(_ a: [Float], _ b: [Double], damping mu: Double, count n: Int) -> [Double]? {
        var factor = a.map(Double.init)
        for i in 0..<n { factor[i * n + i] += mu }
        var size = Int32(n), info: Int32 = 0
        // Symmetric, so the row-major array is its own column-major transpose: L in the lower triangle.
        factor.withUnsafeMutableBufferPointer { f in
            var lda = size
            "L".withCString { dpotrf_($0, &size, f.baseAddress, &lda, &info) }
        }
        guard info == 0 else { return nil }
        var x = b
        factor.withUnsafeBufferPointer { f in
            x.withUnsafeMutableBufferPointer { v in
                cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, size, f.baseAddress, size, v.baseAddress, 1)
                cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, size, f.baseAddress, size, v.baseAddress, 1)
            }
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }

    /// JᵀJ and Jᵀe at the current weights over every sample, chunk by chunk; the samples'
    /// losses go to the data's slots. Returns the weights.
    private func accumulateSystem(_ data: DeviceData) throws -> [Float] {
        let arch = network.architecture, device = network.device, p = arch.parameterCount, k = arch.outputSize
        let last = arch.layerCount - 1, targets = try targetValues(data)
        let block = communicator.block(of: 0..<data.count)
        if block.isEmpty {
            try device.fill(jtj.start, count: p * p, with: 0)
            try device.fill(jte.start, count: p, with: 0)
        }
        for start in stride(from: block.lowerBound, to: block.upperBound, by: samplesPerChunk) {
            let samples = Swift.min(samplesPerChunk, block.upperBound - start), rows = samples * k
            let input = data.inputs.at(start * arch.inputSize)
            let w = try network.forward(input: input, rows: samples)
            try network.outputDelta(targets: data.targets(from: start), rows: samples, scale: 1, delta: false,
                                    lossOut: data.loss.at(start), correctOut: data.correct.at(start))
            // e = t − o, one element per (sample, output), sample-major as A_L is.
            try device.copy(targets.at(start * k), to: residual.start, count: rows)
            try device.axpby(count: rows, alpha: -1, x: w.a[last].start, beta: 1, y: residual.start)
            // Every row once per output: the input, and each layer's Z and A.
            try device.gatherRows(rows: rows, cols: arch.inputSize, source: input, indices: repeatRows.start, into: inputRepeated.start)
            for l in 0...last {
                let units = arch.units(ofLayer: l)
                try device.gatherRows(rows: rows, cols: units, source: w.z[l].start, indices: repeatRows.start, into: zRepeated[l].start)
                try device.gatherRows(rows: rows, cols: units, source: w.a[l].start, indices: repeatRows.start, into: aRepeated[l].start)
            }
            // Row (s, k) of the output delta: f'(z_k) at column k, zero elsewhere.
            try device.copy(unitDeltas.start, to: w.dz[last].start, count: rows * k)
            try device.activationBackward(count: rows * k, dA: w.dz[last].start, z: zRepeated[last].start,
                                          a: aRepeated[last].start, activation: arch.activations[last])
            for l in stride(from: last, through: 0, by: -1) {
                let units = arch.units(ofLayer: l), fanIn = arch.inputs(ofLayer: l)
                let previous = l == 0 ? inputRepeated.start : aRepeated[l - 1].start
                try device.rowOuterProducts(rows: rows, m: units, n: fanIn, x: w.dz[l].start, ldx: units, y: previous, ldy: fanIn,
                                            into: jacobian.at(arch.weightOffset(l)), ldo: p)
                try device.rowOuterProducts(rows: rows, m: units, n: 1, x: w.dz[l].start, ldx: units, y: ones.start, ldy: 0,
                                            into: jacobian.at(arch.biasOffset(l)), ldo: p)
                if l > 0 {
                    try device.gemm(transA: false, transB: false, m: rows, n: fanIn, k: units, alpha: 1,
                                    a: w.dz[l].start, lda: units, b: network.parameters.at(arch.weightOffset(l)), ldb: fanIn,
                                    beta: 0, c: w.dz[l - 1].start, ldc: fanIn)
                    try device.activationBackward(count: rows * fanIn, dA: w.dz[l - 1].start, z: zRepeated[l - 1].start,
                                                  a: aRepeated[l - 1].start, activation: arch.activations[l - 1])
                }
            }
            let beta: Float = start == block.lowerBound ? 0 : 1
            try device.gemm(transA: true, transB: false, m: p, n: p, k: rows, alpha: 1, a: jacobian.start, lda: p,
                            b: jacobian.start, ldb: p, beta: beta, c: jtj.start, ldc: p)
            try device.gemm(transA: true, transB: false, m: p, n: 1, k: rows, alpha: 1, a: jacobian.start, lda: p,
                            b: residual.start, ldb: 1, beta: beta, c: jte.start, ldc: 1)
        }
        return try network.readParameters()
    }

    /// The summed per-sample loss at the current weights (forward passes only).
    private func trialLossSum(_ data: DeviceData) throws -> Double {
        let device = network.device, arch = network.architecture
        if trialLoss == nil || trialLoss!.count < data.count {
            trialLoss = try device.makeBuffer(count: data.count)
            trialCorrect = try device.makeBuffer(count: data.count)
        }
        let block = communicator.block(of: 0..<data.count)
        for start in stride(from: block.lowerBound, to: block.upperBound, by: samplesPerChunk * arch.outputSize) {
            let rows = Swift.min(samplesPerChunk * arch.outputSize, block.upperBound - start)
            try network.forward(input: data.inputs.at(start * arch.inputSize), rows: rows)
            try network.outputDelta(targets: data.targets(from: start), rows: rows, scale: 1, delta: false,
                                    lossOut: trialLoss!.at(start), correctOut: trialCorrect!.at(start))
        }
        var sum = [block.isEmpty ? 0 : try device.download(trialLoss!.at(block.lowerBound), count: block.count)
            .reduce(0.0) { $0 + Double($1) }]
        try communicator.allReduceSum(&sum)
        return sum[0].isFinite ? sum[0] : .infinity
    }

    /// The targets as outputs: the data's values, or its labels as one-hot rows.
    private func targetValues(_ data: DeviceData) throws -> DeviceBuffer {
        guard data.isClassification else { return data.targetBuffer }
        if let oneHot, oneHot.data == ObjectIdentifier(data) { return oneHot.buffer }
        let k = network.architecture.outputSize
        let labels = try network.device.download(data.targetBuffer.start, count: data.count)
        var values = [Float](repeating: 0, count: data.count * k)
        for (i, label) in labels.enumerated() {
            if k == 1 { values[i] = label } else { values[i * k + Int(label)] = 1 }
        }
        let buffer = try network.device.makeBuffer(values)
        oneHot = (ObjectIdentifier(data), buffer)
        return buffer
    }
}
