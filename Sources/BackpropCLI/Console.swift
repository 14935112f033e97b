import ArgumentParser
import Foundation

/// Where a command's lines go. Human lines go to standard output; with `--json`, to standard
/// error, so that standard output holds only the JSON; with `--quiet`, nowhere, and of the
/// notices only warnings are shown (errors always go to standard error). Machine output (the
/// JSON, predict's rows) always goes to standard output.
enum Console {
    enum Mode: Sendable { case normal, json, quiet }

    /// Set once, when a command starts (see `OutputOptions.apply`).
    nonisolated(unsafe) static var mode = Mode.normal

    /// The descriptor human lines go to, or nil with --quiet.
    static var humanStream: Int32? {
        switch mode {
        case .normal: 1
        case .json: 2
        case .quiet: nil
        }
    }

    /// Whether human lines reach a terminal (for the live progress line).
    static var humanIsTerminal: Bool { humanStream.map { isatty($0) == 1 } ?? false }

    /// A human line, after what `print` has buffered.
    static func say(_ line: String, terminator: String = "\n") {
        guard let fd = humanStream else { return }
        if fd == 1 { writeOut(line + terminator) } else { writeError(line + terminator) }
    }

    /// Machine output: one JSON document or data rows, to standard output.
    static func emit(_ text: String) {
        writeOut(text + "\n")
    }

    /// A JSON object, keys sorted, on one line.
    static func emit(json object: Any) throws {
        emit(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
                    as: UTF8.self))
    }
}

/// A human line (see `Console`).
func say(_ line: String) { Console.say(line) }

/// `--json` and `--quiet`, on every command.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Standard output holds only the JSON (the keys: backprop help json); the other lines go to standard error.")
    var json = false
    @Flag(help: "Print no progress, summary or notices (warnings and errors still go to standard error; with --json, the JSON still goes to standard output).") var quiet = false

    func apply() {
        Console.mode = quiet ? .quiet : json ? .json : .normal
    }
}
