import ArgumentParser
import Backprop
import BackpropBench
import Foundation

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
            say("# backprop \(BackpropVersion.current) bench (\(configuration.profile)): \(m.cpu), \(m.cores) cores"
                + (m.cpuFlags.map { " (\($0.joined(separator: " ")))" } ?? "") + ", OpenBLAS \(m.openBLASThreads) threads"
                + (m.openBLASCore.map { " (\($0) kernels" + (CPUDevice.openBLASCoreSetting.map { ", \($0)" } ?? "") + ")" } ?? "") + (m.rowKernels.map { ", \($0) row kernels" } ?? "") + "; "
                + "load average \(load(m.loadBefore))")
            for d in devices {
                let build = d.build.map { "; \($0)" } ?? ""
                say("# \(d.label): \(d.name), opened in \(String(format: "%.2f", d.openSeconds)) s\(build)")
            }
        case .sectionStarted(let section, let repeats):
            say("")
            say(BenchmarkTable.title(section, repeats: repeats, accuracy: configuration.accuracy))
            say(table.header(section))
        case .record(let r):
            say(table.row(r))
        case .skipped(let s):
            say("# skipped (\(s.section)): \(s.reason)")
        case .note(let text):
            say("# \(text)")
        }
    }

    func finish(_ report: BenchmarkReport) {
        say("")
        say("# compile s: first run less a steady one (kernel builds, allocation, thread start-up), kept out of the figures; "
            + "n: repeats; ÷ cblas: GFLOP/s over cblas_sgemm's for the same shape in this run")
        say("# load average before \(load(report.machine.loadBefore)), after \(load(report.machine.loadAfter)) "
            + "(above \(report.machine.cores): other work shared the cores); took \(String(format: "%.1f", report.machine.seconds ?? 0)) s")
    }

    private func load(_ values: [Double]?) -> String {
        values.map { $0.map { String(format: "%.2f", $0) }.joined(separator: ", ") } ?? "unknown"
    }
}
