import ArgumentParser
import Backprop
import Foundation

/// `backprop check`: a device's proof from the release binary alone (see `DeviceCheck`).
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a device's kernels against float64: every GEMM case, gradients against finite differences, parity with the CPU path.",
        discussion: """
            Runs on the chosen device: every product case (NN, NT, TN, matrix-vector, rank-one) \
            against a float64 reference at sizes 1, 3, 17, 33, 100, 257 and 1000, with offsets, \
            padded strides and beta 0 on a NaN-filled C; a finite-difference gradient check of \
            every activation and loss/output pairing; and, on an OpenCL device, parity with the \
            CPU path of random networks' forward passes, gradients and one step of each \
            optimizer, layer by layer. Each row shows the largest absolute error, the largest \
            distance in float32 ULPs, the error measure and its tolerance. On an OpenCL device \
            whose GEMM family had to fall back to the other one, the build row fails.
            Exit status: 0 when every check passes, 1 when any fails, 64 bad usage, 70 device failure.
            """)

    @Option(help: "Device to check (see `backprop --help`; default: BACKPROP_DEVICE, else auto).")
    var device: DeviceRequest?

    @Option(help: "OpenCL only: the GEMM kernel family to check (tiled: GPUs' default; direct: CPU devices'), whatever the device's type; default: the device's own.")
    var gemmFamily: GEMMConfig.Family?

    @Flag(help: "Sizes up to 65 and fewer networks (a minute or less on slow implementations and simulators: rusticl on llvmpipe, oclgrind).")
    var quick = false

    @Option(help: "Sections to run, comma-separated: gemm, gradient, parity (default: all; the build row always runs on an OpenCL device).")
    var sections: CommaList<DeviceCheck.Section>?

    @OptionGroup var console: OutputOptions

    /// The sections asked for.
    var chosen: Set<DeviceCheck.Section> {
        sections.map { Set($0.items + [.build]) } ?? Set(DeviceCheck.Section.allCases)
    }

    func validate() throws {
        if let sections, sections.items.contains(.build) {
            throw ValidationError("--sections: build is not a section to choose; its row always runs on an OpenCL device")
        }
        if let sections, Set(sections.items) == [.parity], case .cpu = device {
            throw ValidationError("--sections parity compares a device with the CPU path; on --device cpu there is nothing to compare")
        }
        if gemmFamily != nil, case .cpu = device {
            throw ValidationError("--gemm-family chooses OpenCL kernels; the CPU path (--device cpu) has none")
        }
    }

    func run() throws {
        console.apply()
        var failed = 0
        try runReportingErrors {
            let dev = try open()
            let check = DeviceCheck(device: dev, quick: quick, requestedFamily: gemmFamily, sections: chosen)
            if let why = check.parityOmitted, chosen.isSubset(of: [.build, .parity]) {
                throw ValidationError("--sections parity: \(dev.name) was chosen, and \(why); there is nothing to check")
            }
            var header = "checking \(dev.name)"
            if let cl = dev as? OpenCLDevice { header += ", GEMM \(cl.gemmConfig)" }
            say(header + (quick ? " (quick)" : ""))
            say(Self.line(["section", "check", "max abs error", "max ULP", "error", "tolerance", "result"]))
            let rows = try check.run { say(Self.line($0)) }
            if let why = check.parityOmitted, chosen.contains(.parity) { say("parity: none (\(why))") }
            failed = rows.filter { !$0.passed }.count
            for row in rows where !row.passed {
                say("FAILED \(row.section.rawValue) \(row.name): " + (row.problem ?? "error \(Self.number(row.error)) > tolerance \(Self.number(row.tolerance)) (\(row.measure))"))
            }
            say(failed == 0 ? "all \(rows.count) checks passed on \(dev.name)"
                            : "\(failed) of \(rows.count) checks failed on \(dev.name)")
            if console.json {
                var object: [String: Any] = [
                    "device": dev.name, "quick": quick, "passed": failed == 0, "checks": rows.count, "failed": failed,
                    "rows": rows.map(Self.json), "version": BackpropVersion.current,
                ]
                if let cl = dev as? OpenCLDevice {
                    object["gemm_family"] = cl.gemmConfig.family.rawValue
                    object["gemm"] = "\(cl.gemmConfig)"
                }
                if let why = check.parityOmitted, chosen.contains(.parity) { object["parity_omitted"] = why }
                object["sections"] = DeviceCheck.Section.allCases.filter { chosen.contains($0) }.map(\.rawValue)
                try Console.emit(json: object)
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }

    /// The device, with the GEMM family forced when --gemm-family is given (auto then means
    /// the best OpenCL device: a family is a property of OpenCL kernels).
    private func open() throws -> any Device {
        guard let family = gemmFamily else { return try DeviceSelection.open(device, notice: notice) }
        var request = try device ?? DeviceRequest.fromEnvironment()
        if case .auto = request { request = .opencl(.best) }
        let info = try DeviceSelection.openCLInfo(request)
        return try OpenCLDevice(info, gemmConfig: GEMMConfig.defaults(for: info, family: family))
    }

    static func json(_ row: DeviceCheck.Row) -> [String: Any] {
        func finite(_ x: Double) -> Any { x.isFinite ? x : NSNull() }
        var object: [String: Any] = [
            "section": row.section.rawValue, "name": row.name, "max_abs_error": finite(row.maxAbsError),
            "max_ulp": row.maxULP == .max ? NSNull() : row.maxULP as Any, "error": finite(row.error),
            "tolerance": row.tolerance, "measure": row.measure, "passed": row.passed,
        ]
        if let problem = row.problem { object["problem"] = problem }
        return object
    }

    static let widths = [9, 58, 14, 10, 10, 10, 6]

    static func line(_ cells: [String]) -> String {
        zip(cells, widths).map { cell, width in
            cell.count >= width ? cell + " " : cell + String(repeating: " ", count: width - cell.count)
        }.joined().trimmingCharacters(in: .whitespaces)
    }

    static func line(_ row: DeviceCheck.Row) -> String {
        let build = row.section == .build
        return line([row.section.rawValue, row.name,
                     build ? "-" : number(row.maxAbsError),
                     build ? "-" : row.maxULP == .max ? "NaN" : "\(row.maxULP)",
                     build ? "-" : number(row.error), build ? "-" : number(row.tolerance),
                     row.passed ? "ok" : "FAIL"])
    }

    static func number(_ x: Double) -> String {
        x.isNaN ? "NaN" : x == 0 ? "0" : String(format: "%.2e", x)
    }
}

extension DeviceCheck.Section: ExpressibleByArgument {}
extension GEMMConfig.Family: ExpressibleByArgument {}
