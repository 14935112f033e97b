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
        // With the spellings of PyTorch (cross_entropy, mse_loss, binary_cross_entropy) and Keras
        // (categorical_crossentropy, mean_squared_error, binary_crossentropy).
        case "mse", "squared-error", "squared", "sse", "mse_loss", "mean_squared_error", "mean-squared-error":
            self = .squaredError
        case "cross-entropy", "ce", "softmax-cross-entropy", "crossentropy", "cross_entropy", "categorical_crossentropy",
             "categorical-crossentropy", "sparse_categorical_crossentropy", "sparse-categorical-crossentropy":
            self = .softmaxCrossEntropy
        case "binary-cross-entropy", "bce", "sigmoid-cross-entropy", "binary_cross_entropy", "binary_crossentropy",
             "binary-crossentropy", "bce_with_logits":
            self = .sigmoidCrossEntropy
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
