import Foundation

/// A model file as read: a Backprop checkpoint (the `format` metadata says so), or plain
/// weights: a safetensors file of fully connected layers as PyTorch writes them, with no
/// Backprop metadata, whose activations and loss the reader chooses.
public enum ModelFile: Sendable {
    case checkpoint(Checkpoint)
    case weights(PlainWeights)

    public static func read(from url: URL) throws -> ModelFile {
        let file = try SafeTensors.read(from: url)
        return try ModelFile(file, source: url.path)
    }

    public init(_ file: SafeTensors, source: String) throws {
        // PyTorch's and Hugging Face's writers may put {"format": "pt"} in the metadata: plain weights.
        let format = file.metadata["format"]
        if format?.hasPrefix("backprop") == true || (format == nil && file.metadata["architecture"] != nil) {
            self = .checkpoint(try Checkpoint(file, source: source))
        } else {
            self = .weights(try PlainWeights(file, source: source))
        }
    }

    /// The checkpoint, the weights made one with `choice`'s activations and loss (a Backprop
    /// checkpoint fixes its own: a choice that differs is refused, naming the setting).
    public func checkpoint(_ choice: NetworkChoice) throws -> Checkpoint {
        switch self {
        case .checkpoint(let c):
            try choice.check(against: c.architecture)
            return c
        case .weights(let w):
            return try w.checkpoint(choice)
        }
    }
}

/// The activations and loss of a network whose weights come without them (`PlainWeights`):
/// each nil takes its default. Hidden layers: relu. Loss: for class labels, cross-entropy
/// (binary cross-entropy for a single output); for regression targets, mse; with no data to
/// tell (`classification` nil), cross-entropy for two outputs or more and mse for one. Output
/// activation: the one the loss needs (softmax, sigmoid, identity).
public struct NetworkChoice: Sendable, Hashable {
    public var activation: Activation?
    public var output: Activation?
    public var loss: Loss?
    /// Whether the data the network meets holds class labels; nil when there is none.
    public var classification: Bool?

    public init(activation: Activation? = nil, output: Activation? = nil, loss: Loss? = nil, classification: Bool? = nil) {
        self.activation = activation
        self.output = output
        self.loss = loss
        self.classification = classification
    }

    /// The loss for a network of `outputs` outputs.
    public func resolvedLoss(outputs: Int) -> Loss {
        if let loss { return loss }
        switch classification {
        case true?: return outputs == 1 ? .sigmoidCrossEntropy : .softmaxCrossEntropy
        case false?: return .squaredError
        case nil: return outputs == 1 ? .squaredError : .softmaxCrossEntropy
        }
    }

    /// The network of these layer sizes.
    public func architecture(sizes: [Int]) throws -> Architecture {
        let loss = resolvedLoss(outputs: sizes.last ?? 1), hidden = activation ?? .relu
        do {
            return try Architecture(sizes: sizes, hidden: hidden, output: output, loss: loss)
        } catch let e as ConfigurationError {
            var faults = [ConfigurationError.Fault(.activation, hidden.name)]
            if let output { faults.append(.init(.output, output.name)) }
            faults.append(.init(.loss, loss.name))
            throw ConfigurationError(faults, "this network (\(LayerSizes(sizes))) cannot work: \(e.problem)")
        }
    }

    /// Refuses a choice that differs from what a checkpoint holds.
    func check(against arch: Architecture) throws {
        let hidden = Set(arch.activations.dropLast())
        func refuse(_ setting: ConfigurationError.Setting, _ value: String, _ holds: String) -> ConfigurationError {
            ConfigurationError(setting, value, "the model is a Backprop checkpoint, which fixes the \(setting.rawValue): "
                               + "\(holds); the \(setting.rawValue) is chosen only for plain weights")
        }
        if let a = activation, !hidden.isEmpty, hidden != [a] {
            throw refuse(.activation, a.name, "its hidden layers are \(hidden.map(\.name).sorted().joined(separator: "+"))")
        }
        if let o = output, o != arch.outputActivation { throw refuse(.output, o.name, "its output activation is \(arch.outputActivation.name)") }
        if let l = loss, l != arch.loss { throw refuse(.loss, l.name, "its loss is \(arch.loss.name)") }
    }
}

/// The weights of fully connected layers in a safetensors file with no Backprop metadata, as
/// PyTorch saves them (`safetensors.torch.save_file(model.state_dict(), …)`): a weight
/// `out × in` and a bias `out` per layer, named `layers.N.weight`/`layers.N.bias`, or as
/// `nn.Sequential` numbers its modules (`0.weight`, `2.weight`, `net.4.weight`), the layers
/// taken in the order of N. float32 or float64. A layer without a bias (`bias=False`) gets
/// zeros. The shapes must chain (each layer takes the previous one's outputs); a tensor of any
/// other name is refused, since it would be dropped.
public struct PlainWeights: Sendable {
    public var sizes: [Int]
    /// The flat parameter vector (see `Architecture` for the layout).
    public var parameters: [Float]
    /// The tensor names of each layer's weight, in order.
    public var layerNames: [String]
    public var source: String

    public init(_ file: SafeTensors, source: String) throws {
        self.source = source
        func fail(_ problem: String) -> DataError { DataError(source: source, record: nil, problem: problem) }
        let expected = "expected a Backprop checkpoint, or plain weights: tensors layers.N.weight (out × in) and layers.N.bias (out), "
            + "or N.weight/N.bias as nn.Sequential names them, float32 or float64"
        // prefix + number → (weight, bias); the prefix (a module path such as "net.") is one for all layers.
        var layers: [Int: (weight: SafeTensors.Tensor?, bias: SafeTensors.Tensor?)] = [:]
        var prefixes = Set<String>()
        var unknown: [String] = []
        for (name, tensor) in file.tensors {
            guard let (prefix, index, kind) = Self.parse(name) else { unknown.append(name); continue }
            prefixes.insert(prefix)
            var entry = layers[index] ?? (nil, nil)
            if kind == "weight" { entry.weight = tensor } else { entry.bias = tensor }
            layers[index] = entry
        }
        if !unknown.isEmpty {
            let shown = unknown.sorted().prefix(5).map { "\"\($0)\"" }.joined(separator: ", ")
            throw fail("is not a Backprop checkpoint and holds tensor(s) \(shown)\(unknown.count > 5 ? " and \(unknown.count - 5) more" : "") "
                       + "that are not a layer's weight or bias (\(expected))")
        }
        guard !layers.isEmpty else { throw fail("holds no tensors (\(expected))") }
        guard prefixes.count == 1, let prefix = prefixes.first else {
            throw fail("mixes layers of several modules (\(prefixes.sorted().map { "\"\($0)\"" }.joined(separator: ", "))); "
                       + "expected the layers of one network")
        }
        var sizes: [Int] = [], parameters: [Float] = [], biases: [Float] = [], names: [String] = []
        for index in layers.keys.sorted() {
            let (weight, bias) = layers[index]!
            let name = "\(prefix)\(index)"
            guard let weight else { throw fail("has \"\(name).bias\" but no \"\(name).weight\"") }
            guard weight.shape.count == 2, weight.shape[0] > 0, weight.shape[1] > 0 else {
                throw fail("tensor \"\(name).weight\" has shape \(weight.shape); expected out × in, as nn.Linear's weight")
            }
            let (units, fanIn) = (weight.shape[0], weight.shape[1])
            if let last = sizes.last, last != fanIn {
                throw fail("tensor \"\(name).weight\" is \(units) × \(fanIn), but the layer before it has \(last) outputs; "
                           + "expected \(units) × \(last) (the shapes must chain)")
            }
            if sizes.isEmpty { sizes.append(fanIn) }
            sizes.append(units)
            parameters += try Self.values(weight, "\(name).weight", fail)
            if let bias {
                guard bias.shape == [units] else {
                    throw fail("tensor \"\(name).bias\" has shape \(bias.shape); expected [\(units)], one per output of \"\(name).weight\"")
                }
                biases += try Self.values(bias, "\(name).bias", fail)
            } else {
                biases += [Float](repeating: 0, count: units)
            }
            names.append("\(name).weight")
        }
        guard parameters.allSatisfy(\.isFinite), biases.allSatisfy(\.isFinite) else { throw fail("holds NaN or infinite weights") }
        // The layout: every layer's weights in order, then every layer's biases.
        self.sizes = sizes
        self.parameters = parameters + biases
        layerNames = names
        _ = try Architecture(sizes: sizes, hidden: .relu, loss: .squaredError)  // the size rules
    }

    /// A Backprop checkpoint of these weights with `choice`'s activations and loss.
    public func checkpoint(_ choice: NetworkChoice) throws -> Checkpoint {
        Checkpoint(architecture: try choice.architecture(sizes: sizes), parameters: parameters)
    }

    /// "net.4.weight" → ("net.", 4, "weight"); nil for a name that is not a layer's weight or bias.
    static func parse(_ name: String) -> (prefix: String, index: Int, kind: String)? {
        var parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, let kind = parts.popLast(), kind == "weight" || kind == "bias",
              let last = parts.popLast(), !last.isEmpty, last.allSatisfy(\.isASCII), last.allSatisfy(\.isNumber),
              last.count < 10, let index = Int(last)
        else { return nil }
        return (parts.map { $0 + "." }.joined(), index, String(kind))
    }

    private static func values(_ t: SafeTensors.Tensor, _ name: String, _ fail: (String) -> DataError) throws -> [Float] {
        switch t.dtype {
        case .f32: return try t.floats()
        case .f64:
            let doubles = try t.doubles()
            // Beyond Float's range a weight would become infinite.
            if let i = doubles.firstIndex(where: { $0.isFinite && abs($0) > Double(Float.greatestFiniteMagnitude) }) {
                throw fail("tensor \"\(name)\" holds \(doubles[i]) at \(i), beyond float32's range")
            }
            return doubles.map { Float($0) }
        default:
            throw fail("tensor \"\(name)\" is \(t.dtype.rawValue); expected F32 or F64 (convert with tensor.float())")
        }
    }
}
