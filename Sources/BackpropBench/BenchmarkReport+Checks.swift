import Backprop
/// What a complete, sane report holds: used by the tests on `backprop bench --quick`'s JSON,
/// and by anyone who wants to know whether a run they were sent is whole.
public struct BenchmarkExpectation: Sendable {
    public var devices: [String]
    public var sections: [BenchmarkConfiguration.Section]
    public var nets: [String]
    public var modes: [String]
    public var accuracyModes: [String]

    public init(devices: [String], configuration c: BenchmarkConfiguration) {
        self.devices = devices
        sections = c.sections
        nets = c.nets.map { LayerSizes($0).description }
        modes = c.modes.map(\.description)
        accuracyModes = c.accuracy.runs.map(\.name)
    }
}

extension BenchmarkReport {
    /// Every way the report falls short of `expected`, one line each; empty when it is whole:
    /// every device × net × mode has a throughput figure, every device (and the cblas
    /// reference) a GEMM figure for each shape measured, every device × mode a time-to-accuracy
    /// figure (unless the section was skipped for want of data), and every figure is
    /// positive and finite.
    public func problems(expected: BenchmarkExpectation) -> [String] {
        var out: [String] = []
        let known = Set(machine.devices.map(\.label))
        for d in expected.devices where !known.contains(d) { out.append("machine.devices lacks \(d)") }
        for r in records {
            out += sanity(r)
            if r.device != "cblas" && !known.contains(r.device) { out.append("record for unknown device \(r.device)") }
        }
        let skippedSections = Set(skipped.map(\.section))
        if expected.sections.contains(.throughput) {
            let rows = records(.throughput)
            for d in expected.devices {
                for net in expected.nets {
                    for mode in expected.modes where !rows.contains(where: { $0.device == d && $0.net == net && $0.mode == mode }) {
                        out.append("throughput: no figure for \(d) \(net) \(mode)")
                    }
                }
            }
        }
        if expected.sections.contains(.gemm) {
            let rows = records(.gemm)
            let shapes = Set(rows.map { "\($0.shape ?? "?") \($0.op ?? "?")" })
            if shapes.isEmpty { out.append("gemm: no figures") }
            for d in expected.devices + ["cblas"] {
                for s in shapes.sorted() where !rows.contains(where: { $0.device == d && "\($0.shape ?? "?") \($0.op ?? "?")" == s }) {
                    out.append("gemm: no figure for \(d) \(s)")
                }
            }
            for r in rows where r.ratioToCBLAS == nil { out.append("gemm: \(r.device) \(r.shape ?? "?") has no ratio to cblas") }
            if !rows.contains(where: { $0.reference == true }) { out.append("gemm: no cblas_sgemm reference rows") }
        }
        if expected.sections.contains(.accuracy) && !skippedSections.contains(BenchmarkConfiguration.Section.accuracy.rawValue) {
            let rows = records(.accuracy)
            for d in expected.devices {
                for mode in expected.accuracyModes where !rows.contains(where: { $0.device == d && $0.mode == mode }) {
                    out.append("time-to-accuracy: no figure for \(d) \(mode)")
                }
            }
        }
        return out
    }

    private var openCLLabels: Set<String> {
        Set(machine.devices.filter { $0.kind == DeviceKind.opencl.rawValue }.map(\.label))
    }

    /// The figures of one record that are missing, not finite, or out of range.
    private func sanity(_ r: BenchmarkRecord) -> [String] {
        let name = [r.section, r.device, r.net, r.mode, r.shape, r.op].compactMap { $0 }.joined(separator: " ")
        var out: [String] = []
        func positive(_ label: String, _ v: Double?) {
            guard let v else { return out.append("\(name): \(label) missing") }
            if !(v.isFinite && v > 0) { out.append("\(name): \(label) is \(v), not positive and finite") }
        }
        func nonNegative(_ label: String, _ v: Double?) {
            if let v, !(v.isFinite && v >= 0) { out.append("\(name): \(label) is \(v)") }
        }
        nonNegative("compile_seconds", r.compileSeconds)
        switch r.section {
        case "throughput", "gemm":
            positive("median", r.median)
            positive("min", r.min)
            positive("max", r.max)
            if let lo = r.min, let mid = r.median, let hi = r.max, !(lo <= mid && mid <= hi) {
                out.append("\(name): min ≤ median ≤ max fails (\(lo), \(mid), \(hi))")
            }
            if (r.repeats ?? 0) < 1 { out.append("\(name): repeats missing") }
            if r.section == "throughput" {
                positive("batch", r.batch.map(Double.init))
                positive("samples", r.samples.map(Double.init))
                if openCLLabels.contains(r.device) {
                    positive("kernels_per_update", r.kernelsPerUpdate)
                    positive("empty_launch_seconds", r.emptyLaunchSeconds)
                } else if r.device == "cpu" && r.mode == "stochastic" {
                    // Plain SGD on the CPU path: the fused step, whose split needs its barrier time beside it.
                    positive("fused_threads", r.fusedThreads.map(Double.init))
                    if (r.fusedThreads ?? 0) > 1 { positive("barrier_seconds", r.barrierSeconds) }
                }
            } else {
                positive("ratio_to_cblas", r.ratioToCBLAS)
            }
        case "time-to-accuracy":
            positive("seconds", r.seconds)
            positive("epochs", r.epochs)
            positive("accuracy", r.accuracy)
            if let a = r.accuracy, a > 1 { out.append("\(name): accuracy \(a) above 1") }
            if r.reached == nil { out.append("\(name): reached missing") }
            if (r.curve ?? []).isEmpty { out.append("\(name): no accuracy curve") }
            for p in r.curve ?? [] where p.count != 2 || !p.allSatisfy({ $0.isFinite && $0 >= 0 }) {
                out.append("\(name): bad curve point \(p)")
            }
        default:
            out.append("\(name): unknown section")
        }
        return out
    }
}
