import Backprop
import BackpropTestSupport
import Testing

/// Backpropagation against finite differences: the float64 reference network's analytic
/// gradients are checked against its own central differences, and each device's float32
/// gradients against those, for every activation and every loss/output pairing, on a
/// three-layer network with weights and biases.
@Suite("Gradient check")
struct GradientCheckTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var hidden: Activation
        var output: Activation
        var loss: Loss
        var testDescription: String { "hidden \(hidden.name), output \(output.name), \(loss.name)" }
    }

    static let hiddenActivations = Activation.all.filter { $0 != .softmax }
    /// Every hidden activation under softmax cross-entropy, and every loss/output pairing
    /// (squared error with each output activation) under tanh hidden layers.
    static let cases: [Case] =
        hiddenActivations.map { Case(hidden: $0, output: .softmax, loss: .softmaxCrossEntropy) }
        + Activation.all.map { Case(hidden: .tanh, output: $0, loss: .squaredError) }
        + [Case(hidden: .tanh, output: .sigmoid, loss: .sigmoidCrossEntropy),
           Case(hidden: .relu, output: .sigmoid, loss: .sigmoidCrossEntropy),
           Case(hidden: .leakyReLU(alpha: 0.2), output: .elu(alpha: 0.7), loss: .squaredError)]

    @Test("CPU path", arguments: cases)
    func cpu(_ c: Case) throws { try check(TestDevices.cpu(), c) }

    @Test("OpenCL", .enabled(if: TestDevices.runOpenCL, TestDevices.skipReason), arguments: cases)
    func openCL(_ c: Case) throws { try check(TestDevices.openCL(), c) }

    @Test("OpenCL, each GEMM family forced", .enabled(if: TestDevices.runOpenCL, TestDevices.skipReason),
          arguments: cases, [GEMMConfig.Family.tiled, .direct])
    func openCLFamily(_ c: Case, _ family: GEMMConfig.Family) throws { try check(TestDevices.openCL(family: family), c) }

    func check(_ device: any Device, _ c: Case) throws {
        let arch = try Architecture(sizes: [5, 7, 6, 4], hidden: c.hidden, output: c.output, loss: c.loss)
        var rng = SeededGenerator(seed: UInt64(c.testDescription.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude))
        let rows = 6
        let params = rng.floats(arch.parameterCount, -0.8, 0.8)
        let inputs = rng.floats(rows * arch.inputSize, -1.5, 1.5)
        let targets: [Float]
        switch c.loss {
        case .softmaxCrossEntropy: targets = rng.oneHot(rows: rows, classes: arch.outputSize)
        case .sigmoidCrossEntropy: targets = rng.floats(rows * arch.outputSize, 0, 1)
        case .squaredError: targets = rng.floats(rows * arch.outputSize, -1, 1)
        }

        let reference = ReferenceNetwork(arch, parameters: params.map(Double.init))
        let x = inputs.map(Double.init), t = targets.map(Double.init)
        let analytic = reference.gradients(x, t, rows: rows)
        let numeric = reference.numericalGradients(x, t, rows: rows)
        let referenceError = zip(analytic, numeric).map { relativeError($0, $1, floor: 1e-4) }.max() ?? 0
        #expect(referenceError < 1e-5, "reference backprop disagrees with finite differences: \(referenceError)")

        let network = try Network(arch, device: device, parameters: params)
        let (loss, gradients) = try network.lossAndGradients(inputs: inputs, targets: targets)
        let lossError = relativeError(loss, reference.loss(x, t, rows: rows))
        let gradientError = maxRelativeError(gradients, numeric, floor: 1e-3)
        #expect(lossError < 1e-5, "loss on \(device.name): relative error \(lossError)")
        #expect(gradientError < 1e-4, "gradients on \(device.name): largest relative error \(gradientError)")
        print("gradient-check \(device.kind.rawValue) \(c.testDescription): loss error \(lossError), gradient error \(gradientError), reference vs FD \(referenceError)")
    }
}
