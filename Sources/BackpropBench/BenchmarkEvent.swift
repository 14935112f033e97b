import Backprop
import Foundation

/// What a running benchmark reports, as it happens.
public enum BenchmarkEvent {
    /// The devices are open; every figure that follows is for one of these labels.
    case devicesOpened([DeviceInfo])
    /// A section begins; `repeats` is the most repeats any of its figures takes.
    case sectionStarted(BenchmarkConfiguration.Section, repeats: Int)
    case record(BenchmarkRecord)
    /// A section or a figure that could not be measured, and why.
    case skipped(SkippedSection)
    /// Something worth a line: a full batch cut to fit its budget, data being generated.
    case note(String)
}
