/// Where a backward pass puts the gradient: buffer = alpha·∇ + beta·buffer, with one beta for
/// the weights and one for the biases (weight decay touches only weights).
public struct GradientTarget {
    public var buffer: DeviceBuffer
    public var alpha: Float
    public var weightBeta: Float
    public var biasBeta: Float

    public init(buffer: DeviceBuffer, alpha: Float, weightBeta: Float, biasBeta: Float) {
        self.buffer = buffer
        self.alpha = alpha
        self.weightBeta = weightBeta
        self.biasBeta = biasBeta
    }
}
