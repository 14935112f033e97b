import CBLAS
import Foundation

/// Host memory for `CPUDevice`, 64-byte aligned for vector loads.
final class CPUBuffer: DeviceBuffer {
    let pointer: UnsafeMutablePointer<Float>

    override init(count: Int) {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(count, 1) * 4, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
        pointer.initialize(repeating: 0, count: Swift.max(count, 1))
        super.init(count: count)
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}
