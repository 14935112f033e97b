import ArgumentParser
import Backprop
import Foundation

@main
struct BackpropCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backprop",
        abstract: "Train multilayer perceptrons by backpropagation on OpenCL devices or the CPU.",
        discussion: """
            With no subcommand, `backprop` runs `train` with its defaults: a small network on the \
            built-in two-spirals set, on the best device available.
            Devices: --device auto (an OpenCL GPU, else the CPU path), cpu, opencl, opencl:gpu, \
            opencl:cpu, opencl:<index>, opencl:<platform>:<device>, opencl:<name>; BACKPROP_DEVICE \
            sets the default.
            Exit status: 0 success, 64 bad usage, 65 bad data, 70 internal or device failure, \
            130/143 interrupted.
            """,
        subcommands: [Train.self, Evaluate.self, Predict.self, Devices.self, Bench.self, Tune.self],
        defaultSubcommand: Train.self)
}

/// Writes to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Runs a command body, turning the library's errors into a message on standard error and
/// the exit status that says what kind of failure it was: 64 usage, 65 data, 70 otherwise.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch let e as DataError {
        printError("backprop: \(e)")
        throw ExitCode(65)
    } catch let e as ConfigurationError {
        printError("backprop: \(e)")
        throw ExitCode(64)
    } catch let e as DeviceError {
        printError("backprop: \(e)")
        if case .invalidRequest = e { throw ExitCode(64) }
        throw ExitCode(70)
    } catch let e as TrainingError {
        printError("backprop: \(e)")
        throw ExitCode(70)
    } catch let e as CLError {
        printError("backprop: OpenCL error: \(e)")
        throw ExitCode(70)
    }
}
