import Backprop
import Foundation

/// Training output: on a terminal a live progress line (epoch, percent, samples/s, loss,
/// accuracy, time left) that each epoch's line replaces; otherwise one plain line per epoch
/// (every `logEvery` epochs). Messages go to standard output; `--json` adds a final line.
final class ProgressReporter: @unchecked Sendable {
    let live: Bool
    let logEvery: Int?
    let maxEpochs: Int
    private var lineOpen = false
    private var lastDraw = Date.distantPast
    private var epochSeconds: [Double] = []

    init(json: Bool, logEvery: Int?, maxEpochs: Int) {
        live = isatty(STDOUT_FILENO) == 1
        self.logEvery = logEvery
        self.maxEpochs = maxEpochs
    }

    func header(arch: Architecture, device: any Device, train: Dataset, validation: Dataset?,
                mode: LearningMode, config: OptimizerConfig) {
        print("network   \(arch.summary), \(arch.parameterCount) parameters")
        print("data      \(train.source): \(train.count) training samples" + (validation.map { ", \($0.count) held out" } ?? ""))
        print("device    \(device.name)")
        print("training  \(mode), \(config.kind.rawValue), learning rate \(config.learningRate), up to \(maxEpochs) epochs")
        flush()
    }

    /// Within an epoch: redraw the live line at most ten times a second.
    func progress(_ p: TrainingProgress) {
        guard live, Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        let fraction = Double(p.done) / Double(max(p.total, 1))
        let perEpoch = epochSeconds.isEmpty ? p.elapsed / max(fraction, 1e-9) : epochSeconds.reduce(0, +) / Double(epochSeconds.count)
        let left = perEpoch * (1 - fraction) + perEpoch * Double(max(p.maxEpochs - p.epoch, 0))
        var line = String(format: "epoch %d/%d %3.0f%%  %@ samples/s  loss %.4f", p.epoch, p.maxEpochs,
                          fraction * 100, Self.rate(p.samplesPerSecond), p.loss)
        if let a = p.accuracy { line += String(format: "  acc %.2f%%", a * 100) }
        line += "  left \(Self.duration(left))"
        draw(line)
    }

    func epoch(_ r: EpochReport) {
        epochSeconds.append(r.seconds)
        let every = logEvery ?? max(1, maxEpochs / 25)
        guard live || r.epoch % every == 0 || r.epoch == 1 || r.epoch == maxEpochs else { return }
        var line = String(format: "epoch %d/%d  loss %.4f", r.epoch, maxEpochs, r.loss)
        if let a = r.accuracy { line += String(format: "  acc %.2f%%", a * 100) }
        if let v = r.validationLoss { line += String(format: "  val loss %.4f", v) }
        if let a = r.validationAccuracy { line += String(format: "  val acc %.2f%%", a * 100) }
        line += "  lr \(r.learningRate)  \(Self.rate(r.samplesPerSecond)) samples/s  \(String(format: "%.2f", r.seconds)) s"
        if r.undone { line += "  (worse: undone)" }
        if live { draw(line); finishLine() } else { print(line); flush() }
    }

    func finishLine() {
        guard lineOpen else { return }
        print("")
        lineOpen = false
        flush()
    }

    private func draw(_ line: String) {
        FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + line).utf8))
        lineOpen = true
    }

    private func flush() { fflush(nil) }

    static func rate(_ r: Double) -> String {
        r >= 1e6 ? String(format: "%.2fM", r / 1e6) : r >= 1e4 ? String(format: "%.1fk", r / 1e3) : String(format: "%.0f", r)
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(String(format: "%02d", t % 3600 / 60))m" : t >= 60 ? "\(t / 60)m\(String(format: "%02d", t % 60))s" : "\(t)s"
    }
}

/// Saves a checkpoint after epochs (at most every `every` seconds) and at the end, when `--save`
/// was given. Each save replaces the file atomically, so the last good one always survives.
final class CheckpointSaver {
    let url: URL?
    let every: Double
    let normalization: Normalization?
    let classNames: [String]?
    private(set) var lastSaved: Int?
    private var lastTime = Date.distantPast

    init(path: String?, every: Double, normalization: Normalization?, classNames: [String]?) {
        url = path.map { URL(fileURLWithPath: $0) }
        self.every = every
        self.normalization = normalization
        self.classNames = classNames
    }

    func epochEnded(network: Network, trainer: Trainer) {
        guard url != nil, Date().timeIntervalSince(lastTime) >= every else { return }
        // A failed periodic save is reported by the final save, which throws.
        _ = try? save(network: network, trainer: trainer)
    }

    func final(network: Network, trainer: Trainer) throws -> Bool {
        guard url != nil else { return false }
        try save(network: network, trainer: trainer)
        return true
    }

    private func save(network: Network, trainer: Trainer) throws {
        guard let url else { return }
        let checkpoint = try Checkpoint(network: network, trainer: trainer, normalization: normalization, classNames: classNames)
        try checkpoint.write(to: url)
        lastSaved = trainer.completedEpochs
        lastTime = Date()
    }
}
