import Backprop
import Foundation

public enum TimeToAccuracy {
    /// `$BACKPROP_DATA_DIR/mnist` if that variable is set, else `../shared/data/mnist`
    /// from the current directory (the shared data beside the repository).
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment,
                                        currentDirectory: String = FileManager.default.currentDirectoryPath) -> URL {
        if let root = environment["BACKPROP_DATA_DIR"], !root.isEmpty {
            return URL(fileURLWithPath: root).appendingPathComponent("mnist")
        }
        return URL(fileURLWithPath: currentDirectory).appendingPathComponent("../shared/data/mnist").standardized
    }

    /// The split from an MNIST-style folder: its t10k pair when present (as the peers read
    /// it), else its training pair; the first `trainCount` samples train and the last
    /// `heldOutCount` are held out.
    public static func loadSplit(_ dir: URL, trainCount: Int = 8_000,
                                 heldOutCount: Int = 2_000) throws -> (train: Dataset, heldOut: Dataset) {
        let all = IDX.findPair(dir, .test) != nil ? try IDX.loadFolder(dir, split: .test) : try IDX.loadFolder(dir)
        guard all.count >= trainCount + heldOutCount else {
            throw DataError(source: all.source, record: nil, problem:
                "holds \(all.count) samples; the time-to-accuracy split needs \(trainCount) + \(heldOutCount)")
        }
        return (all.slice(0..<trainCount), all.slice((all.count - heldOutCount)..<all.count))
    }

    /// Trains a fresh network of `settings.sizes` on `device` in `run`'s mode until its
    /// held-out accuracy, measured after each epoch, reaches the target, or the epoch or time
    /// cap is hit. The clock covers the epochs (shuffles included) and the evaluations; the
    /// upload and a warm-up (two updates and an evaluation on slices of the data, after which
    /// the weights and the optimizer are restored) stay outside it.
    public static func measure(device: any Device, run: AccuracyRun, train: Dataset, heldOut: Dataset,
                               settings s: TimeToAccuracySettings) throws -> AccuracyMeasurement {
        let network = try Network(TrainingWorkload.architecture(s.sizes), device: device, seed: s.seed)
        let initial = try network.readParameters()
        let optimizer = try Optimizer(run.optimizer, network: network)
        var options = TrainingOptions(mode: run.mode, epochs: run.maxEpochs)
        options.seed = s.seed
        let trainer = try Trainer(network: network, optimizer: optimizer, options: options)
        let trainData = try DeviceData(train, for: network)
        let heldData = try DeviceData(heldOut, for: network)

        // Warm-up on small slices: the same kernels and code paths as the timed run (a full
        // batch included), without an epoch's cost on a slow device. Run twice: the second
        // run is the steady cost, so the first less the second is the one-time cost.
        var warmRows = 512
        if case .minibatch(let b) = run.mode { warmRows = Swift.max(warmRows, 2 * b) }
        let warmTrain = try DeviceData(train.slice(0..<Swift.min(train.count, warmRows)), for: network)
        let warmHeld = try DeviceData(heldOut.slice(0..<Swift.min(heldOut.count, 256)), for: network)
        let warm = try (0..<2).map { _ in
            try Measure.seconds {
                try trainer.trainEpoch(warmTrain, updates: 2)
                _ = try trainer.evaluate(warmHeld)
            }
        }
        try network.writeParameters(initial)
        try optimizer.reset()
        trainer.completedEpochs = 0

        let start = ContinuousClock.now
        func elapsed() -> Double { (ContinuousClock.now - start).seconds }
        let cap = s.maxSeconds
        trainer.shouldStop = { (ContinuousClock.now - start).seconds >= cap }
        defer { trainer.shouldStop = nil }

        var curve: [CurvePoint] = [], epochs = 0.0, best = 0.0, reached = false
        while trainer.completedEpochs < run.maxEpochs {
            let pass = try trainer.trainEpoch(trainData)
            epochs += Double(pass.samples) / Double(trainData.count)
            let accuracy = try trainer.evaluate(heldData).accuracy ?? 0
            curve.append(CurvePoint(seconds: elapsed(), accuracy: accuracy))
            best = Swift.max(best, accuracy)
            if accuracy >= s.target {
                reached = true
                break
            }
            if !pass.complete || elapsed() >= cap { break }
        }
        let last = curve.last
        return AccuracyMeasurement(seconds: last?.seconds ?? elapsed(), epochs: epochs,
                                   accuracy: reached ? (last?.accuracy ?? best) : best, reached: reached,
                                   warmupSeconds: Swift.max(0, warm[0] - warm[1]), curve: curve)
    }
}
