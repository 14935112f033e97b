import Backprop
import BackpropTestSupport
import Foundation
import Testing

/// The README's API example, compiled here exactly as the README shows it (the test below
/// compares the two) and run from the repository root, where it finds ../shared/data.
@Suite("The README's API example")
struct READMEExampleTests {
    static func example() throws -> (TrainingRun.Outcome, [Float]) {
        // README example begins
        let data = try DatasetSpec(parsing: "mnist:../shared/data/mnist?split=test").load(seed: 1)

        var settings = TrainingRun.Settings()          // every setting nil: the defaults `backprop train` has
        settings.layers = [784, 256, 10]
        settings.optimizer = .momentum
        settings.learningRate = 0.05
        settings.batchSize = 64
        settings.epochs = 5
        settings.validation = .count(2000)             // the last 2,000 samples are held out
        settings.targetAccuracy = 0.95                 // settings.save = URL(fileURLWithPath: "mnist.safetensors")
        let outcome = try TrainingRun(settings).train(on: data) { event in
            if case .epoch(let e) = event { print(e.epoch, e.loss, e.validationAccuracy ?? 0, e.samplesPerSecond) }
        }
        print(outcome.reason, outcome.validationEvaluation?.accuracy ?? 0)  // target accuracy reached, 0.95…
        let probabilities = try outcome.network.predict(Array(outcome.validation!.inputs.prefix(784)))  // 10 classes
        // README example ends
        return (outcome, probabilities)
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("the README shows exactly the code compiled here")
    func sameCode() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "## The API in one screen"), "README.md has no API section")
        let block = readme[section.upperBound...].components(separatedBy: "```swift\n")[1].components(separatedBy: "```")[0]
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let body = source.components(separatedBy: "// README example begins\n")[1].components(separatedBy: "        // README example ends")[0]
        let dedented = body.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : String($0) }.joined(separator: "\n")
        #expect(block == "import Backprop\nimport Foundation\n\n" + dedented)
    }

    @Test("the example runs as written, from the repository root, and learns")
    func runs() throws {
        guard TestData.mnistFolder() != nil else { return }  // records an issue naming where it looked
        guard FileManager.default.currentDirectoryPath == Self.root.path else {
            Issue.record("the example reads ../shared/data from the repository root; the tests run in \(FileManager.default.currentDirectoryPath)")
            return
        }
        let (outcome, probabilities) = try Self.example()
        let accuracy = try #require(outcome.validationEvaluation?.accuracy)
        #expect(accuracy >= 0.9, "held-out accuracy \(accuracy)")
        #expect(outcome.plan.trainCount == 8000 && outcome.plan.validationCount == 2000)
        #expect(probabilities.count == 10 && abs(probabilities.reduce(0, +) - 1) < 1e-4)
    }
}
