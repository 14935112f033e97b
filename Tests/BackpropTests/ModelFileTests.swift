import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// Plain weights as PyTorch writes them: read into the network they describe, checked
/// against a float64 forward pass written out here.
@Suite("Model files: checkpoints and plain weights")
struct ModelFileTests {
    /// A 3-4-2 network's tensors as nn.Sequential(Linear, Tanh, Linear) names them, under `prefix`.
    static func sequential(prefix: String = "", f64: Bool = false, bias: Bool = true, seed: UInt64 = 5)
        -> (file: SafeTensors, w: [[Double]], b: [[Double]]) {
        var rng = SeededGenerator(seed: seed)
        let shapes = [(4, 3), (2, 4)]
        var file = SafeTensors(), ws: [[Double]] = [], bs: [[Double]] = []
        for (l, (out, fanIn)) in shapes.enumerated() {
            let w = (0..<(out * fanIn)).map { _ in rng.uniform(-1, 1) }
            let b = bias ? (0..<out).map { _ in rng.uniform(-1, 1) } : [Double](repeating: 0, count: out)
            let index = "\(prefix)\(l * 2)"  // nn.Sequential numbers the activations too: 0, 2
            file.tensors["\(index).weight"] = f64 ? .init(doubles: w, shape: [out, fanIn]) : .init(floats: w.map(Float.init), shape: [out, fanIn])
            if bias { file.tensors["\(index).bias"] = f64 ? .init(doubles: b, shape: [out]) : .init(floats: b.map(Float.init), shape: [out]) }
            ws.append(f64 ? w : w.map { Double(Float($0)) })
            bs.append(f64 ? b : b.map { Double(Float($0)) })
        }
        return (file, ws, bs)
    }

    /// tanh hidden layer, softmax output, in float64.
    static func reference(_ x: [Double], _ w: [[Double]], _ b: [[Double]]) -> [Double] {
        var a = x
        for l in 0..<2 {
            let out = b[l].count, fanIn = a.count
            var z = (0..<out).map { j in b[l][j] + (0..<fanIn).reduce(0.0) { $0 + w[l][j * fanIn + $1] * a[$1] } }
            if l == 0 { z = z.map(tanh) } else {
                let m = z.max()!, e = z.map { exp($0 - m) }, s = e.reduce(0, +)
                z = e.map { $0 / s }
            }
            a = z
        }
        return a
    }

    @Test("nn.Sequential's numbering, a module prefix, float64 and missing biases all read as the same network",
          arguments: [("", false, true), ("net.", false, true), ("layers.", true, true), ("model.body.", false, false)])
    func plainWeights(prefix: String, f64: Bool, bias: Bool) throws {
        let (file, w, b) = Self.sequential(prefix: prefix, f64: f64, bias: bias)
        guard case .weights(let weights) = try ModelFile(file, source: "m.safetensors") else {
            Issue.record("plain weights read as a checkpoint")
            return
        }
        #expect(weights.sizes == [3, 4, 2])
        let checkpoint = try weights.checkpoint(NetworkChoice(activation: .tanh, classification: true))
        #expect(checkpoint.architecture.activations == [.tanh, .softmax] && checkpoint.architecture.loss == .softmaxCrossEntropy)
        let network = try checkpoint.makeNetwork(device: CPUDevice())
        let x: [Double] = [0.3, -1.2, 0.7]
        let y = try network.predict(x.map(Float.init))
        for (got, want) in zip(y, Self.reference(x, w, b)) { #expect(abs(Double(got) - want) < 1e-6) }
    }

    @Test("defaults: relu hidden layers; the loss from the data, else by the outputs")
    func defaults() throws {
        let (file, _, _) = Self.sequential()
        let model = try ModelFile(file, source: "m")
        #expect(try model.checkpoint(NetworkChoice()).architecture.activations == [.relu, .softmax])
        #expect(try model.checkpoint(NetworkChoice(classification: false)).architecture.loss == .squaredError)
        #expect(try model.checkpoint(NetworkChoice(loss: .sigmoidCrossEntropy)).architecture.outputActivation == .sigmoid)
        var pt = file
        pt.metadata = ["format": "pt"]  // as Hugging Face's writers mark a PyTorch file
        guard case .weights = try ModelFile(pt, source: "m") else { Issue.record("format pt read as a checkpoint"); return }
    }

    @Test("what cannot be a chain of linear layers is refused, naming the tensor and what was expected")
    func refusals() throws {
        let (good, _, _) = Self.sequential()
        func edited(_ edit: (inout SafeTensors) -> Void) -> SafeTensors { var f = good; edit(&f); return f }
        let cases: [(SafeTensors, [String])] = [
            (edited { $0.tensors["running_mean"] = .init(floats: [0], shape: [1]) }, ["\"running_mean\"", "not a layer's weight or bias"]),
            (edited { $0.tensors["2.weight"] = .init(floats: [Float](repeating: 0, count: 10), shape: [2, 5]) }, ["\"2.weight\"", "2 × 5", "the shapes must chain"]),
            (edited { $0.tensors["0.bias"] = .init(floats: [0, 0], shape: [2]) }, ["\"0.bias\"", "expected [4]"]),
            (edited { $0.tensors["0.weight"] = .init(int32s: [Int32](repeating: 0, count: 12), shape: [4, 3]) }, ["\"0.weight\"", "I32", "F32 or F64"]),
            (edited { $0.tensors["0.weight"] = .init(floats: [Float](repeating: 0, count: 12), shape: [12]) }, ["\"0.weight\"", "out × in"]),
            (edited { $0.tensors["0.weight"] = nil }, ["\"0.bias\" but no \"0.weight\""]),
            (edited { $0.tensors["net.4.weight"] = .init(floats: [0, 0], shape: [1, 2]) }, ["several modules"]),
            (SafeTensors(), ["holds no tensors"]),
            (edited { $0.tensors["2.bias"] = .init(floats: [.nan, 0], shape: [2]) }, ["NaN"]),
        ]
        for (file, fragments) in cases {
            let error = expectDataError("m.safetensors") { try ModelFile(file, source: "m.safetensors") }
            for fragment in fragments { #expect(error?.description.contains(fragment) == true, "\(error?.description ?? "")") }
        }
    }

    @Test("a checkpoint's metadata that does not decode says which key and what was expected")
    func readableMetadata() throws {
        let arch = try Architecture(sizes: [2, 4, 2])
        var file = try Checkpoint(architecture: arch, parameters: [Float](repeating: 0.1, count: arch.parameterCount)).encoded()
        file.metadata["architecture"] = #"{"sizes":[2,4,2]}"#
        expectDataError("m", "\"activations\" is missing", "expected {\"sizes\"") { try ModelFile(file, source: "m") }
        file.metadata["architecture"] = #"{"sizes":"2,4,2","activations":["relu","softmax"],"loss":"mse"}"#
        expectDataError("m", "\"sizes\" is not a list") { try ModelFile(file, source: "m") }
        #expect(file.metadata["backprop_version"] == BackpropVersion.current)
    }

    @Test("a Backprop checkpoint fixes its activations: a choice that differs is refused, one that restates it is fine")
    func checkpointFixesChoice() throws {
        let arch = try Architecture(sizes: [2, 4, 2], hidden: .tanh)
        let file = try Checkpoint(architecture: arch, parameters: [Float](repeating: 0.1, count: arch.parameterCount)).encoded()
        let model = try ModelFile(file, source: "m")
        expectConfigurationError([.activation], "fixes the activation") { try model.checkpoint(NetworkChoice(activation: .relu)) }
        expectConfigurationError([.loss]) { try model.checkpoint(NetworkChoice(loss: .squaredError)) }
        #expect(try model.checkpoint(NetworkChoice(activation: .tanh)).architecture == arch)
    }

    @Test("train --init starts from plain weights with the chosen activations; --resume and --initializer are refused")
    func initFromWeights() throws {
        let dir = try TempDir()
        let url = dir.url.appendingPathComponent("w.safetensors")
        let (file, w, b) = Self.sequential()
        try file.write(to: url)
        var s = TrainingRun.Settings()
        s.device = .cpu
        s.epochs = 1
        s.initFrom = url
        s.activation = .tanh
        s.learningRate = 1e-30  // the weights all but unchanged: the start is the file's
        let data = Dataset(source: "d", inputSize: 3, inputs: [0.3, -1.2, 0.7, 0.1, 0.2, 0.3], labels: [0, 1])
        let o = try TrainingRun(s).train(on: data)
        #expect(o.network.architecture.sizes == [3, 4, 2] && o.network.architecture.activations == [.tanh, .softmax])
        let y = try o.network.predict([0.3, -1.2, 0.7])
        for (got, want) in zip(y, Self.reference([0.3, -1.2, 0.7], w, b)) { #expect(abs(Double(got) - want) < 1e-5) }
        var resume = s
        resume.initFrom = nil
        resume.resume = url
        expectConfigurationError([.resume], "plain weights") { try TrainingRun(resume) }
        var layers = s
        layers.layers = [3, 8, 2]
        expectConfigurationError([.layers, .initFrom], "3,4,2") { try TrainingRun(layers) }
        var initializer = s
        initializer.initializer = .heNormal
        expectConfigurationError([.initializer, .initFrom]) { try TrainingRun(initializer) }
    }
}
