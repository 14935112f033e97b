import ArgumentParser
import Backprop
import BackpropBench
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure training throughput, GEMM rates and time to 95% accuracy on every device.",
        discussion: """
            Three sections, each figure measured after a warm-up, with the device synchronised \
            before each timer stops, as the median, minimum and maximum of several repeats: \
            training throughput (samples/s) of 784,128,10 and 784,1024,1024,10 in each mode on \
            60,000 generated MNIST-shaped samples; GEMM rates of the networks' products and of \
            squares 256–2048 next to cblas_sgemm; and wall time to 95% held-out accuracy on the \
            MNIST split (first 8,000 of the t10k images to train, last 2,000 held out). \
            Compile and warm-up time is reported apart from the figures. --quick takes under a \
            minute; the full run takes tens of minutes on a slow device.
            """)

    @Option(name: .customLong("device"), parsing: .singleValue,
            help: "Device to measure, as train takes it (a comma-separated list measures the first that opens); repeat for several (default: the CPU path and every OpenCL device).")
    var devices: [DeviceRequest] = []
    @Flag(help: "A smoke run in under a minute: fewer samples, repeats and shapes, short time budgets.")
    var quick = false
    @Flag(help: .hidden) var smoke = false
    @Option(help: "Timed repeats per figure (default 5, quick 2).") var repeats: Int?
    @Option(help: "Write bench.json, bench.csv, throughput.svg, accuracy.svg and gemm.svg into this folder.")
    var output: String?
    @Option(help: "MNIST-style IDX folder for time-to-accuracy (default: $BACKPROP_DATA_DIR/mnist, else ../shared/data/mnist).")
    var dataset: String?
    @Option(help: "Sections to run, comma-separated: throughput, gemm, accuracy (default: all).")
    var sections: CommaList<BenchmarkConfiguration.Section>?
    @Option(name: .customLong("net"), parsing: .singleValue,
            help: "A throughput network's layer sizes, like 784,128,10; repeat for several (default: 784,128,10 and 784,1024,1024,10).")
    var nets: [LayerSizes] = []
    @Option(help: "Throughput modes, comma-separated: stochastic, minibatch-SIZE, batch (default: stochastic, minibatch-32, minibatch-256, minibatch-1024, batch).")
    var modes: CommaList<LearningMode>?
    @Option(help: "Generated samples for throughput (default 60000, quick 4096).") var samples: Int?
    @Option(help: "GEMM squares, comma-separated (default 256,512,1024,2048; quick 256,512).")
    var gemmSizes: CommaList<Int>?
    @Option(help: "Batch sizes whose training-step products the GEMM section measures, comma-separated; 0 for none (default 256,1024; quick 256).")
    var gemmBatches: CommaList<Int>?
    @Option(help: "Time cap of each time-to-accuracy run, in seconds (default 60, quick 2).")
    var accuracySeconds: Double?

    func run() throws {
        try runReportingErrors {
            let config = try makeConfiguration()
            let suite = try BenchmarkSuite(config)
            let printer = BenchPrinter(configuration: config)
            let report = try suite.run(commandLine: (["backprop"] + CommandLine.arguments.dropFirst()).joined(separator: " "),
                                       progress: printer.handle)
            printer.finish(report)
            if let output {
                let files = try report.write(to: URL(fileURLWithPath: output))
                print("# wrote " + files.map(\.path).joined(separator: ", "))
            }
            if suite.failures > 0 {
                printError("backprop: \(suite.failures) figure(s) could not be measured (see the skipped lines above)")
                throw ExitCode(70)
            }
        }
    }

    /// The options over the chosen profile's settings; BenchmarkConfiguration.validate judges them.
    func makeConfiguration() throws -> BenchmarkConfiguration {
        var c: BenchmarkConfiguration = smoke ? .smoke : quick ? .quick : BenchmarkConfiguration()
        if !devices.isEmpty { c.devices = devices }
        if let repeats {
            c.throughput.repeats = repeats
            c.throughput.minRepeats = Swift.min(c.throughput.minRepeats, repeats)
            c.gemmRepeats = repeats
        }
        if let sections { c.sections = sections.items }
        if !nets.isEmpty { c.nets = nets.map(\.sizes) }
        if let modes { c.modes = modes.items }
        if let samples { c.samples = samples }
        if let gemmSizes { c.gemmSquares = gemmSizes.items }
        if let gemmBatches { c.gemmBatches = gemmBatches.items == [0] ? [] : gemmBatches.items }
        if let accuracySeconds { c.accuracy.maxSeconds = accuracySeconds }
        if let dataset { c.dataset = URL(fileURLWithPath: dataset) }
        try c.validate()
        return c
    }
}

/// Prints the run as it goes: the devices, then each section's title, column names and rows.
final class BenchPrinter {
    let configuration: BenchmarkConfiguration
    private var table = BenchmarkTable()

    init(configuration: BenchmarkConfiguration) {
        self.configuration = configuration
    }

    func handle(_ event: BenchmarkEvent) {
        switch event {
        case .devicesOpened(let devices):
            table = BenchmarkTable(devices: devices.map(\.label) + ["cpu"],
                                   modes: configuration.modes.map(\.description) + configuration.accuracy.runs.map(\.name))
            let m = MachineInfo.current(devices: devices, commandLine: "", profile: configuration.profile)
            print("# backprop bench (\(configuration.profile)): \(m.cpu), \(m.cores) cores, OpenBLAS \(m.openBLASThreads) threads; "
                + "load average \(load(m.loadBefore))")
            for d in devices {
                let build = d.build.map { "; \($0)" } ?? ""
                print("# \(d.label): \(d.name), opened in \(String(format: "%.2f", d.openSeconds)) s\(build)")
            }
        case .sectionStarted(let section, let repeats):
            print("")
            print(BenchmarkTable.title(section, repeats: repeats, accuracy: configuration.accuracy))
            print(table.header(section))
        case .record(let r):
            print(table.row(r))
        case .skipped(let s):
            print("# skipped (\(s.section)): \(s.reason)")
        case .note(let text):
            print("# \(text)")
        }
        fflush(nil)
    }

    func finish(_ report: BenchmarkReport) {
        print("")
        print("# compile s: first run less a steady one (kernel builds, allocation, thread start-up), kept out of the figures; "
            + "n: repeats; ÷ cblas: GFLOP/s over cblas_sgemm's for the same shape in this run")
        print("# load average before \(load(report.machine.loadBefore)), after \(load(report.machine.loadAfter)) "
            + "(above \(report.machine.cores): other work shared the cores); took \(String(format: "%.1f", report.machine.seconds ?? 0)) s")
    }

    private func load(_ values: [Double]?) -> String {
        values.map { $0.map { String(format: "%.2f", $0) }.joined(separator: ", ") } ?? "unknown"
    }
}
