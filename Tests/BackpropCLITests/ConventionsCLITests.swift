import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// The command as PyTorch, Keras and scikit-learn users type it.
@Suite("The backprop command speaks its users' conventions")
struct ConventionsCLITests {
    /// The epoch lines of a run's standard output.
    static func epochLines(_ r: CLI.Result) -> [String] {
        r.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("epoch ") }
            .map { $0.replacingOccurrences(of: #"\s+[0-9.k M]+ samples/s.*"#, with: "", options: .regularExpression) }
    }

    @Test("--optimizer sgd --momentum 0.9 trains as momentum SGD; --lr is --learning-rate")
    func sgdMomentum() throws {
        let base = ["train", "--dataset", "circles", "--epochs", "3", "--device", "cpu", "--optimizer", "sgd"]
        let plain = try CLI.run(base + ["--lr", "0.05"])
        let momentum = try CLI.run(base + ["--lr", "0.05", "--momentum", "0.9"])
        let named = try CLI.run(["train", "--dataset", "circles", "--epochs", "3", "--device", "cpu",
                                 "--optimizer", "momentum", "--learning-rate", "0.05"])
        for r in [plain, momentum, named] { #expect(r.status == 0, "\(r.stderr)") }
        #expect(momentum.stdout.contains("minibatch-32, momentum, learning rate 0.05"), "\(momentum.stdout)")
        #expect(Self.epochLines(momentum) != Self.epochLines(plain), "the momentum was dropped")
        #expect(Self.epochLines(momentum) == Self.epochLines(named))
        let nesterov = try CLI.run(base + ["--lr", "0.05", "--momentum", "0.9", "--nesterov"])
        #expect(nesterov.status == 0 && nesterov.stdout.contains(", nesterov, "), "\(nesterov.stdout)")
        let adamw = try CLI.run(["train", "--dataset", "xor", "--epochs", "1", "--optimizer", "adamw", "--loss", "categorical_crossentropy"])
        #expect(adamw.status == 0 && adamw.stdout.contains("adam, learning rate 0.001"), "\(adamw.stdout)\(adamw.stderr)")
    }

    @Test("iris as scikit-learn writes it: sorted labels are warned of, --split random holds out every class")
    func sortedIris() throws {
        let dir = try TempDir()
        var rows = ["sepal_length\tpetal_length\tspecies"]
        for i in 0..<150 {
            let species = ["setosa", "versicolor", "virginica"][i / 50]
            rows.append("\(Double(i / 50) + Double(i % 50) / 100)\t\(Double(i / 50) * 2 + Double(i % 7) / 10)\t\(species)")
        }
        let file = try dir.write("iris.tsv", rows.joined(separator: "\n") + "\n").path
        let last = try CLI.run(["train", "--dataset", "csv:" + file, "--epochs", "2", "--json"])
        #expect(last.status == 0, "\(last.stderr)")
        #expect(last.stderr.contains("warning: every held-out sample is of one class (\"virginica\")"), "\(last.stderr)")
        #expect(last.stderr.contains("--split random"), "\(last.stderr)")
        let random = try CLI.run(["train", "--dataset", "csv:" + file, "--epochs", "2", "--split", "random", "--json"])
        #expect(random.status == 0 && !random.stderr.contains("warning"), "\(random.stderr)")
        #expect(random.stderr.contains("drawn with seed 1"), "\(random.stderr)")
    }

    @Test("CSV as people have it: tab-separated, decimal commas, gzipped")
    func csvFiles() throws {
        let dir = try TempDir()
        let tsv = try dir.write("x.tsv", "a\tb\tlabel\n0\t0\t0\n0\t1\t1\n1\t0\t1\n1\t1\t0\n").path
        let european = try dir.write("x.csv", "a;b;label\n0,0;0,5;0\n0,5;1,0;1\n1,0;0,0;1\n1,0;1,0;0\n").path
        for spec in ["csv:" + tsv, "csv:" + european + "?decimal=comma"] {
            let r = try CLI.run(["train", "--dataset", spec, "--epochs", "1", "--json"])
            #expect(r.status == 0, "\(spec): \(r.stderr)")
            #expect(r.stderr.contains("network   2,64,64,2"), "\(r.stderr)")
        }
        let gz = dir.url.appendingPathComponent("x.tsv.gz").path
        let zipped = try CLI.shell("gzip -c '\(tsv)' > '\(gz)'")
        #expect(zipped.status == 0)
        let r = try CLI.run(["train", "--dataset", "csv:" + gz, "--epochs", "1"])
        #expect(r.status == 0 && r.stdout.contains("4 training samples"), "\(r.stdout)\(r.stderr)")
    }

    @Test("--validation-data holds out a data set of its own, as Keras' validation_data; evaluate agrees on it")
    func validationData() throws {
        let dir = try TempDir()
        let train = try dir.write("train.csv", "a,b,label\n" + (0..<40).map { i in "\(i % 7),\(i % 5),\(i % 7 > 3 ? "hi" : "lo")" }.joined(separator: "\n") + "\n").path
        let test = try dir.write("test.csv", "a,b,label\n6,1,hi\n0,4,lo\n5,0,hi\n1,1,lo\n2,2,lo\n").path
        let model = dir.url.appendingPathComponent("m.safetensors").path
        let r = try CLI.run(["train", "--dataset", "csv:" + train, "--validation-data", "csv:" + test, "--epochs", "30",
                             "--save", model, "--json"])
        #expect(r.status == 0 && r.stderr.contains("40 training samples, 5 held out"), "\(r.stderr)")
        let held = try #require(try CLI.lastJSON(r)["validation_loss"] as? Double)
        let e = try CLI.run(["evaluate", "--model", model, "--dataset", "csv:" + test, "--json"])
        let evaluated = try #require(try CLI.lastJSON(e)["loss"] as? Double)
        #expect(abs(held - evaluated) < 1e-5 * max(1, evaluated), "validation loss \(held) vs evaluate's \(evaluated)")
        let both = try CLI.run(["train", "--dataset", "csv:" + train, "--validation-data", "csv:" + test, "--validation", "0.2"])
        #expect(both.status == 64 && both.stderr.contains("--validation 0.2") && both.stderr.contains("--validation-data"), "\(both.stderr)")
        let wide = try dir.write("wide.csv", "a,b,c,label\n1,2,3,hi\n").path
        let mismatch = try CLI.run(["train", "--dataset", "csv:" + train, "--validation-data", "csv:" + wide])
        #expect(mismatch.status == 65 && mismatch.stderr.contains("wide.csv") && mismatch.stderr.contains("3 inputs"), "\(mismatch.stderr)")
        let unknown = try dir.write("unknown.csv", "a,b,label\n1,2,mid\n").path
        let label = try CLI.run(["train", "--dataset", "csv:" + train, "--validation-data", "csv:" + unknown])
        #expect(label.status == 65 && label.stderr.contains("mid"), "\(label.stderr)")
    }
}
