import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// Precision, recall, F1 and the regression errors, against the formulas computed here in
/// float64 from the predictions (scikit-learn's definitions).
@Suite("Evaluation metrics")
struct EvaluationMetricsTests {
    @Test("per-class precision, recall and F1 and their macro means, as scikit-learn computes them",
          arguments: [1, 3, 17, 1000])
    func classification(count: Int) throws {
        // Three classes; the network's output is its input (identity layer, softmax keeps the argmax).
        let arch = try Architecture(sizes: [3, 3], activations: [.softmax], loss: .softmaxCrossEntropy)
        let network = try Network(arch, device: CPUDevice(), parameters: [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0])
        var rng = SeededGenerator(seed: UInt64(count))
        var inputs: [Float] = [], labels: [Int32] = [], predicted: [Int] = []
        for _ in 0..<count {
            let p = rng.index(below: 3)
            var row: [Float] = [0, 0, 0]
            row[p] = 2
            inputs += row
            predicted.append(p)
            labels.append(Int32(rng.index(below: 2)))  // class 2 never occurs as a truth
        }
        let e = try Evaluation.measure(network, on: Dataset(source: "d", inputSize: 3, inputs: inputs, labels: labels, classes: 3),
                                       confusion: true)
        let perClass = try #require(e.perClass)
        var present = 0, sums = (0.0, 0.0, 0.0)
        for c in 0..<3 {
            let tp = Double(zip(labels, predicted).filter { Int($0) == c && $1 == c }.count)
            let support = Double(labels.filter { Int($0) == c }.count), guessed = Double(predicted.filter { $0 == c }.count)
            let precision = guessed == 0 ? 0 : tp / guessed, recall = support == 0 ? 0 : tp / support
            let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
            #expect(abs(perClass[c].precision - precision) < 1e-12 && abs(perClass[c].recall - recall) < 1e-12)
            #expect(abs(perClass[c].f1 - f1) < 1e-12)
            if support > 0 || guessed > 0 {
                present += 1
                sums = (sums.0 + precision, sums.1 + recall, sums.2 + f1)
            }
        }
        let macro = try #require(e.macro)
        #expect(abs(macro.precision - sums.0 / Double(present)) < 1e-12)
        #expect(abs(macro.recall - sums.1 / Double(present)) < 1e-12)
        #expect(abs(macro.f1 - sums.2 / Double(present)) < 1e-12)
    }

    @Test("MSE, RMSE, MAE and R² over the outputs, and the loss is ½ the summed squared error", arguments: [1, 3, 33, 1000])
    func regression(count: Int) throws {
        // y = (2x + 0.5, −x): two outputs of an identity layer.
        let arch = try Architecture(sizes: [1, 2], activations: [.identity], loss: .squaredError)
        let network = try Network(arch, device: CPUDevice(), parameters: [2, -1, 0.5, 0])
        var rng = SeededGenerator(seed: UInt64(count) + 9)
        let x = (0..<count).map { _ in Float(rng.uniform(-1, 1)) }
        let t = x.flatMap { [Float(rng.uniform(-2, 2)) + $0, -$0 + Float(rng.uniform(-0.1, 0.1))] }
        let e = try Evaluation.measure(network, on: Dataset(source: "r", inputSize: 1, inputs: x, targets: t, targetSize: 2))
        let r = try #require(e.regression)
        var squared = [0.0, 0.0], absolute = 0.0
        for i in 0..<count {
            let y = [2 * Double(x[i]) + 0.5, -Double(x[i])]
            for j in 0..<2 {
                let d = y[j] - Double(t[i * 2 + j])
                squared[j] += d * d
                absolute += abs(d)
            }
        }
        let mse = (squared[0] + squared[1]) / Double(2 * count)
        #expect(abs(r.mse - mse) < 1e-6 * max(1, mse) && abs(r.rmse - mse.squareRoot()) < 1e-6)
        #expect(abs(r.mae - absolute / Double(2 * count)) < 1e-6)
        var r2 = 0.0
        for j in 0..<2 {
            let mean = (0..<count).reduce(0.0) { $0 + Double(t[$1 * 2 + j]) } / Double(count)
            let total = (0..<count).reduce(0.0) { $0 + pow(Double(t[$1 * 2 + j]) - mean, 2) }
            r2 += total > 0 ? 1 - squared[j] / total : (squared[j] == 0 ? 1 : 0)
        }
        #expect(abs(r.r2 - r2 / 2) < 1e-5)
        #expect(abs(e.loss - (squared[0] + squared[1]) / 2 / Double(count)) < 1e-5 * max(1, e.loss))
    }
}
