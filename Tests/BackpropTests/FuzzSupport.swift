@testable import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// Seeded mutation fuzzing shared by the reader suites (IDXFuzzTests, CSVFuzzTests,
/// CheckpointFuzzTests, SafeTensorsFuzzTests): valid seed files are mutated and handed to a
/// reader, which must either accept them or throw a `DataError`; any other error fails the
/// run, and a trap ends it.
///
/// BACKPROP_FUZZ_ITERATIONS sets the inputs per suite: by default 100,000 under CI=true (each
/// suite takes well under a minute in a debug build on two cores) and 5,000 otherwise, so a
/// developer's `swift test` stays quick. A million per reader:
///
///     BACKPROP_FUZZ_ITERATIONS=1000000 swift test -c release --filter Fuzz
///
/// BACKPROP_FUZZ_SEED picks another stream; a failure names its iteration, which with the same
/// seed and count reproduces it.
enum Fuzz {
    static let environment = ProcessInfo.processInfo.environment
    static let iterations = environment["BACKPROP_FUZZ_ITERATIONS"].flatMap { Int($0) }
        ?? (TestDevices.isCI ? 100_000 : 5_000)
    static let seed = environment["BACKPROP_FUZZ_SEED"].flatMap { UInt64($0) } ?? 20_240_601
    /// One input in this many also goes through the reader's file API.
    static let fileEvery = 200

    /// The outcome of one input: accepted or refused, and how many of each so far. Records an
    /// issue (at most `maxIssues`, then stays quiet) for anything thrown that is not a DataError.
    struct Tally {
        let name: String
        var accepted = 0, refused = 0, issues = 0
        let started = ContinuousClock.now
        let startedCPU = Fuzz.threadCPUSeconds()
        static let maxIssues = 10

        init(_ name: String) { self.name = name }

        /// Runs `body`; returns the DataError it threw, nil when it accepted the input.
        /// A non-DataError is recorded as a failure and returned as a DataError saying so.
        @discardableResult
        mutating func check(_ iteration: Int, _ input: [UInt8], _ body: () throws -> Void) -> DataError? {
            do {
                try body()
                accepted += 1
                return nil
            } catch let error as DataError {
                refused += 1
                return error
            } catch {
                issues += 1
                if issues <= Self.maxIssues {
                    let start = Fuzz.hex(input.prefix(96))
                    Issue.record("\(name) fuzz, iteration \(iteration) (seed \(Fuzz.seed)): not a DataError: \(error); input (\(input.count) bytes) starts \(start)")
                }
                return DataError(source: "fuzz", record: nil, problem: "\(error)")
            }
        }

        /// Prints the count and the time taken (wall clock, and the CPU time of the loop's
        /// thread, which other work on a shared machine does not inflate), and checks that both
        /// outcomes occurred.
        func report() {
            let seconds = (ContinuousClock.now - started).components
            let elapsed = Double(seconds.seconds) + Double(seconds.attoseconds) * 1e-18
            let cpu = Fuzz.threadCPUSeconds() - startedCPU
            let count = accepted + refused
            print("\(name) fuzz: \(count) inputs (\(accepted) accepted, \(refused) refused) in "
                  + String(format: "%.1f s wall, %.1f s CPU (%.0f µs CPU per input)", elapsed, cpu, cpu * 1e6 / Double(max(1, count))))
            #expect(accepted > 0 && refused > 0, "\(name) fuzz: accepted \(accepted), refused \(refused)")
        }
    }

    /// CPU time of the calling thread (the loops are synchronous, so they keep one thread).
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    static func hex(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
            .joined(separator: " ")
    }
}

/// The mutations: generic byte-level ones plus helpers for the format-specific edits of each
/// suite (size fields set to 0, 2³¹, 2³²−1…; tokens spliced into text).
struct Mutator {
    var rng: SeededGenerator

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    mutating func below(_ n: Int) -> Int { rng.index(below: n) }
    mutating func chance(_ oneIn: Int) -> Bool { rng.index(below: oneIn) == 0 }
    mutating func pick<T>(_ choices: [T]) -> T { choices[rng.index(below: choices.count)] }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: rng.next()) }

    static let interestingBytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xFF, 0x20, 0x22, 0x2C, 0x0A, 0x0D, 0x1F, 0x8B, 0xC0, 0xEF]

    /// Values for 32-bit size fields: the edges of every width a reader might convert to.
    static let interesting32: [UInt32] = [0, 1, 2, 3, 4, 7, 8, 255, 256, 784, 65_535, 65_536, 60_000, 1 << 24,
                                          (1 << 31) - 1, 1 << 31, (1 << 31) + 1, UInt32.max - 1, UInt32.max]

    /// One generic mutation: a bit flip, an interesting or random byte, truncation, random
    /// bytes inserted, a range deleted, a range duplicated elsewhere, or bytes overwritten.
    mutating func mutateBytes(_ bytes: inout [UInt8]) {
        func position(_ extra: Int = 0) -> Int { below(bytes.count + extra) }
        switch below(8) {
        case 0 where !bytes.isEmpty:
            bytes[position()] ^= UInt8(1) << UInt8(below(8))
        case 1 where !bytes.isEmpty:
            bytes[position()] = pick(Self.interestingBytes)
        case 2:
            bytes.removeLast(chance(2) ? below(min(bytes.count, 8) + 1) : below(bytes.count + 1))
        case 3:
            let count = 1 + below(8)
            bytes.insert(contentsOf: (0..<count).map { _ in byte() }, at: position(1))
        case 4 where !bytes.isEmpty:
            let start = position()
            bytes.removeSubrange(start..<min(bytes.count, start + 1 + below(16)))
        case 5 where !bytes.isEmpty:
            let start = position()
            let chunk = bytes[start..<min(bytes.count, start + 1 + below(32))]
            bytes.insert(contentsOf: chunk, at: position(1))
        case 6 where !bytes.isEmpty:
            let start = position()
            for i in start..<min(bytes.count, start + 1 + below(8)) { bytes[i] = byte() }
        default:
            if !bytes.isEmpty { bytes[position()] = byte() }
        }
    }

    /// `token` inserted at a random position, or replacing up to 8 bytes there.
    mutating func splice(_ bytes: inout [UInt8], _ token: [UInt8]) {
        let at = below(bytes.count + 1)
        let removed = chance(3) ? min(below(9), bytes.count - at) : 0
        bytes.replaceSubrange(at..<(at + removed), with: token)
    }

    /// A big-endian UInt32 at `offset`, when the bytes reach that far.
    mutating func setBigEndian32(_ bytes: inout [UInt8], at offset: Int, near current: UInt32? = nil) {
        guard offset >= 0, offset + 4 <= bytes.count else { return }
        var choices = Self.interesting32 + [UInt32(truncatingIfNeeded: rng.next()), UInt32(below(1024))]
        if let current { choices += [current &+ 1, current &- 1, current &* 2, current / 2] }
        let value = pick(choices)
        bytes.replaceSubrange(offset..<(offset + 4), with: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF),
                                                             UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
    }

    // MARK: safetensors

    /// Tokens that steer the safetensors header parser into its corners.
    static let safeTensorsTokens = [
        "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "0", "-1", "1.5", "1e3", "null",
        "18446744073709551615", "9223372036854775807", "4611686018427387904", "\"__metadata__\"",
        "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"F32\"", "\"U8\"", "[0,0]", "[]", " ", "\u{FFFD}", "\u{1}",
    ]

    /// A mutation aimed at a safetensors file: any generic one, the 8-byte header length set to
    /// an edge value, or a token spliced into the header text with the length kept consistent.
    mutating func mutateSafeTensors(_ bytes: inout [UInt8]) {
        switch below(10) {
        case 0..<6:
            mutateBytes(&bytes)
        case 6..<8 where bytes.count >= 8: // edit the length field
            let n = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let choices: [UInt64] = [0, 1, 2, n &- 1, n &+ 1, n &- 8, n &+ 8, UInt64(bytes.count), UInt64(bytes.count - 8),
                                     1 << 31, 1 << 32, 1 << 63, 1 << 60, .max, 100_000_000, 100_000_001, rng.next(),
                                     rng.next() % 1024]
            let value = pick(choices)
            bytes.replaceSubrange(0..<8, with: withUnsafeBytes(of: value.littleEndian, Array.init))
        default: // splice into the header text and fix the length field to match
            guard bytes.count >= 8 else { return }
            let n = Int(truncatingIfNeeded: bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            guard n >= 0, n <= bytes.count - 8 else { return }
            let token = Array(pick(Self.safeTensorsTokens).utf8)
            let at = 8 + below(n + 1)
            let removed = chance(3) ? min(below(6), 8 + n - at) : 0
            bytes.replaceSubrange(at..<(at + removed), with: token)
            let newN = UInt64(n - removed + token.count)
            bytes.replaceSubrange(0..<8, with: withUnsafeBytes(of: newN.littleEndian, Array.init))
        }
    }
}
