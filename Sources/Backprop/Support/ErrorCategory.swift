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

/// An error that knows its `ErrorCategory`. Every error the library throws is one.
public protocol CategorizedError: Error {
    var category: ErrorCategory { get }
}

extension ConfigurationError: CategorizedError {
    public var category: ErrorCategory { .usage }
}

extension DataError: CategorizedError {
    public var category: ErrorCategory { .data }
}

extension CLError: CategorizedError {
    public var category: ErrorCategory { .device }
}

extension TrainingError: CategorizedError {
    public var category: ErrorCategory { .diverged }
}

extension DeviceError: CategorizedError {
    /// Asking for a device that is not there is a usage error; the others are the device's.
    public var category: ErrorCategory {
        switch self {
        case .invalidRequest, .noSuchDevice: .usage
        case .allocationTooLarge, .foreignBuffer, .noOpenCL: .device
        }
    }
}
