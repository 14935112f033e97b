import Foundation
import Testing

/// Runs the built `backprop` binary, which SwiftPM places beside the test bundle.
public enum CLI {
    public static var binary: URL {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = here.deletingLastPathComponent()
        // The test runner may sit inside a bundle folder (…/BackpropPackageTests.xctest/…).
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("backprop").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("backprop")
    }

    public struct Result: Sendable {
        public var status: Int32
        public var signaled: Bool
        public var stdout: String
        public var stderr: String
    }

    /// The binary with `args`, in this environment plus `environment`; the CPU path unless
    /// BACKPROP_DEVICE says otherwise.
    public static func makeProcess(_ args: [String], environment: [String: String]) -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["BACKPROP_DEVICE"] = env["BACKPROP_DEVICE"] ?? "cpu"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        return process
    }

    /// Runs `backprop args…` to completion (or until `timeout`), capturing its output.
    @discardableResult
    public static func run(_ args: [String], environment: [String: String] = [:], in directory: URL? = nil,
                    timeout: Double = 120) throws -> Result {
        try run(makeProcess(args, environment: environment), args, in: directory, timeout: timeout)
    }

    /// Runs a `/bin/sh -c` script in which `$BACKPROP` is the binary (for `ulimit`, `script`,
    /// pipes), to completion or until `timeout`; `arguments` are its `$0`, `$1`, ….
    @discardableResult
    public static func shell(_ script: String, environment: [String: String] = [:], in directory: URL? = nil,
                             timeout: Double = 120, arguments: [String] = []) throws -> Result {
        let process = makeProcess(["-c", script] + arguments, environment: environment.merging(["BACKPROP": binary.path]) { a, _ in a })
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        return try run(process, [script], in: directory, timeout: timeout)
    }

    private static func run(_ process: Process, _ args: [String], in directory: URL?, timeout: Double) throws -> Result {
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes while the process runs, so a full pipe never blocks it.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        DispatchQueue.global().async(group: group) { outData = out.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            Issue.record("backprop \(args.joined(separator: " ")) did not finish within \(timeout) s")
        }
        process.waitUntilExit()
        group.wait()
        return Result(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                      stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    /// The JSON object on the last line of standard output.
    public static func lastJSON(_ r: Result) throws -> [String: Any] {
        let line = try #require(r.stdout.split(separator: "\n").last.map(String.init))
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
}

extension CLI {
    /// Starts `backprop args…` without waiting; standard output and error go to files in `dir`.
    public static func start(_ args: [String], environment: [String: String] = [:], logs dir: URL) throws -> Process {
        let process = makeProcess(args, environment: environment)
        let out = dir.appendingPathComponent("stdout-\(UUID().uuidString)"), err = dir.appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return process
    }

    /// Waits until `file` holds `text`, or `timeout` seconds pass; returns whether it did.
    public static func wait(for text: String, in file: URL, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let s = try? String(contentsOf: file, encoding: .utf8), s.contains(text) { return true }
            usleep(20_000)
        }
        return false
    }
}
