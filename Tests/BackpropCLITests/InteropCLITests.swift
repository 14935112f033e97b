import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// Weights in from PyTorch: a safetensors state_dict with no Backprop metadata.
@Suite("The backprop command reads PyTorch's weights")
struct InteropCLITests {
    /// nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2)) as save_file(model.state_dict()) writes it:
    /// the class is the larger of the two inputs.
    static func torchFile(_ dir: TempDir) throws -> String {
        var file = SafeTensors()
        file.tensors["0.weight"] = .init(floats: [1, 0, 0, 1, 0.5, 0.5], shape: [3, 2])
        file.tensors["0.bias"] = .init(floats: [0, 0, 0], shape: [3])
        file.tensors["2.weight"] = .init(doubles: [4, -4, 0, -4, 4, 0], shape: [2, 3])  // float64, as model.double() saves
        file.tensors["2.bias"] = .init(floats: [0, 0], shape: [2])
        let url = dir.url.appendingPathComponent("torch.safetensors")
        try file.write(to: url)
        return url.path
    }

    @Test("evaluate and predict take plain weights with --activation; the default relu gives another network")
    func evaluatePredict() throws {
        let dir = try TempDir()
        let model = try Self.torchFile(dir)
        let data = try dir.write("d.csv", "a,b,label\n0.9,0.1,0\n0.2,0.8,1\n0.6,0.3,0\n0.1,0.4,1\n").path
        let r = try CLI.run(["evaluate", "--model", model, "--activation", "tanh", "--dataset", "csv:" + data, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try CLI.lastJSON(r)["accuracy"] as? Double == 1)
        #expect(try CLI.lastJSON(r)["architecture"] as? String == "2,3,2 tanh/softmax, cross-entropy")
        let rows = try dir.write("rows.csv", "0.9,0.1\n0.2,0.8\n").path
        let p = try CLI.run(["predict", "--model", model, "--activation", "tanh", "--input", rows, "--format", "jsonl"])
        let probabilities = p.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["probabilities"] as? [Double]
        }
        // By hand: h = tanh(x1, x2, (x1+x2)/2), z = 4(h1 − h2)·(1, −1), softmax.
        for (x, probs) in zip([(0.9, 0.1), (0.2, 0.8)], probabilities) {
            let d = 4 * (tanh(x.0) - tanh(x.1))
            let p0 = 1 / (1 + exp(-2 * d))
            #expect(abs(probs[0] - p0) < 1e-5 && abs(probs[1] - (1 - p0)) < 1e-5, "\(probs) vs \(p0)")
        }
        #expect(probabilities.count == 2, "\(p.stdout)\(p.stderr)")
        let relu = try CLI.run(["evaluate", "--model", model, "--dataset", "csv:" + data, "--json"])
        #expect(try CLI.lastJSON(relu)["architecture"] as? String == "2,3,2 relu/softmax, cross-entropy")
    }

    @Test("a Backprop checkpoint fixes its activations; files that are neither are refused naming what was found")
    func refusals() throws {
        let dir = try TempDir()
        let model = dir.url.appendingPathComponent("m.safetensors").path
        #expect(try CLI.run(["train", "--dataset", "xor", "--epochs", "1", "--save", model]).status == 0)
        let r = try CLI.run(["evaluate", "--model", model, "--dataset", "xor", "--activation", "tanh"])
        #expect(r.status == 64 && r.stderr.contains("--activation tanh") && r.stderr.contains("plain weights"), "\(r.stderr)")
        var odd = SafeTensors()
        odd.tensors["encoder.conv.weight"] = .init(floats: [1], shape: [1, 1, 1, 1])
        let file = dir.url.appendingPathComponent("conv.safetensors")
        try odd.write(to: file)
        let refused = try CLI.run(["predict", "--model", file.path, "--input", "xor"])
        #expect(refused.status == 65 && refused.stderr.contains("encoder.conv.weight") && refused.stderr.contains("conv.safetensors"),
                "\(refused.stderr)")
        let resume = try CLI.run(["train", "--dataset", "xor", "--resume", try Self.torchFile(dir)])
        #expect(resume.status == 64 && resume.stderr.contains("--resume") && resume.stderr.contains("with init"), "\(resume.stderr)")
    }
}
