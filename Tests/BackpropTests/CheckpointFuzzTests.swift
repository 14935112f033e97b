@testable import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// Seeded mutation fuzzing of checkpoint reading (counts and the command for a million:
/// FuzzSupport.swift): the safetensors layer and the checkpoint's own checks together. Small
/// valid checkpoints are mutated either as bytes (the safetensors mutations: length-field
/// edits, header splices, generic byte edits) or as content and re-encoded into a valid
/// safetensors file: metadata JSON with huge, zero, negative or non-finite numbers and unknown
/// names spliced in, keys dropped, tensors reshaped, retyped, renamed, dropped or given NaN.
/// Each must read as a checkpoint or throw a `DataError`; what reads must hold together.
/// One input in `Fuzz.fileEvery` also goes through `Checkpoint.read(from:)`.
@Suite("Checkpoint fuzz")
struct CheckpointFuzzTests {
    static func training(_ json: String) throws -> TrainingState {
        try JSONDecoder().decode(TrainingState.self, from: Data(json.utf8))
    }

    /// Three small checkpoints: Adam with normalisation and class names, SGD bare, RPROP with
    /// one sigmoid output.
    static func seeds() throws -> [SafeTensors] {
        var a = Checkpoint(architecture: try Architecture(sizes: [2, 3, 2], hidden: .tanh),
                           parameters: (0..<17).map { Float($0) / 10 - 0.8 },
                           normalization: Normalization(kind: .minMax, offset: [0, -1], scale: [1, 0.5]), classNames: ["no", "yes"])
        a.optimizer = OptimizerConfig(.adam, learningRate: 0.01)
        a.optimizerState = [(0..<17).map { Float($0) * 1e-3 }, (0..<17).map { Float($0) * 1e-6 }]
        a.training = try training(#"{"completedEpochs":3,"learningRate":0.01,"optimizerSteps":12,"previousLoss":0.5,"epochsSinceBest":0}"#)
        let b = Checkpoint(architecture: try Architecture(sizes: [1, 1], loss: .squaredError), parameters: [0.5, -0.25])
        var c = Checkpoint(architecture: try Architecture(sizes: [3, 2, 1], hidden: .sigmoid, loss: .sigmoidCrossEntropy),
                           parameters: (0..<11).map { Float($0) })
        c.optimizer = OptimizerConfig(.rprop, learningRate: 0.1)
        c.optimizerState = [[Float](repeating: 0, count: 11), [Float](repeating: 0.1, count: 11)]
        c.training = try training(#"{"completedEpochs":1,"learningRate":0.1,"optimizerSteps":1,"epochsSinceBest":1,"bestValidationLoss":0.25}"#)
        return try [a, b, c].map { try $0.encoded() }
    }

    /// JSON spliced into metadata values: numbers at the edges of every width, wrong types,
    /// names that are not activations, losses or optimizers.
    static let jsonTokens = [
        "0", "-1", "1", "2147483647", "2147483648", "4611686018427387904", "9223372036854775807", "1e999", "-1e999",
        "1.5", "null", "true", "[]", "{}", "[0]", "\"\"", "\"softmax\"", "\"relu\"", "\"sigmoid\"", "\"nope\"",
        "\"cross-entropy\"", "\"mse\"", "\"adam\"", "\"rprop\"", ",", ":", "[", "]", "{", "}", "\"", "\\",
        "[2,3,2]", "[46341,46341]", "[65536,32768,1]", "[1,2147483647,2]", String(repeating: "[", count: 600),
    ]

    @Test("mutated checkpoints read or throw DataError, never crash")
    func mutations() throws {
        var m = Mutator(seed: Fuzz.seed &+ 3)
        let seeds = try Self.seeds()
        let encodedSeeds = try seeds.map { try $0.encode() }
        let dir = try TempDir()
        let url = dir.url.appendingPathComponent("fuzz.safetensors")
        var tally = Fuzz.Tally("Checkpoint")
        for iteration in 0..<Fuzz.iterations {
            let k = m.below(seeds.count)
            var bytes: [UInt8]
            if m.chance(2) {
                bytes = encodedSeeds[k]
                for _ in 0...m.below(3) { m.mutateSafeTensors(&bytes) }
            } else {
                var file = seeds[k]
                for _ in 0...m.below(2) { Self.mutate(&file, &m) }
                guard let encoded = try? file.encode() else { continue }
                bytes = encoded
            }
            var read: Checkpoint?
            let refusal = tally.check(iteration, bytes) {
                read = try Checkpoint(SafeTensors.decode(bytes, source: "fuzz.safetensors"), source: "fuzz.safetensors")
            }
            if let read { try Self.checkConsistent(read, iteration) }
            if let refusal { #expect(refusal.source == "fuzz.safetensors", "iteration \(iteration): \(refusal)") }
            if iteration % Fuzz.fileEvery == 0 {
                try Data(bytes).write(to: url)
                let fromFile = Result { try Checkpoint.read(from: url) }
                switch (read, refusal, fromFile) {
                case (let a?, _, .success(let b)):
                    #expect(a.parameters == b.parameters && a.architecture == b.architecture, "iteration \(iteration)")
                case (nil, let a?, .failure(let b as DataError)):
                    #expect(a.record == b.record && b.source == url.path, "iteration \(iteration): \(a) vs \(b)")
                default: Issue.record("iteration \(iteration): memory gave \(String(describing: refusal)), file gave \(fromFile)")
                }
            }
        }
        tally.report()
    }

    /// What reads must be usable: parameters, normalisation and optimizer state of the sizes the
    /// architecture states, all finite, and it must encode again.
    static func checkConsistent(_ c: Checkpoint, _ iteration: Int) throws {
        let arch = c.architecture
        let parameters = c.parameters.count == arch.parameterCount && c.parameters.allSatisfy { $0.isFinite }
        let normalization = c.normalization.map { $0.inputSize == arch.inputSize } ?? true
        let state = c.optimizerState.allSatisfy { $0.count == arch.parameterCount }
        #expect(parameters && normalization && state, "iteration \(iteration): inconsistent checkpoint accepted")
        _ = try c.encoded().encode()
    }

    /// One content mutation, the file staying valid safetensors.
    static func mutate(_ file: inout SafeTensors, _ m: inout Mutator) {
        switch m.below(10) {
        case 0..<5: // a metadata value: a JSON token spliced in, or the value replaced
            let key = m.pick(file.metadata.keys.sorted() + ["format"])
            var text = Array((file.metadata[key] ?? "").utf8)
            if m.chance(4) {
                text = Array(m.pick(jsonTokens).utf8)
            } else if m.chance(2), let digit = text.indices.filter({ text[$0] >= 0x30 && text[$0] <= 0x39 }).randomElement(using: &m.rng) {
                // A number in the JSON (a layer size, a count, a rate) replaced by an edge value.
                var end = digit
                while end < text.count && ((text[end] >= 0x30 && text[end] <= 0x39) || text[end] == UInt8(ascii: ".")) { end += 1 }
                text.replaceSubrange(digit..<end, with: Array(m.pick(Array(jsonTokens.prefix(10))).utf8))
            } else {
                m.splice(&text, Array(m.pick(jsonTokens).utf8))
            }
            file.metadata[key] = String(decoding: text, as: UTF8.self)
        case 5: // a metadata key dropped
            if let key = file.metadata.keys.sorted().randomElement(using: &m.rng) { file.metadata[key] = nil }
        case 6: // a tensor dropped or renamed
            guard let name = file.tensors.keys.sorted().randomElement(using: &m.rng) else { return }
            let tensor = file.tensors.removeValue(forKey: name)
            if m.chance(2), let tensor { file.tensors[m.pick(["layers.9.weight", "layers.0.weight", "optimizer.velocity", name + "x"])] = tensor }
        case 7: // a tensor reshaped (same bytes, other shape) or retyped
            guard let name = file.tensors.keys.sorted().randomElement(using: &m.rng), let t = file.tensors[name] else { return }
            let shapes: [[Int]] = [[t.bytes.count / 4], [1, t.bytes.count / 4], [t.bytes.count / 4, 1], [t.bytes.count], []]
            let dtype = m.pick([SafeTensors.DType.f32, .f32, .u8, .i32, .f64])
            let shape = m.pick(shapes)
            if SafeTensors.byteCount(shape: shape, dtype: dtype) == t.bytes.count {
                file.tensors[name] = SafeTensors.Tensor(dtype: dtype, shape: shape, bytes: t.bytes)
            }
        case 8: // a weight made NaN, infinite or huge
            guard let name = file.tensors.keys.sorted().randomElement(using: &m.rng), let t = file.tensors[name],
                  t.dtype == .f32, t.count > 0 else { return }
            var bytes = t.bytes
            let value = m.pick([Float.nan, .infinity, -.infinity, .greatestFiniteMagnitude, 0])
            let at = 4 * m.below(t.count)
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.replaceSubrange(at..<(at + 4), with: $0) }
            file.tensors[name] = SafeTensors.Tensor(dtype: t.dtype, shape: t.shape, bytes: bytes)
        default: // a tensor grown or shrunk, with the architecture left as it was
            guard let name = file.tensors.keys.sorted().randomElement(using: &m.rng), let t = file.tensors[name],
                  t.dtype == .f32 else { return }
            let n = max(0, t.count + m.pick([-1, 1, 7]))
            file.tensors[name] = SafeTensors.Tensor(floats: [Float](repeating: 0.5, count: n), shape: [n])
        }
    }
}
