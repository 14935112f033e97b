import Backprop
import Foundation

/// Plans and runs every section of `backprop bench` in one process, so that each figure and
/// its reference (the GEMM rates and `cblas_sgemm`, the devices against each other) come from
/// the same run on the same machine.
public final class BenchmarkSuite {
    public let configuration: BenchmarkConfiguration
    var progress: (BenchmarkEvent) -> Void = { _ in }
    var report: BenchmarkReport
    /// A figure failed (its reason is in `report.skipped`); the others went on.
    public private(set) var failures = 0

    public init(_ configuration: BenchmarkConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        report = BenchmarkReport(machine: .current(devices: [], commandLine: "", profile: configuration.profile))
    }

    /// Opens the devices, runs the configured sections in order (throughput, GEMM,
    /// time-to-accuracy) and returns every record. A figure that fails is reported through
    /// `progress` and in `report.skipped`, and the run goes on; device selection errors throw.
    public func run(commandLine: String = CommandLine.arguments.joined(separator: " "),
                    progress: @escaping (BenchmarkEvent) -> Void = { _ in }) throws -> BenchmarkReport {
        self.progress = progress
        let start = ContinuousClock.now
        let devices = try BenchmarkDevice.open(configuration.devices) { progress(.note($0)) }
        report = BenchmarkReport(machine: .current(devices: devices.map(\.info), commandLine: commandLine,
                                                   profile: configuration.profile))
        progress(.devicesOpened(devices.map(\.info)))
        for section in BenchmarkConfiguration.Section.allCases where configuration.sections.contains(section) {
            switch section {
            case .throughput: try runThroughput(devices)
            case .gemm: try runGEMM(devices)
            case .accuracy: try runAccuracy(devices)
            }
        }
        report.machine.loadAfter = MachineInfo.loadAverage()
        report.machine.seconds = (ContinuousClock.now - start).seconds
        return report
    }

    func emit(_ record: BenchmarkRecord) {
        report.records.append(record)
        progress(.record(record))
    }

    func skip(_ section: BenchmarkConfiguration.Section, _ reason: String, failure: Bool) {
        let s = SkippedSection(section: section.rawValue, reason: reason)
        report.skipped.append(s)
        if failure { failures += 1 }
        progress(.skipped(s))
    }

    // MARK: Throughput

    func runThroughput(_ devices: [BenchmarkDevice]) throws {
        let c = configuration
        progress(.sectionStarted(.throughput, repeats: c.throughput.repeats))
        progress(.note("generating \(c.samples) MNIST-shaped samples (seed \(c.seed))"))
        let samples = SyntheticData.mnistLike(count: c.samples, seed: c.seed)
        for bench in devices {
            for sizes in c.nets {
                let net = LayerSizes(sizes).description
                let data: DeviceData
                do {
                    data = try TrainingWorkload.upload(samples, sizes: sizes, device: bench.device)
                } catch {
                    skip(.throughput, "\(bench.label) \(net): could not upload the samples: \(error)", failure: true)
                    continue
                }
                // The fastest mini-batch rate so far sizes the full batch (see fullBatchSamples).
                var estimate: Double?
                for mode in c.modes {
                    let name = mode.description
                    do {
                        let m = try measureThroughput(bench, sizes: sizes, mode: mode, data: data, samples: samples,
                                                      estimate: estimate)
                        if case .minibatch = mode { estimate = Swift.max(estimate ?? 0, m.samplesPerSecond.median) }
                        var r = BenchmarkRecord(device: bench.label, section: .throughput, unit: "samples/s")
                        r.net = net
                        r.mode = name
                        r.batch = m.batch
                        r.samples = m.samplesPerRepeat
                        r.set(m.samplesPerSecond)
                        r.lr = Double(c.learningRate)
                        r.compileSeconds = m.warmupSeconds
                        if let launches = m.kernelsPerUpdate, let cl = bench.device as? OpenCLDevice {
                            r.kernelsPerUpdate = launches
                            r.emptyLaunchSeconds = try cl.emptyLaunchSeconds()
                        }
                        if let threads = m.fusedThreads {
                            r.fusedThreads = threads
                            if threads > 1 { r.barrierSeconds = CPUDevice.barrierSeconds(threads: threads) }
                        }
                        emit(r)
                        if let threads = r.fusedThreads {
                            let share = threads > 1 ? m.fusedTeamShare.map { String(format: " (%.0f%% of steps; the rest on one)", 100 * $0) } ?? "" : ""
                            progress(.note("\(bench.label) \(net) \(name): fused step on \(threads) thread\(threads == 1 ? "" : "s")\(share), "
                                + "\(CPUDevice.rowKernelISA) row kernels"
                                + (r.barrierSeconds.map { String(format: "; a barrier took %.0f ns right after", $0 * 1e9) } ?? "")))
                        }
                        if case .stochastic = mode, let floor = r.launchFloorRatio, let k = r.kernelsPerUpdate,
                           let e = r.emptyLaunchSeconds, let rate = r.median {
                            // Below one kernel an update, several steps took a launch (OpenCL's step_chunk).
                            progress(.note(String(format: "%@ %@ stochastic: %.*f kernels an update × %.1f µs an empty "
                                + "launch = %.*f µs; an update took %.1f µs, %.2f× that floor",
                                bench.label, net, Int32(k < 1 ? 3 : 1), k, e * 1e6, Int32(k < 1 ? 2 : 0), k * e * 1e6, 1e6 / rate, floor)))
                        }
                    } catch {
                        skip(.throughput, "\(bench.label) \(net) \(name): \(error)", failure: true)
                    }
                }
            }
        }
    }

    private func measureThroughput(_ bench: BenchmarkDevice, sizes: [Int], mode: LearningMode, data: DeviceData,
                                   samples: Dataset, estimate: Double?) throws -> ThroughputMeasurement {
        let c = configuration
        var data = data
        if case .batch = mode {
            var rate = estimate
            if rate == nil {
                // No mini-batch figure to go by: time a small full batch first.
                let n = Swift.min(data.count, c.throughput.minFullBatch)
                let probe = try TrainingWorkload(device: bench.device, sizes: sizes, mode: .batch,
                                                 data: TrainingWorkload.upload(samples.slice(0..<n), sizes: sizes,
                                                                               device: bench.device))
                try probe.run()
                rate = Double(n) / Swift.max(try Measure.seconds { try probe.run() }, 1e-9)
            }
            let n = ThroughputBenchmark.fullBatchSamples(available: data.count, samplesPerSecond: rate,
                                                         settings: c.throughput)
            if n < data.count {
                let all = Double(data.count) / Swift.max(rate ?? 1, 1e-9)
                progress(.note("\(bench.label) \(LayerSizes(sizes).description) batch: a full batch of the first \(n) of "
                    + "\(data.count) samples, to fit the budget of \(String(format: "%g", c.throughput.fullBatchEpochSeconds)) s "
                    + "an epoch (all \(data.count) would take about \(String(format: all < 10 ? "%.2g" : "%.0f", all)) s)"))
                data = try TrainingWorkload.upload(samples.slice(0..<n), sizes: sizes, device: bench.device)
            }
        }
        let work = try TrainingWorkload(device: bench.device, sizes: sizes, mode: mode, data: data,
                                        optimizer: OptimizerConfig(.sgd, learningRate: c.learningRate), seed: c.seed)
        // Kernels are counted over every update the measurement runs (a counter: it costs the
        // timed runs nothing), so per-pass work such as the loss read back at a pass's end
        // weighs as it does in training.
        let cl = bench.device as? OpenCLDevice
        let launchesBefore = cl?.launchStatistics.kernels ?? 0
        var m = try ThroughputBenchmark.measure(work, settings: c.throughput)
        m.fusedThreads = work.trainer.fusedStochasticThreads
        m.fusedTeamShare = work.trainer.fusedStochasticTeamShare
        if let cl, m.updatesRun > 0 {
            m.kernelsPerUpdate = Double(cl.launchStatistics.kernels - launchesBefore) / Double(m.updatesRun)
        }
        return m
    }
}
