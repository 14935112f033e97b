/// The training objective, always the mean over the samples of a batch.
public enum Loss: String, Sendable, Hashable, Codable, CaseIterable {
    /// ½‖y − t‖² per sample; works with any output activation.
    case squaredError = "mse"
    /// −Σ t·log softmax(z) per sample; the output activation must be softmax.
    case softmaxCrossEntropy = "cross-entropy"
    /// Σ −t·log σ(z) − (1−t)·log(1−σ(z)) per sample; the output activation must be sigmoid.
    case sigmoidCrossEntropy = "binary-cross-entropy"

    /// The code shared with Kernels/loss.cl.
    var kernelCode: Int32 {
        switch self {
        case .squaredError: 0
        case .softmaxCrossEntropy: 1
        case .sigmoidCrossEntropy: 2
        }
    }

    public var name: String { rawValue }

    public static let validNames = "mse (squared error), cross-entropy (softmax output), binary-cross-entropy (sigmoid output)"

    public init?(name: String) {
        switch name.lowercased() {
        case "mse", "squared-error", "squared", "sse": self = .squaredError
        case "cross-entropy", "ce", "softmax-cross-entropy", "crossentropy": self = .softmaxCrossEntropy
        case "binary-cross-entropy", "bce", "sigmoid-cross-entropy": self = .sigmoidCrossEntropy
        default: return nil
        }
    }

    /// The output activation this loss requires, if it requires one.
    public var requiredOutput: Activation? {
        switch self {
        case .squaredError: nil
        case .softmaxCrossEntropy: .softmax
        case .sigmoidCrossEntropy: .sigmoid
        }
    }

    /// The output activation that goes with this loss when none is named.
    public var defaultOutput: Activation { requiredOutput ?? .identity }
}
