/// Which implementation of `Device` a device is.
public enum DeviceKind: String, Sendable {
    case cpu
    case opencl
}
