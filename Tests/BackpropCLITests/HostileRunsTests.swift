import Backprop
import BackpropTestSupport
import Foundation
import Testing

/// Inputs and options that are valid but extreme end the way a user would want, never by a
/// signal: values near Float's limits, epoch counts near Int's, a gzip bomb under a memory
/// limit, models with tens of thousands of classes.
@Suite("The backprop command at the edges")
struct HostileRunsTests {
    @Test("inputs near ±Float.greatestFiniteMagnitude train and draw their decision map")
    func hugeInputs() throws {
        let dir = try TempDir()
        let csv = try dir.write("big.csv", "x,y,label\n-1.71e38,0,0\n1.71e38,0,1\n-1.71e38,1,0\n1.71e38,1,1\n")
        let r = try CLI.run(["train", "--dataset", "csv:" + csv.path, "--epochs", "1", "--layers", "2,2",
                             "--optimizer", "sgd", "--learning-rate", "1e-38"])
        #expect(!r.signaled && r.status == 0, "\(r.status): \(r.stderr)")
        #expect(r.stdout.contains("what it learned"))
    }

    @Test("the live progress line copes with an epoch limit near Int.max")
    func hugeEpochCount() throws {
        let r = try CLI.shell("script -qec '\"$BACKPROP\" train --dataset xor --epochs 9223372036854775807 --target-loss 100' /dev/null")
        #expect(!r.signaled && r.status == 0, "\(r.status): \(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("epoch 1/9223372036854775807"), "\(r.stdout)")
        #expect(r.stdout.contains("target loss reached"))
    }

    @Test("a gzip bomb under a memory limit is refused before it is inflated, with a message")
    func gzipBomb() throws {
        let dir = try TempDir()
        let count = 100_000
        var images = Data(IDXBytes.file(dims: [UInt32(count), 28, 28], payload: []))
        images.append(Data(count: count * 784))
        let gz = try dir.write("images.gz", Gzip.compress(images))
        let labels = try dir.write("labels", IDXBytes.labels([UInt8](repeating: 0, count: count)))
        let r = try CLI.shell("ulimit -v 600000 && exec \"$BACKPROP\" train --dataset idx:\(gz.path),\(labels.path) --epochs 1")
        #expect(!r.signaled && r.status == 65, "\(r.status): \(r.stderr)")
        #expect(r.stderr.contains("images.gz") && r.stderr.contains("more than the"), "\(r.stderr)")
    }

    @Test("a model with 65,536 classes trains and evaluates in memory and output that follow the data")
    func manyClasses() throws {
        let dir = try TempDir()
        let rows = (0..<50).map { "\(Double($0) / 50),0.5,0.25,\($0 % 3)" } + ["0.5,0.5,0.5,65535"]
        let csv = try dir.write("wide.csv", "a,b,c,label\n" + rows.joined(separator: "\n") + "\n")
        let model = dir.url.appendingPathComponent("wide.safetensors").path
        let refused = try CLI.run(["train", "--dataset", "csv:" + csv.path, "--epochs", "1"])
        #expect(refused.status == 65 && refused.stderr.contains("65536 classes"), "\(refused.stderr)")
        let train = try CLI.run(["train", "--dataset", "csv:" + csv.path, "--epochs", "1", "--layers", "3,4,65536",
                                 "--save", model, "--json"])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(try #require(CLI.lastJSON(train)["peak_rss_bytes"] as? Int) < 400 << 20)
        let evaluate = try CLI.run(["evaluate", "--model", model, "--dataset", "csv:" + csv.path, "--json"])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(evaluate.stderr.contains("confusion matrix of 65536 classes left out"), "\(evaluate.stderr.prefix(2000))")
        let json = try CLI.lastJSON(evaluate)
        #expect(json["confusion"] == nil && (json["per_class"] as? [Any])?.count == 65_536)
        #expect(evaluate.stdout.utf8.count < 8 << 20, "evaluate printed \(evaluate.stdout.utf8.count) bytes")
    }

    @Test("a reader that goes away (| head) does not lose the run: it trains on and saves")
    func closedOutput() throws {
        let dir = try TempDir()
        let model = dir.url.appendingPathComponent("p.safetensors").path
        let r = try CLI.shell("\"$BACKPROP\" train --dataset spirals:3000 --epochs 20 --log-every 1 --save \(model) | head -2; "
                              + "echo \"status $?\"")
        #expect(!r.signaled && r.stdout.contains("status 0"), "\(r.stdout) \(r.stderr)")
        #expect(try Checkpoint.read(from: URL(fileURLWithPath: model)).training?.completedEpochs == 20)
    }

    @Test("a second SIGINT stops at once and says that it did not save")
    func secondSignal() throws {
        let dir = try TempDir()
        // Full-batch updates of a wide network: each lasts long enough for a second signal.
        let process = try CLI.start(["train", "--dataset", "mnist-like:20000", "--layers", "784,1024,10", "--mode", "batch",
                                     "--epochs", "1000", "--log-every", "1", "--save", dir.url.appendingPathComponent("m").path],
                                    logs: dir.url)
        let logs = try FileManager.default.contentsOfDirectory(at: dir.url, includingPropertiesForKeys: nil)
        let stdout = try #require(logs.first { $0.lastPathComponent.hasPrefix("stdout-") })
        let stderr = try #require(logs.first { $0.lastPathComponent.hasPrefix("stderr-") })
        #expect(CLI.wait(for: "epoch 1/", in: stdout, timeout: 120))
        kill(process.processIdentifier, SIGINT)
        usleep(100_000)
        let stillRunning = kill(process.processIdentifier, 0) == 0
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 130)
        if stillRunning {
            let text = try String(contentsOf: stderr, encoding: .utf8)
            #expect(text.contains("a second SIGINT: stopping at once, without saving"), "\(text)")
        }
    }

    @Test("class names holding line breaks and escape sequences print escaped, one line per sample")
    func controlCharactersInNames() throws {
        let dir = try TempDir()
        let rows = (0..<12).map { i in "\(i % 2),\(Double(i) / 12)," + (i % 2 == 0 ? "\"plain\"" : "\"two\nlines \u{1B}[31mred\"") }
        let csv = try dir.write("names.csv", "a,b,label\n" + rows.joined(separator: "\n") + "\n")
        let model = dir.url.appendingPathComponent("m.safetensors").path
        #expect(try CLI.run(["train", "--dataset", "csv:" + csv.path, "--epochs", "30", "--save", model]).status == 0)
        let inputs = try dir.write("rows.csv", "0,0.1\n1,0.2\n0,0.3\n")
        let r = try CLI.run(["predict", "--model", model, "--input", inputs.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").count == 3, "\(r.stdout)")
        #expect(!r.stdout.contains("\u{1B}") && r.stdout.contains("two\\nlines"), "\(r.stdout)")
    }
}
