import Backprop
import Foundation
import BackpropTestSupport
import Testing

@Suite("The backprop command")
struct CLITests {
    @Test("train with no options learns the built-in default and reports it")
    func defaultRun() throws {
        let r = try CLI.run(["--json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let json = try CLI.lastJSON(r)
        #expect((json["train_accuracy"] as? Double ?? 0) >= 0.95)
        // One spelling of a layer list and of a mode, as --layers and bench take them.
        #expect(json["mode"] as? String == "minibatch-32")
        #expect((json["architecture"] as? String ?? "").hasPrefix("2,64,64,2 "))
        // With --json, standard output holds the JSON alone; the human lines go to standard error.
        #expect(r.stdout.split(separator: "\n").count == 1, "\(r.stdout)")
        #expect(r.stderr.contains("what it learned"))
        #expect(r.stderr.contains("epoch 1/"))
    }

    @Test("train, save, evaluate and predict round the loop", arguments: TestDevices.kinds)
    func trainEvaluatePredict(_ kind: DeviceKind) throws {
        let dir = try TempDir()
        let model = dir.url.appendingPathComponent("xor.safetensors").path
        let device = kind == .cpu ? "cpu" : "opencl"
        let train = try CLI.run(["train", "--dataset", "xor", "--layers", "2,8,2", "--activation", "tanh", "--mode", "stochastic",
                                 "--optimizer", "momentum", "--learning-rate", "0.1", "--epochs", "300", "--target-loss", "0.01",
                                 "--device", device, "--save", model, "--json"])
        #expect(train.status == 0, "stderr: \(train.stderr)")
        let summary = try CLI.lastJSON(train)
        #expect(summary["train_accuracy"] as? Double == 1)
        #expect((summary["device"] as? String ?? "").contains(kind == .cpu ? "CPU" : "OpenCL"))
        #expect(FileManager.default.fileExists(atPath: model))

        let evaluate = try CLI.run(["evaluate", "--model", model, "--dataset", "xor", "--device", device, "--json"])
        #expect(evaluate.status == 0, "stderr: \(evaluate.stderr)")
        #expect(try CLI.lastJSON(evaluate)["accuracy"] as? Double == 1)
        #expect(evaluate.stderr.contains("confusion matrix"))

        let csv = try dir.write("points.csv", "x,y\n0,0\n0,1\n1,0\n1,1\n")
        let predict = try CLI.run(["predict", "--model", model, "--input", csv.path, "--device", device])
        #expect(predict.status == 0, "stderr: \(predict.stderr)")
        let classes = predict.stdout.split(separator: "\n").map { $0.split(separator: "\t")[1] }
        #expect(classes == ["0", "1", "1", "0"])
    }

    @Test("a resumed run continues the epoch count and the optimizer state")
    func resume() throws {
        let dir = try TempDir()
        let a = dir.url.appendingPathComponent("a.safetensors").path
        let common = ["train", "--dataset", "circles", "--optimizer", "adam", "--epochs"]
        #expect(try CLI.run(common + ["3", "--save", a]).status == 0)
        let resumed = try CLI.run(common + ["5", "--resume", a, "--json"])
        #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
        #expect(try CLI.lastJSON(resumed)["epochs"] as? Int == 5)
        #expect(resumed.stderr.contains("epoch 4/5") && !resumed.stderr.contains("epoch 3/5"))
    }

    @Test("a rate given with --resume overrides the checkpoint's, and the header says so")
    func resumeWithNewRate() throws {
        let dir = try TempDir()
        let m = dir.url.appendingPathComponent("m.safetensors").path
        #expect(try CLI.run(["train", "--dataset", "circles", "--optimizer", "sgd", "--learning-rate", "0.5", "--epochs", "2",
                             "--save", m]).status == 0)
        let r = try CLI.run(["train", "--dataset", "circles", "--resume", m, "--learning-rate", "0.05", "--epochs", "4", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("sgd, learning rate 0.05, up to 4 epochs, from epoch 3"), "\(r.stderr)")
        #expect(r.stderr.contains("resumed   with learning rate 0.05 (the checkpoint had 0.5)"), "\(r.stderr)")
        #expect(r.stderr.contains("epoch 3/4") && r.stderr.contains("lr 0.05"))
    }

    @Test("evaluate and --init number text labels as the model does, and refuse a class it does not know")
    func classNames() throws {
        let dir = try TempDir()
        var rows = ["a,b,species"]
        for i in 0..<60 {
            let species = ["setosa", "versicolor", "virginica"][i % 3]
            rows.append("\(Double(i % 3) + Double(i) / 600),\(Double(i % 3) * 2),\(species)")
        }
        let all = try dir.write("iris.csv", rows.joined(separator: "\n") + "\n")
        let two = try dir.write("two.csv", rows.filter { !$0.hasSuffix("setosa") }.joined(separator: "\n") + "\n")
        let rose = try dir.write("rose.csv", "a,b,species\n0.1,0.2,rose\n0.3,0.4,setosa\n")
        let model = dir.url.appendingPathComponent("iris.safetensors").path
        let train = try CLI.run(["train", "--dataset", "csv:" + all.path, "--epochs", "300", "--save", model, "--json"])
        #expect(train.status == 0, "\(train.stderr)")
        let evaluate = try CLI.run(["evaluate", "--model", model, "--dataset", "csv:" + two.path, "--json"])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect((try CLI.lastJSON(evaluate)["accuracy"] as? Double ?? 0) > 0.9, "\(evaluate.stdout)")
        let initialised = try CLI.run(["train", "--dataset", "csv:" + two.path, "--init", model, "--epochs", "1",
                                       "--validation", "0", "--json"])
        #expect(initialised.status == 0, "\(initialised.stderr)")
        #expect((try CLI.lastJSON(initialised)["train_accuracy"] as? Double ?? 0) > 0.9, "\(initialised.stdout)")
        let unknown = try CLI.run(["evaluate", "--model", model, "--dataset", "csv:" + rose.path])
        #expect(unknown.status == 65 && unknown.stderr.contains("\"rose\"") && unknown.stderr.contains("does not know"),
                "\(unknown.stderr)")
    }

    @Test("devices lists the CPU path and every OpenCL device")
    func devices() throws {
        let r = try CLI.run(["devices"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("cpu "))
        if TestDevices.runOpenCL { #expect(r.stdout.contains("opencl:0") && r.stdout.contains("compute units")) }
    }

    @Test("tune --reset forgets the stored tuning of the device, and only that",
          .enabled(if: TestDevices.runOpenCL, TestDevices.skipReason))
    func tuneReset() throws {
        let info = try #require(try DeviceSelection.openCLDevices().first)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tune-reset-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var tuned = GEMMConfig(direct: .init(vw: 8, om: 4, on: 2))
        tuned.gemvGroup = 32
        let key = [info.platformName, info.name, info.driverVersion].joined(separator: "|")
        let file = dir.appendingPathComponent("gemm-tuning.json")
        try JSONEncoder().encode([key: tuned, "other|device|1.0": tuned]).write(to: file)
        let env = ["BACKPROP_CACHE_DIR": dir.path]

        let first = try CLI.run(["tune", "--reset", "--device", "opencl:0"], environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("forgot the tuning stored for \(info.name)"), "\(first.stdout)")
        let left = try JSONDecoder().decode([String: GEMMConfig].self, from: Data(contentsOf: file))
        #expect(Array(left.keys) == ["other|device|1.0"])

        let again = try CLI.run(["tune", "--reset", "--device", "opencl:0"], environment: env)
        #expect(again.status == 0 && again.stdout.contains("nothing stored for"), "\(again.stdout)")
        let refused = try CLI.run(["tune", "--reset", "--quick"], environment: env)
        #expect(refused.status == 64, "\(refused.stderr)")
    }
}
