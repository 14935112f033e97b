import ArgumentParser
import Backprop
import BackpropBench
import Foundation

/// A leak check: opens a device, builds a network, trains one step and lets it all go,
/// over and over, then reports how resident memory and live OpenCL objects moved.
struct Stress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create and release devices and networks in a loop; report memory and OpenCL object counts.")

    @Option(parsing: .unconditional, help: "Create/release cycles after warm-up.") var iterations: Int = 1000
    @Option(help: "Device (see `backprop --help`).") var device: DeviceRequest = .cpu
    @OptionGroup var console: OutputOptions

    func validate() throws {
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
    }

    func run() throws {
        console.apply()
        try runReportingErrors {
            let request = device
            let arch = try Architecture(sizes: [64, 32, 10])
            var rng = SeededGenerator(seed: 1)
            let inputs = (0..<(16 * 64)).map { _ in Float(rng.uniform(0, 1)) }
            var targets = [Float](repeating: 0, count: 16 * 10)
            for r in 0..<16 { targets[r * 10 + r % 10] = 1 }
            func cycle() throws {
                let d = try DeviceSelection.open(request, notice: notice)
                let network = try Network(arch, device: d)
                let optimizer = try Optimizer(OptimizerConfig(.adam, learningRate: 0.01), network: network)
                _ = try network.lossAndGradients(inputs: inputs, targets: targets)
                try optimizer.step()
                try d.synchronize()
            }
            for _ in 0..<10 { try cycle() }  // warm-up: caches, pools, first compilation
            let (rss0, objects0) = (ProcessMemory.resident, CLObjectCount.current)
            let clock = ContinuousClock.now
            for _ in 0..<iterations { try cycle() }
            let seconds = (ContinuousClock.now - clock).seconds
            let (rss1, objects1) = (ProcessMemory.resident, CLObjectCount.current)
            say("\(iterations) cycles on \(device) in \(String(format: "%.1f", seconds)) s")
            say("resident memory \(rss0 / 1024) KiB -> \(rss1 / 1024) KiB (\(String(format: "%+.1f", Double(rss1 - rss0) / 1_048_576)) MiB)")
            say("live OpenCL objects \(objects0) -> \(objects1)")
            if console.json {
                let object: [String: Any] = ["iterations": iterations, "device": device.description, "seconds": seconds,
                                             "rss_before": rss0, "rss_after": rss1,
                                             "opencl_objects_before": objects0, "opencl_objects_after": objects1]
                try Console.emit(json: object)
            }
        }
    }
}
