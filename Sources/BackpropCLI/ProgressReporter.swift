import Backprop
import Foundation

/// Training output: on a terminal a live progress line (epoch, percent, samples/s, loss,
/// accuracy, time left), redrawn within each epoch; the lines of the epochs logged stay: every
/// `logEvery`-th (default: about 25 in all), the first and the last. Lines go where `Console` sends human lines; the run's notices to standard error.
final class ProgressReporter {
    let live: Bool
    let logEvery: Int?
    private var maxEpochs = 0
    private var lineOpen = false
    private var lastDraw = Date.distantPast
    private var epochSeconds: [Double] = []
    /// Whether the optimizer has a learning rate to show (lm has none).
    private var showsRate = true

    init(logEvery: Int?) {
        live = Console.humanIsTerminal
        self.logEvery = logEvery
    }

    func handle(_ event: TrainingRun.Event) {
        switch event {
        case .notice(let text):
            finishLine()
            notice(text)
        case .started(let plan): header(plan)
        case .progress(let p): progress(p)
        case .epoch(let r): epoch(r)
        }
    }

    private func header(_ plan: TrainingRun.Plan) {
        maxEpochs = plan.epochs
        let arch = plan.architecture, config = plan.optimizer
        say("network   \(arch.summary), \(arch.parameterCount) parameters")
        say("data      \(plan.source): \(plan.trainCount) training samples"
            + (plan.validationCount > 0 ? ", \(plan.validationCount) held out" : ""))
        say("device    \(plan.device)")
        showsRate = config.kind.takesLearningRate
        let rate = showsRate ? "learning rate \(plan.learningRate)" : "damping μ from \(config.lmMu), no learning rate"
        say("training  \(plan.mode), \(config.kind.rawValue), \(rate), up to \(maxEpochs) epochs"
            + (plan.completedEpochs > 0 ? ", from epoch \(plan.completedEpochs + 1)" : ""))
        if !plan.overrides.isEmpty { say("resumed   with " + plan.overrides.joined(separator: ", ")) }
    }

    /// Within an epoch: redraw the live line at most ten times a second.
    private func progress(_ p: TrainingProgress) {
        guard live, Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        let fraction = Double(p.done) / Double(max(p.total, 1))
        let perEpoch = epochSeconds.isEmpty ? p.elapsed / max(fraction, 1e-9) : epochSeconds.reduce(0, +) / Double(epochSeconds.count)
        let left = perEpoch * (1 - fraction) + perEpoch * Double(max(p.maxEpochs &- p.epoch, 0))
        var line = "epoch \(p.epoch)/\(p.maxEpochs) " + String(format: "%3.0f%%  %@ samples/s  loss %@",
                                                                    fraction * 100, Self.rate(p.samplesPerSecond), f4(p.loss))
        if let a = p.accuracy { line += String(format: "  acc %.2f%%", a * 100) }
        line += "  left \(Self.duration(left))"
        draw(line)
    }

    private func epoch(_ r: EpochReport) {
        epochSeconds.append(r.seconds)
        let every = logEvery ?? max(1, maxEpochs / 25)
        let kept = r.epoch % every == 0 || r.epoch == 1 || r.epoch == maxEpochs
        // Between the lines kept, the live line shows the next epoch's progress.
        guard kept else { return }
        var line = "epoch \(r.epoch)/\(maxEpochs)  loss \(f4(r.loss))"
        if let a = r.accuracy { line += String(format: "  acc %.2f%%", a * 100) }
        if let v = r.validationLoss { line += "  val loss \(f4(v))" }
        if let a = r.validationAccuracy { line += String(format: "  val acc %.2f%%", a * 100) }
        if showsRate { line += "  lr \(r.learningRate)" }
        line += "  \(Self.rate(r.samplesPerSecond)) samples/s  \(String(format: "%.2f", r.seconds)) s"
        if r.undone { line += "  (worse: undone)" }
        if live { draw(line) }
        finishLine(else: line)
    }


    /// Ends the live line, if one is drawn (else writes `text`, if any, as a line).
    func finishLine(else text: String? = nil) {
        if lineOpen {
            say("")
            lineOpen = false
        } else if let text {
            say(text)
        }
    }

    private func draw(_ line: String) {
        Console.say("\r\u{1B}[K" + line, terminator: "")
        lineOpen = true
    }

    static func rate(_ r: Double) -> String {
        r >= 1e6 ? String(format: "%.2fM", r / 1e6) : r >= 1e4 ? String(format: "%.1fk", r / 1e3) : String(format: "%.0f", r)
    }

    static func duration(_ s: Double) -> String {
        // Beyond 10⁶ hours a time left says nothing more (and would not fit an Int for long).
        guard s.isFinite, s >= 0, s < 3.6e9 else { return s.isFinite && s > 0 ? "years" : "?" }
        let t = s.rounded().clampedInt()
        return t >= 3600 ? "\(t / 3600)h\(String(format: "%02d", t % 3600 / 60))m" : t >= 60 ? "\(t / 60)m\(String(format: "%02d", t % 60))s" : "\(t)s"
    }
}
