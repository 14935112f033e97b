/// Storage owned by one device: `count` elements of 4 bytes. Subclassed by each device.
open class DeviceBuffer {
    public let count: Int
    init(count: Int) { self.count = count }

    /// This buffer from element `offset` on.
    public func at(_ offset: Int) -> BufferRef { BufferRef(buffer: self, offset: offset) }
    public var start: BufferRef { BufferRef(buffer: self, offset: 0) }
}
