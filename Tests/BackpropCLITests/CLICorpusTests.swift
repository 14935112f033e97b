import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// A corpus of malformed files and argument lists run through the `backprop` binary itself.
/// Each must end with status 64 (usage: a bad option value or an impossible combination of
/// settings) or 65 (data: a bad data or model file, or data that does not fit the network),
/// never by a signal, with a one-paragraph message on standard error that names the file or
/// option involved, nothing on standard output, no output file or temporary file left behind,
/// and every file that was there byte for byte as it was.
@Suite("The backprop command refuses hostile input")
struct CLICorpusTests {
    @Test("each case exits 64 or 65 with a message naming the culprit, writing nothing", arguments: Corpus.cases)
    func refuses(_ c: Corpus.Case) throws {
        let scratch = try Corpus.Scratch()
        let args = try c.make(scratch)
        let before = try scratch.names(), contents = try scratch.contents()
        let start = ContinuousClock.now
        let r = try CLI.run(args, in: scratch.dir.url, timeout: 60)
        let elapsed = ContinuousClock.now - start
        let command = "backprop " + args.joined(separator: " ")
        #expect(!r.signaled, "\(command) was killed by a signal: \(r.stderr)")
        #expect(r.status == c.status, "\(command) exited \(r.status), expected \(c.status); stderr: \(r.stderr)")
        let message = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!message.isEmpty, "\(command) printed no message")
        for fragment in c.mentions {
            #expect(message.contains(fragment), "\(command): the message does not name \"\(fragment)\": \(message)")
        }
        #expect(!message.contains("\n\n"), "\(command): the message is more than one paragraph: \(message)")
        for trace in ["Fatal error", "Backtracing", "Program crashed", "Stack dump", "Thread 0"] {
            #expect(!message.contains(trace), "\(command): the message holds a crash report: \(message)")
        }
        #expect(r.stdout.isEmpty, "\(command) printed to standard output: \(r.stdout)")
        #expect(!FileManager.default.fileExists(atPath: scratch.output), "\(command) wrote \(scratch.output)")
        let after = try scratch.names()
        #expect(after == before, "\(command) left files behind: \(after) (before: \(before))")
        let changed = try scratch.contents().filter { contents[$0.key] != $0.value }.map(\.key)
        #expect(changed.isEmpty, "\(command) changed \(changed)")
        #expect(elapsed < .seconds(30), "\(command) took \(elapsed)")
    }

    @Test("the corpus holds at least 150 distinct cases, with both exit statuses")
    func corpusSize() {
        let names = Set(Corpus.cases.map(\.name))
        #expect(names.count == Corpus.cases.count && names.count >= 150)
        #expect(Corpus.cases.contains { $0.status == 64 } && Corpus.cases.contains { $0.status == 65 })
    }
}

enum Corpus {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let status: Int32
        /// Fragments the message must contain: the file's name or the option's, and for an
        /// unknown name, one of the valid ones.
        let mentions: [String]
        /// Writes the case's files into the scratch folder and returns the arguments.
        let make: @Sendable (Scratch) throws -> [String]

        init(_ name: String, _ status: Int32, mentions: String..., make: @escaping @Sendable (Scratch) throws -> [String]) {
            self.name = name
            self.status = status
            self.mentions = mentions
            self.make = make
        }

        var testDescription: String { "\(name) → \(status)" }
    }

    /// The folder a case runs in; `output` is the --save path that must never appear.
    final class Scratch {
        let dir: TempDir
        init() throws { dir = try TempDir() }

        var output: String { dir.url.appendingPathComponent("out.safetensors").path }
        func path(_ name: String) -> String { dir.url.appendingPathComponent(name).path }
        func names() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted() }
        /// The bytes of every regular file in the folder.
        func contents() throws -> [String: Data] {
            var out: [String: Data] = [:]
            for name in try names() {
                let url = dir.url.appendingPathComponent(name)
                let type = try FileManager.default.attributesOfItem(atPath: url.path)[.type] as? FileAttributeType
                if type == .typeRegular { out[name] = try Data(contentsOf: url) }
            }
            return out
        }

        @discardableResult
        func write(_ name: String, _ data: Data) throws -> String { try dir.write(name, data).path }
        @discardableResult
        func write(_ name: String, _ text: String) throws -> String { try dir.write(name, text).path }

        /// `train` with the arguments, one epoch unless they say otherwise, saving to `output`.
        func train(_ args: String...) -> [String] {
            ["train"] + args + (args.contains("--epochs") ? [] : ["--epochs", "1"]) + ["--save", output]
        }

        /// A valid XOR-sized CSV (two features, label last), four rows.
        func xorCSV() throws -> String { try write("xor.csv", "a,b,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n") }

        /// A valid checkpoint of a `sizes` network (default 2-4-2), as `name`.
        @discardableResult
        func model(_ name: String = "model.safetensors", sizes: [Int] = [2, 4, 2],
                   edit: (inout SafeTensors) -> Void = { _ in }) throws -> String {
            let arch = try Architecture(sizes: sizes, hidden: .tanh)
            let parameters = (0..<arch.parameterCount).map { Float($0 % 7) / 10 - 0.3 }
            var file = try Checkpoint(architecture: arch, parameters: parameters).encoded()
            edit(&file)
            try file.write(to: dir.url.appendingPathComponent(name))
            return path(name)
        }

        /// A valid checkpoint's bytes changed by `change`, as `name`.
        func modelBytes(_ name: String = "model.safetensors", _ change: (inout Data) -> Void) throws -> String {
            let good = try model("good.tmp.safetensors")
            var bytes = try Data(contentsOf: URL(fileURLWithPath: good))
            try FileManager.default.removeItem(atPath: good)
            change(&bytes)
            return try write(name, bytes)
        }

        /// An IDX pair of `count` images of rows × cols bytes and the given labels.
        func idx(count: Int = 4, rows: Int = 2, cols: Int = 2, labels: [UInt8]? = nil,
                 images imagesChange: (inout Data) -> Void = { _ in }) throws -> String {
            var images = IDXBytes.images((0..<(count * rows * cols)).map { UInt8($0 % 256) }, rows: rows, cols: cols)
            imagesChange(&images)
            let i = try write("images.idx", images)
            let l = try write("labels.idx", IDXBytes.labels(labels ?? (0..<count).map { UInt8($0 % 2) }))
            return "idx:\(i),\(l)"
        }
    }

    // MARK: The cases

    static let usage: [Case] = [
        Case("negative learning rate", 64, mentions: "--learning-rate") { s in s.train("--dataset", "xor", "--learning-rate", "-1") },
        Case("NaN learning rate", 64, mentions: "--learning-rate") { s in s.train("--dataset", "xor", "--learning-rate", "nan") },
        Case("zero learning rate", 64, mentions: "--learning-rate") { s in s.train("--dataset", "xor", "--learning-rate", "0") },
        Case("learning rate not a number", 64, mentions: "--learning-rate") { s in s.train("--dataset", "xor", "--learning-rate", "fast") },
        Case("zero batch size", 64, mentions: "--batch-size") { s in s.train("--dataset", "xor", "--batch-size", "0") },
        Case("a single layer size", 64, mentions: "--layers") { s in s.train("--dataset", "xor", "--layers", "5") },
        Case("a layer of size 0", 64, mentions: "--layers") { s in s.train("--dataset", "xor", "--layers", "0,3") },
        Case("layer sizes that are not numbers", 64, mentions: "--layers") { s in s.train("--dataset", "xor", "--layers", "a,b") },
        Case("unknown activation, valid ones listed", 64, mentions: "--activation", "relu") { s in s.train("--dataset", "xor", "--activation", "bogus") },
        Case("unknown output activation", 64, mentions: "--output", "sigmoid") { s in s.train("--dataset", "xor", "--output", "bogus") },
        Case("unknown loss, valid ones listed", 64, mentions: "--loss", "cross-entropy") { s in s.train("--dataset", "xor", "--loss", "bogus") },
        Case("unknown optimizer, valid ones listed", 64, mentions: "--optimizer", "nesterov") { s in s.train("--dataset", "xor", "--optimizer", "bogus") },
        Case("unknown initializer", 64, mentions: "--initializer") { s in s.train("--dataset", "xor", "--initializer", "bogus") },
        Case("validation fraction 1.5", 64, mentions: "--validation") { s in s.train("--dataset", "xor", "--validation", "1.5") },
        Case("negative validation", 64, mentions: "--validation") { s in s.train("--dataset", "xor", "--validation", "-1") },
        Case("validation not a number", 64, mentions: "--validation") { s in s.train("--dataset", "xor", "--validation", "abc") },
        Case("validation leaving no training samples", 64, mentions: "--validation") { s in
            s.train("--dataset", "csv:" + (try s.xorCSV()), "--validation", "4")
        },
        Case("unknown device", 64, mentions: "--device") { s in s.train("--dataset", "xor", "--device", "nonsense") },
        Case("unknown device for evaluate", 64, mentions: "--device") { s in
            ["evaluate", "--model", try s.model(), "--dataset", "xor", "--device", "nonsense"]
        },
        Case("zero epochs", 64, mentions: "--epochs") { s in s.train("--dataset", "xor", "--epochs", "0") },
        Case("epochs not a number", 64, mentions: "--epochs") { s in s.train("--dataset", "xor", "--epochs", "many") },
        Case("batch larger than the training set", 64, mentions: "--batch-size") { s in
            s.train("--dataset", "csv:" + (try s.xorCSV()), "--batch-size", "10")
        },
        Case("--init together with --resume", 64, mentions: "--resume") { s in
            let m = try s.model()
            return s.train("--dataset", "xor", "--init", m, "--resume", m)
        },
        Case("softmax on a hidden layer", 64, mentions: "--activation softmax") { s in
            s.train("--dataset", "xor", "--activation", "softmax")
        },
        Case("loss and output activation disagree", 64, mentions: "--loss") { s in
            s.train("--dataset", "xor", "--loss", "binary-cross-entropy", "--output", "softmax")
        },
        Case("momentum of 1.5", 64, mentions: "--momentum") { s in s.train("--dataset", "xor", "--momentum", "1.5") },
        Case("negative weight decay", 64, mentions: "--weight-decay") { s in s.train("--dataset", "xor", "--weight-decay", "-0.1") },
        Case("unknown schedule", 64, mentions: "--schedule") { s in s.train("--dataset", "xor", "--schedule", "sometimes") },
        Case("unknown learning mode", 64, mentions: "--mode") { s in s.train("--dataset", "xor", "--mode", "sideways") },
        Case("unknown normalisation", 64, mentions: "--normalize") { s in s.train("--dataset", "xor", "--normalize", "maybe") },
        Case("zero patience", 64, mentions: "--patience") { s in s.train("--dataset", "xor", "--patience", "0") },
        Case("unknown data set", 64, mentions: "nosuchset") { s in s.train("--dataset", "nosuchset") },
        Case("unknown csv option", 64, mentions: "colour") { s in s.train("--dataset", "csv:" + (try s.xorCSV()) + "?colour=red") },
        Case("unknown data set for evaluate", 64, mentions: "--dataset") { s in
            ["evaluate", "--model", try s.model(), "--dataset", "nosuchset"]
        },
        Case("unknown option", 64, mentions: "--frobnicate") { s in s.train("--dataset", "xor", "--frobnicate") },
        Case("evaluate without a model", 64, mentions: "--model") { _ in ["evaluate", "--dataset", "xor"] },
        Case("--save into a missing folder", 64, mentions: "--save") { s in
            ["train", "--dataset", "xor", "--epochs", "1", "--save", s.path("no/such/folder/out.safetensors")]
        },
        Case("--save onto a device", 64, mentions: "--save /dev/null", "not a regular file") { _ in
            ["train", "--dataset", "xor", "--epochs", "1", "--save", "/dev/null"]
        },
        Case("--save with a file name too long for its folder", 64, mentions: "--save", "longer than the") { s in
            ["train", "--dataset", "xor", "--epochs", "1", "--save", s.path(String(repeating: "n", count: 256))]
        },
        Case("--save into a folder no file can be made in", 64, mentions: "--save /proc/m.safetensors", "cannot be written") { _ in
            ["train", "--dataset", "xor", "--epochs", "1", "--save", "/proc/m.safetensors"]
        },
        Case("--save onto a FIFO", 64, mentions: "pipe", "not a regular file") { s in
            guard mkfifo(s.path("pipe"), 0o600) == 0 else { throw CocoaError(.fileWriteUnknown) }
            return ["train", "--dataset", "xor", "--epochs", "1", "--save", s.path("pipe")]
        },
        // Options that would have no effect.
        Case("--beta1 with sgd", 64, mentions: "--beta1", "--optimizer sgd", "adam only") { s in
            s.train("--dataset", "xor", "--optimizer", "sgd", "--momentum", "0.9", "--beta1", "0.9")
        },
        Case("--momentum with adam, whose counterpart is --beta1", 64, mentions: "--momentum", "--optimizer adam", "beta1") { s in
            s.train("--dataset", "xor", "--optimizer", "adamw", "--momentum", "0.5")
        },
        Case("--nesterov without a momentum", 64, mentions: "--nesterov", "--optimizer sgd") { s in
            s.train("--dataset", "xor", "--optimizer", "sgd", "--nesterov")
        },
        Case("--split that is neither last nor random", 64, mentions: "--split", "first") { s in
            s.train("--dataset", "xor", "--split", "first")
        },
        Case("--history into a folder that does not exist", 64, mentions: "--history", "does not exist") { s in
            s.train("--dataset", "xor", "--history", s.dir.url.appendingPathComponent("no/such/h.csv").path)
        },
        Case("--history onto a folder", 64, mentions: "--history", "a folder") { s in
            s.train("--dataset", "xor", "--history", s.dir.url.path)
        },
        Case("a comma as both delimiter and decimal separator", 64, mentions: "decimal=comma") { s in
            s.train("--dataset", "csv:" + (try s.write("d.csv", "1,5;2\n")) + "?delimiter=comma&decimal=comma")
        },
        Case("--momentum with the default optimizer", 64, mentions: "--momentum", "--optimizer adam") { s in
            s.train("--dataset", "xor", "--momentum", "0.5")
        },
        Case("--batch-size in stochastic mode", 64, mentions: "--batch-size 4", "--mode stochastic") { s in
            s.train("--dataset", "xor", "--mode", "stochastic", "--batch-size", "4")
        },
        Case("--no-shuffle in batch mode", 64, mentions: "--no-shuffle", "--mode batch") { s in
            s.train("--dataset", "xor", "--mode", "batch", "--no-shuffle")
        },
        Case("--save-every without --save", 64, mentions: "--save-every") { _ in
            ["train", "--dataset", "xor", "--epochs", "1", "--save-every", "5"]
        },
        Case("--patience without held-out samples", 64, mentions: "--patience", "--validation") { s in
            s.train("--dataset", "xor", "--patience", "3")
        },
        Case("quickprop in minibatch mode", 64, mentions: "--mode minibatch", "--optimizer quickprop", "batch mode") { s in
            s.train("--dataset", "xor", "--optimizer", "quickprop", "--mode", "minibatch")
        },
        Case("lbfgs with a batch size", 64, mentions: "--batch-size 4", "--optimizer lbfgs") { s in
            s.train("--dataset", "xor", "--optimizer", "lbfgs", "--batch-size", "4")
        },
        Case("lm with cross-entropy", 64, mentions: "--optimizer lm", "--loss cross-entropy", "mse") { s in
            s.train("--dataset", "xor", "--optimizer", "lm")
        },
        Case("lm with a learning rate", 64, mentions: "--learning-rate 0.1", "--optimizer lm", "μ") { s in
            s.train("--dataset", "sine", "--optimizer", "lm", "--learning-rate", "0.1")
        },
        Case("lm on a network whose system is too large", 64, mentions: "--optimizer lm", "P = 3261633", "bytes") { s in
            s.train("--dataset", "sine", "--optimizer", "lm", "--layers", "1,1804,1804,1")
        },
        Case("lm with a softmax output", 64, mentions: "--optimizer lm", "softmax") { s in
            s.train("--dataset", "xor", "--optimizer", "lm", "--loss", "mse", "--output", "softmax")
        },
        Case("quickprop mu for adam", 64, mentions: "--quickprop-mu 2.0", "--optimizer adam") { s in
            s.train("--dataset", "xor", "--optimizer", "adam", "--quickprop-mu", "2")
        },
        Case("--split with nothing held out", 64, mentions: "--split random", "--validation 0") { s in
            s.train("--dataset", "spirals", "--split", "random", "--validation", "0")
        },
        Case("--target-accuracy for regression", 64, mentions: "--target-accuracy", "regression") { s in
            s.train("--dataset", "sine", "--target-accuracy", "0.9")
        },
        Case("--schedule with rprop", 64, mentions: "--schedule step:2:0.5", "--optimizer rprop") { s in
            s.train("--dataset", "xor", "--optimizer", "rprop", "--schedule", "step:2:0.5")
        },
        Case("--batch-size in batch mode", 64, mentions: "--batch-size 4", "--mode batch") { s in
            s.train("--dataset", "xor", "--mode", "batch", "--batch-size", "4")
        },
        Case("--target-accuracy 150", 64, mentions: "--target-accuracy 150") { s in s.train("--dataset", "xor", "--target-accuracy", "150") },
        Case("--target-accuracy -5", 64, mentions: "--target-accuracy -5") { s in s.train("--dataset", "xor", "--target-accuracy", "-5") },
        Case("--target-accuracy nan", 64, mentions: "--target-accuracy") { s in s.train("--dataset", "xor", "--target-accuracy", "nan") },
        Case("--target-loss -1", 64, mentions: "--target-loss -1") { s in s.train("--dataset", "xor", "--target-loss", "-1") },
        Case("--target-loss nan", 64, mentions: "--target-loss") { s in s.train("--dataset", "xor", "--target-loss", "nan") },
        Case("a bold driver that would grow the rate to infinity", 64, mentions: "--schedule") { s in
            s.train("--dataset", "xor", "--schedule", "bold-driver:1e39:0.5")
        },
        Case("cross-entropy on regression targets", 64, mentions: "--loss cross-entropy", "mse") { s in
            s.train("--dataset", "sine", "--loss", "cross-entropy")
        },
        Case("a softmax over one output", 64, mentions: "--output softmax", "single output") { s in
            s.train("--dataset", "xor", "--layers", "2,4,1", "--output", "softmax", "--loss", "mse")
        },
        Case("a negative --save-every", 64, mentions: "--save-every -1") { s in s.train("--dataset", "xor", "--save-every", "-1") },
        Case("a negative bench --repeats", 64, mentions: "repeats") { _ in ["bench", "--smoke", "--repeats", "-1"] },
        Case("a negative stress --iterations", 64, mentions: "--iterations") { _ in ["stress", "--iterations", "-5"] },
        Case("a generated set too large", 64, mentions: "spirals:20000000") { s in s.train("--dataset", "spirals:20000000") },
        Case("a generated set of no samples", 64, mentions: "--dataset") { s in s.train("--dataset", "spirals:0") },
        Case("--layers with a trailing comma", 64, mentions: "--layers") { s in s.train("--dataset", "xor", "--layers", "2,4,") }
        ,
        Case("--layers with a negative size", 64, mentions: "--layers") { s in s.train("--dataset", "xor", "--layers", "2,-4,2") },
        Case("an infinite learning rate", 64, mentions: "--learning-rate") { s in s.train("--dataset", "xor", "--learning-rate", "inf") },
        Case("a learning rate beyond Float", 64, mentions: "--learning-rate") { s in s.train("--dataset", "xor", "--learning-rate", "1e39") },
        Case("a negative momentum", 64, mentions: "--momentum") { s in
            s.train("--dataset", "xor", "--optimizer", "momentum", "--momentum", "-0.1")
        },
        Case("a NaN momentum", 64, mentions: "--momentum") { s in s.train("--dataset", "xor", "--optimizer", "nesterov", "--momentum", "nan") },
        Case("a NaN weight decay", 64, mentions: "--weight-decay") { s in s.train("--dataset", "xor", "--weight-decay", "nan") },
        Case("an infinite weight decay", 64, mentions: "--weight-decay") { s in s.train("--dataset", "xor", "--weight-decay", "inf") },
        Case("negative epochs", 64, mentions: "--epochs") { s in s.train("--dataset", "xor", "--epochs", "-1") },
        Case("a negative batch size", 64, mentions: "--batch-size") { s in s.train("--dataset", "xor", "--batch-size", "-4") },
        Case("negative patience", 64, mentions: "--patience") { s in s.train("--dataset", "xor", "--patience", "-2") },
        Case("a negative seed", 64, mentions: "--seed") { s in s.train("--dataset", "xor", "--seed", "-1") },
        Case("a step schedule every 0 epochs", 64, mentions: "--schedule") { s in s.train("--dataset", "xor", "--schedule", "step:0:0.5") },
        Case("a step schedule by a factor of 0", 64, mentions: "--schedule") { s in s.train("--dataset", "xor", "--schedule", "step:2:0") },
        Case("a step schedule by an infinite factor", 64, mentions: "--schedule") { s in
            s.train("--dataset", "xor", "--schedule", "step:2:inf")
        },
        Case("a bold driver that shrinks on success", 64, mentions: "--schedule") { s in
            s.train("--dataset", "xor", "--schedule", "bold-driver:0.5:0.5")
        },
        Case("a bold driver that grows on failure", 64, mentions: "--schedule") { s in
            s.train("--dataset", "xor", "--schedule", "bold-driver:1.1:1.5")
        },
        Case("a leaky ReLU slope that is not a number", 64, mentions: "--activation") { s in
            s.train("--dataset", "xor", "--activation", "leaky-relu:abc")
        },
        Case("an ELU scale of NaN", 64, mentions: "--activation") { s in s.train("--dataset", "xor", "--activation", "elu:nan") },
        Case("validation of 100%", 64, mentions: "--validation") { s in s.train("--dataset", "xor", "--validation", "100%") },
        Case("a validation count beyond Int", 64, mentions: "--validation") { s in
            s.train("--dataset", "xor", "--validation", "99999999999999999999")
        },
        Case("a preference list with an unknown device", 64, mentions: "--device") { s in
            s.train("--dataset", "xor", "--device", "cpu,nonsense")
        },
        Case("a target accuracy of 0", 64, mentions: "--target-accuracy") { s in s.train("--dataset", "xor", "--target-accuracy", "0") },
        Case("a save interval of NaN", 64, mentions: "--save-every") { s in s.train("--dataset", "xor", "--save-every", "nan") },
        Case("--log-every 0", 64, mentions: "--log-every") { s in s.train("--dataset", "xor", "--log-every", "0") },
        Case("an unknown csv header value", 64, mentions: "header=maybe") { s in
            s.train("--dataset", "csv:" + (try s.xorCSV()) + "?header=maybe")
        },
        Case("an unknown csv delimiter", 64, mentions: "delimiter=pipe") { s in
            s.train("--dataset", "csv:" + (try s.xorCSV()) + "?delimiter=pipe")
        },
        Case("an unknown mnist split", 64, mentions: "split=validation") { s in
            s.train("--dataset", "mnist:" + s.dir.url.path + "?split=validation")
        },
        Case("idx: with one file", 64, mentions: "idx:") { s in s.train("--dataset", "idx:" + s.path("images.idx")) },
        Case("predict on an unknown device", 64, mentions: "--device") { s in
            ["predict", "--model", try s.model(), "--input", try s.xorCSV(), "--device", "nonsense"]
        },
        Case("bench with an unknown section", 64, mentions: "--sections") { _ in ["bench", "--smoke", "--sections", "nope"] },
        Case("bench with a mini-batch of 0", 64, mentions: "--modes") { _ in ["bench", "--smoke", "--modes", "minibatch-0"] },
        Case("bench with a square too large", 64, mentions: "16384") { _ in ["bench", "--smoke", "--gemm-sizes", "99999"] },
        Case("tune on the CPU path", 64, mentions: "--device cpu") { _ in ["tune", "--device", "cpu"] },
        Case("tune --reset with --dry-run", 64, mentions: "--reset") { _ in ["tune", "--reset", "--dry-run"] },
        Case("tune --reset with --gemm-family", 64, mentions: "--gemm-family") { _ in ["tune", "--reset", "--gemm-family", "tiled"] },
        Case("tune --gemm-family of no family", 64, mentions: "--gemm-family") { _ in ["tune", "--gemm-family", "fast"] },
        Case("stress on an unknown device", 64, mentions: "--device") { _ in ["stress", "--device", "nonsense"] },
        Case("--resume with another --activation", 64, mentions: "--activation relu", "--resume", "tanh") { s in
            s.train("--dataset", "xor", "--resume", try s.model(), "--activation", "relu")
        },
        // A checkpoint fixes what it holds.
        Case("--resume with other --layers", 64, mentions: "--layers 2,8,2", "--resume", "2,4,2") { s in
            s.train("--dataset", "xor", "--resume", try s.model(), "--layers", "2,8,2")
        },
        Case("--init with another --loss", 64, mentions: "--loss mse", "--init", "cross-entropy") { s in
            s.train("--dataset", "xor", "--init", try s.model(), "--loss", "mse")
        },
        Case("--init with an --initializer", 64, mentions: "--initializer glorot-uniform", "--init") { s in
            s.train("--dataset", "xor", "--init", try s.model(), "--initializer", "glorot-uniform")
        },
        Case("--init with a normalisation the model lacks", 64, mentions: "--normalize minmax", "--init") { s in
            s.train("--dataset", "xor", "--init", try s.model(), "--normalize", "minmax")
        },
        Case("--resume with another --optimizer", 64, mentions: "--optimizer adam", "--resume", "sgd") { s in
            let m = try s.model {
                $0.metadata["optimizer"] = #"{"kind":"sgd","learningRate":0.01,"momentum":0.9,"beta1":0.9,"beta2":0.999,"epsilon":1e-8,"weightDecay":0,"etaPlus":1.2,"etaMinus":0.5,"stepMin":1e-6,"stepMax":50}"#
            }
            return s.train("--dataset", "xor", "--resume", m, "--optimizer", "adam")
        },
    ]

    static let data: [Case] = [
        // IDX
        Case("IDX with the wrong magic", 65, mentions: "images.idx") { s in
            s.train("--dataset", try s.idx { $0[0] = 0x1F; $0[1] = 0x00 })
        },
        Case("IDX truncated", 65, mentions: "images.idx") { s in s.train("--dataset", try s.idx { $0.removeLast(5) }) },
        Case("IDX image and label counts differ", 65, mentions: "labels.idx") { s in
            s.train("--dataset", try s.idx(labels: [0, 1, 1]))
        },
        Case("IDX header claiming 2^31 images in a tiny file", 65, mentions: "images.idx") { s in
            s.train("--dataset", try s.idx { $0.replaceSubrange(4..<8, with: [0x80, 0, 0, 0]) })
        },
        Case("IDX with a dimension of 0", 65, mentions: "images.idx") { s in
            s.train("--dataset", try s.idx { $0.replaceSubrange(8..<12, with: [0, 0, 0, 0]) })
        },
        Case("IDX with trailing bytes", 65, mentions: "images.idx") { s in s.train("--dataset", try s.idx { $0.append(7) }) },
        Case("IDX labels stored as floats", 65, mentions: "labels.idx") { s in
            let spec = try s.idx()
            try s.write("labels.idx", IDXBytes.file(type: 0x0D, dims: [4], payload: [UInt8](repeating: 0, count: 16)))
            return s.train("--dataset", spec)
        },
        Case("IDX label out of range", 65, mentions: "labels.idx") { s in
            let spec = try s.idx()
            try s.write("labels.idx", IDXBytes.file(type: 0x0C, dims: [4], payload: IDXBytes.bigEndian([Int32](arrayLiteral: 0, 1, 70_000, 1))))
            return s.train("--dataset", spec)
        },
        Case("corrupt gzip", 65, mentions: "images.idx") { s in
            let spec = try s.idx()
            var gz = try Gzip.compress(try Data(contentsOf: URL(fileURLWithPath: s.path("images.idx"))))
            gz[gz.count / 2] ^= 0xFF
            gz[gz.count / 2 + 1] ^= 0x5A
            try s.write("images.idx", gz)
            return s.train("--dataset", spec)
        },
        Case("truncated gzip", 65, mentions: "images.idx") { s in
            let spec = try s.idx()
            let gz = try Gzip.compress(try Data(contentsOf: URL(fileURLWithPath: s.path("images.idx"))))
            try s.write("images.idx", gz.prefix(gz.count - 6))
            return s.train("--dataset", spec)
        },
        Case("784 inputs given to --layers 64,…", 65, mentions: "images.idx") { s in
            s.train("--dataset", try s.idx(count: 2, rows: 28, cols: 28), "--layers", "64,32,10")
        },
        Case("MNIST folder without the files", 65, mentions: "t10k") { s in
            try s.write("readme.txt", "no images here")
            return s.train("--dataset", "mnist:" + s.dir.url.path)
        },
        Case("MNIST 'folder' that is a file", 65, mentions: "xor.csv") { s in s.train("--dataset", "mnist:" + (try s.xorCSV())) },
        // CSV
        Case("empty CSV", 65, mentions: "empty.csv") { s in s.train("--dataset", "csv:" + (try s.write("empty.csv", ""))) },
        Case("CSV with only a header", 65, mentions: "header.csv") { s in
            s.train("--dataset", "csv:" + (try s.write("header.csv", "a,b,label\n")))
        },
        Case("ragged CSV", 65, mentions: "ragged.csv") { s in
            s.train("--dataset", "csv:" + (try s.write("ragged.csv", "1,2,0\n3,4\n5,6,1\n")))
        },
        Case("non-numeric CSV", 65, mentions: "words.csv") { s in
            s.train("--dataset", "csv:" + (try s.write("words.csv", "1,2,0\n3,four,1\n")))
        },
        Case("NaN in CSV", 65, mentions: "nan.csv") { s in s.train("--dataset", "csv:" + (try s.write("nan.csv", "1,2,0\nnan,4,1\n"))) },
        Case("infinity in CSV", 65, mentions: "inf.csv") { s in s.train("--dataset", "csv:" + (try s.write("inf.csv", "1,inf,0\n3,4,1\n"))) },
        Case("1e999 in CSV", 65, mentions: "huge.csv") { s in s.train("--dataset", "csv:" + (try s.write("huge.csv", "1,2,0\n1e999,4,1\n"))) },
        Case("CSV label column out of range", 65, mentions: "xor.csv") { s in s.train("--dataset", "csv:" + (try s.xorCSV()) + "?label=7") },
        Case("CSV label column named but absent", 65, mentions: "xor.csv") { s in
            s.train("--dataset", "csv:" + (try s.xorCSV()) + "?label=class")
        },
        Case("CSV target column named but absent", 65, mentions: "xor.csv") { s in
            s.train("--dataset", "csv:" + (try s.xorCSV()) + "?target=price")
        },
        Case("CSV quote never closed", 65, mentions: "quote.csv") { s in
            s.train("--dataset", "csv:" + (try s.write("quote.csv", "1,2,0\n\"3,4,1\n")))
        },
        Case("invalid UTF-8 CSV", 65, mentions: "latin1.csv") { s in
            s.train("--dataset", "csv:" + (try s.write("latin1.csv", Data("1,2,caf".utf8 + [0xE9] + "\n3,4,b\n".utf8))))
        },
        Case("label 12 with --layers 2,4,10", 65, mentions: "labels.csv") { s in
            s.train("--dataset", "csv:" + (try s.write("labels.csv", "0,0,1\n1,1,12\n")), "--layers", "2,4,10")
        },
        Case("missing data file", 65, mentions: "missing.csv") { s in s.train("--dataset", "csv:" + s.path("missing.csv")) },
        Case("a folder given as the data file", 65, mentions: "folder.csv") { s in
            try FileManager.default.createDirectory(atPath: s.path("folder.csv"), withIntermediateDirectories: false)
            return s.train("--dataset", "csv:" + s.path("folder.csv"))
        },
        // Checkpoints
        Case("evaluate a truncated checkpoint", 65, mentions: "model.safetensors") { s in
            ["evaluate", "--model", try s.modelBytes { $0.removeLast(9) }, "--dataset", "xor"]
        },
        Case("evaluate a checkpoint with a corrupted header", 65, mentions: "model.safetensors") { s in
            ["evaluate", "--model", try s.modelBytes { $0[9] ^= 0x42 }, "--dataset", "xor"]
        },
        Case("evaluate a checkpoint whose header length is 2^63", 65, mentions: "model.safetensors") { s in
            ["evaluate", "--model", try s.modelBytes { $0.replaceSubrange(0..<8, with: [0, 0, 0, 0, 0, 0, 0, 0x80]) }, "--dataset", "xor"]
        },
        Case("evaluate a foreign safetensors file", 65, mentions: "foreign.safetensors") { s in
            try SafeTensors(tensors: ["x": .init(floats: [1, 2], shape: [2])]).write(to: URL(fileURLWithPath: s.path("foreign.safetensors")))
            return ["evaluate", "--model", s.path("foreign.safetensors"), "--dataset", "xor"]
        },
        Case("evaluate a text file as a model", 65, mentions: "notes.txt") { s in
            ["evaluate", "--model", try s.write("notes.txt", "this is not a model\n"), "--dataset", "xor"]
        },
        Case("evaluate a missing model", 65, mentions: "absent.safetensors") { s in
            ["evaluate", "--model", s.path("absent.safetensors"), "--dataset", "xor"]
        },
        Case("evaluate a model claiming 2^62 inputs", 65, mentions: "model.safetensors") { s in
            let m = try s.model { $0.metadata["architecture"] = $0.metadata["architecture"]?.replacingOccurrences(of: "[2,4,2]", with: "[4611686018427387904,4,2]") }
            return ["evaluate", "--model", m, "--dataset", "xor"]
        },
        Case("evaluate a model claiming 2·10⁹ parameters", 65, mentions: "model.safetensors") { s in
            let m = try s.model { $0.metadata["architecture"] = $0.metadata["architecture"]?.replacingOccurrences(of: "[2,4,2]", with: "[40000,50000,2]") }
            return ["evaluate", "--model", m, "--dataset", "xor"]
        },
        Case("evaluate on data wider than the model", 65, mentions: "wide.csv") { s in
            ["evaluate", "--model", try s.model(), "--dataset", "csv:" + (try s.write("wide.csv", "1,2,3,0\n4,5,6,1\n"))]
        },
        Case("evaluate on labels beyond the model's outputs", 65, mentions: "five.csv") { s in
            ["evaluate", "--model", try s.model(), "--dataset", "csv:" + (try s.write("five.csv", "1,2,0\n4,5,5\n"))]
        },
        Case("predict with a truncated checkpoint", 65, mentions: "model.safetensors") { s in
            ["predict", "--model", try s.modelBytes { $0 = $0.prefix(40) }, "--input", try s.xorCSV()]
        },
        Case("predict with a folder as the model", 65, mentions: "folder.safetensors") { s in
            try FileManager.default.createDirectory(atPath: s.path("folder.safetensors"), withIntermediateDirectories: false)
            return ["predict", "--model", s.path("folder.safetensors"), "--input", try s.xorCSV()]
        },
        Case("predict input with the wrong number of columns", 65, mentions: "rows.csv") { s in
            ["predict", "--model", try s.model(), "--input", try s.write("rows.csv", "1,2,3\n4,5,6\n")]
        },
        Case("predict input holding NaN", 65, mentions: "rows.csv") { s in
            ["predict", "--model", try s.model(), "--input", try s.write("rows.csv", "1,2\nnan,5\n")]
        },
        Case("predict input that does not exist", 65, mentions: "absent.csv") { s in
            ["predict", "--model", try s.model(), "--input", s.path("absent.csv")]
        },
        Case("train --init from a checkpoint with NaN weights", 65, mentions: "model.safetensors") { s in
            let m = try s.model { $0.tensors["layers.0.bias"] = .init(floats: [.nan, 0, 0, 0], shape: [4]) }
            return s.train("--dataset", "xor", "--init", m)
        },
        Case("train --init from a model whose inputs do not fit the data", 65, mentions: "wide.csv") { s in
            s.train("--dataset", "csv:" + (try s.write("wide.csv", "1,2,3,0\n4,5,6,1\n")), "--init", try s.model())
        },
        Case("train --resume from a checkpoint with negative epochs", 65, mentions: "model.safetensors") { s in
            let m = try s.model {
                $0.metadata["training"] = #"{"completedEpochs":-5,"epochsSinceBest":0,"learningRate":0.01,"optimizerSteps":0}"#
            }
            return s.train("--dataset", "xor", "--resume", m)
        },
        Case("a NUL inside a number", 65, mentions: "nul.csv", "line 2") { s in
            s.train("--dataset", "csv:" + (try s.write("nul.csv", Data("1,2,0\n1".utf8 + [0] + "garbage,4,1\n".utf8))))
        },
        Case("a fractional label", 65, mentions: "frac.csv", "line 3", "?target=") { s in
            s.train("--dataset", "csv:" + (try s.write("frac.csv", "a,b,label\n1,2,0\n3,4,1.5\n")))
        },
        Case("a million-character field", 65, mentions: "long.csv", "…") { s in
            s.train("--dataset", "csv:" + (try s.write("long.csv", "1,2,0\n" + String(repeating: "x", count: 1_000_000) + ",4,1\n")))
        },
        Case("a CSV with only a label column", 65, mentions: "only.csv", "no feature columns") { s in
            s.train("--dataset", "csv:" + (try s.write("only.csv", "label\n0\n1\n")))
        },
        Case("a CSV target named twice", 65, mentions: "twice.csv", "twice") { s in
            s.train("--dataset", "csv:" + (try s.write("twice.csv", "1,2,3\n4,5,6\n")) + "?target=2,-1")
        },
        Case("a FANN file with a short input line", 65, mentions: "short.data", "line 4", "expected the 2 inputs of pair 2") { s in
            s.train("--dataset", "fann:" + (try s.write("short.data", "2 2 1\n0.0 1.0\n1.0\n0.0\n0.0\n")))
        },
        Case("a FANN header claiming more pairs than the file holds", 65, mentions: "big.data", "line 1", "claims 100000000 pairs") { s in
            s.train("--dataset", "fann:" + (try s.write("big.data", "100000000 2 1\n0 1\n1\n")))
        },
        Case("a FANN task that does not exist", 64, mentions: "task=both") { s in
            s.train("--dataset", "fann:" + (try s.write("t.data", "1 1 1\n0\n1\n")) + "?task=both")
        },
        Case("a broken gzipped CSV", 65, mentions: "broken.csv.gz", "gzip") { s in
            var gz = try Gzip.compress(Data("a,b,label\n0,0,0\n1,1,1\n".utf8))
            gz.removeLast(10)
            return s.train("--dataset", "csv:" + (try s.write("broken.csv.gz", gz)))
        },
        Case("one stray label among few rows", 65, mentions: "stray.csv", "classes") { s in
            s.train("--dataset", "csv:" + (try s.write("stray.csv", "a,b,label\n0,0,0\n0,1,1\n1,0,9999\n")))
        },
        Case("IDX label count short of the images, the gzipped images also short", 65, mentions: "labels.idx", "holds 3 labels") { s in
            // Found from the two headers, before the images are inflated (which would fail as truncated).
            s.train("--dataset", try s.idx(count: 4, labels: [0, 1, 1]) { images in
                images.removeLast(3)
                images = (try? Gzip.compress(images)) ?? images
            })
        },
        Case("evaluate a model whose normalisation scale is NaN", 65, mentions: "model.safetensors", "not a finite number") { s in
            let m = try s.model {
                $0.metadata["normalization"] = "standard"
                $0.tensors["normalization.offset"] = .init(floats: [0, 0], shape: [2])
                $0.tensors["normalization.scale"] = .init(floats: [.nan, 1], shape: [2])
            }
            return ["evaluate", "--model", m, "--dataset", "xor"]
        },
        Case("predict with a model whose normalisation scale is 0", 65, mentions: "model.safetensors", "scale of 0") { s in
            let m = try s.model {
                $0.metadata["normalization"] = "standard"
                $0.tensors["normalization.offset"] = .init(floats: [0, 0], shape: [2])
                $0.tensors["normalization.scale"] = .init(floats: [1, 0], shape: [2])
            }
            return ["predict", "--model", m, "--input", try s.xorCSV()]
        },
        Case("evaluate on a class the model does not know", 65, mentions: "names.csv", "\"fish\"", "does not know") { s in
            let m = try s.model { $0.metadata["class_names"] = #"["bird","cat"]"# }
            return ["evaluate", "--model", m, "--dataset", "csv:" + (try s.write("names.csv", "1,2,bird\n3,4,fish\n"))]
        },
        Case("--init from a missing checkpoint", 65, mentions: "nothing.safetensors") { s in
            s.train("--dataset", "xor", "--init", s.path("nothing.safetensors"))
        },
        Case("--resume from a text file", 65, mentions: "notes.txt") { s in
            s.train("--dataset", "xor", "--resume", try s.write("notes.txt", "not a model\n"))
        },
        Case("evaluate a FIFO as a model", 65, mentions: "fifo.safetensors", "not a regular file") { s in
            guard mkfifo(s.path("fifo.safetensors"), 0o600) == 0 else { throw CocoaError(.fileWriteUnknown) }
            return ["evaluate", "--model", s.path("fifo.safetensors"), "--dataset", "xor"]
        },
        Case("predict with a folder as input", 65, mentions: "inputs") { s in
            try FileManager.default.createDirectory(atPath: s.path("inputs"), withIntermediateDirectories: false)
            return ["predict", "--model", try s.model(), "--input", s.path("inputs")]
        },
        Case("--init from a model whose outputs cannot hold the labels", 65, mentions: "three.csv") { s in
            s.train("--dataset", "csv:" + (try s.write("three.csv", "1,2,0\n3,4,1\n5,6,2\n")), "--init", try s.model())
        },
        Case("train --resume from a checkpoint with impossible optimizer settings", 65, mentions: "model.safetensors") { s in
            let m = try s.model {
                $0.metadata["optimizer"] = #"{"kind":"sgd","learningRate":-1,"momentum":0.9,"beta1":0.9,"beta2":0.999,"epsilon":1e-8,"weightDecay":0,"etaPlus":1.2,"etaMinus":0.5,"stepMin":1e-6,"stepMax":50}"#
            }
            return s.train("--dataset", "xor", "--resume", m)
        },
    ]

    static let cases = usage + data
}
