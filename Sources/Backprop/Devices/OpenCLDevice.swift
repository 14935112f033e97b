import BackpropKernels
import COpenCL
import Foundation

/// The OpenCL path: the kernels in Kernels/, built at run time for the chosen device with
/// its GEMM tile parameters, enqueued back to back on one in-order queue. Nothing here
/// waits for the device except `download` and `synchronize`.
public final class OpenCLDevice: Device {
    public let info: OpenCLDeviceInfo
    public let gemmConfig: GEMMConfig
    public var name: String { "\(info.name) (OpenCL, \(info.platformName))" }
    public var kind: DeviceKind { .opencl }

    /// How the two programs were obtained when this device was opened (compiled, from the
    /// disk cache, or from memory) and what it took.
    public let buildReport: String
    let context: CLContext
    let queue: cl_command_queue
    let ks: ElementwiseKernels
    /// The matrix program's kernels (see OpenCLDevice+GEMM.swift).
    let gemmKernels: GEMMKernels
    /// Panels of packed operands for large direct-family products; grows, never shrinks.
    var packScratch: CLBuffer?
    /// The local size of one-dimensional launches, and of those over `largeLaunch` items or
    /// more: a CPU device (PoCL) pays per work-group, so long vectors go in bigger groups,
    /// while short ones keep enough groups to occupy every core.
    let localSize: Int
    let largeLocalSize: Int
    let largeLaunch = 1 << 16
    /// Kernel launches counted as they are enqueued (see `LaunchStatistics`).
    public let launchStatistics = LaunchStatistics()

    /// Opens `info`'s device. `gemmConfig` overrides the tuned or default tile parameters.
    public init(_ info: OpenCLDeviceInfo, gemmConfig override: GEMMConfig? = nil) throws {
        self.info = info
        context = try CLContext.shared(for: info)
        let config = override ?? GEMMTuning.stored(for: info) ?? GEMMConfig.defaults(for: info)
        guard config.fits(info) else {
            throw DeviceError.invalidRequest("GEMM configuration \(config) does not fit \(info.name)")
        }
        gemmConfig = config
        var status: cl_int = 0
        let queue = clCreateCommandQueue(context.context, info.id, 0, &status)
        try clCheck(status, "clCreateCommandQueue(\(info.name))")
        guard let queue else { throw CLError(code: status, call: "clCreateCommandQueue") }
        self.queue = queue
        CLObjectCount.created()
        do {
            // BACKPROP_CL_OPTIONS adds compiler options (e.g. -cl-fast-relaxed-math) to every build.
            let extra = ProcessInfo.processInfo.environment["BACKPROP_CL_OPTIONS"].map { " " + $0 } ?? ""
            let base = "-cl-std=CL1.2" + extra
            let (elementwise, r1) = try context.program(source: KernelSource.elementwise, options: base)
            let (matrix, r2) = try context.program(source: KernelSource.matrix,
                                                   options: base + " " + config.buildOptions)
            ks = try ElementwiseKernels(elementwise: elementwise)
            gemmKernels = try GEMMKernels(matrix, family: config.family)
            buildReport = "element-wise kernels: \(r1.source.rawValue) in \(String(format: "%.3f", r1.seconds)) s; "
                + "GEMM kernels: \(r2.source.rawValue) in \(String(format: "%.3f", r2.seconds)) s"
        } catch {
            clReleaseCommandQueue(queue)
            CLObjectCount.released()
            throw error
        }
        localSize = Swift.min(info.type == .gpu ? 256 : 64, info.maxWorkGroupSize)
        largeLocalSize = Swift.min(info.type == .gpu ? 256 : 1024, info.maxWorkGroupSize)
    }

    deinit {
        clFinish(queue)
        clReleaseCommandQueue(queue)
        CLObjectCount.released()
    }

    // MARK: Memory

    public func makeBuffer(count: Int) throws -> DeviceBuffer {
        let bytes = Swift.max(count, 1) * 4
        guard count <= Int(Int32.max), UInt64(bytes) <= info.maxAllocationBytes else {
            throw DeviceError.allocationTooLarge(bytes: bytes, limit: Int(info.maxAllocationBytes), device: name)
        }
        return try CLBuffer(context: context, count: count)
    }

    public func upload(_ source: UnsafeRawBufferPointer, to destination: BufferRef) throws {
        let n = source.count / 4
        guard n > 0 else { return }
        let dst = try mem(destination, n)
        try clCheck(clEnqueueWriteBuffer(queue, dst, cl_bool(CL_TRUE), destination.offset * 4, n * 4,
                                         source.baseAddress, 0, nil, nil), "clEnqueueWriteBuffer")
    }

    public func download(_ source: BufferRef, into destination: UnsafeMutableRawBufferPointer) throws {
        let n = destination.count / 4
        guard n > 0 else { return }
        let src = try mem(source, n)
        try clCheck(clEnqueueReadBuffer(queue, src, cl_bool(CL_TRUE), source.offset * 4, n * 4,
                                        destination.baseAddress, 0, nil, nil), "clEnqueueReadBuffer")
    }

    public func fill(_ destination: BufferRef, count: Int, with value: Float) throws {
        guard count > 0 else { return }
        var pattern = value
        try clCheck(clEnqueueFillBuffer(queue, try mem(destination, count), &pattern, 4,
                                        destination.offset * 4, count * 4, 0, nil, nil),
                    "clEnqueueFillBuffer")
    }

    public func copy(_ source: BufferRef, to destination: BufferRef, count: Int) throws {
        guard count > 0 else { return }
        try clCheck(clEnqueueCopyBuffer(queue, try mem(source, count), try mem(destination, count),
                                        source.offset * 4, destination.offset * 4, count * 4, 0, nil, nil),
                    "clEnqueueCopyBuffer")
    }

    public func synchronize() throws {
        try clCheck(clFinish(queue), "clFinish")
    }

    // MARK: Layers

    public func biasActivation(rows: Int, cols: Int, z: BufferRef, bias: BufferRef,
                               a: BufferRef, activation: Activation) throws {
        let mz = try mem(z, rows * cols, offsetFree: true), ma = try mem(a, rows * cols, offsetFree: true)
        let mb = try mem(bias, cols)
        if activation == .softmax {
            try ks.biasSoftmax.set(.int(rows), .int(cols), .mem(mz), .mem(mb), .int(bias.offset), .mem(ma))
            try enqueue1D(ks.biasSoftmax, rows)
        } else {
            try ks.biasActivation.set(.int(rows), .int(cols), .mem(mz), .mem(mb), .int(bias.offset), .mem(ma),
                                     .int(Int(activation.kernelCode)), .float(activation.alpha))
            try enqueue1D(ks.biasActivation, rows * cols)
        }
    }

    public func activationBackward(count: Int, dA: BufferRef, z: BufferRef, a: BufferRef,
                                   activation: Activation) throws {
        precondition(activation != .softmax, "softmax is an output activation; its delta comes from outputDelta")
        try ks.activationBackward.set(.int(count), .mem(try mem(dA, count, offsetFree: true)),
                                     .mem(try mem(z, count, offsetFree: true)),
                                     .mem(try mem(a, count, offsetFree: true)),
                                     .int(Int(activation.kernelCode)), .float(activation.alpha))
        try enqueue1D(ks.activationBackward, count)
    }

    public func columnSums(rows: Int, cols: Int, dZ: BufferRef, into db: BufferRef, alpha: Float, beta: Float) throws {
        try ks.columnSums.set(.int(rows), .int(cols), .mem(try mem(dZ, rows * cols, offsetFree: true)),
                             .mem(try mem(db, cols)), .int(db.offset), .float(alpha), .float(beta))
        try enqueue1D(ks.columnSums, cols)
    }

    public func outputDelta(loss: Loss, activation: Activation, rows: Int, cols: Int,
                            z: BufferRef, a: BufferRef, targets: BufferRef,
                            dZ: BufferRef?, scale: Float,
                            lossOut: BufferRef, correctOut: BufferRef) throws {
        let n = rows * cols
        let md = try dZ.map { try mem($0, n, offsetFree: true) } ?? mem(a, n, offsetFree: true)
        precondition(lossOut.offset == correctOut.offset, "loss and correctness outputs share one offset")
        try ks.outputDelta.set(
            .int(rows), .int(cols), .int(Int(loss.kernelCode)), .int(Int(activation.kernelCode)),
            .float(activation.alpha), .mem(try mem(z, n, offsetFree: true)), .mem(try mem(a, n, offsetFree: true)),
            .mem(try mem(targets, n)), .int(targets.offset), .mem(md), .float(scale), .int(dZ == nil ? 0 : 1),
            .mem(try mem(lossOut, rows)), .mem(try mem(correctOut, rows)), .int(lossOut.offset))
        try enqueue1D(ks.outputDelta, rows)
    }

    // MARK: Data and updates

    public func gatherRows(rows: Int, cols: Int, source: BufferRef, indices: BufferRef,
                           into destination: BufferRef) throws {
        try ks.gatherRows.set(.int(rows), .int(cols), .mem(try mem(source, 0, offsetFree: true)),
                             .mem(try mem(indices, rows)), .int(indices.offset),
                             .mem(try mem(destination, rows * cols, offsetFree: true)))
        try enqueue1D(ks.gatherRows, rows * cols)
    }

    public func update(_ rule: UpdateRule, parameters: BufferRef, gradients: BufferRef,
                       state: [DeviceBuffer], count: Int, decayCount: Int) throws {
        precondition(state.count == rule.stateBuffers, "\(rule) needs \(rule.stateBuffers) state buffers")
        let p = try mem(parameters, count, offsetFree: true), g = try mem(gradients, count, offsetFree: true)
        let s = try state.map { try mem($0.start, count) }
        let kernel: CLKernel
        switch rule {
        case let .sgd(lr, wd):
            kernel = ks.sgd
            try kernel.set(.int(count), .int(decayCount), .mem(p), .mem(g), .float(lr), .float(wd))
        case let .momentum(lr, mu, wd, nesterov):
            kernel = ks.momentum
            try kernel.set(.int(count), .int(decayCount), .mem(p), .mem(g), .mem(s[0]), .float(lr), .float(mu),
                           .float(wd), .int(nesterov ? 1 : 0))
        case let .adam(lr, beta1, beta2, eps, wd, step):
            kernel = ks.adam
            let (c1, c2) = CPUKernels.adamCorrections(beta1: beta1, beta2: beta2, step: step)
            try kernel.set(.int(count), .int(decayCount), .mem(p), .mem(g), .mem(s[0]), .mem(s[1]), .float(lr),
                           .float(beta1), .float(beta2), .float(eps), .float(c1), .float(c2), .float(wd))
        case let .rprop(etaPlus, etaMinus, stepMin, stepMax, wd):
            kernel = ks.rprop
            try kernel.set(.int(count), .int(decayCount), .mem(p), .mem(g), .mem(s[0]), .mem(s[1]),
                           .float(etaPlus), .float(etaMinus), .float(stepMin), .float(stepMax), .float(wd))
        }
        try enqueue1D(kernel, count)
    }

    public func axpby(count: Int, alpha: Float, x: BufferRef, beta: Float, y: BufferRef) throws {
        guard count > 0 else { return }
        try ks.axpby.set(.int(count), .float(alpha), .mem(try mem(x, count)), .int(x.offset), .float(beta),
                         .mem(try mem(y, count)), .int(y.offset))
        try enqueue1D(ks.axpby, count)
    }

    public func checkFinite(_ values: BufferRef, count: Int, flag: BufferRef) throws {
        try ks.checkFinite.set(.int(count), .mem(try mem(values, count, offsetFree: true)), .mem(try mem(flag, 1, offsetFree: true)))
        try enqueue1D(ks.checkFinite, count)
    }

    // MARK: Helpers

    /// The buffer's cl_mem, checked to belong to this context and to hold `count` elements
    /// from `ref.offset`. Kernels without an offset argument need `offsetFree` refs (offset 0).
    func mem(_ ref: BufferRef, _ count: Int, offsetFree: Bool = false) throws -> cl_mem {
        guard let buffer = ref.buffer as? CLBuffer, buffer.contextID == ObjectIdentifier(context) else {
            throw DeviceError.foreignBuffer(device: name)
        }
        precondition(!offsetFree || ref.offset == 0, "this operation takes buffers from their start")
        precondition(ref.offset >= 0 && count >= 0 && ref.offset + count <= buffer.count,
                     "buffer range \(ref.offset)..<\(ref.offset + count) outside 0..<\(buffer.count)")
        return buffer.mem
    }

    func enqueue1D(_ kernel: CLKernel, _ n: Int, local: Int? = nil) throws {
        guard n > 0 else { return }
        // Few local sizes: PoCL compiles a kernel once per local size.
        let size = local ?? (n >= largeLaunch ? largeLocalSize : localSize)
        try enqueue(kernel, global: [roundUp(n, size)], local: [size])
    }

    @inline(__always)
    func enqueue(_ kernel: CLKernel, global: [Int], local: [Int]) throws {
        launchStatistics.kernels &+= 1
        let status = global.withUnsafeBufferPointer { g in
            local.withUnsafeBufferPointer { l in
                clEnqueueNDRangeKernel(queue, kernel.kernel, cl_uint(g.count), nil, g.baseAddress, l.baseAddress,
                                       0, nil, nil)
            }
        }
        try clCheck(status, "clEnqueueNDRangeKernel(\(kernel.name))")
    }

    func roundUp(_ n: Int, _ multiple: Int) -> Int { (n + multiple - 1) / multiple * multiple }
}

/// The element-wise kernel objects of one `OpenCLDevice`.
struct ElementwiseKernels {
    let biasActivation, biasSoftmax, activationBackward, columnSums, outputDelta: CLKernel
    let sgd, momentum, adam, rprop, axpby, gatherRows, checkFinite, empty: CLKernel

    init(elementwise e: cl_program) throws(CLError) {
        biasActivation = try CLKernel(program: e, name: "bias_activation")
        biasSoftmax = try CLKernel(program: e, name: "bias_softmax")
        activationBackward = try CLKernel(program: e, name: "activation_backward")
        columnSums = try CLKernel(program: e, name: "column_sums")
        outputDelta = try CLKernel(program: e, name: "output_delta")
        sgd = try CLKernel(program: e, name: "sgd_update")
        momentum = try CLKernel(program: e, name: "momentum_update")
        adam = try CLKernel(program: e, name: "adam_update")
        rprop = try CLKernel(program: e, name: "rprop_update")
        axpby = try CLKernel(program: e, name: "axpby")
        gatherRows = try CLKernel(program: e, name: "gather_rows")
        checkFinite = try CLKernel(program: e, name: "check_finite")
        empty = try CLKernel(program: e, name: "empty")
    }
}
