import ArgumentParser
import Backprop
import BackpropBench
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
            Exit status: 0 success, 1 training diverged, 64 bad usage, 65 bad data, 70 device or internal \
            failure, 130/143 interrupted (SIGINT/SIGTERM; the current step finishes and --save is honoured).
            """,
        subcommands: [Train.self, Evaluate.self, Predict.self, Devices.self, Bench.self, Tune.self, Stress.self],
        defaultSubcommand: Train.self)
}

/// Writes to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// A notice from the library (which device was chosen and why), as one line on standard error.
func notice(_ text: String) {
    printError("backprop: \(oneLine(text))")
}

/// A message as one line: control characters (line breaks, escape sequences) that a hostile
/// file can put into an error's text, say a quoted CSV field, are shown escaped.
func oneLine(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        if scalar.properties.generalCategory == .control {
            out += scalar.value < 0x80 ? scalar.escaped(asASCII: true) : "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// The `--device` option parsed; a name that is not a device is a usage error naming it.
func parseDevice(_ text: String?) throws -> DeviceRequest? {
    do {
        return try text.map { try DeviceRequest(parsing: $0) }
    } catch {
        throw ValidationError("--device: \(error)")
    }
}

/// A data set spec parsed as an option's value; one that names no known form is a usage error.
func validateDatasetSpec(_ text: String, option: String) throws {
    do {
        _ = try DatasetSpec(parsing: text)
    } catch let e as DataError {
        throw ValidationError("\(option): \(e)")
    }
}

/// Runs a command body, turning the library's errors into a one-line message on standard
/// error and the exit status that says what kind of failure it was: 64 usage (a bad option
/// value or setting, including a `DataError` about an option, whose source is the option's
/// name such as "--validation"), 65 data (a file, or data that does not fit the network),
/// 70 otherwise.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch let e as ValidationError {
        throw e
    } catch let e as DataError where e.source.hasPrefix("--") {
        printError("backprop: \(oneLine(e.description))")
        throw ExitCode(64)
    } catch let e as DataError {
        printError("backprop: \(oneLine(e.description))")
        throw ExitCode(65)
    } catch let e as ConfigurationError {
        printError("backprop: \(oneLine(e.description))")
        throw ExitCode(64)
    } catch let e as DeviceError {
        printError("backprop: \(oneLine(e.description))")
        switch e {
        case .invalidRequest, .noSuchDevice: throw ExitCode(64)
        default: break
        }
        throw ExitCode(70)
    } catch let e as TrainingError {
        printError("backprop: \(oneLine(e.description))")
        throw ExitCode(70)
    } catch let e as CLError {
        // A failed build carries the driver's log: keep its lines.
        printError("backprop: OpenCL error: \(e)")
        throw ExitCode(70)
    } catch {
        // Anything else is a failure of ours, not of the input: one line, status 70.
        printError("backprop: internal error: \(oneLine(String(describing: error)))")
        throw ExitCode(70)
    }
}
