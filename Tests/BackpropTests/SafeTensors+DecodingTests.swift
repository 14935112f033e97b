@testable import Backprop
import Foundation
import BackpropTestSupport
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

/// Seeded mutation fuzzing (see FuzzSupport.swift for the counts and the command for a
/// million): valid files, mutated (bit flips, interesting bytes, truncation, insertion,
/// deletion, duplication, length-field edits, header-text splices with the length kept
/// consistent), must each decode or throw a `DataError`; a trap or any other error fails the
/// run. What decodes must round-trip, and `read(from:)` must agree with `decode`.
@Suite("SafeTensors fuzz")
struct SafeTensorsFuzzTests {
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

    @Test("mutated files decode or throw DataError, never crash")
    func mutations() throws {
        var mutator = Mutator(seed: Fuzz.seed)
        let seeds = try Self.seeds()
        let dir = try TempDir()
        let path = dir.url.appendingPathComponent("fuzz.safetensors")
        var tally = Fuzz.Tally("SafeTensors")
        for iteration in 0..<Fuzz.iterations {
            var bytes = mutator.pick(seeds)
            for _ in 0...mutator.below(4) { mutator.mutateSafeTensors(&bytes) }
            var decoded: SafeTensors?
            let refusal = tally.check(iteration, bytes) { decoded = try SafeTensors.decode(bytes, source: "fuzz") }
            if let decoded {
                let again = try SafeTensors.decode(decoded.encode())
                #expect(again == decoded, "iteration \(iteration): decoded file does not round-trip")
            }
            if iteration % 100 == 0 {
                try Data(bytes).write(to: path)
                let fromFile = Result { try SafeTensors.read(from: path) }
                switch (decoded, refusal, fromFile) {
                case (let a?, _, .success(let b)): #expect(a == b, "iteration \(iteration)")
                case (nil, let a?, .failure(let b as DataError)):
                    #expect(a.record == b.record && a.problem == b.problem, "iteration \(iteration): \(a) vs \(b)")
                default: Issue.record("iteration \(iteration): decode gave \(decoded == nil ? "no file" : "a file"), \(String(describing: refusal)); read(from:) gave \(fromFile)")
                }
            }
        }
        tally.report()
    }
}
