import ArgumentParser
import Backprop
import Foundation

@main
struct BackpropCommand: ParsableCommand {
    /// A reader that closes the pipe (`backprop train … | head`) must not end the run: with
    /// SIGPIPE ignored, writes to it fail quietly and training goes on to its --save.
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        main(nil)
    }

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
        version: "backprop \(BackpropVersion.current)",
        subcommands: [Train.self, Evaluate.self, Predict.self, Export.self, Devices.self, Check.self, Bench.self, Tune.self, Stress.self, JSONHelp.self],
        defaultSubcommand: Train.self)
}

/// Writes to standard error, after what `print` has buffered. A closed stream (a reader that
/// went away) fails the write quietly instead of ending the process: SIGPIPE is ignored, and
/// the write is the system call's (FileHandle's write traps on EPIPE).
func printError(_ text: String) {
    writeAll(2, text + "\n")
}

/// Writes to standard error as it is (no line break added).
func writeError(_ text: String) {
    writeAll(2, text)
}

/// Writes to standard output at once, after what `print` has buffered (progress, the tuner's log).
func writeOut(_ text: String) {
    writeAll(1, text)
}

private func writeAll(_ fd: Int32, _ text: String) {
    fflush(nil)
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return }  // EPIPE and the like: nobody is reading
        bytes = bytes.dropFirst(n)
    }
}

/// A notice from the library (which device was chosen and why), as one line on standard error;
/// with --quiet only warnings are.
func notice(_ text: String) {
    if Console.mode == .quiet && !text.hasPrefix("warning:") { return }
    printError("backprop: \(oneLine(text))")
}

/// A message as one line: control characters (line breaks, escape sequences) that a hostile
/// file can put into an error's text, say a quoted CSV field, are shown escaped; with `limit`,
/// text beyond that many characters is cut (a class name or field can be megabytes long).
func oneLine(_ text: String, limit: Int? = nil) -> String {
    var out = ""
    let shown = limit.map { text.count > $0 ? String(text.prefix($0)) + "…" : text } ?? text
    for scalar in shown.unicodeScalars {
        if scalar.properties.generalCategory == .control {
            out += scalar.value < 0x80 ? scalar.escaped(asASCII: true) : "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// Runs a command body, turning the library's errors into a one-line message on standard
/// error and the exit status their category says: 64 usage (a setting that cannot work),
/// 65 data (a file, or data that does not fit the network), 70 a device or internal failure,
/// 1 training diverged. A setting is named by the option that sets it (`Train.option`).
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch let e as ValidationError {
        throw e
    } catch {
        let message: String
        switch error {
        case let e as ConfigurationError: message = oneLine(e.description(rendering: Train.option))
        // A failed build carries the driver's log: keep its lines.
        case let e as CLError: message = "OpenCL error: \(e)"
        case let e as CategorizedError: message = oneLine(String(describing: e))
        // Anything else is a failure of ours, not of the input.
        default: message = "internal error: \(oneLine(String(describing: error)))"
        }
        printError("backprop: \(message)")
        throw ExitCode(exitStatus(for: error))
    }
}

/// The exit status for an error, from its category alone.
func exitStatus(for error: Error) -> Int32 {
    switch (error as? CategorizedError)?.category {
    case .usage: 64
    case .data: 65
    case .diverged: 1
    case .device, nil: 70
    }
}
