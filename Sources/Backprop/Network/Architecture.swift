/// The shape of a multilayer perceptron: layer sizes, one activation per layer, the loss.
/// Layer l (0-based) maps `sizes[l]` inputs to `sizes[l+1]` units:
/// `Z = A_prev · Wᵀ + b`, `A = f(Z)`, with W of shape `sizes[l+1] × sizes[l]` (out × in).
///
/// Parameter layout (one flat buffer on the device): every layer's weights in order, then
/// every layer's biases, so that weight decay covers the prefix `[0, weightCount)`.
public struct Architecture: Sendable, Hashable, Codable {
    public var sizes: [Int]
    public var activations: [Activation]
    public var loss: Loss

    public init(sizes: [Int], activations: [Activation], loss: Loss) throws {
        self.sizes = sizes
        self.activations = activations
        self.loss = loss
        try validate()
    }

    /// `hidden` for every hidden layer, `output` for the last; `output` defaults to the one
    /// the loss requires (softmax for cross-entropy, sigmoid for binary cross-entropy,
    /// identity for squared error).
    public init(sizes: [Int], hidden: Activation = .relu, output: Activation? = nil,
                loss: Loss = .softmaxCrossEntropy) throws {
        let layers = Swift.max(sizes.count - 1, 0)
        let out = output ?? loss.defaultOutput
        try self.init(sizes: sizes,
                      activations: (0..<layers).map { $0 == layers - 1 ? out : hidden }, loss: loss)
    }

    public var layerCount: Int { sizes.count - 1 }
    public var inputSize: Int { sizes[0] }
    public var outputSize: Int { sizes[sizes.count - 1] }
    public var outputActivation: Activation { activations[activations.count - 1] }

    public func inputs(ofLayer l: Int) -> Int { sizes[l] }
    public func units(ofLayer l: Int) -> Int { sizes[l + 1] }

    public var weightCount: Int { (0..<layerCount).reduce(0) { $0 + sizes[$1] * sizes[$1 + 1] } }
    public var biasCount: Int { sizes.dropFirst().reduce(0, +) }
    public var parameterCount: Int { weightCount + biasCount }

    /// Where layer l's weights (out × in, row-major) start in the flat parameter buffer.
    public func weightOffset(_ l: Int) -> Int { (0..<l).reduce(0) { $0 + sizes[$1] * sizes[$1 + 1] } }
    /// Where layer l's biases start in the flat parameter buffer.
    public func biasOffset(_ l: Int) -> Int { weightCount + sizes[1..<(l + 1)].reduce(0, +) }

    public func validate() throws {
        guard sizes.count >= 2 else {
            throw ConfigurationError("a network needs at least two layer sizes (inputs and outputs), got \(sizes.count)")
        }
        if let bad = sizes.firstIndex(where: { $0 < 1 }) {
            throw ConfigurationError("layer size \(bad) is \(sizes[bad]); every layer needs at least one unit")
        }
        guard activations.count == layerCount else {
            throw ConfigurationError("\(layerCount) layers need \(layerCount) activations, got \(activations.count)")
        }
        if let bad = activations.dropLast().firstIndex(of: .softmax) {
            throw ConfigurationError("softmax is an output activation; layer \(bad) is a hidden layer")
        }
        if outputActivation == .softmax && outputSize == 1 {
            throw ConfigurationError("a softmax over a single output is always 1, so it learns nothing; "
                                     + "expected at least two outputs, or a sigmoid output for one")
        }
        if let required = loss.requiredOutput, outputActivation != required {
            throw ConfigurationError(
                "the \(loss.name) loss needs a \(required.name) output, but the output activation is \(outputActivation.name)")
        }
        // Summed with overflow checks: sizes read from a checkpoint may be anything, and
        // `parameterCount` itself would trap on a product that does not fit an Int.
        var total = 0
        for l in 0..<layerCount {
            let (weights, o1) = sizes[l].multipliedReportingOverflow(by: sizes[l + 1])
            let (withWeights, o2) = total.addingReportingOverflow(weights)
            let (withBiases, o3) = withWeights.addingReportingOverflow(sizes[l + 1])
            guard !o1, !o2, !o3, withBiases <= Int(Int32.max) else {
                throw ConfigurationError("layer sizes \(LayerSizes(sizes)) need more than "
                                         + "\(Int32.max) parameters; at most \(Int32.max) are supported")
            }
            total = withBiases
        }
    }

    /// "784,256,10 relu/softmax, cross-entropy"
    public var summary: String {
        let hidden = Set(activations.dropLast()).map(\.name).sorted().joined(separator: "+")
        let acts = hidden.isEmpty ? outputActivation.name : "\(hidden)/\(outputActivation.name)"
        return "\(LayerSizes(sizes)) \(acts), \(loss.name)"
    }
}
