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

        /// k0…k6, then lr: the kernels' `k` argument, and a rule of step_chunk's `R`.
        var values: [Float] { [k.0, k.1, k.2, k.3, k.4, k.5, k.6, lr] }
        var constants: KernelArgument { .floats(SIMD8(k.0, k.1, k.2, k.3, k.4, k.5, k.6, lr)) }
    }

    /// A layer's weights (units × fanIn from `weights`), its biases and the rule's state
    /// buffers beside them (laid out like the parameters; the parameters themselves stand in
    /// where the rule keeps none: they are never read as state then).
    struct StepLayer {
        var units: Int, fanIn: Int
        var weights: BufferRef, biases: BufferRef
        var state1: DeviceBuffer, state2: DeviceBuffer
    }

    /// The step's vectors of one layer, a region of the buffer all layers share (one
    /// argument for all of them): Z, A, δ and the units' update coefficients, `units` each,
    /// then for a hidden layer the `blocks` partial backward products into it (blocks × units).
    struct StepVectors {
        var buffer: DeviceBuffer, offset: Int, units: Int, blocks: Int
        var count: Int { (4 + blocks) * units }
        var a: BufferRef { buffer.at(offset + units) }
        var partOffset: Int { offset + 4 * units }

        /// The regions of layers of `units`, all but the last hidden, in one buffer of `device`.
        static func make(units: [Int], device: OpenCLDevice) throws -> [StepVectors] {
            var offset = 0, layers = [(offset: Int, units: Int, blocks: Int)]()
            for (l, n) in units.enumerated() {
                let blocks = l < units.count - 1 ? device.stepBlocks : 0
                layers.append((offset, n, blocks))
                offset += (4 + blocks) * n
            }
            let buffer = try device.makeBuffer(count: offset)
            return layers.map { StepVectors(buffer: buffer, offset: $0.offset, units: $0.units, blocks: $0.blocks) }
        }
    }

    /// Work-items per work-group of the step's row walks and of `step_output`'s single group:
    /// a CPU device runs a group's items one after another on one core, so small groups keep
    /// every core busy on a layer of 128 units.
    var stepLocalSize: Int { Swift.min(info.type == .gpu ? 64 : 16, info.maxWorkGroupSize) }
    /// The row blocks of `step_backprop` (one work-item each, each with its own partial
    /// backward product): a few per compute unit, so that the device's threads share them out.
    var stepBlocks: Int { Swift.max(2, Swift.min(16, 2 * info.computeUnits)) }

    /// The arguments every step kernel takes first (STEP_ARGS): the layer's sizes and
    /// offsets, activation `f`, `blocks` and the rule packed in `g` and `k`, then f's alpha
    /// and the kernel's own `extra` (offV, the layer's vectors, first).
    private func stepArgs(_ kernel: CLKernel, _ l: StepLayer, input: BufferRef, f: Activation, blocks: Int,
                          rule: StepRule, vectors: StepVectors,
                          extra: (Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0)) throws -> Int {
        precondition(l.weights.buffer === l.biases.buffer, "the step takes the biases from the weights' buffer")
        let g = SIMD8<Int32>(Int32(l.units), Int32(l.fanIn), Int32(l.weights.offset), Int32(l.biases.offset),
                             Int32(input.offset), f.kernelCode, Int32(blocks), Int32(rule.code))
        let e = SIMD8<Int32>(Int32(vectors.offset), Int32(extra.0), Int32(extra.1), Int32(extra.2), Int32(extra.3),
                             Int32(extra.4), Int32(extra.5), Int32(extra.6))
        return try kernel.set(.ints(g), rule.constants, .float(f.alpha), .ints(e))
    }

    /// The weights' and state buffers' cl_mems (W, S1, S2), each checked to hold the layer's
    /// weights and biases.
    private func stepParameters(_ l: StepLayer) throws -> (KernelArgument, KernelArgument, KernelArgument) {
        let n = l.units * l.fanIn
        _ = (try mem(l.biases, l.units), try state(l.state1, l.biases, l.units), try state(l.state2, l.biases, l.units))
        return (.mem(try mem(l.weights, n)), .mem(try state(l.state1, l.weights, n)),
                .mem(try state(l.state2, l.weights, n)))
    }

    /// step_forward: layer `l`'s rows, applying first the pending update (its δ from the
    /// partial products in `out` and the step before's Z and A there, its input
    /// `pending.input`, by `pending.rule`; the biases' too), then the product with `input` into
    /// `out`'s Z and A; with no input, the pending update alone (a flush).
    func stepForward(_ l: StepLayer, input: BufferRef?, pending: (input: BufferRef, rule: StepRule)?,
                     out: StepVectors, activation: Activation) throws {
        precondition(activation != .softmax, "step_forward runs hidden layers; the output layer is step_output's")
        let x = input ?? pending?.input ?? l.weights, xp = pending?.input ?? x
        let kernel = ks.stepForward
        let rule = pending?.rule ?? .sgd(learningRate: 0, weightDecay: 0)
        let w = try stepParameters(l)
        let i = try stepArgs(kernel, l, input: x, f: activation, blocks: out.blocks, rule: rule, vectors: out,
                             extra: (xp.offset, input == nil ? 0 : 1, pending == nil ? 0 : 1, 0, 0, 0, 0))
        try kernel.set(from: i, w.0, w.1, w.2, .mem(try mem(x, l.fanIn)), .mem(try mem(xp, l.fanIn)),
                       .mem(try mem(out.buffer.at(out.offset), out.count)))
        try enqueue1D(kernel, l.units, local: stepLocalSize)
    }

    /// step_output: the output layer on `input`, the sample's loss and correctness into
    /// `lossOut` and `correctOut`, its δ and coefficients into `out`, and the biases' update.
    func stepOutput(_ l: StepLayer, input: BufferRef, rule: StepRule, out: StepVectors,
                    loss: Loss, activation: Activation, targets: OutputTargets,
                    lossOut: BufferRef, correctOut: BufferRef) throws {
        let kernel = ks.stepOutput
        let w = try stepParameters(l), t = targets.buffer
        let i = try stepArgs(kernel, l, input: input, f: activation, blocks: 0, rule: rule, vectors: out,
                             extra: (Int(loss.kernelCode), t.offset, targets.isClasses ? 1 : 0, lossOut.offset,
                                     correctOut.offset, 0, 0))
        try kernel.set(from: i, w.0, w.1, w.2, .mem(try mem(input, l.fanIn)),
                       .mem(try mem(out.buffer.at(out.offset), out.count)),
                       .mem(try mem(t, targets.width(cols: l.units))), .mem(try mem(lossOut, 1)),
                       .mem(try mem(correctOut, 1)))
        let items = stepLocalSize
        try enqueue(kernel, global: [items], local: [items])
    }

    /// step_backprop: layer `l`'s update on `input` by the coefficients in `this` (for a
    /// hidden layer, `hidden` its activation, first its δ, coefficients and biases from the
    /// partial products in `this`), with, given `partOut`, the partial backward products
    /// into the layer below.
    func stepBackprop(_ l: StepLayer, input: BufferRef, this: StepVectors, rule: StepRule, hidden: Activation?,
                      partOut: StepVectors?) throws {
        let kernel = ks.stepBackprop
        let w = try stepParameters(l)
        if let below = partOut {
            precondition(below.buffer === this.buffer && below.blocks == stepBlocks && below.units == l.fanIn,
                         "the layer below's partial products: \(stepBlocks) × \(l.fanIn) in the step's buffer")
        }
        let i = try stepArgs(kernel, l, input: input, f: hidden ?? .identity, blocks: stepBlocks, rule: rule,
                             vectors: this,
                             extra: (hidden == nil ? 0 : 1, partOut == nil ? 0 : 1, partOut?.partOffset ?? 0, 0, 0, 0, 0))
        precondition(hidden == nil || this.blocks == stepBlocks, "a hidden layer's partial products: \(stepBlocks) blocks")
        try kernel.set(from: i, w.0, w.1, w.2, .mem(try mem(input, l.fanIn)),
                       .mem(try mem(this.buffer.at(this.offset), this.count)))
        try enqueue1D(kernel, stepBlocks, local: 1)
    }

    /// step_chunk's layer plan (`plan` there): units, fan-in, the weights' and biases'
    /// offsets, the layer's vectors' offset in the step's buffer, its activation, the row
    /// blocks and the activation's alpha (its bits), eight ints a layer.
    static func stepPlan(_ layers: [StepLayer], vectors: [StepVectors], activations: [Activation],
                         blocks: Int) -> [Int32] {
        zip(layers, zip(vectors, activations)).flatMap { l, va in
            [Int32(l.units), Int32(l.fanIn), Int32(l.weights.offset), Int32(l.biases.offset), Int32(va.0.offset),
             va.1.kernelCode, Int32(blocks), Int32(bitPattern: va.1.alpha.bitPattern)]
        }
    }

    /// What step_chunk needs of the epoch's data: its inputs, targets, loss and correctness
    /// slots, and the order of its samples (nil: in place).
    struct ChunkData {
        var inputs: BufferRef, inputSize: Int, count: Int
        var targets: OutputTargets, targetWidth: Int
        var loss: BufferRef, correct: BufferRef
        var order: BufferRef?
    }

    /// step_chunk: `count` steps from position `first` of `data` in one launch of one
    /// work-group, the layers as `plan` (`stepPlan`) gives them, the rules in `rules` (8 floats
    /// each: the pending update's first, then each step's; uploaded by the caller), the first
    /// layer's update left by the step before applied first when `pendingInput` is given.
    func stepChunk(_ layers: [StepLayer], plan: BufferRef, rules: BufferRef, ruleCode: Int, vectors: [StepVectors],
                   loss: Loss, data: ChunkData, first: Int, count: Int, pendingInput: BufferRef?) throws {
        precondition(count >= 1 && first >= 0 && first + count <= data.count, "steps \(first)..<\(first + count) of \(data.count)")
        let kernel = ks.stepChunk
        let w = try stepParameters(layers[0])
        for l in layers.dropFirst() { _ = try stepParameters(l) }
        let v = vectors.map { $0.offset + $0.count }.max()!
        let x = data.inputs, n = data.count * data.inputSize
        let xp = pendingInput ?? x
        if let pendingInput {
            precondition(pendingInput.buffer === x.buffer, "the pending update's input is a sample of the data")
        }
        let order = data.order ?? data.loss
        let g = SIMD8<Int32>(Int32(layers.count), Int32(count), Int32(first), data.order == nil ? 0 : 1,
                             pendingInput == nil ? 0 : 1, Int32(xp.offset), Int32(ruleCode), Int32(data.inputSize))
        let e = SIMD8<Int32>(Int32(loss.kernelCode), data.targets.isClasses ? 1 : 0, Int32(data.targets.buffer.offset),
                             Int32(data.targetWidth), Int32(data.loss.offset), Int32(data.correct.offset), Int32(x.offset),
                             Int32(order.offset))
        try kernel.set(.ints(g), .ints(e), .mem(try mem(plan, 8 * layers.count)), .mem(try mem(rules, 8 * (count + 1))),
                       w.0, w.1, w.2, .mem(try mem(x, n)), .mem(try mem(vectors[0].buffer.at(0), v)),
                       .mem(try mem(data.targets.buffer, data.count * data.targetWidth)),
                       .mem(try mem(data.loss, data.count)), .mem(try mem(data.correct, data.count)),
                       .mem(try mem(order, data.count)))
        // One item a row block where the device allows it; fewer take several blocks each.
        let items = Swift.min(stepBlocks, info.maxWorkGroupSize)
        try enqueue(kernel, global: [items], local: [items])
    }

    /// A state buffer's cl_mem, checked to hold the elements the kernel reads beside `ref`.
    private func state(_ buffer: DeviceBuffer, _ ref: BufferRef, _ count: Int) throws -> cl_mem {
        try mem(buffer.at(ref.offset), count)
    }
}
