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
    /// Packed panels (direct family) or padded operands (tiled family) of products; grows, never shrinks.
    var packScratch: CLBuffer?
    /// The local size of one-dimensional launches, and of those over `largeLaunch` items or
    /// more: a CPU device (PoCL) pays per work-group, so long vectors go in bigger groups,
    /// while short ones keep enough groups to occupy every core.
    let localSize: Int
    let largeLocalSize: Int
    /// The side of the tiled family's transposing copy tile (pad_kmajor's PAD_TS): 16, or 8
    /// on a device whose work-groups hold fewer than 256 items.
    let padTile: Int
    let largeLaunch = 1 << 16
    /// Kernel launches counted as they are enqueued (see `LaunchStatistics`).
    public let launchStatistics = LaunchStatistics()
    /// Whether stochastic SGD, momentum and Adam take the fused batch-of-one step
    /// (`OpenCLStochasticStep`: 2H + 1 kernels a step for H hidden layers, Kernels/stochastic.cl)
    /// instead of the general path's five or six a layer. On by default on CPU devices, where a
    /// step costs its launches (measured on PoCL, BENCHMARKS.md); off on GPUs until measured on
    /// one (its row walks read a row per work-item, which a GPU does not coalesce). Either
    /// computes the same step; only the order of float additions differs.
    public var fusedStochastic: Bool
    /// The most fused stochastic steps taken in one launch (`step_chunk` in
    /// Kernels/stochastic.cl: one work-group walks the samples, a barrier where the per-step
    /// kernels have a launch boundary), or 1 for one step at a time. A chunk ends where the
    /// epoch loop reads the losses back (`TrainingOptions.checkInterval`), so a stop request
    /// lands at a chunk's end. 256 on CPU devices, which run a work-group on one thread: the
    /// step then costs its row walks on one core instead of 2H + 1 launches; 1 on GPUs, where
    /// one work-group would leave all compute units but one idle.
    public var stochasticChunk: Int
    /// Whether, where `stochasticChunk` is above 1, the epoch times chunked launches against
    /// the per-step kernels and runs the faster (`OpenCLStochasticStep.LaunchChoice`; the two
    /// compute the same bits): on PoCL a chunk ran small networks up to 5× as fast, and
    /// 784-1024-1024-10, whose step is its weights' passes, at 0.8× the per-step kernels on
    /// all cores (BENCHMARKS.md). False: chunked launches only.
    public var stochasticChunkTimed: Bool

    /// Why the device runs the other GEMM family than the one chosen for it (that family's
    /// kernels failed to build), or nil.
    public private(set) var familyFallback: String?

    /// Opens `info`'s device. `gemmConfig` overrides the tuned or default tile parameters.
    /// When the chosen GEMM family fails to build, the other family's defaults are tried
    /// before the device is given up (`familyFallback` says so).
    public init(_ info: OpenCLDeviceInfo, gemmConfig override: GEMMConfig? = nil) throws {
        self.info = info
        // BACKPROP_STOCHASTIC_CHUNK=N takes N steps a launch, untimed (1: one step a launch), to
        // compare the two.
        var chunk = info.type == .gpu ? 1 : 256, timed = true
        if let value = ProcessInfo.processInfo.environment["BACKPROP_STOCHASTIC_CHUNK"] {
            guard let steps = Int(value), steps >= 1 else {
                throw ConfigurationError("BACKPROP_STOCHASTIC_CHUNK=\(value): expected a whole number of steps, 1 or more")
            }
            (chunk, timed) = (steps, false)
        }
        context = try CLContext.shared(for: info)
        var config = override ?? GEMMTuning.stored(for: info) ?? GEMMConfig.defaults(for: info)
        guard config.fits(info) else {
            throw ConfigurationError("GEMM configuration \(config) does not fit \(info.name)")
        }
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
            let padTile = info.maxWorkGroupSize >= 256 ? 16 : 8
            self.padTile = padTile
            let (elementwise, r1) = try context.program(source: KernelSource.elementwise, options: base)
            var built: (cl_program, CLContext.BuildRecord)
            do {
                built = try context.program(source: KernelSource.matrix, options: base + " " + config.buildOptions + " -DPAD_TS=\(padTile)")
            } catch let first {
                let other = GEMMConfig.defaults(for: info, family: config.family == .tiled ? .direct : .tiled)
                built = try context.program(source: KernelSource.matrix, options: base + " " + other.buildOptions + " -DPAD_TS=\(padTile)")
                familyFallback = "the \(config.family.rawValue) GEMM kernels did not build on \(info.name) "
                    + "(\(String(describing: first).split(separator: "\n").first ?? "")); using the \(other.family.rawValue) family"
                config = other
            }
            let (matrix, r2) = built
            ks = try ElementwiseKernels(elementwise: elementwise)
            gemmKernels = try GEMMKernels(matrix, family: config.family)
            buildReport = "element-wise kernels: \(r1.source.rawValue) in \(String(format: "%.3f", r1.seconds)) s; "
                + "GEMM kernels: \(r2.source.rawValue) in \(String(format: "%.3f", r2.seconds)) s"
        } catch {
            clReleaseCommandQueue(queue)
            CLObjectCount.released()
            throw error
        }
        gemmConfig = config
        fusedStochastic = info.type != .gpu
        stochasticChunk = chunk
        stochasticChunkTimed = timed
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
        let n = rows * cols
        let mz = try arg(z, n), mb = try arg(bias, cols), ma = try arg(a, n)
        if activation == .softmax {
            try ks.biasSoftmax.set(.int(rows), .int(cols), mz, mb, ma)
            try enqueue1D(ks.biasSoftmax, rows)
        } else {
            try ks.biasActivation.set(.int(rows), .int(cols), mz, mb, ma,
                                      .int(Int(activation.kernelCode)), .float(activation.alpha))
            try enqueue1D(ks.biasActivation, n)
        }
    }

    public func activationBackward(count: Int, dA: BufferRef, z: BufferRef, a: BufferRef,
                                   activation: Activation) throws {
        precondition(activation != .softmax, "softmax is an output activation; its delta comes from outputDelta")
        try ks.activationBackward.set(.int(count), try arg(dA, count), try arg(z, count), try arg(a, count),
                                      .int(Int(activation.kernelCode)), .float(activation.alpha))
        try enqueue1D(ks.activationBackward, count)
    }

    public func columnSums(rows: Int, cols: Int, dZ: BufferRef, into db: BufferRef, alpha: Float, beta: Float) throws {
        try ks.columnSums.set(.int(rows), .int(cols), try arg(dZ, rows * cols), try arg(db, cols),
                              .float(alpha), .float(beta))
        try enqueue1D(ks.columnSums, cols)
    }

    public func outputDelta(loss: Loss, activation: Activation, rows: Int, cols: Int,
                            z: BufferRef, a: BufferRef, targets: OutputTargets,
                            dZ: BufferRef?, scale: Float,
                            lossOut: BufferRef, correctOut: BufferRef) throws {
        let n = rows * cols
        // Without a delta to write, the kernel still needs a buffer argument: A, never written.
        let delta = try arg(dZ ?? a, n)
        try ks.outputDelta.set(
            .int(rows), .int(cols), .int(Int(loss.kernelCode)), .int(Int(activation.kernelCode)),
            .float(activation.alpha), try arg(z, n), try arg(a, n), try arg(targets.buffer, rows * targets.width(cols: cols)),
            .int(targets.isClasses ? 1 : 0), delta, .float(scale), .int(dZ == nil ? 0 : 1), try arg(lossOut, rows), try arg(correctOut, rows))
        try enqueue1D(ks.outputDelta, rows)
    }

    // MARK: Data and updates

    public func gatherRows(rows: Int, cols: Int, source: BufferRef, indices: BufferRef,
                           into destination: BufferRef) throws {
        // The indices are checked against the source on the host side of the contract
        // (they come from the trainer's own shuffle), so the source is passed whole.
        let available = try mem(source, 0)
        try ks.gatherRows.set(.int(rows), .int(cols), .buffer(available, offset: source.offset),
                              try arg(indices, rows), try arg(destination, rows * cols))
        try enqueue1D(ks.gatherRows, rows * cols)
    }

    public func rowOuterProducts(rows: Int, m: Int, n: Int, x: BufferRef, ldx: Int, y: BufferRef, ldy: Int,
                                 into out: BufferRef, ldo: Int) throws {
        guard rows > 0, m > 0, n > 0 else { return }
        precondition(ldx >= m && ldy >= 0 && ldo >= m * n, "row outer products: bad strides")
        precondition(rows * m * n < Int(Int32.max) && (rows - 1) * ldo + m * n < Int(Int32.max), "row outer products: too large")
        try ks.rowOuterProducts.set(.int(rows), .int(m), .int(n), try arg(x, (rows - 1) * ldx + m), .int(ldx),
                                    try arg(y, (ldy == 0 ? 0 : (rows - 1) * ldy) + n), .int(ldy),
                                    try arg(out, (rows - 1) * ldo + m * n), .int(ldo))
        try enqueue1D(ks.rowOuterProducts, rows * m * n)
    }

    public func update(_ rule: UpdateRule, parameters: BufferRef, gradients: BufferRef,
                       state: [DeviceBuffer], count: Int, decayCount: Int) throws {
        precondition(state.count == rule.stateBuffers, "\(rule) needs \(rule.stateBuffers) state buffers")
        let p = try arg(parameters, count), g = try arg(gradients, count)
        let s = try state.map { try arg($0.start, count) }
        let kernel: CLKernel
        switch rule {
        case let .sgd(lr, wd):
            kernel = ks.sgd
            try kernel.set(.int(count), .int(decayCount), p, g, .float(lr), .float(wd))
        case let .momentum(lr, mu, wd, nesterov):
            kernel = ks.momentum
            try kernel.set(.int(count), .int(decayCount), p, g, s[0], .float(lr), .float(mu),
                           .float(wd), .int(nesterov ? 1 : 0))
        case let .adam(lr, beta1, beta2, eps, wd, step):
            kernel = ks.adam
            let (c1, c2) = UpdateRule.adamCorrections(beta1: beta1, beta2: beta2, step: step)
            try kernel.set(.int(count), .int(decayCount), p, g, s[0], s[1], .float(lr),
                           .float(beta1), .float(beta2), .float(eps), .float(c1), .float(c2), .float(wd))
        case let .rprop(etaPlus, etaMinus, stepMin, stepMax, wd):
            kernel = ks.rprop
            try kernel.set(.int(count), .int(decayCount), p, g, s[0], s[1],
                           .float(etaPlus), .float(etaMinus), .float(stepMin), .float(stepMax), .float(wd))
        case let .quickprop(lr, samples, decay, mu):
            kernel = ks.quickprop
            try kernel.set(.int(count), p, g, s[0], s[1], .float(lr), .float(Float(samples)), .float(decay), .float(mu))
        }
        try enqueue1D(kernel, count)
    }

    public func axpby(count: Int, alpha: Float, x: BufferRef, beta: Float, y: BufferRef) throws {
        guard count > 0 else { return }
        try ks.axpby.set(.int(count), .float(alpha), try arg(x, count), .float(beta), try arg(y, count))
        try enqueue1D(ks.axpby, count)
    }

    public func checkFinite(_ values: BufferRef, count: Int, flag: BufferRef) throws {
        try ks.checkFinite.set(.int(count), try arg(values, count), try arg(flag, 1))
        try enqueue1D(ks.checkFinite, count)
    }

    // MARK: Helpers

    /// The buffer's cl_mem, checked to belong to this context and to hold `count` elements
    /// from `ref.offset`.
    func mem(_ ref: BufferRef, _ count: Int) throws -> cl_mem {
        guard let buffer = ref.buffer as? CLBuffer, buffer.contextID == ObjectIdentifier(context) else {
            throw DeviceError.foreignBuffer(device: name)
        }
        precondition(ref.offset >= 0 && count >= 0 && ref.offset + count <= buffer.count,
                     "buffer range \(ref.offset)..<\(ref.offset + count) outside 0..<\(buffer.count)")
        return buffer.mem
    }

    /// The kernel arguments for `ref`, checked as `mem` checks it: its cl_mem and its offset.
    @inline(__always)
    func arg(_ ref: BufferRef, _ count: Int) throws -> KernelArgument {
        .buffer(try mem(ref, count), offset: ref.offset)
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
