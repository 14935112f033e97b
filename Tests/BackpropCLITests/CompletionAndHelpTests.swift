import Backprop
import BackpropTestSupport
import Foundation
import Testing

/// Shell completion of option values and paths, and `backprop help json` against what the
/// commands write.
@Suite("Shell completion completes values and paths; help json lists every key written")
struct CompletionAndHelpTests {
    @Test("the bash script lists activations, losses, optimizers, modes and completes model files", arguments: ["bash", "zsh", "fish"])
    func script(shell: String) throws {
        let r = try CLI.run(["--generate-completion-script", shell])
        #expect(r.status == 0, "\(r.stderr)")
        for word in ["mish", "leaky-relu", "binary-cross-entropy", "adamw", "rprop", "minibatch", "standard", "glorot-uniform", "random", "jsonl"] {
            #expect(r.stdout.contains(word), "\(shell) script does not complete \(word)")
        }
        #expect(r.stdout.contains("safetensors"), "\(shell): --save and --model complete .safetensors files")
        #expect(r.stdout.contains("---completion train -- --device"), "\(shell): --device completes from the devices present")
    }

    @Test("--device completes the fixed forms and each OpenCL device; --dataset the sets and, after csv:, paths")
    func custom() throws {
        let device = try CLI.run(["---completion", "train", "--", "--device", "0", "0", ""])
        let devices = device.stdout.split(separator: "\n").map(String.init)
        #expect(Array(devices.prefix(5)) == ["auto", "cpu", "opencl", "opencl:gpu", "opencl:cpu"], "\(device.stdout)\(device.stderr)")
        let openCL = try DeviceSelection.openCLDevices().count
        #expect(devices.count == 5 + openCL)
        let dir = try TempDir()
        try dir.write("train.csv", "a,label\n1,0\n")
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("more"), withIntermediateDirectories: false)
        let sets = try CLI.run(["---completion", "train", "--", "--dataset", "0", "0", ""])
        #expect(sets.stdout.split(separator: "\n").map(String.init) == ["xor", "spirals", "circles", "sine", "mnist-like", "csv:", "fann:", "mnist:", "idx:"])
        let typed = "csv:" + dir.url.path + "/"
        let paths = try CLI.run(["---completion", "evaluate", "--", "--dataset", "0", "\(typed.count)", typed])
        #expect(paths.stdout.split(separator: "\n").map(String.init) == [typed + "more/", typed + "train.csv"], "\(paths.stdout)\(paths.stderr)")
    }

    @Test("every key a command writes with --json is in backprop help json")
    func jsonKeys() throws {
        let help = try CLI.run(["help", "json"])
        #expect(help.status == 0 && help.stdout.contains("evaluate:"), "\(help.stderr)")
        let text = help.stdout
        // A key as a word of its own: "loss" is not listed by "train_loss".
        func listed(_ key: String) -> Bool {
            text.range(of: "(?<![A-Za-z0-9_])\(key)(?![A-Za-z0-9_])", options: .regularExpression) != nil
        }
        let dir = try TempDir()
        let model = dir.url.appendingPathComponent("m.safetensors").path
        let regression = dir.url.appendingPathComponent("r.safetensors").path
        let runs: [[String]] = [
            ["train", "--dataset", "xor", "--epochs", "2", "--save", model, "--validation", "0"],
            ["train", "--dataset", "spirals:200", "--epochs", "1"],
            ["train", "--dataset", "sine:200", "--epochs", "1", "--save", regression],
            ["evaluate", "--model", model, "--dataset", "xor"],
            ["evaluate", "--model", regression, "--dataset", "sine:50"],
            ["export", "--model", model, "--onnx", dir.url.appendingPathComponent("m.onnx").path],
            ["devices"],
            ["stress", "--iterations", "2"],
            ["check", "--quick", "--device", "cpu"],
        ] + (TestDevices.runOpenCL ? [["check", "--quick", "--device", TestDevices.openCLRequest.description]] : [])
        for args in runs {
            let r = try CLI.run(args + ["--json"])
            #expect(r.status == 0, "\(args): \(r.stderr)")
            let object = try CLI.lastJSON(r)
            for key in object.keys {
                #expect(listed(key), "\(args[0]) writes \"\(key)\", which backprop help json does not list")
            }
            if let opencl = object["opencl"] as? [[String: Any]] {
                for key in opencl.flatMap(\.keys) { #expect(listed(key), "devices writes \"\(key)\"") }
            }
            if let rows = object["rows"] as? [[String: Any]] {
                for key in rows.flatMap(\.keys) { #expect(listed(key), "check writes \"\(key)\" per row") }
            }
            if let perClass = object["per_class"] as? [[String: Any]] {
                for key in perClass.flatMap(\.keys) { #expect(listed(key), "evaluate writes \"\(key)\" per class") }
            }
        }
        let p = try CLI.run(["predict", "--model", model, "--input", "xor", "--json"])
        for line in p.stdout.split(separator: "\n") {
            let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            for key in row.keys { #expect(listed(key), "predict writes \"\(key)\"") }
        }
    }
}
