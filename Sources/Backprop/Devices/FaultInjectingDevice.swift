import COpenCL
import Foundation

/// A testing aid: passes every operation to `base` until `limit` operations have run, then
/// fails each one as a driver fault would (`CL_OUT_OF_RESOURCES`). It exercises the error
/// paths and device fallbacks of a whole training run without a broken driver, and keeps the
/// check off the devices' own launch paths: only a wrapped device pays for it.
/// `BACKPROP_FAULT_AFTER_OPERATIONS=N` wraps every OpenCL device `DeviceSelection` opens.
public final class FaultInjectingDevice: Device {
    public let base: any Device
    public let limit: Int
    /// Operations passed to `base` so far.
    public private(set) var operations = 0

    public init(_ base: any Device, failingAfter limit: Int) {
        self.base = base
        self.limit = limit
    }

    /// `BACKPROP_FAULT_AFTER_OPERATIONS` as a count, if set to one.
    static func limitFromEnvironment() -> Int? {
        ProcessInfo.processInfo.environment["BACKPROP_FAULT_AFTER_OPERATIONS"].flatMap { Int($0) }.map { Swift.max(0, $0) }
    }

    public var name: String { base.name }
    public var kind: DeviceKind { base.kind }

    /// Counts one operation; throws once `limit` have run.
    private func tick(_ operation: @autoclosure () -> String) throws {
        guard operations < limit else {
            throw CLError(code: CL_OUT_OF_RESOURCES, call: "clEnqueueNDRangeKernel(\(operation())) [injected fault]")
        }
        operations += 1
    }

    public func makeBuffer(count: Int) throws -> DeviceBuffer { try base.makeBuffer(count: count) }

    public func upload(_ source: UnsafeRawBufferPointer, to destination: BufferRef) throws {
        try tick("upload")
        try base.upload(source, to: destination)
    }

    public func download(_ source: BufferRef, into destination: UnsafeMutableRawBufferPointer) throws {
        try tick("download")
        try base.download(source, into: destination)
    }

    public func fill(_ destination: BufferRef, count: Int, with value: Float) throws {
        try tick("fill")
        try base.fill(destination, count: count, with: value)
    }

    public func copy(_ source: BufferRef, to destination: BufferRef, count: Int) throws {
        try tick("copy")
        try base.copy(source, to: destination, count: count)
    }

    public func synchronize() throws { try base.synchronize() }

    public func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: BufferRef, lda: Int,
                     b: BufferRef, ldb: Int, beta: Float, c: BufferRef, ldc: Int) throws {
        try tick("gemm")
        try base.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                      beta: beta, c: c, ldc: ldc)
    }

    public func biasActivation(rows: Int, cols: Int, z: BufferRef, bias: BufferRef, a: BufferRef,
                               activation: Activation) throws {
        try tick("bias_activation")
        try base.biasActivation(rows: rows, cols: cols, z: z, bias: bias, a: a, activation: activation)
    }

    public func activationBackward(count: Int, dA: BufferRef, z: BufferRef, a: BufferRef, activation: Activation) throws {
        try tick("activation_backward")
        try base.activationBackward(count: count, dA: dA, z: z, a: a, activation: activation)
    }

    public func columnSums(rows: Int, cols: Int, dZ: BufferRef, into db: BufferRef, alpha: Float, beta: Float) throws {
        try tick("column_sums")
        try base.columnSums(rows: rows, cols: cols, dZ: dZ, into: db, alpha: alpha, beta: beta)
    }

    public func outputDelta(loss: Loss, activation: Activation, rows: Int, cols: Int, z: BufferRef, a: BufferRef,
                            targets: OutputTargets, dZ: BufferRef?, scale: Float,
                            lossOut: BufferRef, correctOut: BufferRef) throws {
        try tick("output_delta")
        try base.outputDelta(loss: loss, activation: activation, rows: rows, cols: cols, z: z, a: a, targets: targets,
                             dZ: dZ, scale: scale, lossOut: lossOut, correctOut: correctOut)
    }

    public func rowOuterProducts(rows: Int, m: Int, n: Int, x: BufferRef, ldx: Int, y: BufferRef, ldy: Int,
                                 into out: BufferRef, ldo: Int) throws {
        try tick("row_outer_products")
        try base.rowOuterProducts(rows: rows, m: m, n: n, x: x, ldx: ldx, y: y, ldy: ldy, into: out, ldo: ldo)
    }

    public func gatherRows(rows: Int, cols: Int, source: BufferRef, indices: BufferRef,
                           into destination: BufferRef) throws {
        try tick("gather_rows")
        try base.gatherRows(rows: rows, cols: cols, source: source, indices: indices, into: destination)
    }

    public func update(_ rule: UpdateRule, parameters: BufferRef, gradients: BufferRef, state: [DeviceBuffer],
                       count: Int, decayCount: Int) throws {
        try tick("update")
        try base.update(rule, parameters: parameters, gradients: gradients, state: state, count: count,
                        decayCount: decayCount)
    }

    public func axpby(count: Int, alpha: Float, x: BufferRef, beta: Float, y: BufferRef) throws {
        try tick("axpby")
        try base.axpby(count: count, alpha: alpha, x: x, beta: beta, y: y)
    }

    public func checkFinite(_ values: BufferRef, count: Int, flag: BufferRef) throws {
        try tick("check_finite")
        try base.checkFinite(values, count: count, flag: flag)
    }
}
