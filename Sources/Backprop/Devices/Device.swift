/// Where a network's buffers live and its arithmetic runs. The network, the optimizers and
/// the trainer are written once against this protocol; `CPUDevice` (OpenBLAS) and
/// `OpenCLDevice` (the kernels in Kernels/) implement it.
///
/// Conventions, as in BLAS and the kernels: matrices are row-major with an explicit row
/// stride (`ld…`); every buffer argument is a `BufferRef` (buffer plus element offset), so
/// layers can live in one flat parameter buffer and samples inside the epoch's data.
/// Operations are enqueued in order and may run asynchronously: only `download` and
/// `synchronize` wait for the device.
public protocol Device: AnyObject {
    /// A short human-readable name ("CPU (OpenBLAS, 2 threads)", "NVIDIA A100 (OpenCL)").
    var name: String { get }
    var kind: DeviceKind { get }

    // MARK: Memory (4-byte elements: Float32 data, Int32 indices)

    func makeBuffer(count: Int) throws -> DeviceBuffer
    /// Copies `source.count / 4` elements from host memory to `destination`.
    func upload(_ source: UnsafeRawBufferPointer, to destination: BufferRef) throws
    /// Copies `destination.count / 4` elements to host memory, after all enqueued work.
    func download(_ source: BufferRef, into destination: UnsafeMutableRawBufferPointer) throws
    func fill(_ destination: BufferRef, count: Int, with value: Float) throws
    func copy(_ source: BufferRef, to destination: BufferRef, count: Int) throws
    /// Waits until every enqueued operation has finished.
    func synchronize() throws

    // MARK: Products

    /// C = alpha·op(A)·op(B) + beta·C.   C: m×n (ldc); op(A): m×k; op(B): k×n.
    /// A is stored m×k (lda) or, transposed, k×m; B is stored k×n (ldb) or, transposed, n×k.
    /// beta == 0 never reads C. Products with one side of length 1 take a GEMV path.
    func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
              a: BufferRef, lda: Int, b: BufferRef, ldb: Int,
              beta: Float, c: BufferRef, ldc: Int) throws

    // MARK: Layers

    /// Z[r,:] += bias; A = f(Z), row-wise for softmax.   Z, A: rows×cols; bias: cols.
    func biasActivation(rows: Int, cols: Int, z: BufferRef, bias: BufferRef,
                        a: BufferRef, activation: Activation) throws
    /// dA ← dA ⊙ f'(Z), in place.   dA, Z, A: count elements (softmax is not allowed here).
    func activationBackward(count: Int, dA: BufferRef, z: BufferRef, a: BufferRef,
                            activation: Activation) throws
    /// db = alpha·Σ_rows dZ + beta·db.   dZ: rows×cols; db: cols.
    func columnSums(rows: Int, cols: Int, dZ: BufferRef, into db: BufferRef, alpha: Float, beta: Float) throws
    /// The output layer's delta and per-sample loss and correctness (see Kernels/loss.cl).
    /// Z, A: rows×cols; targets: rows×cols values or rows class indices; dZ = scale·∂loss/∂Z
    /// unless nil; loss[r], correct[r] for each row r.
    func outputDelta(loss: Loss, activation: Activation, rows: Int, cols: Int,
                     z: BufferRef, a: BufferRef, targets: OutputTargets,
                     dZ: BufferRef?, scale: Float,
                     lossOut: BufferRef, correctOut: BufferRef) throws

    // MARK: Data and updates

    /// destination[r,:] = source[indices[r], :] for r < rows.   indices: Int32 elements.
    func gatherRows(rows: Int, cols: Int, source: BufferRef, indices: BufferRef,
                    into destination: BufferRef) throws
    /// One optimizer step over `count` parameters, the first `decayCount` being weights.
    /// `state` holds the rule's per-parameter buffers (`UpdateRule.stateBuffers` of them).
    func update(_ rule: UpdateRule, parameters: BufferRef, gradients: BufferRef,
                state: [DeviceBuffer], count: Int, decayCount: Int) throws
    /// out[r, i·n + j] = x[r, i] · y[r, j] for r < rows, i < m, j < n: one outer product per row,
    /// written into row r of `out` (stride ldo). ldy 0 uses y's first row for every row. The
    /// rows of a Jacobian block (`LevenbergMarquardt`): a layer's delta times its input.
    func rowOuterProducts(rows: Int, m: Int, n: Int, x: BufferRef, ldx: Int, y: BufferRef, ldy: Int,
                          into out: BufferRef, ldo: Int) throws
    /// y = alpha·x + beta·y over `count` elements.
    func axpby(count: Int, alpha: Float, x: BufferRef, beta: Float, y: BufferRef) throws
    /// Sets flag[0] (Int32) to 1 when any of the `count` values is NaN or infinite.
    func checkFinite(_ values: BufferRef, count: Int, flag: BufferRef) throws
}

extension Device {
    public func makeBuffer(_ values: [Float]) throws -> DeviceBuffer {
        let buffer = try makeBuffer(count: Swift.max(values.count, 1))
        try upload(values, to: buffer.start)
        return buffer
    }

    public func upload(_ values: [Float], to destination: BufferRef) throws {
        try values.withUnsafeBytes { try upload($0, to: destination) }
    }

    public func upload(_ values: [Int32], to destination: BufferRef) throws {
        try values.withUnsafeBytes { try upload($0, to: destination) }
    }

    public func download(_ source: BufferRef, count: Int) throws -> [Float] {
        var values = [Float](repeating: 0, count: count)
        try values.withUnsafeMutableBytes { try download(source, into: $0) }
        return values
    }

    public func downloadInts(_ source: BufferRef, count: Int) throws -> [Int32] {
        var values = [Int32](repeating: 0, count: count)
        try values.withUnsafeMutableBytes { try download(source, into: $0) }
        return values
    }
}
