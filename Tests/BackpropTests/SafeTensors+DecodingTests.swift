@testable import Backprop
import Foundation
import Testing

/// A file from a header text and data bytes; `n` overrides the length field.
func safeTensorsFile(_ header: String, data: [UInt8] = [], n: UInt64? = nil) -> [UInt8] {
    let h = Array(header.utf8)
    return withUnsafeBytes(of: (n ?? UInt64(h.count)).littleEndian, Array.init) + h + data
}

/// Decoding must refuse `bytes` with a `DataError` naming the source, `record` (a file byte
/// offset, or nil) and a problem containing `text`.
func expectRefusal(_ bytes: [UInt8], at record: Int?, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let error = #expect(throws: DataError.self, sourceLocation: sourceLocation) {
        try SafeTensors.decode(bytes, source: "bad.safetensors")
    }
    guard let error else { return }
    #expect(error.source == "bad.safetensors", sourceLocation: sourceLocation)
    #expect(error.record == record, "\(error)", sourceLocation: sourceLocation)
    #expect(error.unit == (record == nil ? "record" : "byte"), sourceLocation: sourceLocation)
    #expect(error.problem.contains(text), "\(error)", sourceLocation: sourceLocation)
}

@Suite("SafeTensors: hostile input is refused with a DataError")
struct SafeTensorsDecodingTests {
    /// `{"a":{…U8 [n] at [b, e]…}}` and friends.
    static func u8(_ name: String, _ n: Int, _ b: Int, _ e: Int) -> String {
        #""\#(name)":{"dtype":"U8","shape":[\#(n)],"data_offsets":[\#(b),\#(e)]}"#
    }

    @Test func shorterThanEightBytes() {
        expectRefusal([1, 2, 3], at: nil, "is 3 bytes long; a safetensors file starts with an 8-byte header length")
        expectRefusal([], at: nil, "is 0 bytes long")
    }

    @Test func headerLengthPastTheEnd() {
        expectRefusal(safeTensorsFile("{}", n: 100), at: 0, "header length 100 runs past the end of the file, which has only 2 bytes")
        expectRefusal(safeTensorsFile("", n: 1), at: 0, "runs past the end")
    }

    @Test("a header length of 2^63 or 2^60 is refused before anything is read")
    func headerLengthHuge() {
        expectRefusal(safeTensorsFile("{}", n: 1 << 63), at: 0, "header length 9223372036854775808 is over the 100000000-byte limit")
        expectRefusal(safeTensorsFile(String(repeating: " ", count: 92), n: 1 << 60), at: 0, "over the 100000000-byte limit")
        expectRefusal(safeTensorsFile("{}", n: .max), at: 0, "over the 100000000-byte limit")
    }

    @Test func headerNotJSON() {
        expectRefusal(safeTensorsFile("hello"), at: 8, "expected the header to be a JSON object, found 'h'")
        expectRefusal(safeTensorsFile(""), at: 8, "found the end of the header")
        expectRefusal(safeTensorsFile(#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}"#, data: [0]), at: 60, "expected a comma or a closing brace, found the end")
        expectRefusal(safeTensorsFile(#"{"a" {}}"#), at: 13, "expected a colon after the key, found '{'")
        expectRefusal(safeTensorsFile(#"{} {}"#), at: 11, "unexpected text after the header object")
        expectRefusal(safeTensorsFile(#"{,}"#), at: 9, "expected a key")
        expectRefusal(safeTensorsFile(#"{"a":1,}"#), at: 13, "expected tensor \"a\" to be an object with dtype, shape and data_offsets, found '1'")
    }

    @Test func headerJSONButNotAnObject() {
        expectRefusal(safeTensorsFile("[1, 2]"), at: 8, "expected the header to be a JSON object, found '['")
        expectRefusal(safeTensorsFile(#""text""#), at: 8, "found '\"'")
        expectRefusal(safeTensorsFile("null    "), at: 8, "found 'n'")
    }

    @Test func unknownDType() {
        let header = #"{"a":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}}"#
        expectRefusal(safeTensorsFile(header, data: [0]), at: 22,
                      "tensor \"a\" has dtype \"F4\"; this reader knows BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64")
        expectRefusal(safeTensorsFile(#"{"a":{"dtype":5}}"#), at: 22, "expected a string, found '5'")
    }

    @Test func shapeDisagreesWithOffsets() {
        let header = #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#
        expectRefusal(safeTensorsFile(header, data: Array(repeating: 0, count: 8)), at: 9,
                      "tensor \"w\": shape [3] of F32 takes 12 bytes, but data_offsets [0, 8] span 8")
        let overflow = #"{"w":{"dtype":"F64","shape":[4611686018427387904,4],"data_offsets":[0,0]}}"#
        expectRefusal(safeTensorsFile(overflow), at: 9, "has more elements than can be addressed")
    }

    @Test func offsetsOutOfRange() {
        expectRefusal(safeTensorsFile("{\(Self.u8("a", 12, 0, 12))}", data: Array(repeating: 0, count: 8)), at: 9,
                      "data_offsets [0, 12] run past the data section, which holds 8 bytes")
        expectRefusal(safeTensorsFile("{\(Self.u8("a", 0, 4, 2))}", data: Array(repeating: 0, count: 8)), at: 9,
                      "data_offsets [4, 2] end before they begin")
        expectRefusal(safeTensorsFile(#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,-1]}}"#, data: [0]), at: 57,
                      "data_offsets: expected a non-negative integer, found '-'")
        expectRefusal(safeTensorsFile(#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}}"#, data: [0]), at: 59,
                      "data_offsets has more than 2 entries")
        expectRefusal(safeTensorsFile(#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[1]}}"#, data: [0]), at: 54,
                      "data_offsets must be [begin, end]")
    }

    @Test func overlappingTensors() {
        let header = "{\(Self.u8("a", 8, 0, 8)),\(Self.u8("b", 8, 4, 12))}"
        let n = header.utf8.count
        expectRefusal(safeTensorsFile(header, data: Array(repeating: 0, count: 12)), at: 8 + n + 4,
                      "tensor \"b\" (data_offsets [4, 12]) overlaps tensor \"a\" (data_offsets [0, 8])")
        // An empty tensor inside another is an overlap too.
        let inside = "{\(Self.u8("a", 8, 0, 8)),\(Self.u8("z", 0, 4, 4))}"
        expectRefusal(safeTensorsFile(inside, data: Array(repeating: 0, count: 8)), at: 8 + inside.utf8.count + 4, "overlaps")
    }

    @Test func holes() {
        let header = "{\(Self.u8("a", 4, 0, 4)),\(Self.u8("b", 4, 6, 10))}"
        expectRefusal(safeTensorsFile(header, data: Array(repeating: 0, count: 10)), at: 8 + header.utf8.count + 4,
                      "data bytes 4..<6 belong to no tensor (the data section may have no holes)")
        let atStart = "{\(Self.u8("a", 4, 2, 6))}"
        expectRefusal(safeTensorsFile(atStart, data: Array(repeating: 0, count: 6)), at: 8 + atStart.utf8.count, "data bytes 0..<2")
    }

    @Test func trailingBytes() {
        let header = "{\(Self.u8("a", 4, 0, 4))}"
        expectRefusal(safeTensorsFile(header, data: Array(repeating: 0, count: 6)), at: 8 + header.utf8.count + 4,
                      "2 trailing bytes after the last tensor belong to no tensor")
        expectRefusal(safeTensorsFile("{}", data: [1]), at: 10, "1 trailing bytes")
    }

    @Test func metadataValueNotAString() {
        expectRefusal(safeTensorsFile(#"{"__metadata__":{"k":1}}"#), at: 29, "\"__metadata__\" value for \"k\" must be a string")
        expectRefusal(safeTensorsFile(#"{"__metadata__":{"k":null}}"#), at: 29, "must be a string")
        expectRefusal(safeTensorsFile(#"{"__metadata__":["k"]}"#), at: 24, "expected \"__metadata__\" to be an object of strings")
    }

    @Test func truncatedData() throws {
        let bytes = try SafeTensors(tensors: ["w": .init(floats: [1, 2, 3], shape: [3])]).encode()
        expectRefusal(Array(bytes.dropLast(3)), at: 9, "run past the data section, which holds 9 bytes (is the file truncated?)")
        expectRefusal(Array(bytes.prefix(20)), at: 0, "runs past the end of the file")
    }

    @Test func invalidUTF8InHeader() {
        var bytes = safeTensorsFile("{\(Self.u8("ab", 1, 0, 1))}", data: [0])
        bytes[11] = 0xFF // the "b" of the name
        expectRefusal(bytes, at: 11, "the header is not valid UTF-8")
        bytes[11] = 0xC3 // a lead byte followed by an ASCII quote
        expectRefusal(bytes, at: 11, "not valid UTF-8")
    }
}

/// Seeded mutation fuzzing: valid files, mutated (bit flips, interesting bytes, truncation,
/// insertion, deletion, duplication, length-field edits, header-text splices with the length
/// kept consistent), must each decode or throw a `DataError`; a trap or any other error fails
/// the run. What decodes must round-trip, and `read(from:)` must agree with `decode`.
///
/// BACKPROP_FUZZ_ITERATIONS sets the count (2,000 by default, to stay fast in debug builds;
/// CI raises it). A million: `BACKPROP_FUZZ_ITERATIONS=1000000 swift test -c release --filter SafeTensorsFuzz`.
/// BACKPROP_FUZZ_SEED picks another stream.
@Suite("SafeTensors fuzz")
struct SafeTensorsFuzzTests {
    static let environment = ProcessInfo.processInfo.environment
    static let iterations = environment["BACKPROP_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 2_000
    static let seed = environment["BACKPROP_FUZZ_SEED"].flatMap { UInt64($0) } ?? 20_240_601

    static func seeds() throws -> [[UInt8]] {
        let small = SafeTensors(
            tensors: ["w": .init(floats: [1, -2, 3.5, 0, 1e-3, -7], shape: [2, 3]), "b": .init(doubles: [0.5], shape: []),
                      "i": .init(int32s: [1, 2], shape: [2]), "n": .init(int64s: [], shape: [0, 4]),
                      "m": .init(uint8s: [9, 8, 7], shape: [3])],
            metadata: ["format": "pt", "ü": "\"\\\n"])
        let bare = SafeTensors(tensors: ["x": .init(dtype: .bf16, shape: [2], bytes: [1, 2, 3, 4])])
        return [try small.encode(), try bare.encode(), try SafeTensors().encode(),
                safeTensorsFile(#" {"__metadata__":null,"a":{"shape":[2],"dtype":"U8","data_offsets":[0,2]}} "#, data: [1, 2])]
    }

    /// Tokens that steer the parser into its corners when spliced into a header.
    static let tokens = ["{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "0", "-1", "1.5", "1e3", "null",
                         "18446744073709551615", "9223372036854775807", "4611686018427387904", "\"__metadata__\"",
                         "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"F32\"", "\"U8\"", "[0,0]", "[]", " ", "\u{FFFD}", "\u{1}"]

    @Test("mutated files decode or throw DataError, never crash")
    func mutations() throws {
        var rng = SeededGenerator(seed: Self.seed)
        let seeds = try Self.seeds()
        let dir = try TemporaryDirectory()
        let path = dir.url.appendingPathComponent("fuzz.safetensors")
        var accepted = 0, refused = 0
        for iteration in 0..<Self.iterations {
            var bytes = seeds[rng.index(below: seeds.count)]
            for _ in 0...rng.index(below: 4) { Self.mutate(&bytes, &rng) }
            let outcome: Result<SafeTensors, DataError>
            do {
                outcome = .success(try SafeTensors.decode(bytes, source: "fuzz"))
            } catch let error as DataError {
                outcome = .failure(error)
            } catch {
                Issue.record("iteration \(iteration): not a DataError: \(error)")
                continue
            }
            switch outcome {
            case .success(let file):
                accepted += 1
                let again = try SafeTensors.decode(file.encode())
                #expect(again == file, "iteration \(iteration): decoded file does not round-trip")
            case .failure:
                refused += 1
            }
            if iteration % 100 == 0 {
                try Data(bytes).write(to: path)
                let fromFile = Result { try SafeTensors.read(from: path) }
                switch (outcome, fromFile) {
                case (.success(let a), .success(let b)): #expect(a == b, "iteration \(iteration)")
                case (.failure(let a), .failure(let b as DataError)):
                    #expect(a.record == b.record && a.problem == b.problem, "iteration \(iteration): \(a) vs \(b)")
                default: Issue.record("iteration \(iteration): decode gave \(outcome), read(from:) gave \(fromFile)")
                }
            }
        }
        #expect(accepted > 0 && refused > 0, "accepted \(accepted), refused \(refused)")
    }

    static func mutate(_ bytes: inout [UInt8], _ rng: inout SeededGenerator) {
        func position(_ extra: Int = 0) -> Int { rng.index(below: bytes.count + extra) }
        switch rng.index(below: 9) {
        case 0 where !bytes.isEmpty: // flip a bit
            bytes[position()] ^= UInt8(1) << UInt8(rng.index(below: 8))
        case 1 where !bytes.isEmpty: // an interesting byte
            let interesting: [UInt8] = [0, 0x20, 0x22, 0x2C, 0x30, 0x39, 0x3A, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x7F, 0x80, 0xC0, 0xFF]
            bytes[position()] = interesting[rng.index(below: interesting.count)]
        case 2: // truncate
            bytes.removeLast(rng.index(below: bytes.count + 1))
        case 3: // insert random bytes
            let count = 1 + rng.index(below: 8)
            bytes.insert(contentsOf: (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: position(1))
        case 4 where !bytes.isEmpty: // delete a range
            let start = position()
            bytes.removeSubrange(start..<min(bytes.count, start + 1 + rng.index(below: 16)))
        case 5 where !bytes.isEmpty: // duplicate a range
            let start = position()
            let chunk = bytes[start..<min(bytes.count, start + 1 + rng.index(below: 32))]
            bytes.insert(contentsOf: chunk, at: position(1))
        case 6 where bytes.count >= 8: // edit the length field
            let n = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let choices: [UInt64] = [0, 1, 2, n &- 1, n &+ 1, n &- 8, n &+ 8, UInt64(bytes.count), UInt64(bytes.count - 8),
                                     1 << 63, 1 << 60, .max, 100_000_000, 100_000_001, rng.next(), rng.next() % 1024]
            let value = choices[rng.index(below: choices.count)]
            bytes.replaceSubrange(0..<8, with: withUnsafeBytes(of: value.littleEndian, Array.init))
        default: // splice into the header text and fix the length field to match
            guard bytes.count >= 8 else { return }
            let n = Int(truncatingIfNeeded: bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            guard n >= 0, n <= bytes.count - 8 else { return }
            let token = Array(tokens[rng.index(below: tokens.count)].utf8)
            let at = 8 + rng.index(below: n + 1)
            let removed = rng.index(below: 3) == 0 ? min(rng.index(below: 6), 8 + n - at) : 0
            bytes.replaceSubrange(at..<(at + removed), with: token)
            let newN = UInt64(n - removed + token.count)
            bytes.replaceSubrange(0..<8, with: withUnsafeBytes(of: newN.littleEndian, Array.init))
        }
    }
}
