import Backprop
import BackpropTestSupport
import Foundation
import Testing

/// `backprop check`: passes on a sound device, for each GEMM family, and fails (exit 1) when
/// the kernels are built wrong on purpose or the family asked for does not build.
@Suite("backprop check")
struct CheckCommandTests {
    static let openCLDevice = TestDevices.openCLRequest.description

    func rows(_ json: [String: Any]) -> [[String: Any]] { json["rows"] as? [[String: Any]] ?? [] }

    func failing(_ json: [String: Any]) -> [String] {
        rows(json).filter { $0["passed"] as? Bool != true }.map { "\($0["section"] ?? "") \($0["name"] ?? "")" }
    }

    @Test("the CPU path passes; it has no parity section and says why")
    func cpu() throws {
        let r = try CLI.run(["check", "--quick", "--device", "cpu", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try CLI.lastJSON(r)
        #expect(json["passed"] as? Bool == true && failing(json).isEmpty, "\(failing(json))")
        let sections = Set(rows(json).compactMap { $0["section"] as? String })
        #expect(sections == ["gemm", "gradient"])
        #expect((json["parity_omitted"] as? String)?.contains("CPU path") == true)
        #expect(r.stderr.contains("all \(rows(json).count) checks passed"), "\(r.stderr)")
    }

    @Test("--sections runs only the sections asked for (and the build row), and refuses what would do nothing")
    func sections() throws {
        let r = try CLI.run(["check", "--quick", "--device", "cpu", "--sections", "gradient", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try CLI.lastJSON(r)
        #expect(Set(rows(json).compactMap { $0["section"] as? String }) == ["gradient"])
        #expect(json["sections"] as? [String] == ["build", "gradient"])
        #expect(json["parity_omitted"] == nil)
        let parity = try CLI.run(["check", "--device", "cpu", "--sections", "parity"])
        #expect(parity.status == 64 && parity.stderr.contains("nothing to compare"), "\(parity.stderr)")
        // auto that opens the CPU path (no OpenCL platform: an empty OCL_ICD_VENDORS).
        let auto = try CLI.run(["check", "--device", "auto", "--sections", "parity"],
                               environment: ["OCL_ICD_VENDORS": FileManager.default.temporaryDirectory.path + "/no-vendors"])
        #expect(auto.status == 64 && auto.stderr.contains("nothing to check"), "\(auto.stderr)")
        let build = try CLI.run(["check", "--device", "cpu", "--sections", "gemm,build"])
        #expect(build.status == 64 && build.stderr.contains("always runs"), "\(build.stderr)")
        let unknown = try CLI.run(["check", "--device", "cpu", "--sections", "gemm,speed"])
        #expect(unknown.status == 64, "\(unknown.stderr)")
        if TestDevices.runOpenCL {
            let cl = try CLI.run(["check", "--quick", "--device", Self.openCLDevice, "--sections", "parity", "--json"])
            #expect(cl.status == 0, "\(cl.stderr)")
            let sections = Set(rows(try CLI.lastJSON(cl)).compactMap { $0["section"] as? String })
            #expect(sections == ["build", "parity"])
        }
    }

    @Test("each GEMM family passes on the suites' OpenCL device",
          .enabled(if: TestDevices.runOpenCL, TestDevices.skipReason), arguments: GEMMConfig.Family.allCases)
    func openCL(_ family: GEMMConfig.Family) throws {
        let r = try CLI.run(["check", "--quick", "--device", Self.openCLDevice, "--gemm-family", family.rawValue, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try CLI.lastJSON(r)
        #expect(json["gemm_family"] as? String == family.rawValue)
        #expect(failing(json).isEmpty, "\(failing(json))")
        let sections = Set(rows(json).compactMap { $0["section"] as? String })
        #expect(sections == ["build", "gemm", "gradient", "parity"])
        // Every optimizer's step is compared.
        for kind in ["sgd", "momentum", "nesterov", "adam", "rprop", "quickprop"] {
            #expect(rows(json).contains { ($0["name"] as? String)?.contains("one \(kind) step") == true }, "\(kind)")
        }
    }

    /// BACKPROP_TEST_SKEW_GEMM scales the matrix-matrix kernels' results by 1 + 2⁻¹⁰: exit
    /// 1, the matrix-matrix rows fail and the rank-one rows (other kernels) still pass.
    @Test("kernels built wrong on purpose fail the check",
          .enabled(if: TestDevices.runOpenCL, TestDevices.skipReason), arguments: GEMMConfig.Family.allCases)
    func skewed(_ family: GEMMConfig.Family) throws {
        let r = try CLI.run(["check", "--quick", "--device", Self.openCLDevice, "--gemm-family", family.rawValue, "--json"],
                            environment: ["BACKPROP_CL_OPTIONS": "-DBACKPROP_TEST_SKEW_GEMM"])
        #expect(r.status == 1, "\(r.stderr)")
        let json = try CLI.lastJSON(r)
        #expect(json["passed"] as? Bool == false)
        let failed = failing(json)
        #expect(failed.contains { $0.hasPrefix("gemm gemm NN") } && failed.contains { $0.hasPrefix("gemm gemm NT") }
                && failed.contains { $0.hasPrefix("gemm gemm TN") }, "\(failed)")
        #expect(!failed.contains { $0.hasPrefix("gemm ger") }, "\(failed)")
        #expect(failed.contains { $0.hasPrefix("parity") } && failed.contains { $0.hasPrefix("gradient") }, "\(failed)")
        #expect(json["failed"] as? Int == failed.count)
        #expect(r.stderr.contains("FAILED gemm gemm") && r.stderr.contains("checks failed"), "\(r.stderr)")
    }

    @Test("a family asked for that does not build fails the build row",
          .enabled(if: TestDevices.runOpenCL, TestDevices.skipReason))
    func familyDidNotBuild() throws {
        let r = try CLI.run(["check", "--quick", "--device", Self.openCLDevice, "--gemm-family", "tiled", "--json"],
                            environment: ["BACKPROP_CL_OPTIONS": "-DBACKPROP_TEST_BREAK_TILED"])
        #expect(r.status == 1, "\(r.stderr)")
        let json = try CLI.lastJSON(r)
        #expect(failing(json).first?.hasPrefix("build GEMM kernels, direct family") == true, "\(failing(json))")
        #expect(failing(json).count == 1, "only the build should fail: \(failing(json))")
    }

    @Test("--gemm-family with the CPU path is refused")
    func familyOnCPU() throws {
        let r = try CLI.run(["check", "--device", "cpu", "--gemm-family", "tiled"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--gemm-family chooses OpenCL kernels"), "\(r.stderr)")
    }
}

@Suite("DeviceCheck measures")
struct DeviceCheckMeasureTests {
    @Test("ULP distance counts the floats between two values")
    func ulp() {
        #expect(DeviceCheck.ulpDistance(1, 1) == 0)
        #expect(DeviceCheck.ulpDistance(0, -0) == 0)
        #expect(DeviceCheck.ulpDistance(1, Float(1).nextUp) == 1)
        #expect(DeviceCheck.ulpDistance(Float(1).nextDown, Float(1).nextUp) == 2)
        #expect(DeviceCheck.ulpDistance(-Float.leastNonzeroMagnitude, .leastNonzeroMagnitude) == 2)
        #expect(DeviceCheck.ulpDistance(.nan, 1) == .max && DeviceCheck.ulpDistance(1, .nan) == .max)
        #expect(DeviceCheck.ulpDistance(2, 1) == UInt64(Float(2).bitPattern - Float(1).bitPattern))
    }

    @Test("a NaN error fails a row, whatever the tolerance")
    func nanFails() {
        let row = DeviceCheck.Row(section: .gemm, name: "x", maxAbsError: .nan, maxULP: .max, error: .nan,
                                  tolerance: 1, measure: "", problem: nil)
        #expect(!row.passed)
    }
}
