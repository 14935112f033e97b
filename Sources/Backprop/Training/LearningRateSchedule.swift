/// How the learning rate moves from epoch to epoch.
public enum LearningRateSchedule: Sendable, Hashable, Codable, CustomStringConvertible {
    case constant
    /// lr₀ · factor^⌊epoch / every⌋.
    case stepDecay(every: Int, factor: Float)
    /// "Bold driver": after an epoch whose training loss fell, grow the rate by `increase`;
    /// after one whose loss rose, undo the epoch (weights restored, optimizer state cleared)
    /// and shrink the rate by `decrease`.
    case boldDriver(increase: Float, decrease: Float)

    public static let boldDriver = LearningRateSchedule.boldDriver(increase: 1.05, decrease: 0.5)

    public var description: String {
        switch self {
        case .constant: "constant"
        case let .stepDecay(every, factor): "step:\(every):\(factor)"
        case let .boldDriver(increase, decrease): "bold-driver:\(increase):\(decrease)"
        }
    }

    /// Parses `constant`, `step:EVERY:FACTOR` (e.g. `step:10:0.5`), `bold-driver[:UP:DOWN]`.
    public init?(parsing text: String) {
        let parts = text.lowercased().split(separator: ":").map(String.init)
        switch parts.first {
        case "constant" where parts.count == 1: self = .constant
        case "step" where parts.count == 3:
            guard let every = Int(parts[1]), every >= 1, let f = Float(parts[2]), f > 0, f.isFinite else { return nil }
            self = .stepDecay(every: every, factor: f)
        case "bold-driver", "bolddriver":
            if parts.count == 1 { self = .boldDriver; return }
            guard parts.count == 3, let up = Float(parts[1]), let down = Float(parts[2]),
                  up >= 1, up.isFinite, down > 0, down < 1 else { return nil }
            self = .boldDriver(increase: up, decrease: down)
        default: return nil
        }
    }
}
