/// A position in a device buffer.
public struct BufferRef {
    public let buffer: DeviceBuffer
    public let offset: Int
    public init(buffer: DeviceBuffer, offset: Int) {
        self.buffer = buffer
        self.offset = offset
    }
    public func advanced(by n: Int) -> BufferRef { BufferRef(buffer: buffer, offset: offset + n) }
}
