import Foundation

/// A layer's activation function f, applied element-wise (softmax: row-wise, output only).
public enum Activation: Sendable, Hashable {
    case identity
    /// Logistic sigmoid 1/(1+e^−z); f' = f(1−f).
    case sigmoid
    case tanh
    case relu
    /// z for z > 0, else alpha·z.
    case leakyReLU(alpha: Float)
    /// z for z > 0, else alpha·(e^z − 1).
    case elu(alpha: Float)
    /// log(1 + e^z).
    case softplus
    /// Swish / SiLU: z·σ(z).
    case swish
    /// Mish: z·tanh(softplus(z)).
    case mish
    /// Row-wise softmax; an output activation only.
    case softmax

    public static let leakyReLU = Activation.leakyReLU(alpha: 0.01)
    public static let elu = Activation.elu(alpha: 1)

    /// Every activation, with default parameters, for tests and help texts.
    public static let all: [Activation] = [
        .identity, .sigmoid, .tanh, .relu, .leakyReLU, .elu, .softplus, .swish, .mish, .softmax,
    ]

    /// The code shared with Kernels/common.cl.
    var kernelCode: Int32 {
        switch self {
        case .identity: 0
        case .sigmoid: 1
        case .tanh: 2
        case .relu: 3
        case .leakyReLU: 4
        case .elu: 5
        case .softplus: 6
        case .swish: 7
        case .mish: 8
        case .softmax: 9
        }
    }

    /// The parameter of leaky ReLU and ELU; zero for the others.
    var alpha: Float {
        switch self {
        case .leakyReLU(let a), .elu(let a): a
        default: 0
        }
    }

    /// The name used on the command line and in checkpoints, parameters included
    /// ("relu", "leaky-relu:0.01", "elu:1.0").
    public var name: String {
        switch self {
        case .identity: "identity"
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        case .relu: "relu"
        case .leakyReLU(let a): a == 0.01 ? "leaky-relu" : "leaky-relu:\(a)"
        case .elu(let a): a == 1 ? "elu" : "elu:\(a)"
        case .softplus: "softplus"
        case .swish: "swish"
        case .mish: "mish"
        case .softmax: "softmax"
        }
    }

    public static let validNames =
        "identity (linear), sigmoid (logistic), tanh, relu, leaky-relu[:ALPHA], elu[:ALPHA], softplus, swish (silu), mish, softmax"

    /// Parses `name` ("relu", "leaky-relu:0.2", "silu", …); nil when unknown.
    public init?(name: String) {
        let parts = name.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
        guard let head = parts.first else { return nil }
        var parameter: Float?
        if parts.count == 2 {
            guard let p = Float(parts[1]), p.isFinite else { return nil }
            parameter = p
        }
        switch head {
        case "identity", "linear": self = .identity
        case "sigmoid", "logistic": self = .sigmoid
        case "tanh": self = .tanh
        case "relu": self = .relu
        case "leaky-relu", "leakyrelu", "leaky_relu": self = .leakyReLU(alpha: parameter ?? 0.01); return
        case "elu": self = .elu(alpha: parameter ?? 1); return
        case "softplus": self = .softplus
        case "swish", "silu": self = .swish
        case "mish": self = .mish
        case "softmax": self = .softmax
        default: return nil
        }
        if parameter != nil { return nil }
    }
}

extension Activation: Codable {
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Activation(name: text) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "unknown activation '\(text)'; expected one of \(Activation.validNames)"))
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

// MARK: - Host-side math (the CPU path). Mirrors Kernels/activations.cl line for line.

extension Activation {
    @inline(__always)
    static func stableSigmoid(_ z: Float) -> Float {
        if z >= 0 { return 1 / (1 + Foundation.exp(-z)) }
        let e = Foundation.exp(z)
        return e / (1 + e)
    }

    @inline(__always)
    static func stableSoftplus(_ z: Float) -> Float {
        Swift.max(z, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(z)))
    }

    /// f(z) for the element-wise activations.
    @inline(__always)
    func forward(_ z: Float) -> Float {
        switch self {
        case .identity, .softmax: return z
        case .sigmoid: return Activation.stableSigmoid(z)
        case .tanh: return Foundation.tanh(z)
        case .relu: return Swift.max(z, 0)
        case .leakyReLU(let a): return z > 0 ? z : a * z
        case .elu(let a): return z > 0 ? z : a * Foundation.expm1(z)
        case .softplus: return Activation.stableSoftplus(z)
        case .swish: return z * Activation.stableSigmoid(z)
        case .mish: return z * Foundation.tanh(Activation.stableSoftplus(z))
        }
    }

    /// f'(z), given z and a = f(z).
    @inline(__always)
    func derivative(z: Float, a: Float) -> Float {
        switch self {
        case .identity, .softmax: return 1
        case .sigmoid: return a * (1 - a)
        case .tanh: return 1 - a * a
        case .relu: return z > 0 ? 1 : 0
        case .leakyReLU(let alpha): return z > 0 ? 1 : alpha
        case .elu(let alpha): return z > 0 ? 1 : a + alpha
        case .softplus: return Activation.stableSigmoid(z)
        case .swish:
            let s = Activation.stableSigmoid(z)
            return s + z * s * (1 - s)
        case .mish:
            let t = Foundation.tanh(Activation.stableSoftplus(z))
            return t + z * Activation.stableSigmoid(z) * (1 - t * t)
        }
    }
}
