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
        case .allocationTooLarge, .outOfMemory, .foreignBuffer, .noOpenCL: .device
        }
    }
}
