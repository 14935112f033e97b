import Backprop
import BackpropBench
import Foundation

/// The end of a training run: how it stopped, final metrics, and what the network learned
/// (a decision map for two-input classifiers, a confusion matrix for other classifiers, sample
/// predictions for regression), then with `--json` one JSON line with the final metrics.
struct Summary {
    let trainer: Trainer
    let result: TrainingResult
    let seconds: Double
    let train: Dataset
    let validation: Dataset?
    let dataset: String
    let device: any Device
    let saved: String?

    func print(json: Bool) throws {
        let network = trainer.network
        let last = result.last
        let throughput = result.epochs.isEmpty ? 0
            : Double(result.epochs.count * train.count) / result.epochs.reduce(0) { $0 + $1.seconds }
        Swift.print("stopped   \(result.reason) after \(trainer.completedEpochs) epochs in \(String(format: "%.2f", seconds)) s"
            + " (\(ProgressReporter.rate(throughput)) samples/s)")
        let trainEval = try Evaluation.measure(network, on: train, confusion: validation == nil)
        Swift.print("training  loss \(f4(trainEval.loss))" + (trainEval.accuracy.map { "  accuracy \(pct($0))" } ?? ""))
        var heldEval: Evaluation?
        if let validation {
            heldEval = try Evaluation.measure(network, on: validation, confusion: true)
            Swift.print("held out  loss \(f4(heldEval!.loss))" + (heldEval!.accuracy.map { "  accuracy \(pct($0))" } ?? ""))
        }
        if let saved { Swift.print("saved     \(saved)") }
        Swift.print("")
        if train.isClassification && train.inputSize == 2 {
            try DecisionMap(network: network, data: train).print()
        } else if let confusion = (heldEval ?? trainEval).confusion, confusion.count <= 12 {
            ConfusionMatrix(counts: confusion, names: train.classNames).print(title: validation == nil ? "training set" : "held-out set")
        } else if !train.isClassification {
            try printPredictions(network)
        }

        guard json else { return }
        var object: [String: Any] = [
            "dataset": dataset, "device": device.name, "architecture": network.architecture.summary,
            "parameters": network.architecture.parameterCount, "mode": trainer.options.mode.description,
            "optimizer": trainer.optimizer.config.kind.rawValue, "epochs": trainer.completedEpochs,
            "stop_reason": result.reason.description, "seconds": seconds, "samples_per_second": throughput,
            "train_loss": trainEval.loss, "final_epoch_loss": last?.loss ?? trainEval.loss,
            "peak_rss_bytes": ProcessMemory.peakResident,
        ]
        if let a = trainEval.accuracy { object["train_accuracy"] = a }
        if let h = heldEval {
            object["validation_loss"] = h.loss
            if let a = h.accuracy { object["validation_accuracy"] = a }
        }
        if let saved { object["saved"] = saved }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        Swift.print(String(decoding: data, as: UTF8.self))
    }

    private func printPredictions(_ network: Network) throws {
        let data = validation ?? train
        let n = min(8, data.count)
        let outputs = try network.predict(Array(data.inputs[0..<(n * data.inputSize)]))
        Swift.print("sample predictions (\(validation == nil ? "training" : "held-out") set):")
        for i in 0..<n {
            let x = data.inputs[(i * data.inputSize)..<(min((i + 1) * data.inputSize, i * data.inputSize + 4))]
            let t = data.targets.map { Array($0[(i * data.targetSize)..<((i + 1) * data.targetSize)]) } ?? []
            let y = outputs[(i * network.architecture.outputSize)..<((i + 1) * network.architecture.outputSize)]
            Swift.print("  x \(list(Array(x)))  target \(list(t))  predicted \(list(Array(y)))")
        }
    }

    private func list(_ v: [Float]) -> String { "[" + v.map { String(format: "%.3f", $0) }.joined(separator: ", ") + "]" }
}

func f4(_ x: Double) -> String { String(format: "%.4f", x) }
func pct(_ x: Double) -> String { String(format: "%.2f%%", x * 100) }

/// The classes a two-input network assigns across the plane of its training data, as text:
/// region letters in lower case, training samples as their class digit.
struct DecisionMap {
    let network: Network
    let data: Dataset
    let width = 64, height = 24

    func print() throws {
        var lo = [Float](repeating: .infinity, count: 2), hi = [Float](repeating: -.infinity, count: 2)
        for i in 0..<data.count {
            for d in 0..<2 {
                lo[d] = min(lo[d], data.inputs[i * 2 + d])
                hi[d] = max(hi[d], data.inputs[i * 2 + d])
            }
        }
        for d in 0..<2 where hi[d] <= lo[d] { hi[d] = lo[d] + 1 }
        var grid = [Float]()
        for r in 0..<height {
            for c in 0..<width {
                grid.append(lo[0] + (hi[0] - lo[0]) * (Float(c) + 0.5) / Float(width))
                grid.append(hi[1] - (hi[1] - lo[1]) * (Float(r) + 0.5) / Float(height))
            }
        }
        let out = try network.predict(grid)
        let k = network.architecture.outputSize
        let regions = Array("abcdefghijklmnopqrstuvwxyz")
        var canvas = (0..<height).map { r in
            (0..<width).map { c -> Character in
                let cell = r * width + c
                let cls = Evaluation.predictedClass(out[(cell * k)..<((cell + 1) * k)])
                return cls % 2 == 0 ? "·" : regions[cls % regions.count]
            }
        }
        for i in 0..<data.count {
            let c = Int((data.inputs[i * 2] - lo[0]) / (hi[0] - lo[0]) * Float(width - 1))
            let r = Int((hi[1] - data.inputs[i * 2 + 1]) / (hi[1] - lo[1]) * Float(height - 1))
            if r >= 0, r < height, c >= 0, c < width, let label = data.labels?[i] {
                canvas[r][c] = Character(String(Int(label) % 10))
            }
        }
        Swift.print("what it learned: the class of each point of the plane (regions ·/b/…; digits are training samples)")
        for row in canvas { Swift.print("  " + String(row)) }
    }
}

struct ConfusionMatrix {
    let counts: [[Int]]
    let names: [String]?

    func print(title: String) {
        let k = counts.count
        let labels = (0..<k).map { names?[safe: $0] ?? "\($0)" }
        let width = max(5, (counts.flatMap { $0 }.max() ?? 0).description.count + 1, (labels.map(\.count).max() ?? 1) + 1)
        Swift.print("confusion matrix, \(title) (rows: true class, columns: predicted):")
        Swift.print(String(repeating: " ", count: width + 2) + labels.map { pad($0, width) }.joined())
        for (i, row) in counts.enumerated() {
            Swift.print("  " + pad(labels[i], width) + row.map { pad("\($0)", width) }.joined())
        }
    }

    private func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
