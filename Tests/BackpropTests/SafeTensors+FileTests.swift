@testable import Backprop
import Foundation
import BackpropTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `read(from:)` and the atomic `write(to:)`.
@Suite("SafeTensors: files, atomic writes")
struct SafeTensorsFileTests {
    static let old = SafeTensors(tensors: ["old": .init(floats: Array(repeating: 1, count: 100), shape: [100])], metadata: ["v": "1"])
    static let new = SafeTensors(tensors: ["new": .init(int64s: [7], shape: [])], metadata: ["v": "2"])

    @Test("write then read gives the same tensors, and the file holds exactly encode()'s bytes")
    func writeRead() throws {
        let dir = try TempDir()
        let url = dir.url.appendingPathComponent("model.safetensors")
        try Self.old.write(to: url)
        #expect(try SafeTensors.read(from: url) == Self.old)
        #expect(try Array(Data(contentsOf: url)) == Self.old.encode())
        #expect(try dir.names() == ["model.safetensors"])
    }

    @Test("writing over an existing file replaces it and keeps its permissions")
    func replaces() throws {
        let dir = try TempDir()
        let url = dir.url.appendingPathComponent("model.safetensors")
        try Self.old.write(to: url)
        #expect(chmod(url.path, 0o640) == 0)
        try Self.new.write(to: url)
        #expect(try SafeTensors.read(from: url) == Self.new)
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o640)
        #expect(try dir.names() == ["model.safetensors"])
    }

    @Test("a write into a missing directory throws and creates nothing")
    func missingDirectory() throws {
        let dir = try TempDir()
        let url = dir.url.appendingPathComponent("absent/model.safetensors")
        let error = #expect(throws: DataError.self) { try Self.new.write(to: url) }
        #expect(error?.source == url.path)
        #expect(error?.problem.contains("cannot be written: no temporary file in") == true, "\(String(describing: error))")
        #expect(try dir.names() == [])
    }

    @Test("a rename that fails (the destination is a directory) removes the temporary file")
    func renameFails() throws {
        let dir = try TempDir()
        let url = dir.url.appendingPathComponent("model.safetensors")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        try Data([1, 2, 3]).write(to: url.appendingPathComponent("keep"))
        let error = #expect(throws: DataError.self) { try Self.new.write(to: url) }
        #expect(error?.problem.contains("cannot be replaced") == true, "\(String(describing: error))")
        #expect(try dir.names() == ["model.safetensors"])
        #expect(try Data(contentsOf: url.appendingPathComponent("keep")) == Data([1, 2, 3]))
    }

    @Test("a write that cannot be encoded leaves the old file untouched")
    func encodeFails() throws {
        let dir = try TempDir()
        let url = dir.url.appendingPathComponent("model.safetensors")
        try Self.old.write(to: url)
        let bad = SafeTensors(tensors: ["__metadata__": .init(uint8s: [1], shape: [1])])
        #expect(throws: DataError.self) { try bad.write(to: url) }
        #expect(try SafeTensors.read(from: url) == Self.old)
        #expect(try dir.names() == ["model.safetensors"])
    }

    /// Root ignores directory permissions, so this runs only for other users (as in CI).
    @Test("a write into a read-only directory throws and leaves the old file", .enabled(if: getuid() != 0, "root can write into read-only directories"))
    func readOnlyDirectory() throws {
        let dir = try TempDir()
        let url = dir.url.appendingPathComponent("model.safetensors")
        try Self.old.write(to: url)
        #expect(chmod(dir.url.path, 0o555) == 0)
        defer { _ = chmod(dir.url.path, 0o755) }
        #expect(throws: DataError.self) { try Self.new.write(to: url) }
        #expect(try SafeTensors.read(from: url) == Self.old)
        #expect(try dir.names() == ["model.safetensors"])
    }

    @Test("reading names the path: missing file, directory, huge header length, truncated file")
    func readRefusals() throws {
        let dir = try TempDir()
        let missing = dir.url.appendingPathComponent("missing.safetensors")
        let e1 = #expect(throws: DataError.self) { try SafeTensors.read(from: missing) }
        #expect(e1?.description == "\(missing.path): cannot be opened (No such file or directory)")

        let e2 = #expect(throws: DataError.self) { try SafeTensors.read(from: dir.url) }
        #expect(e2?.problem.contains("is not a regular file") == true)

        // A 100-byte file claiming a 2^60-byte header is refused from its first 8 bytes.
        let huge = dir.url.appendingPathComponent("huge.safetensors")
        try Data(safeTensorsFile(String(repeating: " ", count: 92), n: 1 << 60)).write(to: huge)
        let e3 = #expect(throws: DataError.self) { try SafeTensors.read(from: huge) }
        #expect(e3?.record == 0 && e3?.unit == "byte" && e3?.source == huge.path)

        let cut = dir.url.appendingPathComponent("cut.safetensors")
        try Data(Self.old.encode().dropLast(1)).write(to: cut)
        let e4 = #expect(throws: DataError.self) { try SafeTensors.read(from: cut) }
        #expect(e4?.problem.contains("is the file truncated?") == true)
        #expect(e4?.description.hasPrefix(cut.path) == true)
    }
}
