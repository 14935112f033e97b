/// A per-feature affine map of the inputs, x' = (x − offset) · scale, fitted on the training
/// split only and stored in checkpoints (so that prediction sees inputs as training did).
/// `offset` and `scale` hold one Float per input feature.
public struct Normalization: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Inputs as they are (offset 0, scale 1).
        case none
        /// Each feature to [0, 1] over the training set: offset min, scale 1/(max − min).
        /// A constant feature gets scale 1, so it maps to 0 on the training set.
        case minMax = "minmax"
        /// Each feature to zero mean and unit variance (population variance) over the training
        /// set. A feature with zero variance gets scale 1.
        case standard

        /// Parses a kind name ("none", "minmax", "standard"); also "min-max" and "zscore".
        public init(parsing text: String) throws {
            let t = text.lowercased()
            switch t {
            case "min-max", "min_max": self = .minMax
            case "zscore", "z-score": self = .standard
            default:
                guard let kind = Kind(rawValue: t) else {
                    throw ConfigurationError(.normalization, text, "is not a normalisation; expected one of "
                        + Kind.allCases.map(\.rawValue).joined(separator: ", "))
                }
                self = kind
            }
        }

        /// The statistics of `train`'s inputs, accumulated in Double.
        public func fit(_ train: Dataset) -> Normalization {
            Normalization.fit(self, train)
        }
    }

    public var kind: Kind
    /// inputSize values subtracted from each feature.
    public var offset: [Float]
    /// inputSize factors applied after the offset.
    public var scale: [Float]

    /// `offset` and `scale` must have the same length (the input size).
    public init(kind: Kind, offset: [Float], scale: [Float]) {
        precondition(offset.count == scale.count, "offset and scale differ in length")
        self.kind = kind
        self.offset = offset
        self.scale = scale
    }

    /// The identity for `inputSize` features.
    public static func identity(inputSize: Int) -> Normalization {
        Normalization(kind: .none, offset: .init(repeating: 0, count: inputSize),
                      scale: .init(repeating: 1, count: inputSize))
    }

    public var inputSize: Int { offset.count }

    /// The statistics of `kind` over `train`'s inputs (count × inputSize). An empty set gives
    /// the identity.
    public static func fit(_ kind: Kind, _ train: Dataset) -> Normalization {
        let n = train.inputSize, rows = train.count
        var result = identity(inputSize: n)
        result.kind = kind
        guard kind != .none && rows > 0 else { return result }
        let x = train.inputs
        switch kind {
        case .none:
            break
        case .minMax:
            var lo = [Float](repeating: .infinity, count: n), hi = [Float](repeating: -.infinity, count: n)
            for r in 0..<rows {
                for j in 0..<n {
                    let v = x[r * n + j]
                    lo[j] = min(lo[j], v)
                    hi[j] = max(hi[j], v)
                }
            }
            for j in 0..<n {
                result.offset[j] = lo[j]
                result.scale[j] = reciprocal(Double(hi[j]) - Double(lo[j]))
            }
        case .standard:
            var sum = [Double](repeating: 0, count: n)
            for r in 0..<rows { for j in 0..<n { sum[j] += Double(x[r * n + j]) } }
            let mean = sum.map { $0 / Double(rows) }
            var squares = [Double](repeating: 0, count: n)
            for r in 0..<rows {
                for j in 0..<n {
                    let d = Double(x[r * n + j]) - mean[j]
                    squares[j] += d * d
                }
            }
            for j in 0..<n {
                result.offset[j] = Float(mean[j])
                result.scale[j] = reciprocal((squares[j] / Double(rows)).squareRoot())
            }
        }
        return result
    }

    /// 1/width as a Float, or 1 when the width is zero or too small for a finite reciprocal.
    private static func reciprocal(_ width: Double) -> Float {
        let r = Float(1 / width)
        return width > 0 && r.isFinite ? r : 1
    }

    /// Maps the inputs of `data` in place. Throws when the input sizes differ.
    public func apply(to data: inout Dataset) throws {
        guard data.inputSize == inputSize else {
            throw DataError(source: data.source, record: nil, problem:
                "has \(data.inputSize) inputs per sample, but the normalisation was fitted on \(inputSize)")
        }
        try apply(to: &data.inputs)
    }

    /// A copy of `data` with its inputs mapped.
    public func applied(to data: Dataset) throws -> Dataset {
        var copy = data
        try apply(to: &copy)
        return copy
    }

    /// Maps rows of inputs in place (rows × inputSize, row-major), e.g. for prediction.
    public func apply(to inputs: inout [Float]) throws {
        guard inputSize > 0 && inputs.count % inputSize == 0 else {
            throw DataError(source: "inputs", record: nil, problem:
                "\(inputs.count) values are not whole rows of \(inputSize) inputs")
        }
        if kind == .none && offset.allSatisfy({ $0 == 0 }) && scale.allSatisfy({ $0 == 1 }) { return }
        let n = inputSize
        inputs.withUnsafeMutableBufferPointer { x in
            offset.withUnsafeBufferPointer { o in
                scale.withUnsafeBufferPointer { s in
                    for r in 0..<(x.count / n) {
                        for j in 0..<n { x[r * n + j] = (x[r * n + j] - o[j]) * s[j] }
                    }
                }
            }
        }
    }

    // Decoding checks what a checkpoint claims: equal lengths and finite values.
    private enum CodingKeys: String, CodingKey { case kind, offset, scale }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(Kind.self, forKey: .kind)
        let offset = try c.decode([Float].self, forKey: .offset)
        let scale = try c.decode([Float].self, forKey: .scale)
        guard offset.count == scale.count else {
            throw DecodingError.dataCorruptedError(forKey: .scale, in: c, debugDescription:
                "normalisation has \(offset.count) offsets but \(scale.count) scales")
        }
        guard (offset + scale).allSatisfy(\.isFinite) else {
            throw DecodingError.dataCorruptedError(forKey: .scale, in: c, debugDescription:
                "normalisation holds a value that is not a finite number")
        }
        self.init(kind: kind, offset: offset, scale: scale)
    }
}
