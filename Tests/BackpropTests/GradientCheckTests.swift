import Backprop
import BackpropTestSupport
import Testing

/// Backpropagation against finite differences: the float64 reference network's analytic
/// gradients are checked against its own central differences, and each device's float32
/// gradients against those, for every activation and every loss/output pairing, on a
/// three-layer network with weights and biases.
@Suite("Gradient check")
struct GradientCheckTests {
    /// `backprop check`'s cases (every hidden activation under softmax cross-entropy, every
    /// output activation under squared error, sigmoid outputs under binary cross-entropy),
    /// and parameterised activations with values other than their defaults.
    static let cases: [DeviceCheck.GradientCase] = DeviceCheck.gradientCases
        + [DeviceCheck.GradientCase(hidden: .leakyReLU(alpha: 0.2), output: .elu(alpha: 0.7), loss: .squaredError)]

    @Test("CPU path", arguments: cases)
    func cpu(_ c: DeviceCheck.GradientCase) throws { try check(TestDevices.cpu(), c) }

    @Test("OpenCL", .enabled(if: TestDevices.runOpenCL, TestDevices.skipReason), arguments: cases)
    func openCL(_ c: DeviceCheck.GradientCase) throws { try check(TestDevices.openCL(), c) }

    @Test("OpenCL, each GEMM family forced", .enabled(if: TestDevices.runOpenCL, TestDevices.skipReason),
          arguments: cases, [GEMMConfig.Family.tiled, .direct])
    func openCLFamily(_ c: DeviceCheck.GradientCase, _ family: GEMMConfig.Family) throws {
        try check(TestDevices.openCL(family: family), c)
    }

    /// The device's gradients against central differences of the float64 reference network,
    /// as `backprop check` measures them (DeviceCheck.checkGradients: the reference's own
    /// analytic gradients must agree with the differences, the loss to 1e-5, each gradient
    /// entry to 1e-4 relative to max(|gradient|, 1e-3)).
    func check(_ device: any Device, _ c: DeviceCheck.GradientCase) throws {
        let row = try DeviceCheck(device: device).checkGradients(c)
        #expect(row.problem == nil, "\(c) on \(device.name): \(row.problem ?? "")")
        #expect(row.error <= row.tolerance, "gradients of \(c) on \(device.name): \(row.error) > \(row.tolerance) (\(row.measure))")
        print("gradient-check \(device.kind.rawValue) \(c): gradient error \(row.error), largest |error| \(row.maxAbsError)")
    }
}
