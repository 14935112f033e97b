@testable import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// Encoding, typed access and interoperability with the Python `safetensors` package: a
/// committed fixture it wrote (always), and live round trips through it (when installed).
@Suite("SafeTensors: encoding, typed access, interoperability")
struct SafeTensorsTests {
    typealias Tensor = SafeTensors.Tensor

    /// One tensor of every dtype with patterned bytes, in scalar, empty and 2-D shapes.
    static func everyDType() -> SafeTensors {
        var tensors: [String: Tensor] = [:]
        for (k, dtype) in SafeTensors.DType.allCases.enumerated() {
            for (s, shape) in [[], [0], [3, 4], [2, 0, 5]].enumerated() {
                let count = shape.reduce(1, *) * dtype.size
                let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ k &* 11 &+ s) }
                tensors["\(dtype.rawValue.lowercased()).\(s)"] = Tensor(dtype: dtype, shape: shape, bytes: bytes)
            }
        }
        return SafeTensors(tensors: tensors, metadata: ["format": "pt", "note": "naïve \"quotes\" \\ tab\t nul\u{0} €", "": "empty key"])
    }

    @Test("every dtype and shape survives encode → decode, and re-encodes to the same bytes")
    func roundTrip() throws {
        let original = Self.everyDType()
        let bytes = try original.encode()
        let decoded = try SafeTensors.decode(bytes, source: "round trip")
        #expect(decoded == original)
        #expect(try decoded.encode() == bytes)
        #expect(try SafeTensors.decode(Data(bytes)) == original)
    }

    @Test("the header is padded to 8 bytes and every tensor lies aligned to its element size")
    func alignment() throws {
        let bytes = try Self.everyDType().encode()
        let n = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        #expect(n % 8 == 0)
        #expect(bytes[8 + n - 1] == UInt8(ascii: " ") || bytes[8 + n - 1] == UInt8(ascii: "}"))
        var parser = SafeTensors.HeaderParser(bytes: bytes[8..<(8 + n)], source: "alignment")
        let (entries, _) = try parser.parse()
        for e in entries { #expect((8 + n + e.begin) % e.dtype.size == 0, "\(e.name) at \(e.begin)") }
        // Widest dtypes first, then by name.
        let order = entries.sorted { $0.begin < $1.begin }.filter { $0.begin < $0.end }.map(\.dtype.size)
        #expect(order == order.sorted(by: >))
    }

    @Test("empty files are encoded as the Python package encodes them")
    func emptyEncodings() throws {
        let spaces = [UInt8](repeating: 32, count: 6)
        #expect(try SafeTensors().encode() == [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8) + spaces)
        let withMetadata = try SafeTensors(metadata: ["framework": "pt"]).encode()
        #expect(withMetadata == [40, 0, 0, 0, 0, 0, 0, 0] + Array(#"{"__metadata__":{"framework":"pt"}}"#.utf8) + spaces.dropLast())
        #expect(try SafeTensors.decode(withMetadata) == SafeTensors(metadata: ["framework": "pt"]))
    }

    @Test("typed accessors give back exactly what went in, special values included")
    func typedAccess() throws {
        let floats: [Float] = [0, -0.0, 1.5, -.infinity, .infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                               Float(bitPattern: 0x7FC0_1234)]
        let doubles: [Double] = [.pi, -0.0, .nan, .leastNonzeroMagnitude, -.greatestFiniteMagnitude, Double(bitPattern: 0xFFF0_0000_0000_0001)]
        let t = SafeTensors(tensors: [
            "f": Tensor(floats: floats, shape: [2, 4]), "d": Tensor(doubles: doubles, shape: [6]),
            "i": Tensor(int32s: [.min, -1, 0, .max], shape: [4]), "l": Tensor(int64s: [.min, .max], shape: [2, 1]),
            "u": Tensor(uint8s: [0, 127, 255], shape: [3]), "s": Tensor(floats: [42], shape: []),
        ])
        let back = try SafeTensors.decode(t.encode())
        #expect(try back.tensors["f"]?.floats().map(\.bitPattern) == floats.map(\.bitPattern))
        #expect(try back.tensors["d"]?.doubles().map(\.bitPattern) == doubles.map(\.bitPattern))
        #expect(try back.tensors["i"]?.int32s() == [.min, -1, 0, .max])
        #expect(try back.tensors["l"]?.int64s() == [.min, .max])
        #expect(try back.tensors["u"]?.uint8s() == [0, 127, 255])
        #expect(try back.tensors["s"]?.floats() == [42])
        #expect(back.tensors["s"]?.count == 1 && back.tensors["f"]?.shape == [2, 4])
        // Little-endian on disk: 1.5f is 00 00 c0 3f.
        #expect(Tensor(floats: [1.5], shape: [1]).bytes == [0x00, 0x00, 0xC0, 0x3F])
        let error = #expect(throws: DataError.self) { try back.tensors["d"]?.floats() }
        #expect(error?.description == "F64 tensor of shape [6]: cannot be read as F32 values")
    }

    @Test("encode refuses what no reader would take back")
    func encodeRefusals() {
        let reserved = SafeTensors(tensors: ["__metadata__": Tensor(floats: [1], shape: [1])])
        let e1 = #expect(throws: DataError.self) { try reserved.encode() }
        #expect(e1?.problem.contains("reserves that key") == true)
        let deep = SafeTensors(tensors: ["deep": Tensor(floats: [1], shape: Array(repeating: 1, count: 65))])
        let e2 = #expect(throws: DataError.self) { try deep.encode() }
        #expect(e2?.problem.contains("65 dimensions") == true)
    }

    // MARK: Interoperability

    /// Written by safetensors 0.8.0 with Fixtures/make-python-fixture.py. Python writes
    /// metadata keys in hash order; in this file they happen to be sorted, as ours are, so
    /// the whole file re-encodes byte for byte (a regenerated fixture may need a re-roll).
    @Test("a file the Python package wrote reads correctly and re-encodes byte for byte")
    func pythonFixture() throws {
        let url = try #require(Bundle.module.url(forResource: "python-written", withExtension: "safetensors", subdirectory: "Fixtures"))
        let file = try SafeTensors.read(from: url)
        #expect(file.metadata == ["format": "np", "note": "café \"q\"\n"])
        #expect(Set(file.tensors.keys) == ["layer0.weight", "layer0.bias", "labels", "step", "mask", "empty"])
        #expect(try file.tensors["layer0.weight"]?.floats() == [-1, -0.5, 0, 0.5, 1, 1.5])
        #expect(file.tensors["layer0.weight"]?.shape == [2, 3])
        #expect(try file.tensors["layer0.bias"]?.doubles() == [0.25, -2])
        #expect(try file.tensors["labels"]?.int32s() == [3, -1, 7, .max])
        #expect(try file.tensors["step"]?.int64s() == [-42])
        #expect(file.tensors["step"]?.shape == [])
        #expect(try file.tensors["mask"]?.uint8s() == [0, 1, 255])
        #expect(file.tensors["empty"]?.shape == [0, 3] && file.tensors["empty"]?.dtype == .f32)
        #expect(try file.encode() == Array(Data(contentsOf: url)))
    }

    /// Needs the Python package; enable with `pip install safetensors numpy`. Without it the
    /// test is skipped with that message (never passed silently); `BACKPROP_PYTHON_INTEROP=1`
    /// makes a missing package a failure instead, for CI images that ought to have it.
    @Test("Swift writes, Python reads, and both lay out tensors byte for byte alike", .enabled(if: PythonInterop.runs, PythonInterop.skipReason))
    func swiftToPython() throws {
        let dir = try TempDir()
        let url = dir.url.appendingPathComponent("from-swift.safetensors")
        var file = Self.everyDType()
        // NumPy has no bfloat16 or float8.
        file.tensors = file.tensors.filter { ![.bf16, .f8e4m3, .f8e5m2].contains($0.value.dtype) }
        try file.write(to: url)
        let out = try PythonInterop.run(#"""
            import sys, json, numpy as np
            from safetensors import safe_open
            from safetensors.numpy import save
            with safe_open(sys.argv[1], framework="np") as f:
                meta = f.metadata()
                t = {k: f.get_tensor(k) for k in f.keys()}
            print(json.dumps({"metadata": meta, "bare": save(t).hex(),
                "tensors": {k: [str(v.dtype), list(v.shape), v.astype(v.dtype.newbyteorder("<")).tobytes().hex()] for k, v in t.items()}}))
            """#, url.path)
        #expect(out["metadata"] as? [String: String] == file.metadata)
        let tensors = try #require(out["tensors"] as? [String: [Any]])
        #expect(Set(tensors.keys) == Set(file.tensors.keys))
        for (name, tensor) in file.tensors {
            let py = try #require(tensors[name])
            #expect(py[0] as? String == PythonInterop.numpyName[tensor.dtype], "\(name)")
            #expect(py[1] as? [Int] == tensor.shape, "\(name)")
            #expect(py[2] as? String == PythonInterop.hex(tensor.bytes), "\(name)")
        }
        // Python writes metadata in hash order, so byte identity is checked without it.
        #expect(out["bare"] as? String == PythonInterop.hex(try SafeTensors(tensors: file.tensors).encode()), "Python lays out tensors differently")
    }

    @Test("Python writes, Swift reads", .enabled(if: PythonInterop.runs, PythonInterop.skipReason))
    func pythonToSwift() throws {
        let dir = try TempDir()
        let url = dir.url.appendingPathComponent("from-python.safetensors")
        let out = try PythonInterop.run(#"""
            import sys, json, numpy as np
            from safetensors.numpy import save, save_file
            t = {"w": np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4),
                 "b": np.array([np.pi, -0.0, 1e300], dtype=np.float64),
                 "n": np.arange(-3, 3, dtype=np.int32).reshape(2, 3), "step": np.array(2**40 + 1, dtype=np.int64),
                 "u": np.arange(0, 256, 51, dtype=np.uint8), "none": np.zeros((0,), np.float32),
                 "h": np.array([1.5, -2], np.float16), "flags": np.array([True, False]),
                 "u64": np.array([2**64 - 1], np.uint64), "i8": np.array([-128, 127], np.int8)}
            save_file(t, sys.argv[1], metadata={"by": "python", "text": "\u00fcn\u0007\""})
            print(json.dumps({"metadata": {"by": "python", "text": "\u00fcn\u0007\""}, "bare": save(t).hex(),
                "tensors": {k: [str(v.dtype), list(v.shape), v.astype(v.dtype.newbyteorder("<")).tobytes().hex()] for k, v in t.items()}}))
            """#, url.path)
        let file = try SafeTensors.read(from: url)
        #expect(file.metadata == out["metadata"] as? [String: String])
        let tensors = try #require(out["tensors"] as? [String: [Any]])
        #expect(Set(tensors.keys) == Set(file.tensors.keys))
        for (name, py) in tensors {
            let tensor = try #require(file.tensors[name])
            #expect(PythonInterop.numpyName[tensor.dtype] == py[0] as? String, "\(name)")
            #expect(tensor.shape == py[1] as? [Int], "\(name)")
            #expect(PythonInterop.hex(tensor.bytes) == py[2] as? String, "\(name)")
        }
        #expect(try file.tensors["w"]?.floats().first == -1)
        #expect(try file.tensors["step"]?.int64s() == [1 << 40 + 1])
        #expect(out["bare"] as? String == PythonInterop.hex(try SafeTensors(tensors: file.tensors).encode()))
    }
}

/// Runs `python3` for the interoperability tests.
enum PythonInterop {
    static let available: Bool = (try? run("import safetensors, numpy")) != nil
    static let required = ProcessInfo.processInfo.environment["BACKPROP_PYTHON_INTEROP"] == "1"
    static let runs = available || required
    static let skipReason: Comment = "Python safetensors package not found: pip install safetensors numpy (BACKPROP_PYTHON_INTEROP=1 makes this a failure)"

    static let numpyName: [SafeTensors.DType: String] = [
        .bool: "bool", .u8: "uint8", .i8: "int8", .i16: "int16", .u16: "uint16", .f16: "float16",
        .i32: "int32", .u32: "uint32", .f32: "float32", .f64: "float64", .i64: "int64", .u64: "uint64",
    ]

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `script` with `arguments`; the last line it prints must be a JSON object.
    @discardableResult
    static func run(_ script: String, _ arguments: String...) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failed(description: "python3 exited with \(process.terminationStatus):\n\(output)")
        }
        let last = output.split(separator: "\n").last.map(String.init) ?? "{}"
        guard let json = try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any] else {
            throw Failed(description: "python3 printed no JSON object:\n\(output)")
        }
        return json
    }
}
