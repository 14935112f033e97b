import Backprop
import Foundation
import BackpropTestSupport
import Testing

@Suite("Checkpoints")
struct CheckpointTests {
    static let data = SyntheticData.circles(count: 80, seed: 6)

    func trainer(seed: UInt64 = 1, epochs: Int, kind: OptimizerConfig.Kind = .adam) throws -> Trainer {
        let network = try Network(Architecture(sizes: [2, 12, 7, 2], hidden: .tanh), device: TestDevices.cpu(), seed: seed)
        var options = TrainingOptions(mode: .minibatch(9), epochs: epochs)
        options.schedule = .boldDriver
        options.stopping.patience = 50
        return try Trainer(network: network, optimizer: Optimizer(OptimizerConfig(kind, learningRate: 0.02), network: network),
                           options: options)
    }

    @Test("a checkpoint round-trips bit for bit")
    func roundTrip() throws {
        let dir = try TempDir()
        let t = try trainer(epochs: 3)
        _ = try t.fit(Self.data, validation: Self.data.slice(0..<10))
        let normalization = Normalization.Kind.standard.fit(Self.data)
        let checkpoint = try Checkpoint(network: t.network, trainer: t, normalization: normalization, classNames: ["in", "out"])
        let url = dir.url.appendingPathComponent("model.safetensors")
        try checkpoint.write(to: url)
        let first = try Data(contentsOf: url)
        let loaded = try Checkpoint.read(from: url)
        #expect(loaded.parameters.map(\.bitPattern) == checkpoint.parameters.map(\.bitPattern))
        #expect(loaded.architecture == checkpoint.architecture)
        #expect(loaded.normalization == normalization)
        #expect(loaded.classNames == ["in", "out"])
        #expect(loaded.optimizer == checkpoint.optimizer)
        #expect(loaded.optimizerState.map { $0.map(\.bitPattern) } == checkpoint.optimizerState.map { $0.map(\.bitPattern) })
        #expect(loaded.training == checkpoint.training)
        let again = dir.url.appendingPathComponent("again.safetensors")
        try loaded.write(to: again)
        #expect(try Data(contentsOf: again) == first)
        // The tensors are where the Python safetensors package will look for them.
        let file = try SafeTensors.read(from: url)
        #expect(file.tensors["layers.0.weight"]?.shape == [12, 2])
        #expect(file.tensors["layers.2.bias"]?.shape == [2])
        #expect(file.metadata["format"] == Checkpoint.formatName)
    }

    @Test("training resumed from a checkpoint ends where an uninterrupted run ends",
          arguments: [OptimizerConfig.Kind.momentum, .adam, .rprop])
    func resume(_ kind: OptimizerConfig.Kind) throws {
        let dir = try TempDir()
        let whole = try trainer(epochs: 6, kind: kind)
        _ = try whole.fit(Self.data)

        let first = try trainer(epochs: 3, kind: kind)
        _ = try first.fit(Self.data)
        let url = dir.url.appendingPathComponent("half.safetensors")
        try Checkpoint(network: first.network, trainer: first).write(to: url)

        let saved = try Checkpoint.read(from: url)
        let network = try saved.makeNetwork(device: TestDevices.cpu())
        var options = first.options
        options.stopping.maxEpochs = 6
        let second = try Trainer(network: network, optimizer: Optimizer(try #require(saved.optimizer), network: network),
                                 options: options)
        try saved.restore(into: second)
        #expect(second.completedEpochs == 3)
        let rest = try second.fit(Self.data)
        #expect(rest.epochs.map(\.epoch) == [4, 5, 6])
        #expect(try network.readParameters() == whole.network.readParameters())
    }

    @Test("truncated, corrupted and foreign files are refused with a clear error")
    func refusals() throws {
        let dir = try TempDir()
        let t = try trainer(epochs: 1)
        let url = dir.url.appendingPathComponent("model.safetensors")
        try Checkpoint(network: t.network, trainer: t).write(to: url)
        let bytes = try Data(contentsOf: url)

        let truncated = try dir.write("truncated.safetensors", bytes.prefix(bytes.count - 7))
        expectDataError(truncated.path) { try Checkpoint.read(from: truncated) }
        let tiny = try dir.write("tiny.safetensors", bytes.prefix(5))
        expectDataError(tiny.path) { try Checkpoint.read(from: tiny) }

        var header = bytes
        header[12] ^= 0x55  // inside the JSON header
        let corrupt = try dir.write("corrupt.safetensors", header)
        expectDataError(corrupt.path) { try Checkpoint.read(from: corrupt) }

        // A valid safetensors file that is not a Backprop checkpoint.
        let foreign = dir.url.appendingPathComponent("foreign.safetensors")
        try SafeTensors(tensors: ["x": .init(floats: [1, 2], shape: [2])]).write(to: foreign)
        expectDataError(foreign.path, "not a Backprop checkpoint") { try Checkpoint.read(from: foreign) }

        // The right format, but a tensor of the wrong shape or with a NaN.
        var file = try SafeTensors.read(from: url)
        file.tensors["layers.1.weight"] = .init(floats: [1, 2, 3], shape: [3])
        let shape = dir.url.appendingPathComponent("shape.safetensors")
        try file.write(to: shape)
        expectDataError(shape.path, "layers.1.weight") { try Checkpoint.read(from: shape) }
        file = try SafeTensors.read(from: url)
        let bias = try #require(file.tensors["layers.0.bias"])
        file.tensors["layers.0.bias"] = .init(floats: [Float](repeating: .nan, count: bias.count), shape: bias.shape)
        let nan = dir.url.appendingPathComponent("nan.safetensors")
        try file.write(to: nan)
        expectDataError(nan.path, "NaN") { try Checkpoint.read(from: nan) }

        // Every single-byte truncation point fails cleanly, never crashes.
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
            let partial = try dir.write("cut.safetensors", bytes.prefix(cut))
            #expect(throws: DataError.self) { try Checkpoint.read(from: partial) }
        }
    }

    /// A small checkpoint's safetensors form with one metadata value edited.
    func edited(_ key: String, _ edit: (String) -> String) throws -> SafeTensors {
        let t = try trainer(epochs: 1)
        var file = try Checkpoint(network: t.network, trainer: t, classNames: ["a", "b"]).encoded()
        file.metadata[key] = edit(try #require(file.metadata[key]))
        return file
    }

    @Test("a normalisation that is not finite, or scales by 0, is refused: every input would look alike")
    func badNormalization() throws {
        let arch = try Architecture(sizes: [2, 3, 2])
        let parameters = [Float](repeating: 0.1, count: arch.parameterCount)
        for (offset, scale, fragment) in [([Float(0), 0], [Float.nan, 1], "not a finite number"),
                                          ([.infinity, 0], [1, 1], "not a finite number"), ([0, 0], [1, 0], "scale of 0")] {
            let checkpoint = Checkpoint(architecture: arch, parameters: parameters,
                                        normalization: Normalization(kind: .standard, offset: offset, scale: scale))
            expectDataError("normalisation", fragment) { try Checkpoint(checkpoint.encoded(), source: "m.safetensors") }
        }
    }

    @Test("metadata claiming a network too large to exist is refused before anything is allocated")
    func hugeArchitecture() throws {
        // Products that overflow an Int trapped in Architecture.parameterCount.
        for sizes in ["[4611686018427387904,4,4,2]", "[2,4611686018427387904,4611686018427387904,2]", "[2,3037000500,3037000500,2]"] {
            let file = try edited("architecture") { $0.replacingOccurrences(of: "[2,12,7,2]", with: sizes) }
            expectDataError("model", "parameters") { try Checkpoint(file, source: "model") }
        }
        // 40000 × 50000 weights is a valid size (2·10⁹ parameters), but the file does not hold
        // them: refused by the tensor check, not after allocating 8 GB.
        let file = try edited("architecture") { $0.replacingOccurrences(of: "[2,12,7,2]", with: "[40000,50000,7,2]") }
        let start = ContinuousClock.now
        expectDataError("model", "layers.0.weight") { try Checkpoint(file, source: "model") }
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test("impossible optimizer, training or class-name metadata is refused as a data error")
    func impossibleMetadata() throws {
        let cases: [(String, (String) -> String, String)] = [
            ("training", { $0.replacingOccurrences(of: "\"completedEpochs\":0", with: "\"completedEpochs\":-5") }, "completedEpochs"),
            ("training", { $0.replacingOccurrences(of: "\"optimizerSteps\":0", with: "\"optimizerSteps\":-3") }, "optimizerSteps"),
            ("training", { $0.replacingOccurrences(of: "\"learningRate\":0.02", with: "\"learningRate\":-1") }, "learning rate"),
            ("optimizer", { $0.replacingOccurrences(of: "\"beta1\":0.9", with: "\"beta1\":7") }, "beta1 7.0"),
            ("class_names", { _ in #"["a","b","c"]"# }, "class_names"),
        ]
        for (key, edit, fragment) in cases {
            let file = try edited(key, edit)
            #expect(file.metadata[key] != (try edited(key) { $0 }).metadata[key], "the edit of \(key) did not apply")
            expectDataError("model", fragment) { try Checkpoint(file, source: "model") }
        }
    }
}
