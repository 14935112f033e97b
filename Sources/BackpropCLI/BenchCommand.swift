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
    @Option(parsing: .unconditional, help: "Timed repeats per figure (default 5, quick 2).") var repeats: Int?
    @Option(help: "Write bench.json, bench.csv, throughput.svg, accuracy.svg and gemm.svg into this folder.", completion: .directory)
    var output: String?
    @Option(help: "MNIST-style IDX folder for time-to-accuracy (default: $BACKPROP_DATA_DIR/mnist, else ../shared/data/mnist).", completion: .directory)
    var dataset: String?
    @Option(help: "Sections to run, comma-separated: throughput, gemm, accuracy (default: all).")
    var sections: CommaList<BenchmarkConfiguration.Section>?
    @Option(name: .customLong("net"), parsing: .singleValue,
            help: "A throughput network's layer sizes, like 784,128,10; repeat for several (default: 784,128,10 and 784,1024,1024,10).")
    var nets: [LayerSizes] = []
    @Option(help: "Throughput modes, comma-separated: stochastic, minibatch-SIZE, batch (default: stochastic, minibatch-32, minibatch-256, minibatch-1024, batch).")
    var modes: CommaList<LearningMode>?
    @Option(parsing: .unconditional, help: "Generated samples for throughput (default 60000, quick 4096).") var samples: Int?
    @Option(parsing: .unconditional, help: "GEMM squares, comma-separated (default 256,512,1024,2048; quick 256,512).")
    var gemmSizes: CommaList<Int>?
    @Option(parsing: .unconditional, help: "Batch sizes whose training-step products the GEMM section measures, comma-separated; 0 for none (default 256,1024; quick 256).")
    var gemmBatches: CommaList<Int>?
    @Option(parsing: .unconditional, help: "Time cap of each time-to-accuracy run, in seconds (default 60, quick 2).")
    var accuracySeconds: Double?

    @OptionGroup var console: OutputOptions

    func run() throws {
        console.apply()
        try runReportingErrors {
            let config = try makeConfiguration()
            let suite = try BenchmarkSuite(config)
            let printer = BenchPrinter(configuration: config)
            let report = try suite.run(commandLine: (["backprop"] + CommandLine.arguments.dropFirst()).joined(separator: " "),
                                       progress: printer.handle)
            printer.finish(report)
            if let output {
                let files = try report.write(to: URL(fileURLWithPath: output))
                say("# wrote " + files.map(\.path).joined(separator: ", "))
            }
            // The report as bench.json holds it, on one line.
            if console.json { Console.emit(String(decoding: try report.jsonData(compact: true), as: UTF8.self)) }
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
