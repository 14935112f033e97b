/// Per-batch work buffers of a network: Z, A and dZ for each layer (capacity × units), and
/// per-sample loss and correctness. Allocated once per network and batch capacity.
public final class Workspace {
    public let capacity: Int
    public let z: [DeviceBuffer]
    public let a: [DeviceBuffer]
    public let dz: [DeviceBuffer]
    public let loss: DeviceBuffer
    public let correct: DeviceBuffer

    init(_ architecture: Architecture, device: any Device, capacity: Int) throws {
        self.capacity = capacity
        let units = (0..<architecture.layerCount).map { architecture.units(ofLayer: $0) * capacity }
        z = try units.map { try device.makeBuffer(count: $0) }
        a = try units.map { try device.makeBuffer(count: $0) }
        dz = try units.map { try device.makeBuffer(count: $0) }
        loss = try device.makeBuffer(count: capacity)
        correct = try device.makeBuffer(count: capacity)
    }
}
