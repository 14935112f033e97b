/// A setting, or a combination of settings, that cannot work: which settings (with the
/// values they had) and what is wrong. The command line names each setting by its option
/// (`--batch-size 10`) and exits with status 64 (usage).
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    /// The settings a training run is made of, as the library names them in messages.
    public enum Setting: String, Sendable, Hashable, CaseIterable {
        case dataset, validation, normalization, seed
        case layers, activation, output = "output activation", loss, initializer
        case optimizer, learningRate = "learning rate", momentum, nesterov, beta1, beta2, weightDecay = "weight decay", schedule
        case quickpropDecay = "quickprop decay", quickpropMu = "quickprop mu", lbfgsHistory = "lbfgs history"
        case mode, batchSize = "batch size", epochs, shuffle
        case targetLoss = "target loss", targetAccuracy = "target accuracy", patience
        case validationData = "validation data"
        case device, initFrom = "init", resume, save, saveInterval = "save interval", history, splitOrder = "split"
        case onnx
    }

    /// The settings at fault, with the values they had, in the order they matter.
    public var settings: [Fault]
    /// What is wrong, as a clause that follows the settings ("is larger than the training set").
    public var problem: String

    public struct Fault: Sendable, Hashable {
        public var setting: Setting
        public var value: String
        public init(_ setting: Setting, _ value: String) {
            self.setting = setting
            self.value = value
        }
    }

    /// A problem with no particular setting to name (a network built by hand, say).
    public init(_ problem: String) {
        settings = []
        self.problem = problem
    }

    /// A problem with one setting, which had `value`.
    public init(_ setting: Setting, _ value: CustomStringConvertible, _ problem: String) {
        settings = [Fault(setting, value.description)]
        self.problem = problem
    }

    public init(_ settings: [Fault], _ problem: String) {
        self.settings = settings
        self.problem = problem
    }

    /// The same problem, blamed on these settings as well (those it named come after them).
    public func blaming(_ faults: [Fault]) -> ConfigurationError {
        ConfigurationError(faults + settings.filter { !faults.contains($0) }, problem)
    }

    /// "batch size 10: is larger than the training set (4 samples); expected at most 4"; with
    /// `render` spelling each setting and its value another way (as the command line's options).
    public func description(rendering render: (Fault) -> String) -> String {
        guard !settings.isEmpty else { return problem }
        return settings.map(render).joined(separator: " ") + ": " + problem
    }

    public var description: String { description { "\($0.setting.rawValue) \($0.value)" } }
}
