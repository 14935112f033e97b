import COpenCL

/// The launches of the fused batch-of-one step (Kernels/stochastic.cl), for
/// `OpenCLStochasticStep`: what each kernel reads and writes is described there.
extension OpenCLDevice {
    /// An update rule as stochastic.cl takes it: its code, its constants k0…k6 and the
    /// learning rate (the coefficients −lr·δ of SGD and momentum).
    struct StepRule {
        var code: Int
        var k: (Float, Float, Float, Float, Float, Float, Float)
        var lr: Float

        /// w ← (1 − lr·wd)·w + c·x
        static func sgd(learningRate lr: Float, weightDecay wd: Float) -> StepRule {
            StepRule(code: 0, k: (1 - lr * wd, 0, 0, 0, 0, 0, 0), lr: lr)
        }

        /// v ← μ·v − lr·wd·w + c·x; w ← w + v
        static func momentum(_ mu: Float, learningRate lr: Float, weightDecay wd: Float) -> StepRule {
            StepRule(code: 1, k: (mu, -lr * wd, 0, 0, 0, 0, 0), lr: lr)
        }

        /// AdamW at bias corrections c1 = 1/(1−β1ᵗ), c2 = 1/(1−β2ᵗ).
        static func adam(learningRate lr: Float, beta1: Float, beta2: Float, epsilon: Float, c1: Float, c2: Float,
                         weightDecay wd: Float) -> StepRule {
            StepRule(code: 2, k: (lr, beta1, beta2, epsilon, c1, c2, wd), lr: lr)
        }

        /// Sets RULE_ARGS from argument `first`; returns the index after them.
        func set(_ kernel: CLKernel, from first: Int) throws(CLError) -> Int {
            try kernel.set(from: first, .int(code), .float(k.0), .float(k.1), .float(k.2), .float(k.3), .float(k.4),
                           .float(k.5), .float(k.6), .float(lr))
        }
    }

    /// A layer's weights (units × fanIn from `weights`), its biases and the rule's state
    /// buffers beside them (laid out like the parameters; the parameters themselves stand in
    /// where the rule keeps none: they are never read as state then).
    struct StepLayer {
        var units: Int, fanIn: Int
        var weights: BufferRef, biases: BufferRef
        var state1: DeviceBuffer, state2: DeviceBuffer
    }

    /// The step's vectors of one layer: Z, A, δ, the units' update coefficients, and for a
    /// hidden layer the `stepBlocks` partial backward products into it (blocks × units).
    struct StepVectors {
        var z: DeviceBuffer, a: DeviceBuffer, d: DeviceBuffer, c: DeviceBuffer, part: DeviceBuffer
    }

    /// Work-items per work-group of the step's row walks and of `step_output`'s single group:
    /// a CPU device runs a group's items one after another on one core, so small groups keep
    /// every core busy on a layer of 128 units.
    var stepLocalSize: Int { Swift.min(info.type == .gpu ? 64 : 16, info.maxWorkGroupSize) }
    /// The row blocks of `step_backprop` (one work-item each, each with its own partial
    /// backward product): a few per compute unit, so that the device's threads share them out.
    var stepBlocks: Int { Swift.max(2, Swift.min(16, 2 * info.computeUnits)) }

    /// step_forward: layer `l`'s rows, applying first the pending update (its δ from the
    /// partial products in `out.part` and the step before's Z and A in `out`, its input
    /// `pending.input`, by `pending.rule`; the biases' too), then the product with `input` into
    /// `out`'s Z and A; with no input, the pending update alone (a flush).
    func stepForward(_ l: StepLayer, input: BufferRef?, pending: (input: BufferRef, rule: StepRule)?,
                     out: StepVectors, activation: Activation) throws {
        precondition(activation != .softmax, "step_forward runs hidden layers; the output layer is step_output's")
        let n = l.units * l.fanIn, blocks = stepBlocks
        let x = input ?? pending?.input ?? l.weights
        let kernel = ks.stepForward
        let rule = pending?.rule ?? .sgd(learningRate: 0, weightDecay: 0)
        if pending != nil { _ = (try state(l.state1, l.biases, l.units), try state(l.state2, l.biases, l.units)) }
        var i = try kernel.set(.int(l.units), .int(l.fanIn), try arg(l.weights, n),
                               .mem(try state(l.state1, l.weights, n)), .mem(try state(l.state2, l.weights, n)),
                               try arg(l.biases, l.units), try arg(x, l.fanIn), .int(input == nil ? 0 : 1),
                               .int(pending == nil ? 0 : 1), .mem(try mem(out.part.start, blocks * l.units)), .int(blocks),
                               try arg(pending?.input ?? x, l.fanIn))
        i = try rule.set(kernel, from: i)
        try kernel.set(from: i, .mem(try mem(out.z.start, l.units)), .mem(try mem(out.a.start, l.units)),
                       .int(Int(activation.kernelCode)), .float(activation.alpha))
        try enqueue1D(kernel, l.units, local: stepLocalSize)
    }

    /// step_output: the output layer on `input`, the sample's loss and correctness into
    /// `lossOut` and `correctOut`, its δ and coefficients into `out`, and the biases' update.
    func stepOutput(_ l: StepLayer, input: BufferRef, rule: StepRule, out: StepVectors,
                    loss: Loss, activation: Activation, targets: OutputTargets,
                    lossOut: BufferRef, correctOut: BufferRef) throws {
        let n = l.units * l.fanIn
        let kernel = ks.stepOutput
        var i = try kernel.set(.int(l.units), .int(l.fanIn), try arg(l.weights, n),
                               .mem(try state(l.state1, l.biases, l.units)), .mem(try state(l.state2, l.biases, l.units)),
                               try arg(l.biases, l.units), try arg(input, l.fanIn))
        i = try rule.set(kernel, from: i)
        try kernel.set(from: i, .mem(try mem(out.z.start, l.units)), .mem(try mem(out.a.start, l.units)),
                       .mem(try mem(out.d.start, l.units)), .mem(try mem(out.c.start, l.units)),
                       .int(Int(loss.kernelCode)), .int(Int(activation.kernelCode)), .float(activation.alpha),
                       try arg(targets.buffer, targets.width(cols: l.units)), .int(targets.isClasses ? 1 : 0),
                       try arg(lossOut, 1), try arg(correctOut, 1))
        let items = stepLocalSize
        try enqueue(kernel, global: [items], local: [items])
    }

    /// step_backprop: layer `l`'s update on `input` by the coefficients in `this` (for a
    /// hidden layer, `hidden` its activation, first its δ, coefficients and biases from the
    /// partial products in `this.part`), with, given `partOut`, the partial backward products
    /// into the layer below.
    func stepBackprop(_ l: StepLayer, input: BufferRef, this: StepVectors, rule: StepRule, hidden: Activation?,
                      partOut: DeviceBuffer?) throws {
        let n = l.units * l.fanIn, blocks = stepBlocks, f = hidden ?? .identity
        let kernel = ks.stepBackprop
        var i = try kernel.set(.int(l.units), .int(l.fanIn), try arg(l.weights, n),
                               .mem(try state(l.state1, l.weights, n)), .mem(try state(l.state2, l.weights, n)),
                               try arg(l.biases, l.units), try arg(input, l.fanIn))
        // The state of the biases is read beside them, in the same buffers as the weights'.
        _ = (try state(l.state1, l.biases, l.units), try state(l.state2, l.biases, l.units))
        i = try rule.set(kernel, from: i)
        try kernel.set(from: i, .int(hidden == nil ? 0 : 1),
                       .mem(try mem(this.part.start, hidden == nil ? 0 : blocks * l.units)),
                       .mem(try mem(this.z.start, l.units)), .mem(try mem(this.a.start, l.units)),
                       .int(Int(f.kernelCode)), .float(f.alpha), .mem(try mem(this.d.start, l.units)),
                       .mem(try mem(this.c.start, l.units)), .int(partOut == nil ? 0 : 1),
                       .mem(try mem((partOut ?? this.part).start, partOut == nil ? 0 : blocks * l.fanIn)),
                       .int(blocks))
        try enqueue1D(kernel, blocks, local: 1)
    }

    /// A state buffer's cl_mem, checked to hold the elements the kernel reads beside `ref`.
    private func state(_ buffer: DeviceBuffer, _ ref: BufferRef, _ count: Int) throws -> cl_mem {
        try mem(buffer.at(ref.offset), count)
    }
}
