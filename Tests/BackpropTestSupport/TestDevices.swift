import Backprop
import BackpropBench
import Foundation
import Testing

/// Which devices a suite runs on. OpenCL suites run whenever a platform exists; under CI
/// (`CI=true`) they always run, so a missing platform fails instead of skipping.
public enum TestDevices {
    public static let isCI = ProcessInfo.processInfo.environment["CI"].map { ["true", "1", "yes"].contains($0.lowercased()) } ?? false
    public static let openCLPresent: Bool = ((try? DeviceSelection.openCLDevices()) ?? []).isEmpty == false
    public static let runOpenCL = isCI || openCLPresent
    public static let skipReason: Comment = "no OpenCL platform found (install pocl-opencl-icd); under CI=true this is a failure"

    /// The OpenCL device the suites run on: `BACKPROP_TEST_OPENCL` (a request such as
    /// `opencl:rusticl` or `opencl:1`), else the best OpenCL device.
    public static let openCLRequest: DeviceRequest =
        ProcessInfo.processInfo.environment["BACKPROP_TEST_OPENCL"].flatMap { try? DeviceRequest(parsing: $0) } ?? .opencl(.best)

    public static func openCL() throws -> OpenCLDevice {
        guard let device = try DeviceSelection.open(openCLRequest) as? OpenCLDevice else {
            throw DeviceError.noOpenCL(request: openCLRequest.description)
        }
        return device
    }

    /// The suites' OpenCL device with `family`'s default GEMM tiles, whatever its type: a CPU
    /// device such as PoCL then runs the tiled kernels GPUs get, and a GPU the direct ones.
    public static func openCL(family: GEMMConfig.Family) throws -> OpenCLDevice {
        let info = try DeviceSelection.openCLInfo(openCLRequest)
        return try OpenCLDevice(info, gemmConfig: GEMMConfig.defaults(for: info, family: family))
    }

    public static func cpu() -> CPUDevice { CPUDevice() }

    public static func make(_ kind: DeviceKind) throws -> any Device {
        switch kind {
        case .cpu: cpu()
        case .opencl: try openCL()
        }
    }

    /// The labels of the devices a default benchmark run measures: the CPU path and every
    /// OpenCL device (a missing platform is an issue under CI).
    public static func benchmarkLabels() throws -> [String] {
        let cl = try DeviceSelection.openCLDevices()
        if isCI && cl.isEmpty { Issue.record("\(skipReason)") }
        return ["cpu"] + cl.map(BenchmarkDevice.label(for:))
    }

    /// The device kinds a parametrised test covers: the CPU path always, OpenCL when it runs.
    public static var kinds: [DeviceKind] { runOpenCL ? [.cpu, .opencl] : [.cpu] }
}

/// |a − b| / max(|a|, |b|, floor): relative where values are large, absolute near zero.
public func relativeError(_ a: Double, _ b: Double, floor: Double = 1e-3) -> Double {
    abs(a - b) / max(abs(a), abs(b), floor)
}

public func maxRelativeError(_ a: [Float], _ b: [Float], floor: Double = 1e-3) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, relativeError(Double($1.0), Double($1.1), floor: floor)) }
}

public func maxRelativeError(_ a: [Float], _ b: [Double], floor: Double = 1e-3) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, relativeError(Double($1.0), $1.1, floor: floor)) }
}

/// Largest errors seen, printed at the end of a suite for the closing note.
public actor ErrorLog {
    public static let shared = ErrorLog()
    private var worst: [String: Double] = [:]
    public func record(_ key: String, _ value: Double) {
        worst[key] = max(worst[key] ?? 0, value)
    }
    public func report() -> [String: Double] { worst }
}

/// ‖a − b‖₂ / ‖b‖₂: the error of a whole vector, insensitive to cancellation in single entries.
public func normwiseError(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count)
    var d = 0.0, n = 0.0
    for (x, y) in zip(a, b) {
        d += (Double(x) - Double(y)) * (Double(x) - Double(y))
        n += Double(y) * Double(y)
    }
    return (d / max(n, 1e-300)).squareRoot()
}

/// The shared MNIST test set (10,000 images), which CI always has beside the checkout.
public enum TestData {
    /// $BACKPROP_DATA_DIR/mnist (or the folder itself) when set, else ../shared/data/mnist
    /// beside the package root.
    public static var mnistCandidates: [URL] {
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["BACKPROP_DATA_DIR"], !env.isEmpty {
            let base = URL(fileURLWithPath: env)
            candidates += [base.appendingPathComponent("mnist"), base]
        }
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent("../shared/data/mnist").standardizedFileURL)
        return candidates
    }

    /// ../shared/data/fann (or $BACKPROP_DATA_DIR/fann), holding FANN's nine benchmark sets;
    /// records a failing issue naming the places looked at when it is missing.
    public static func fannFolder() -> URL? {
        let candidates = mnistCandidates.map { $0.deletingLastPathComponent().appendingPathComponent("fann") }
        let found = candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("building.train").path) }
        if found == nil {
            Issue.record("FANN data is missing: looked for building.train in \(candidates.map(\.path).joined(separator: ", ")); set BACKPROP_DATA_DIR or put ../shared/data/fann there")
        }
        return found
    }

    /// The folder holding t10k-images/labels (raw or .gz); records a failing issue naming
    /// every place looked at when it is missing, so a test never passes silently without it.
    public static func mnistFolder() -> URL? {
        let names = ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
        let found = mnistCandidates.first { dir in
            names.allSatisfy { name in
                [name, name + ".gz"].contains { FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).path) }
            }
        }
        if found == nil {
            Issue.record("""
                MNIST test data is missing: looked for t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] in \
                \(mnistCandidates.map(\.path).joined(separator: ", ")); set BACKPROP_DATA_DIR or put the files there
                """)
        }
        return found
    }
}
