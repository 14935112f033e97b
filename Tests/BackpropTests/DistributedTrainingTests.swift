import Backprop
import BackpropTestSupport
import Foundation
import Testing

/// Data-parallel training with ranks as threads (`InProcessGroup`): each rank takes its block of
/// every global mini-batch, the gradients are summed before each update, and the weights must
/// be those of one process training on the same global batches, on every rank alike.
@Suite("Data-parallel training over in-process ranks")
struct DistributedTrainingTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var mode: LearningMode
        var kind: OptimizerConfig.Kind
        var ranks: Int
        var testDescription: String { "\(mode) \(kind.rawValue) × \(ranks) ranks" }
    }

    static let cases: [Case] = {
        var all: [Case] = []
        for ranks in [2, 3] {
            for kind in [OptimizerConfig.Kind.sgd, .momentum, .nesterov, .adam, .rprop] {
                all.append(Case(mode: .minibatch(7), kind: kind, ranks: ranks))  // 60 samples: a last batch of 4
            }
            for kind in [OptimizerConfig.Kind.sgd, .quickprop, .rprop, .adam, .lm, .lbfgs] {
                all.append(Case(mode: .batch, kind: kind, ranks: ranks))
            }
        }
        all.append(Case(mode: .minibatch(2), kind: .momentum, ranks: 3))  // one rank has no rows in every update
        return all
    }()

    final class Results: @unchecked Sendable {
        let lock = NSLock()
        var weights: [Int: [Float]] = [:]
        var losses: [Int: [Double]] = [:]
        var errors: [String] = []
    }

    static let arch = try! Architecture(sizes: [2, 9, 3], hidden: .tanh)
    /// Levenberg–Marquardt's: squared error, sigmoid outputs (on the labels as one-hot rows).
    static let squaredArch = try! Architecture(sizes: [2, 9, 3], hidden: .tanh, output: .sigmoid, loss: .squaredError)

    static func train(_ c: Case, communicator: (any Communicator)?, seed: UInt64) throws -> ([Float], [Double]) {
        let data = SyntheticData.circles(count: 60, seed: 4)
        let network = try Network(c.kind == .lm ? squaredArch : arch, device: CPUDevice(), seed: seed)
        var options = TrainingOptions(mode: c.mode, epochs: 3)
        options.seed = 9
        let lr: Float = c.kind.isBatchMethod ? c.kind.defaultLearningRate : c.kind == .adam || c.kind == .rprop ? 0.01 : 0.05
        let trainer = try Trainer(network: network, optimizer: Optimizer(OptimizerConfig(c.kind, learningRate: lr), network: network),
                                  options: options)
        if let communicator { trainer.communicator = communicator }
        let result = try trainer.fit(data)
        return (try network.readParameters(), result.epochs.map(\.loss))
    }

    @Test("N ranks end with one process's weights, every rank alike", arguments: cases)
    func matchesOneProcess(_ c: Case) throws {
        let (single, singleLosses) = try Self.train(c, communicator: nil, seed: 5)
        let group = InProcessGroup(size: c.ranks)
        let results = Results()
        let done = DispatchGroup()
        for rank in 0..<c.ranks {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                do {
                    // Other ranks start from other weights: rank 0's must reach them all.
                    let (w, l) = try Self.train(c, communicator: group.communicator(rank: rank), seed: 5 + UInt64(rank) * 100)
                    results.lock.withLock { results.weights[rank] = w; results.losses[rank] = l }
                } catch {
                    results.lock.withLock { results.errors.append("rank \(rank): \(error)") }
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
        #expect(results.errors.isEmpty, "\(results.errors)")
        guard let first = results.weights[0], results.weights.count == c.ranks else { return }
        for rank in 1..<c.ranks {
            #expect(results.weights[rank] == first, "\(c.testDescription): rank \(rank)'s weights differ from rank 0's")
            #expect(results.losses[rank] == results.losses[0], "\(c.testDescription): rank \(rank) reports other losses")
        }
        // Float32 sums in another order: Adam divides by √v and magnifies that rounding, and
        // so do LM's solve at μ from 0.001 and L-BFGS's line search.
        let tolerance = [.adam, .rprop, .lm, .lbfgs].contains(c.kind) ? 1e-4 : 1e-5
        let error = normwiseError(first, single)
        #expect(error < tolerance, "\(c.testDescription): weights differ from one process's by \(error) (norm-wise)")
        let lossError = zip(results.losses[0]!, singleLosses).map { abs($0 - $1) / max(abs($1), 1e-12) }.max() ?? 0
        #expect(lossError < 1e-4, "\(c.testDescription): epoch losses differ by \(lossError)")
    }

    @Test("blocks of a global batch: contiguous, in rank order, covering it, the first ones a row longer")
    func blocks() {
        for size in 1...5 {
            let group = InProcessGroup(size: size)
            for range in [0..<0, 0..<1, 3..<10, 5..<22] {
                let blocks = (0..<size).map { group.communicator(rank: $0).block(of: range) }
                #expect(blocks.first?.lowerBound == range.lowerBound && blocks.last?.upperBound == range.upperBound)
                #expect(zip(blocks, blocks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                #expect((blocks.map(\.count).max() ?? 0) - (blocks.map(\.count).min() ?? 0) <= 1)
            }
        }
    }

    @Test("stochastic mode is refused over several ranks")
    func refusals() throws {
        for (mode, kind) in [(LearningMode.stochastic, OptimizerConfig.Kind.sgd)] {
            let g = InProcessGroup(size: 2)
            let results = Results()
            let done = DispatchGroup()
            for rank in 0..<2 {
                done.enter()
                Thread {
                    defer { done.leave() }
                    do {
                        _ = try Self.train(Case(mode: mode, kind: kind, ranks: 2), communicator: g.communicator(rank: rank), seed: 1)
                    } catch {
                        results.lock.withLock { results.errors.append("\(error)") }
                    }
                }.start()
            }
            done.wait()
            #expect(results.errors.count == 2 && results.errors.allSatisfy { $0.contains("ranks") || $0.contains("rank") },
                    "\(mode) \(kind): \(results.errors)")
        }
    }
}
