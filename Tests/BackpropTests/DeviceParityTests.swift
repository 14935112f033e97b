import Backprop
import BackpropTestSupport
import Testing

/// The same network, weights and batch give the same loss, gradients and updated weights on
/// the CPU path and on OpenCL, within float32 rounding, for random architectures and batch
/// sizes (including 1, which takes the GEMV path, and sizes that are not tile multiples).
@Suite("Device parity", .enabled(if: TestDevices.runOpenCL, TestDevices.skipReason))
struct DeviceParityTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var seed: UInt64
        var testDescription: String { "seed \(seed)" }
    }

    static let cases = (1...12).map { Case(seed: UInt64($0)) }
    static let optimizers: [OptimizerConfig] = {
        var adam = OptimizerConfig(.adam, learningRate: 0.01, weightDecay: 0.01)
        adam.beta2 = 0.99
        return [OptimizerConfig(.sgd, learningRate: 0.1, weightDecay: 0.001),
                OptimizerConfig(.momentum, learningRate: 0.05, momentum: 0.9),
                OptimizerConfig(.nesterov, learningRate: 0.05, momentum: 0.8, weightDecay: 0.01),
                adam,
                OptimizerConfig(.rprop, learningRate: 0.01)]
    }()

    @Test("loss, gradients and updates agree", arguments: cases)
    func parity(_ c: Case) throws {
        try check(c, on: TestDevices.openCL())
    }

    /// Both GEMM families on the suites' OpenCL device, whatever its type.
    @Test("loss, gradients and updates agree with each GEMM family forced", arguments: cases, [GEMMConfig.Family.tiled, .direct])
    func parityPerFamily(_ c: Case, _ family: GEMMConfig.Family) throws {
        try check(c, on: TestDevices.openCL(family: family))
    }

    func check(_ c: Case, on device: OpenCLDevice) throws {
        var rng = SeededGenerator(seed: c.seed)
        let arch = try DeviceCheck.randomArchitecture(&rng)
        let loss = arch.loss
        let rows = c.seed % 4 == 1 ? 1 : [2, 5, 31, 65, 130][rng.index(below: 5)]  // 1: the GEMV path
        let params = Initializer.auto.parameters(for: arch, seed: c.seed)
        let inputs = rng.floats(rows * arch.inputSize)
        let targets = loss == .softmaxCrossEntropy ? rng.oneHot(rows: rows, classes: arch.outputSize)
                                                   : rng.floats(rows * arch.outputSize, 0, 1)

        let cpu = try Network(arch, device: TestDevices.cpu(), parameters: params)
        let gpu = try Network(arch, device: device, parameters: params)
        let (lossCPU, gradCPU) = try cpu.lossAndGradients(inputs: inputs, targets: targets)
        let (lossCL, gradCL) = try gpu.lossAndGradients(inputs: inputs, targets: targets)
        let label = "\(arch.summary), batch \(rows), \(device.gemmConfig.family) GEMM"
        let lossError = relativeError(lossCPU, lossCL)
        let gradientError = maxRelativeError(gradCPU, gradCL, floor: 1e-3)
        #expect(lossError < 1e-5, "loss differs for \(label): \(lossCPU) vs \(lossCL)")
        let gradientNormError = normwiseError(gradCL, gradCPU)
        // Entries that nearly cancel carry larger relative error; the vector as a whole may not.
        #expect(gradientError < 1e-3, "gradients differ for \(label): largest entry error \(gradientError)")
        #expect(gradientNormError < 1e-5, "gradients differ for \(label): norm-wise \(gradientNormError)")

        var updateError = 0.0
        for config in Self.optimizers {
            let a = try Network(arch, device: cpu.device, parameters: params)
            let b = try Network(arch, device: gpu.device, parameters: params)
            let oa = try Optimizer(config, network: a), ob = try Optimizer(config, network: b)
            for _ in 0..<3 {
                _ = try a.lossAndGradients(inputs: inputs, targets: targets)
                _ = try b.lossAndGradients(inputs: inputs, targets: targets)
                try oa.step()
                try ob.step()
            }
            let pa = try a.readParameters(), pb = try b.readParameters()
            let e = maxRelativeError(pa, pb, floor: 1e-2)
            #expect(normwiseError(pb, pa) < 1e-5, "weights after 3 \(config.kind.rawValue) steps differ norm-wise for \(label)")
            updateError = max(updateError, e)
            #expect(e < 1e-3, "weights after 3 \(config.kind.rawValue) steps differ for \(label): \(e)")
        }
        print("parity \(label): loss \(lossError), gradients \(gradientError) (norm-wise \(gradientNormError)), updated weights \(updateError)")
    }
}
