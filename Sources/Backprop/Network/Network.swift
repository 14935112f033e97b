/// A multilayer perceptron on one device: its parameters and their gradients in two flat
/// buffers (layout in `Architecture`), and per-batch-size work buffers. Forward and
/// backward passes are written once here, against `Device`.
///
/// For a batch of B samples (row-major B×n matrices), layer l computes
///   forward   Z_l = A_{l−1}·W_lᵀ + b_l (GEMM NT), A_l = f_l(Z_l)
///   backward  dW_l = dZ_lᵀ·A_{l−1} (GEMM TN), db_l = Σ_rows dZ_l,
///             dA_{l−1} = dZ_l·W_l (GEMM NN), dZ_{l−1} = dA_{l−1} ⊙ f'_{l−1}(Z_{l−1})
/// with dZ_L, the output delta, from the loss and output activation together.
public final class Network {
    public let architecture: Architecture
    public let device: any Device
    /// Every layer's weights, then every layer's biases.
    public let parameters: DeviceBuffer
    /// ∂(mean loss)/∂parameters, laid out like `parameters`.
    public let gradients: DeviceBuffer
    private var work: Workspace?

    public convenience init(_ architecture: Architecture, device: any Device,
                initializer: Initializer = .auto, seed: UInt64 = 1) throws {
        try architecture.validate()
        // The initial weights are made on the host first.
        if let why = MemoryBudget.shortfall(architecture.parameterCount * 4) {
            throw DeviceError.outOfMemory(bytes: architecture.parameterCount * 4,
                                          what: "the initial weights of \(architecture.summary)", why: why)
        }
        try self.init(architecture, device: device,
                      parameters: initializer.parameters(for: architecture, seed: seed))
    }

    /// A network with the given flat parameter vector (see `Architecture` for the layout).
    public init(_ architecture: Architecture, device: any Device, parameters values: [Float]) throws {
        try architecture.validate()
        guard values.count == architecture.parameterCount else {
            throw ConfigurationError("\(architecture.summary) has \(architecture.parameterCount) parameters, got \(values.count)")
        }
        self.architecture = architecture
        self.device = device
        parameters = try device.makeBuffer(count: architecture.parameterCount)
        gradients = try device.makeBuffer(count: architecture.parameterCount)
        try device.upload(values, to: parameters.start)
        try device.fill(gradients.start, count: architecture.parameterCount, with: 0)
    }

    // MARK: Host access

    public func readParameters() throws -> [Float] {
        try device.download(parameters.start, count: architecture.parameterCount)
    }

    public func writeParameters(_ values: [Float]) throws {
        precondition(values.count == architecture.parameterCount, "parameter count mismatch")
        try device.upload(values, to: parameters.start)
    }

    public func readGradients() throws -> [Float] {
        try device.download(gradients.start, count: architecture.parameterCount)
    }

    // MARK: Passes

    /// The work buffers for batches of up to `rows` samples; grown, never shrunk.
    public func workspace(rows: Int) throws -> Workspace {
        if let work, work.capacity >= rows { return work }
        let fresh = try Workspace(architecture, device: device, capacity: rows)
        work = fresh
        return fresh
    }

    /// Forward pass over `rows` samples whose inputs (rows × inputSize, contiguous) start at
    /// `input`. Leaves Z and A of every layer in the workspace; A of the last is the output.
    @discardableResult
    public func forward(input: BufferRef, rows: Int) throws -> Workspace {
        let w = try workspace(rows: rows)
        let arch = architecture
        var previous = input
        for l in 0..<arch.layerCount {
            let fanIn = arch.inputs(ofLayer: l), units = arch.units(ofLayer: l)
            // Z = A_prev·Wᵀ   A_prev: rows×in, W: units×in, Z: rows×units
            try device.gemm(transA: false, transB: true, m: rows, n: units, k: fanIn, alpha: 1,
                            a: previous, lda: fanIn, b: parameters.at(arch.weightOffset(l)), ldb: fanIn,
                            beta: 0, c: w.z[l].start, ldc: units)
            try device.biasActivation(rows: rows, cols: units, z: w.z[l].start,
                                      bias: parameters.at(arch.biasOffset(l)), a: w.a[l].start,
                                      activation: arch.activations[l])
            previous = w.a[l].start
        }
        return w
    }

    /// After `forward`: per-sample loss and correctness into `lossOut`/`correctOut` (one
    /// element per row), and, unless `delta` is false, the output delta dZ_L scaled by `scale`
    /// (1/B for the mean over a batch of B). Targets: rows × outputSize values, or rows class
    /// indices (see `OutputTargets`).
    public func outputDelta(targets: OutputTargets, rows: Int, scale: Float, delta: Bool = true,
                            lossOut: BufferRef, correctOut: BufferRef) throws {
        let w = try workspace(rows: rows)
        let last = architecture.layerCount - 1
        try device.outputDelta(loss: architecture.loss, activation: architecture.outputActivation,
                               rows: rows, cols: architecture.outputSize,
                               z: w.z[last].start, a: w.a[last].start, targets: targets,
                               dZ: delta ? w.dz[last].start : nil, scale: scale,
                               lossOut: lossOut, correctOut: correctOut)
    }

    /// Backward pass after `forward` and `outputDelta` over the same rows and input.
    /// Writes the gradients, or adds to them when `accumulate` (batch mode's chunks).
    public func backward(input: BufferRef, rows: Int, accumulate: Bool = false) throws {
        let beta: Float = accumulate ? 1 : 0
        try backward(input: input, rows: rows,
                     into: GradientTarget(buffer: gradients, alpha: 1, weightBeta: beta, biasBeta: beta))
    }

    /// Backward pass putting `target.alpha`·∇ + β·(what it held) into `target.buffer`, laid
    /// out like the parameters. With the parameters themselves as the target (alpha = −lr)
    /// this is an SGD step fused into the pass: each layer's dA_prev is computed before its
    /// weights change, so the pass still differentiates the weights of the forward pass.
    public func backward(input: BufferRef, rows: Int, into target: GradientTarget) throws {
        let w = try workspace(rows: rows)
        let arch = architecture
        for l in stride(from: arch.layerCount - 1, through: 0, by: -1) {
            let fanIn = arch.inputs(ofLayer: l), units = arch.units(ofLayer: l)
            let previous = l == 0 ? input : w.a[l - 1].start
            if l > 0 {
                // dA_prev = dZ·W   dZ: rows×units, W: units×in, dA_prev: rows×in (into dz[l−1])
                try device.gemm(transA: false, transB: false, m: rows, n: fanIn, k: units, alpha: 1,
                                a: w.dz[l].start, lda: units, b: parameters.at(arch.weightOffset(l)), ldb: fanIn,
                                beta: 0, c: w.dz[l - 1].start, ldc: fanIn)
            }
            // dW = dZᵀ·A_prev   dZ: rows×units, A_prev: rows×in, dW: units×in
            try device.gemm(transA: true, transB: false, m: units, n: fanIn, k: rows, alpha: target.alpha,
                            a: w.dz[l].start, lda: units, b: previous, ldb: fanIn,
                            beta: target.weightBeta, c: target.buffer.at(arch.weightOffset(l)), ldc: fanIn)
            try device.columnSums(rows: rows, cols: units, dZ: w.dz[l].start, into: target.buffer.at(arch.biasOffset(l)),
                                  alpha: target.alpha, beta: target.biasBeta)
            if l > 0 {
                try device.activationBackward(count: rows * fanIn, dA: w.dz[l - 1].start, z: w.z[l - 1].start,
                                              a: w.a[l - 1].start, activation: arch.activations[l - 1])
            }
        }
    }

    /// The gradient of the mean loss over every sample of `data` into `gradients`, in chunks of
    /// `chunkRows` whose gradients add up; each sample's loss and correctness into its slot of
    /// `lossOut` and `correctOut` (the data's own, or a trial's). With `samples`, only those
    /// rows' share of that mean (one rank's block; zeros for an empty block).
    public func batchGradient(_ data: DeviceData, chunkRows: Int, lossOut: DeviceBuffer, correctOut: DeviceBuffer,
                              samples: Range<Int>? = nil) throws {
        let n = data.count, range = samples ?? 0..<n
        if range.isEmpty { try device.fill(gradients.start, count: architecture.parameterCount, with: 0) }
        for start in stride(from: range.lowerBound, to: range.upperBound, by: chunkRows) {
            let rows = Swift.min(chunkRows, range.upperBound - start)
            let input = data.inputs.at(start * architecture.inputSize)
            try forward(input: input, rows: rows)
            try outputDelta(targets: data.targets(from: start), rows: rows, scale: 1 / Float(n),
                            lossOut: lossOut.at(start), correctOut: correctOut.at(start))
            try backward(input: input, rows: rows, accumulate: start > range.lowerBound)
        }
    }

    // MARK: Conveniences on host arrays (tests, prediction)

    /// Rows per chunk when predicting: up to 1024, fewer for wide layers, so that the work
    /// buffers stay within 2²⁴ elements whatever the output size.
    var chunkRows: Int {
        let widest = architecture.sizes.dropFirst().max() ?? 1
        return Swift.max(1, Swift.min(1024, Evaluation.workspaceElements / (3 * widest * architecture.layerCount)))
    }

    /// The network's outputs for `inputs` (rows × inputSize, row-major), in chunks.
    public func predict(_ inputs: [Float]) throws -> [Float] {
        let n = architecture.inputSize, out = architecture.outputSize
        precondition(inputs.count % n == 0, "inputs must be whole rows of \(n)")
        let rows = inputs.count / n
        let chunk = Swift.min(Swift.max(rows, 1), chunkRows)
        let staging = try device.makeBuffer(count: chunk * n)
        var result = [Float]()
        result.reserveCapacity(rows * out)
        var start = 0
        while start < rows {
            let count = Swift.min(chunk, rows - start)
            try device.upload(Array(inputs[(start * n)..<((start + count) * n)]), to: staging.start)
            let w = try forward(input: staging.start, rows: count)
            result += try device.download(w.a[architecture.layerCount - 1].start, count: count * out)
            start += count
        }
        return result
    }

    /// The class each input row is predicted to be (`Evaluation.predictedClass` of its outputs),
    /// in chunks: memory follows the rows, however many outputs there are.
    public func predictClasses(_ inputs: [Float]) throws -> [Int] {
        let n = architecture.inputSize, out = architecture.outputSize
        precondition(inputs.count % n == 0, "inputs must be whole rows of \(n)")
        let rows = inputs.count / n, chunk = Swift.min(Swift.max(rows, 1), chunkRows)
        let staging = try device.makeBuffer(count: chunk * n)
        var classes = [Int]()
        classes.reserveCapacity(rows)
        for start in stride(from: 0, to: rows, by: chunk) {
            let count = Swift.min(chunk, rows - start)
            try device.upload(Array(inputs[(start * n)..<((start + count) * n)]), to: staging.start)
            let w = try forward(input: staging.start, rows: count)
            let outputs = try device.download(w.a[architecture.layerCount - 1].start, count: count * out)
            for r in 0..<count { classes.append(Evaluation.predictedClass(outputs[(r * out)..<((r + 1) * out)])) }
        }
        return classes
    }

    /// The network's outputs for the samples at `rows` of data already on its device
    /// (rows.count × outputSize, row-major), in chunks.
    public func outputs(for data: DeviceData, rows: Range<Int>) throws -> [Float] {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= data.count, "rows \(rows) outside 0..<\(data.count)")
        let out = architecture.outputSize
        var result = [Float]()
        result.reserveCapacity(rows.count * out)
        for start in stride(from: rows.lowerBound, to: rows.upperBound, by: chunkRows) {
            let count = Swift.min(chunkRows, rows.upperBound - start)
            let w = try forward(input: data.inputs.at(start * architecture.inputSize), rows: count)
            result += try device.download(w.a[architecture.layerCount - 1].start, count: count * out)
        }
        return result
    }

    /// Mean loss over the batch and the gradient of that mean, for host arrays
    /// (rows × inputSize inputs, rows × outputSize targets). Leaves the gradients on the device too.
    public func lossAndGradients(inputs: [Float], targets: [Float]) throws -> (loss: Double, gradients: [Float]) {
        let rows = inputs.count / architecture.inputSize
        precondition(rows > 0 && targets.count == rows * architecture.outputSize, "inputs and targets disagree")
        let x = try device.makeBuffer(inputs), t = try device.makeBuffer(targets)
        let w = try forward(input: x.start, rows: rows)
        try outputDelta(targets: .values(t.start), rows: rows, scale: 1 / Float(rows),
                        lossOut: w.loss.start, correctOut: w.correct.start)
        try backward(input: x.start, rows: rows)
        let losses = try device.download(w.loss.start, count: rows)
        return (losses.reduce(0) { $0 + Double($1) } / Double(rows), try readGradients())
    }
}
