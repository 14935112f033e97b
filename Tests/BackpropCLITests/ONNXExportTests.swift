import Backprop
@testable import BackpropONNX
import BackpropTestSupport
import Foundation
import Testing

/// `backprop export`: the graph as ONNX's own checker and onnxruntime see it, against predict.
@Suite("backprop export writes ONNX that onnxruntime runs as predict does")
struct ONNXExportTests {
    /// python3 with onnx, onnxruntime and numpy (scripts/setup.sh installs them; .ci/run runs it).
    static let pythonReady: Bool = {
        (try? CLI.shell("python3 -c 'import onnx, onnxruntime, numpy'", timeout: 60).status) == 0
    }()
    static let runtimeReason: Comment =
        "python3 lacks onnx, onnxruntime or numpy (pip install onnx onnxruntime numpy; scripts/setup.sh does); under CI=true this is a failure"
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Scripts/onnx_check.py").path

    /// A network of random weights with a standardisation, as training would leave one.
    static func checkpoint(_ arch: Architecture, seed: UInt64, classNames: [String]? = nil) -> Checkpoint {
        var g = SeededGenerator(seed: seed)
        let parameters = (0..<arch.parameterCount).map { _ in Float.random(in: -1...1, using: &g) }
        let n = arch.inputSize
        let normalization = Normalization(kind: .standard, offset: (0..<n).map { _ in Float.random(in: -2...2, using: &g) },
                                          scale: (0..<n).map { _ in Float.random(in: 0.2...3, using: &g) })
        return Checkpoint(architecture: arch, parameters: parameters, normalization: normalization, classNames: classNames)
    }

    /// Every hidden activation, and each output the losses give: softmax, sigmoid, identity.
    static func networks() throws -> [(name: String, arch: Architecture)] {
        var cases: [(String, Architecture)] = []
        for a in Activation.all where a != .softmax {
            cases.append((a.name, try Architecture(sizes: [5, 17, 3, 4], hidden: a, loss: .softmaxCrossEntropy)))
        }
        cases.append(("leaky-relu:0.2", try Architecture(sizes: [5, 7, 4], hidden: .leakyReLU(alpha: 0.2), loss: .softmaxCrossEntropy)))
        cases.append(("elu:0.5", try Architecture(sizes: [5, 7, 4], hidden: .elu(alpha: 0.5), loss: .softmaxCrossEntropy)))
        cases.append(("sigmoid output", try Architecture(sizes: [5, 9, 1], hidden: .tanh, loss: .sigmoidCrossEntropy)))
        cases.append(("regression", try Architecture(sizes: [5, 9, 3], hidden: .swish, loss: .squaredError)))
        cases.append(("one layer", try Architecture(sizes: [5, 2], hidden: .relu, loss: .squaredError)))
        return cases.map { ($0.0, $0.1) }
    }

    @Test("the graph: opset 13, named input and output with a symbolic batch, Sub/Mul, a Gemm per layer, the activations")
    func graph() throws {
        let arch = try Architecture(sizes: [3, 4, 4, 2], hidden: .mish, loss: .softmaxCrossEntropy)
        let model = try ONNXExport.model(Self.checkpoint(arch, seed: 1, classNames: ["no", "yes"]), graphName: "g")
        #expect(model.opsetImport.map(\.version) == [13] && model.opsetImport[0].domain.isEmpty)
        #expect(model.graph.node.map(\.opType) == ["Sub", "Mul", "Gemm", "Softplus", "Tanh", "Mul",
                                                   "Gemm", "Softplus", "Tanh", "Mul", "Gemm", "Softmax"])
        #expect(model.graph.input.map(\.name) == ["input"] && model.graph.output.map(\.name) == ["output"])
        let dims = model.graph.input[0].type.tensorType.shape.dim
        #expect(dims.count == 2 && dims[0].dimParam == "batch" && dims[1].dimValue == 3)
        #expect(model.graph.output[0].type.tensorType.shape.dim[1].dimValue == 2)
        #expect(model.graph.node.last?.output == ["output"])
        let gemm = try #require(model.graph.node.first { $0.opType == "Gemm" })
        #expect(gemm.attribute.map(\.name) == ["transB"] && gemm.attribute[0].i == 1)
        let w0 = try #require(model.graph.initializer.first { $0.name == "layers.0.weight" })
        #expect(w0.dims == [4, 3] && w0.rawData.count == 48)
        let metadata = Dictionary(uniqueKeysWithValues: model.metadataProps.map { ($0.key, $0.value) })
        #expect(metadata["class_names"] == "[\"no\",\"yes\"]" && metadata["backprop_version"] == BackpropVersion.current)
        // Every value a node reads is the input, an initializer or an earlier node's output.
        var known = Set(["input"] + model.graph.initializer.map(\.name))
        for node in model.graph.node {
            #expect(node.input.allSatisfy(known.contains), "\(node.name) reads \(node.input)")
            known.formUnion(node.output)
        }
        // Serialised and parsed back, the same message.
        let bytes = try ONNXExport.serialized(Self.checkpoint(arch, seed: 1))
        #expect(try Onnx_ModelProto(serializedBytes: bytes).graph.node.count == 12)
    }

    @Test("onnxruntime gives predict's outputs to 1e-5 for every activation and output",
          .enabled(if: TestDevices.isCI || pythonReady, runtimeReason))
    func runtime() throws {
        #expect(Self.pythonReady, "\(Self.runtimeReason)")
        let dir = try TempDir()
        var g = SeededGenerator(seed: 7)
        // 33 rows, some far out, so that the activations saturate.
        let rows = (0..<33).map { i in (0..<5).map { _ in Float.random(in: -4...4, using: &g) * (i % 5 == 0 ? 4 : 1) } }
        let inputs = try dir.write("x.csv", rows.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n") + "\n").path
        var arguments: [String] = []
        let networks = try Self.networks()
        for (i, c) in networks.enumerated() {
            let model = dir.url.appendingPathComponent("m\(i).safetensors"), onnx = dir.url.appendingPathComponent("m\(i).onnx")
            try Self.checkpoint(c.arch, seed: UInt64(10 + i)).write(to: model)
            let export = try CLI.run(["export", "--model", model.path, "--onnx", onnx.path])
            #expect(export.status == 0, "\(c.name): \(export.stderr)")
            let predict = try CLI.run(["predict", "--model", model.path, "--input", inputs, "--format", "csv"])
            #expect(predict.status == 0, "\(c.name): \(predict.stderr)")
            arguments += [onnx.path, inputs, try dir.write("y\(i).csv", predict.stdout).path]
        }
        let check = try CLI.shell("python3 \"$0\" \"$@\"", environment: [:], timeout: 300, arguments: [Self.script] + arguments)
        #expect(check.status == 0, "onnx_check.py: \(check.stdout)\(check.stderr)")
        let lines = check.stdout.split(separator: "\n")
        #expect(lines.count == networks.count, "\(check.stdout)\(check.stderr)")
    }

    @Test("export refuses a folder or a missing folder, and a bad model leaves the existing file as it was")
    func refusals() throws {
        let dir = try TempDir()
        let model = dir.url.appendingPathComponent("m.safetensors")
        try Self.checkpoint(try Architecture(sizes: [2, 3, 2], loss: .softmaxCrossEntropy), seed: 3).write(to: model)
        let folder = try CLI.run(["export", "--model", model.path, "--onnx", dir.url.path])
        #expect(folder.status == 64 && folder.stderr.contains("--onnx") && folder.stderr.contains("a folder"), "\(folder.stderr)")
        let missing = try CLI.run(["export", "--model", model.path, "--onnx", dir.url.path + "/no/such/m.onnx"])
        #expect(missing.status == 64 && missing.stderr.contains("does not exist"), "\(missing.stderr)")
        let existing = try dir.write("keep.onnx", Data("precious".utf8))
        let bad = try dir.write("bad.safetensors", Data("not safetensors at all".utf8))
        let r = try CLI.run(["export", "--model", bad.path, "--onnx", existing.path])
        #expect(r.status == 65 && r.stderr.contains("bad.safetensors"), "\(r.stderr)")
        #expect(try Data(contentsOf: existing) == Data("precious".utf8))
        let json = try CLI.run(["export", "--model", model.path, "--onnx", existing.path, "--json"])
        #expect(try json.status == 0 && CLI.lastJSON(json)["opset"] as? Int == 13, "\(json.stdout)\(json.stderr)")
        #expect(try Data(contentsOf: existing).count > 100)
    }
}
