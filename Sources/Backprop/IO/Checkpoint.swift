import Foundation

/// A trained network in a safetensors file: the tensors `layers.N.weight` (out × in, F32) and
/// `layers.N.bias` (out), the input normalisation (`normalization.offset`, `normalization.scale`),
/// the optimizer's state (`optimizer.*`, laid out like the flat parameter vector), and in the
/// `__metadata__` block the architecture, activations, loss, optimizer settings and training
/// state as JSON strings. The file opens with the Python `safetensors` package; saving is
/// atomic (temporary file, then rename).
public struct Checkpoint: Sendable {
    public static let formatName = "backprop-checkpoint/1"

    public var architecture: Architecture
    /// The flat parameter vector (see `Architecture` for the layout).
    public var parameters: [Float]
    public var normalization: Normalization?
    /// Names of the classes, in label order, when the training data named them.
    public var classNames: [String]?
    public var optimizer: OptimizerConfig?
    /// The optimizer's per-parameter state buffers, each laid out like `parameters`.
    public var optimizerState: [[Float]] = []
    public var training: TrainingState?

    public init(architecture: Architecture, parameters: [Float], normalization: Normalization? = nil,
                classNames: [String]? = nil) {
        self.architecture = architecture
        self.parameters = parameters
        self.normalization = normalization
        self.classNames = classNames
    }

    /// Captures `network` and, when given, the trainer's optimizer and progress.
    public init(network: Network, trainer: Trainer? = nil, normalization: Normalization? = nil,
                classNames: [String]? = nil) throws {
        self.init(architecture: network.architecture, parameters: try network.readParameters(),
                  normalization: normalization, classNames: classNames)
        if let trainer {
            optimizer = trainer.optimizer.config
            optimizerState = try trainer.optimizer.stateValues()
            training = TrainingState(trainer)
        }
    }

    /// A network on `device` holding these parameters.
    public func makeNetwork(device: any Device) throws -> Network {
        try Network(architecture, device: device, parameters: parameters)
    }

    /// `data` as this model's network takes it: refused, naming the data, when its samples
    /// have another number of inputs than the network; else with the model's input
    /// normalisation applied, as in training, and its labels numbered as the model numbers its
    /// classes (by the class names it stores: see `Dataset.relabeled`).
    public func prepared(_ data: Dataset) throws -> Dataset {
        guard data.inputSize == architecture.inputSize else {
            throw DataError(source: data.source, record: nil, problem:
                "has \(data.inputSize) values per sample, but the model (\(architecture.summary)) takes \(architecture.inputSize) inputs")
        }
        let normalized = try normalization.map { try $0.applied(to: data) } ?? data
        return try normalized.relabeled(toClasses: classNames, count: classCount)
    }

    /// The classes the network tells apart: its outputs, or two for a single output.
    public var classCount: Int { architecture.outputSize == 1 ? 2 : architecture.outputSize }

    /// Puts the saved optimizer state and training progress into `trainer`, so training goes
    /// on as if it had never stopped. The trainer's optimizer must be of the saved kind.
    public func restore(into trainer: Trainer) throws {
        guard let training else { return }
        if let optimizer, optimizer.kind == trainer.optimizer.config.kind, !optimizerState.isEmpty {
            try trainer.optimizer.restore(state: optimizerState, steps: training.optimizerSteps)
        }
        training.apply(to: trainer)
    }

    // MARK: Files

    public func write(to url: URL) throws {
        try encoded().write(to: url)
    }

    public static func read(from url: URL) throws -> Checkpoint {
        try Checkpoint(SafeTensors.read(from: url), source: url.path)
    }

    /// The safetensors form: deterministic, so encoding a decoded file gives the same bytes.
    public func encoded() throws -> SafeTensors {
        var tensors: [String: SafeTensors.Tensor] = [:]
        for l in 0..<architecture.layerCount {
            let fanIn = architecture.inputs(ofLayer: l), units = architecture.units(ofLayer: l)
            let w = architecture.weightOffset(l), b = architecture.biasOffset(l)
            tensors["layers.\(l).weight"] = .init(floats: Array(parameters[w..<(w + units * fanIn)]), shape: [units, fanIn])
            tensors["layers.\(l).bias"] = .init(floats: Array(parameters[b..<(b + units)]), shape: [units])
        }
        var metadata = ["format": Self.formatName, "architecture": try Self.json(architecture),
                        "backprop_version": BackpropVersion.current]
        if let normalization {
            metadata["normalization"] = normalization.kind.rawValue
            tensors["normalization.offset"] = .init(floats: normalization.offset, shape: [normalization.offset.count])
            tensors["normalization.scale"] = .init(floats: normalization.scale, shape: [normalization.scale.count])
        }
        if let classNames { metadata["class_names"] = try Self.json(classNames) }
        if let optimizer {
            metadata["optimizer"] = try Self.json(optimizer)
            for (name, values) in zip(Self.stateNames(optimizer.kind), optimizerState) {
                tensors["optimizer.\(name)"] = .init(floats: values, shape: [values.count])
            }
        }
        if let training { metadata["training"] = try Self.json(training) }
        return SafeTensors(tensors: tensors, metadata: metadata)
    }

    /// Reads a checkpoint from its safetensors form, refusing anything missing or inconsistent.
    public init(_ file: SafeTensors, source: String) throws {
        func fail(_ problem: String) -> DataError { DataError(source: source, record: nil, problem: problem) }
        guard file.metadata["format"] == Self.formatName else {
            throw fail("is not a Backprop checkpoint (metadata \"format\" should be \"\(Self.formatName)\")")
        }
        guard let archText = file.metadata["architecture"] else { throw fail("has no \"architecture\" in its metadata") }
        let arch: Architecture
        do {
            arch = try JSONDecoder().decode(Architecture.self, from: Data(archText.utf8))
            try arch.validate()
        } catch {
            throw fail("has an invalid \"architecture\" in its metadata: \(Self.readable(error)) "
                       + "(expected {\"sizes\":[784,256,10],\"activations\":[\"relu\",\"softmax\"],\"loss\":\"cross-entropy\"}; "
                       + "a file with no Backprop metadata at all is read as plain weights)")
        }
        // Every layer's tensors are found and checked before the parameter vector is built, so
        // its size is backed by bytes really in the file, not just by the metadata's claim.
        var weights: [[Float]] = [], biases: [[Float]] = []
        for l in 0..<arch.layerCount {
            let fanIn = arch.inputs(ofLayer: l), units = arch.units(ofLayer: l)
            weights.append(try Self.tensor(file, "layers.\(l).weight", shape: [units, fanIn], fail))
            biases.append(try Self.tensor(file, "layers.\(l).bias", shape: [units], fail))
        }
        // The flat layout: every layer's weights in order, then every layer's biases.
        var parameters: [Float] = []
        parameters.reserveCapacity(arch.parameterCount)
        for w in weights { parameters += w }
        for b in biases { parameters += b }
        guard parameters.allSatisfy(\.isFinite) else { throw fail("holds NaN or infinite weights") }
        self.init(architecture: arch, parameters: parameters)
        if let kindName = file.metadata["normalization"] {
            guard let kind = Normalization.Kind(rawValue: kindName) else {
                throw fail("names an unknown normalization '\(kindName)'")
            }
            let offset = try Self.tensor(file, "normalization.offset", shape: [arch.inputSize], fail)
            let scale = try Self.tensor(file, "normalization.scale", shape: [arch.inputSize], fail)
            // A NaN offset or scale makes every input NaN, and a zero scale every input alike:
            // predictions would not depend on the data at all.
            if let j = (offset + scale).firstIndex(where: { !$0.isFinite }) {
                throw fail("holds a normalisation value that is not a finite number (input \(j % arch.inputSize))")
            }
            if let j = scale.firstIndex(of: 0) { throw fail("holds a normalisation scale of 0 (input \(j)), which maps every input to 0") }
            normalization = Normalization(kind: kind, offset: offset, scale: scale)
        }
        classNames = try file.metadata["class_names"].map { try Self.decode([String].self, $0, "class_names", fail) }
        if let names = classNames, names.count > max(2, arch.outputSize) {
            throw fail("names \(names.count) classes in its \"class_names\" metadata, but the network has \(arch.outputSize) output(s)")
        }
        if let text = file.metadata["optimizer"] {
            let config = try Self.decode(OptimizerConfig.self, text, "optimizer", fail)
            do { try config.validate() } catch { throw fail("has invalid \"optimizer\" metadata: \(error)") }
            optimizer = config
            optimizerState = try Self.stateNames(config.kind).map {
                try Self.tensor(file, "optimizer.\($0)", shape: [arch.parameterCount], fail)
            }
        }
        training = try file.metadata["training"].map { try Self.decode(TrainingState.self, $0, "training", fail) }
        if let problem = training?.problem { throw fail("has invalid \"training\" metadata: \(problem)") }
    }

    // MARK: Helpers

    static func stateNames(_ kind: OptimizerConfig.Kind) -> [String] {
        switch kind {
        case .sgd: []
        case .momentum, .nesterov: ["velocity"]
        case .adam: ["first_moment", "second_moment"]
        case .rprop: ["previous_gradient", "step_size"]
        case .quickprop: ["previous_step", "previous_slope"]
        case .lm, .lbfgs: []
        }
    }

    private static func tensor(_ file: SafeTensors, _ name: String, shape: [Int],
                               _ fail: (String) -> DataError) throws -> [Float] {
        guard let t = file.tensors[name] else { throw fail("has no tensor '\(name)'") }
        guard t.dtype == .f32, t.shape == shape else {
            throw fail("tensor '\(name)' is \(t.dtype.rawValue) \(t.shape), expected F32 \(shape)")
        }
        return try t.floats()
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ text: String, _ key: String,
                                             _ fail: (String) -> DataError) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw fail("has invalid \"\(key)\" metadata: \(readable(error))")
        }
    }

    /// A decoding error as a reader can act on it: which key, what was expected.
    static func readable(_ error: Error) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
        }
        func at(_ keys: [CodingKey]) -> String { keys.isEmpty ? "" : "\"\(path(keys))\" " }
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "\"\(path(context.codingPath + [key]))\" is missing"
        case DecodingError.typeMismatch(let type, let context), DecodingError.valueNotFound(let type, let context):
            let what = type == String.self ? "a string" : type == Int.self || type == Float.self || type == Double.self ? "a number"
                : String(describing: type).hasPrefix("Array") ? "a list" : String(describing: type).hasPrefix("Dictionary") ? "an object" : "a \(type)"
            return "\(at(context.codingPath))is not \(what)"
        case DecodingError.dataCorrupted(let context):
            let detail = context.underlyingError.map { " (\(oneLineDescription($0)))" } ?? ""
            return "\(at(context.codingPath))\(context.debugDescription.isEmpty ? "is not valid JSON" : context.debugDescription)\(detail)"
        default:
            return "\(error)"
        }
    }

    private static func oneLineDescription(_ error: Error) -> String {
        (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
    }

    private static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
