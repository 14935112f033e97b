/// The device buffers a mini-batch epoch gathers into: each batch's inputs and targets,
/// copied from their shuffled positions in the epoch's data, and the epoch's sample order.
/// Made once per trainer and batch size, grown (never shrunk) for larger batches or sets.
final class MiniBatchStaging {
    /// rows × inputSize, and rows × targetWidth (1 for class indices, else outputSize).
    let inputs: DeviceBuffer
    let targets: DeviceBuffer
    /// One Int32 index per sample of the epoch.
    let order: DeviceBuffer
    let rows: Int
    let count: Int
    let targetWidth: Int

    init(_ architecture: Architecture, device: any Device, rows: Int, count: Int, targetWidth: Int) throws {
        inputs = try device.makeBuffer(count: rows * architecture.inputSize)
        targets = try device.makeBuffer(count: rows * targetWidth)
        order = try device.makeBuffer(count: count)
        self.rows = rows
        self.count = count
        self.targetWidth = targetWidth
    }

    func holds(rows: Int, count: Int, targetWidth: Int) -> Bool {
        self.rows >= rows && self.count >= count && self.targetWidth >= targetWidth
    }
}
