/// What kind of failure an error of the library is, so that a caller can react to the kind
/// (the command line maps each to its exit status) without reading messages.
public enum ErrorCategory: Sendable, Hashable {
    /// A setting, or a combination of settings, that cannot work.
    case usage
    /// A data or model file that cannot be used, or data that does not fit the network.
    case data
    /// A device that failed: a driver call, a build, an allocation it cannot make.
    case device
    /// Training went to NaN or infinity.
    case diverged
}
