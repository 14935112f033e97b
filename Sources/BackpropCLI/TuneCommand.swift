import ArgumentParser
import Backprop
import BackpropBench
import Foundation

struct Tune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search GEMM kernel parameters for an OpenCL device and store the fastest.",
        discussion: """
            Each candidate is built, checked against OpenBLAS and timed on 1024³ and the \
            products of a 784,1024,10 network (NN, NT, TN). The winner is stored in the cache \
            directory (gemm-tuning.json) and used from then on by every OpenCL run on that \
            device and driver. A full search takes a few minutes; --quick about half a minute. \
            Close other work first: timings on a busy machine are noisy.
            """)

    @Option(help: "OpenCL device to tune (opencl, opencl:<index>, opencl:<name>, …); repeat for several.")
    var device: [DeviceRequest] = [.opencl(.best)]

    @Flag(help: "A short search on NN 1024³ (about 30 s): the direct family's microkernel, or the tiled family's vendor defaults and a few sampled configurations.")
    var quick = false

    @Option(help: "Search this GEMM family (tiled: GPUs' default; direct: CPU devices'), whatever the device's type; the winner is stored and used as any tuning is. Default: the device's own, measured against the other family's defaults.")
    var gemmFamily: GEMMConfig.Family?

    @Flag(help: "Measure and report, but keep the stored configuration as it is.")
    var dryRun = false

    @Flag(help: "Forget the stored configuration, so that the device type's defaults apply again; no search.")
    var reset = false

    func validate() throws {
        if reset && (quick || dryRun || gemmFamily != nil) {
            throw ValidationError("--reset searches nothing; it takes no --quick, --dry-run or --gemm-family")
        }
        for d in device {
            guard case .opencl = d else {
                throw ValidationError("--device \(d): tune takes an OpenCL device (opencl, opencl:<index>, "
                    + "opencl:<name>); the CPU path has no kernels to tune")
            }
        }
    }

    @OptionGroup var console: OutputOptions

    func run() throws {
        console.apply()
        try runReportingErrors {
            var results: [[String: Any]] = []
            let infos = try device.map { try DeviceSelection.openCLInfo($0) }
            if reset {
                for info in infos {
                    let had = try GEMMTuning.forget(info)
                    say(had ? "forgot the tuning stored for \(info.name); its defaults apply"
                        : "nothing stored for \(info.name); its defaults apply")
                    results.append(["device": info.name, "forgot": had])
                }
                if console.json { try Console.emit(json: ["devices": results, "version": BackpropVersion.current]) }
                return
            }
            for info in infos {
                say("tuning \(info.name) (\(info.platformName), driver \(info.driverVersion))\(quick ? ", quick" : "")")
                let tuner = GEMMTuner(info: info, quick: quick, family: gemmFamily) { say($0) }
                let r = try tuner.run(store: !dryRun)
                say("defaults: \(r.defaults)")
                say("tuned:    \(r.best)")
                say("shape              defaults     tuned  OpenBLAS   tuned/defaults  tuned/OpenBLAS  (GFLOP/s)")
                for row in r.rows {
                    let name = row.shape.description.padding(toLength: 16, withPad: " ", startingAt: 0)
                    say(name + String(format: " %9.1f %9.1f %9.1f %15.2f× %14.2f×", row.defaults, row.tuned,
                                      row.openBLAS, row.tuned / row.defaults, row.tuned / row.openBLAS))
                }
                say("\(r.tried) configurations tried, \(r.discarded) discarded, \(r.seconds.rounded().clampedInt()) s"
                    + (dryRun ? "; not stored (--dry-run)" : ""))
                results.append([
                    "device": info.name, "platform": info.platformName, "driver": info.driverVersion,
                    "defaults": "\(r.defaults)", "tuned": "\(r.best)", "stored": !dryRun, "tried": r.tried,
                    "discarded": r.discarded, "seconds": r.seconds,
                    "shapes": r.rows.map { row -> [String: Any] in
                        ["shape": row.shape.description, "defaults_gflops": row.defaults, "tuned_gflops": row.tuned,
                         "openblas_gflops": row.openBLAS]
                    },
                ])
            }
            if console.json { try Console.emit(json: ["devices": results, "version": BackpropVersion.current]) }
        }
    }
}
