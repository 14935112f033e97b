import Backprop
import Foundation

/// What `backprop bench` measures and how long it may take: the full run, `--quick` (under a
/// minute), or `smoke` (the test suite's, in a debug build). Every budget is in seconds, so
/// that a slow device shortens its runs instead of lengthening the benchmark.
public struct BenchmarkConfiguration: Sendable {
    public enum Section: String, Sendable, Hashable, Codable, CaseIterable {
        case throughput
        case gemm
        case accuracy = "time-to-accuracy"

        /// Parses "throughput", "gemm", "accuracy" or "time-to-accuracy".
        public init?(name: String) {
            switch name.lowercased().trimmingCharacters(in: .whitespaces) {
            case "throughput": self = .throughput
            case "gemm": self = .gemm
            case "accuracy", "time-to-accuracy", "tta": self = .accuracy
            default: return nil
            }
        }
    }

    public var sections: [Section] = Section.allCases
    /// The devices to measure; nil: the CPU path and every OpenCL device present.
    public var devices: [DeviceRequest]?
    /// Throughput networks (layer sizes) and modes.
    public var nets: [[Int]] = [[784, 128, 10], [784, 1024, 1024, 10]]
    public var modes: [LearningMode] = [.stochastic, .minibatch(32), .minibatch(256), .minibatch(1024), .batch]
    /// Generated MNIST-shaped samples for the throughput figures.
    public var samples = 60_000
    public var throughput = ThroughputSettings()
    /// Plain SGD at this rate for the throughput figures (the peers' setting).
    public var learningRate: Float = 0.01
    /// GEMM: squares (with `squareOps`) and the products of `gemmNet`'s training step at
    /// each of `gemmBatches` (nil net: the throughput net with the most parameters).
    public var gemmSquares = [256, 512, 1024, 2048]
    public var squareOps: [GEMMOp] = [.nn, .nt, .tn]
    public var gemmBatches = [256, 1024]
    public var gemmNet: [Int]?
    public var gemmRepeats = 5
    public var gemmSecondsPerRepeat = 0.2
    public var accuracy = TimeToAccuracySettings()
    /// The MNIST-style folder for time-to-accuracy; nil: `TimeToAccuracy.defaultDirectory()`.
    public var dataset: URL?
    public var seed: UInt64 = 42
    /// A label for the JSON: "full", "quick" or "smoke".
    public var profile = "full"

    /// The full run: tens of minutes on a slow device.
    public init() {}

    /// `--quick`: under a minute for the CPU path and one slow OpenCL device. Fewer samples,
    /// repeats and GEMM shapes, short budgets; every device, net and mode is still measured.
    public static var quick: BenchmarkConfiguration {
        var c = BenchmarkConfiguration()
        c.profile = "quick"
        c.samples = 4_096
        c.throughput.repeats = 2
        c.throughput.minRepeats = 1
        c.throughput.secondsPerRepeat = 0.1
        c.throughput.secondsPerFigure = 0.5
        c.throughput.probeSeconds = 0.02
        c.throughput.fullBatchEpochSeconds = 0.25
        c.gemmSquares = [256, 512]
        c.squareOps = [.nn]
        c.gemmBatches = [256]
        c.gemmRepeats = 2
        c.gemmSecondsPerRepeat = 0.05
        c.accuracy.maxSeconds = 2
        return c
    }

    /// The test suite's run in a debug build: the quick settings with small networks.
    public static var smoke: BenchmarkConfiguration {
        var c = quick
        c.profile = "smoke"
        c.nets = [[784, 32, 10], [784, 64, 64, 10]]
        c.samples = 2_048
        c.throughput.secondsPerRepeat = 0.02
        c.throughput.secondsPerFigure = 0.05
        c.throughput.probeSeconds = 0.005
        c.throughput.fullBatchEpochSeconds = 0.05
        c.gemmSquares = [64]
        c.gemmSecondsPerRepeat = 0.01
        c.accuracy.sizes = [784, 32, 10]
        c.accuracy.maxSeconds = 0.3
        return c
    }

    /// The net whose step products the GEMM section measures.
    public var gemmNetSizes: [Int] {
        gemmNet ?? nets.max { parameters($0) < parameters($1) } ?? [784, 1024, 1024, 10]
    }

    private func parameters(_ sizes: [Int]) -> Int {
        zip(sizes, sizes.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + $1.1 }
    }

    /// The GEMM shapes, squares first, then each batch's forward products Z = A·Wᵀ (NT:
    /// B×out×in), weight gradients dW = dZᵀ·A (TN: out×in×B) and input gradients dA = dZ·W
    /// (NN: B×in×out, layers after the first), as the peers list them.
    public var gemmShapes: [GEMMShape] {
        var shapes = gemmSquares.flatMap { s in squareOps.map { GEMMShape(m: s, n: s, k: s, op: $0) } }
        let layers = Array(zip(gemmNetSizes, gemmNetSizes.dropFirst()))
        for b in gemmBatches {
            shapes += layers.map { GEMMShape(m: b, n: $0.1, k: $0.0, op: .nt) }
            shapes += layers.map { GEMMShape(m: $0.1, n: $0.0, k: b, op: .tn) }
            shapes += layers.dropFirst().map { GEMMShape(m: b, n: $0.0, k: $0.1, op: .nn) }
        }
        var seen = Set<GEMMShape>()
        return shapes.filter { seen.insert($0).inserted }
    }

    /// Refuses settings that cannot run, with the reason.
    public func validate() throws {
        guard !sections.isEmpty else { throw ConfigurationError("no benchmark section chosen") }
        guard samples >= 1 else { throw ConfigurationError("the throughput figures need at least one sample") }
        for sizes in nets + [accuracy.sizes] {
            _ = try TrainingWorkload.architecture(sizes)
            guard sizes.first == 784, sizes.last == 10 else {
                throw ConfigurationError("benchmark nets take 784 inputs and give 10 outputs (MNIST-shaped), got \(LayerSizes(sizes).description)")
            }
        }
        for mode in modes {
            if case .minibatch(let b) = mode, b < 1 || b > samples {
                throw ConfigurationError("mini-batch \(b) does not fit \(samples) samples")
            }
        }
        guard throughput.repeats >= 1, gemmRepeats >= 1 else { throw ConfigurationError("repeats must be at least 1") }
        for size in gemmSquares + gemmBatches where !(1...16_384).contains(size) {
            throw ConfigurationError("GEMM sizes and batches run from 1 to 16384, got \(size)")
        }
        guard accuracy.maxSeconds > 0, accuracy.target > 0, accuracy.target <= 1 else {
            throw ConfigurationError("the time-to-accuracy cap must be positive and the target in (0, 1]")
        }
    }
}
