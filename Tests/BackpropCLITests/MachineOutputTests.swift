import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// Output a program can read: --json on every command, --quiet, --history, predict's formats.
@Suite("The backprop command's machine-readable output")
struct MachineOutputTests {
    /// Standard output as one JSON object, or a recorded issue.
    static func onlyJSON(_ r: CLI.Result, _ command: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String: Any]? {
        let lines = r.stdout.split(separator: "\n")
        #expect(r.status == 0, "\(command): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(lines.count == 1, "\(command): standard output holds more than the JSON: \(r.stdout.prefix(500))",
                sourceLocation: sourceLocation)
        let object = lines.first.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(object != nil, "\(command): not a JSON object: \(r.stdout.prefix(500))", sourceLocation: sourceLocation)
        return object
    }

    @Test("with --json, standard output holds only the JSON on every command; the human lines go to standard error")
    func jsonEverywhere() throws {
        let dir = try TempDir()
        let model = dir.url.appendingPathComponent("m.safetensors").path
        let rows = try dir.write("rows.csv", "0,0\n1,1\n").path
        let commands: [([String], [String])] = [
            (["train", "--dataset", "xor", "--epochs", "2", "--save", model], ["train_loss", "version", "epochs"]),
            (["evaluate", "--model", model, "--dataset", "xor"], ["loss", "accuracy", "macro", "per_class", "version"]),
            (["devices"], ["cpu", "opencl", "auto"]),
            (["stress", "--iterations", "2"], ["iterations", "rss_after"]),
            (["bench", "--smoke", "--sections", "gemm", "--device", "cpu", "--gemm-sizes", "17", "--gemm-batches", "0"],
             ["machine", "records"]),
        ]
        for (args, keys) in commands {
            let r = try CLI.run(args + ["--json"], timeout: 300)
            guard let object = Self.onlyJSON(r, args[0]) else { continue }
            for key in keys { #expect(object[key] != nil, "\(args[0]) --json has no \"\(key)\": \(object.keys.sorted())") }
            #expect(!r.stderr.isEmpty, "\(args[0]) --json printed no human lines to standard error")
        }
        let bench = try CLI.run(["bench", "--smoke", "--sections", "gemm", "--device", "cpu", "--gemm-sizes", "17",
                                 "--gemm-batches", "0", "--json"], timeout: 300)
        let machine = try #require(CLI.lastJSON(bench)["machine"] as? [String: Any])
        #expect(machine["version"] as? String == BackpropVersion.current)
        let predict = try CLI.run(["predict", "--model", model, "--input", rows, "--json"])
        #expect(predict.status == 0 && predict.stdout.split(separator: "\n").count == 2, "\(predict.stdout)")
        #expect(try Checkpoint.read(from: URL(fileURLWithPath: model)).architecture.sizes == [2, 64, 64, 2])
        let version = try CLI.run(["--version"])
        #expect(version.status == 0 && version.stdout == "backprop \(BackpropVersion.current)\n", "\(version.stdout)")
    }

    @Test("--quiet prints nothing but warnings and errors; with --json, the JSON alone")
    func quiet() throws {
        let r = try CLI.run(["train", "--dataset", "xor", "--epochs", "2", "--quiet"])
        #expect(r.status == 0 && r.stdout.isEmpty && r.stderr.isEmpty, "\(r.stdout)\(r.stderr)")
        let json = try CLI.run(["train", "--dataset", "xor", "--epochs", "2", "--quiet", "--json"])
        _ = Self.onlyJSON(json, "train --quiet --json")
        #expect(json.stderr.isEmpty, "\(json.stderr)")
        let bad = try CLI.run(["train", "--dataset", "xor", "--epochs", "0", "--quiet"])
        #expect(bad.status == 64 && bad.stderr.contains("--epochs"), "\(bad.stderr)")
    }

    @Test("--history writes one row per epoch, CSV or JSON lines by its extension")
    func history() throws {
        let dir = try TempDir()
        let csv = dir.url.appendingPathComponent("h.csv"), jsonl = dir.url.appendingPathComponent("h.jsonl")
        for url in [csv, jsonl] {
            let r = try CLI.run(["train", "--dataset", "circles", "--epochs", "4", "--history", url.path, "--json"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(lines.first?.map(String.init) == ["epoch", "loss", "accuracy", "validation_loss", "validation_accuracy",
                                                  "learning_rate", "seconds", "samples_per_second", "undone"])
        #expect(lines.count == 5 && lines.dropFirst().map { String($0[0]) } == ["1", "2", "3", "4"])
        for row in lines.dropFirst() { #expect(Double(String(row[1])) != nil && Double(String(row[3])) != nil, "\(row)") }
        let objects = try String(contentsOf: jsonl, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.map { $0["epoch"] as? Int } == [1, 2, 3, 4])
        #expect(objects.allSatisfy { $0["validation_loss"] is Double && $0["learning_rate"] is Double })
    }

    @Test("predict: text, csv and jsonl, from a file or standard input")
    func predictFormats() throws {
        let dir = try TempDir()
        let model = dir.url.appendingPathComponent("m.safetensors").path
        let data = try dir.write("pets.csv", "x,y,kind\n0,0,cat\n0,1,dog\n1,0,dog\n1,1,cat\n").path
        #expect(try CLI.run(["train", "--dataset", "csv:" + data, "--epochs", "3", "--save", model]).status == 0)
        let rows = try dir.write("rows.csv", "0,0\n1,0\n").path
        let jsonl = try CLI.run(["predict", "--model", model, "--input", rows, "--format", "jsonl"])
        let objects = jsonl.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.count == 2, "\(jsonl.stdout)\(jsonl.stderr)")
        for (i, o) in objects.enumerated() {
            let p = o["probabilities"] as? [Double] ?? []
            #expect(o["sample"] as? Int == i && p.count == 2 && abs(p.reduce(0, +) - 1) < 1e-5)
            let c = o["class"] as? Int ?? -1
            #expect(p.indices.contains(c) && p[c] == p.max() && o["name"] as? String == ["cat", "dog"][c])
        }
        let csv = try CLI.shell("\"$BACKPROP\" predict --model '\(model)' --input - --format csv < '\(rows)'")
        let lines = csv.stdout.split(separator: "\n")
        #expect(csv.status == 0 && lines.first == "sample,class,name,p0,p1" && lines.count == 3, "\(csv.stdout)\(csv.stderr)")
        #expect(lines.dropFirst().map { $0.split(separator: ",").count } == [5, 5])
        let text = try CLI.run(["predict", "--model", model, "--input", rows])
        #expect(text.stdout.split(separator: "\n").count == 2 && text.stdout.contains("\t"), "\(text.stdout)")
        let conflict = try CLI.run(["predict", "--model", model, "--input", rows, "--format", "csv", "--json"])
        #expect(conflict.status == 64 && conflict.stderr.contains("--json"), "\(conflict.stderr)")
        // Regression: "outputs".
        let sine = dir.url.appendingPathComponent("s.safetensors").path
        #expect(try CLI.run(["train", "--dataset", "sine", "--epochs", "2", "--save", sine]).status == 0)
        let reg = try CLI.shell("printf '0.5\\n' | \"$BACKPROP\" predict --model '\(sine)' --input - --format jsonl")
        let o = try JSONSerialization.jsonObject(with: Data(reg.stdout.utf8)) as? [String: Any]
        #expect((o?["outputs"] as? [Double])?.count == 1 && o?["class"] == nil, "\(reg.stdout)\(reg.stderr)")
    }

    @Test("evaluate: per-class precision, recall and F1, macro means; MSE, RMSE, MAE and R² for regression")
    func evaluateMetrics() throws {
        let dir = try TempDir()
        let model = dir.url.appendingPathComponent("c.safetensors").path
        #expect(try CLI.run(["train", "--dataset", "circles", "--epochs", "3", "--save", model]).status == 0)
        let c = try CLI.run(["evaluate", "--model", model, "--dataset", "circles", "--json"])
        let object = try CLI.lastJSON(c)
        let perClass = try #require(object["per_class"] as? [[String: Any]])
        #expect(perClass.count == 2 && perClass.allSatisfy { $0["precision"] is Double && $0["recall"] is Double && $0["f1"] is Double })
        #expect(c.stderr.contains("precision     recall         f1    support") && c.stderr.contains("macro     precision"), "\(c.stderr)")
        let sine = dir.url.appendingPathComponent("s.safetensors").path
        #expect(try CLI.run(["train", "--dataset", "sine", "--epochs", "3", "--save", sine]).status == 0)
        let r = try CLI.run(["evaluate", "--model", sine, "--dataset", "sine", "--json"])
        let reg = try CLI.lastJSON(r)
        let mse = try #require(reg["mse"] as? Double), loss = try #require(reg["loss"] as? Double)
        #expect(abs(loss - mse / 2) < 1e-6 * max(1, loss), "one output: the loss is ½·MSE")
        #expect(abs((reg["rmse"] as? Double ?? 0) - mse.squareRoot()) < 1e-9 && reg["mae"] is Double && reg["r2"] is Double)
        #expect(r.stderr.contains("(½ the sum of squared errors per sample)") && r.stderr.contains("r²"), "\(r.stderr)")
    }

    @Test("--log-every is honoured on a terminal: only the epochs logged stay as lines")
    func logEveryOnTerminal() throws {
        let r = try CLI.shell("script -qec '\"$BACKPROP\" train --dataset xor --epochs 10 --log-every 5' /dev/null")
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        // What stays on the screen: each line's text after its last carriage return.
        let shown = r.stdout.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n")
            .compactMap { $0.split(separator: "\r").last }.map { $0.replacingOccurrences(of: "\u{1B}[K", with: "") }
            .filter { $0.hasPrefix("epoch ") }
        #expect(shown.map { $0.split(separator: " ")[1] } == ["1/10", "5/10", "10/10"], "\(shown)")
    }
}
