import Foundation

/// The IDX format of MNIST, Fashion-MNIST and KMNIST: a magic number 00 00 <type> <ndims>,
/// ndims big-endian UInt32 dimensions (the first is the item count), then the items, row-major,
/// big-endian. Files may be raw or gzip-compressed (detected by content, not by name).
///
/// Every size in a header is checked, with overflow-checked arithmetic, against what the file
/// can hold before anything is allocated; every error is a `DataError` naming the file, the
/// byte offset (of the decompressed content) or item index, and what was expected.
public enum IDX {
    /// Element types (the third magic byte). Multi-byte types are big-endian.
    public enum ElementType: UInt8, Sendable, CaseIterable {
        case uint8 = 0x08, int8 = 0x09, int16 = 0x0B, int32 = 0x0C, float32 = 0x0D, float64 = 0x0E

        /// Bytes per element.
        public var width: Int {
            switch self {
            case .uint8, .int8: 1
            case .int16: 2
            case .int32, .float32: 4
            case .float64: 8
            }
        }

        public var name: String {
            switch self {
            case .uint8: "unsigned byte"
            case .int8: "signed byte"
            case .int16: "int16"
            case .int32: "int32"
            case .float32: "float32"
            case .float64: "float64"
            }
        }

        var isInteger: Bool { self != .float32 && self != .float64 }
    }

    /// Labels must lie in 0..<maxClasses; a larger one is refused as corrupt.
    public static let maxClasses = 1 << 16

    /// A classification set from an images file (count × d1 × d2 …, any element type) and a
    /// labels file (count, integer type). Inputs: count × (d1·d2·…) Floats; with `scale`,
    /// unsigned bytes become pixel/255 in [0, 1] (other types are never scaled); without it,
    /// the raw values. `classes` is max(10, largest label + 1): IDX holds the 10-class MNIST
    /// family, and a subset missing a digit must keep the 10 outputs of the full set, while a
    /// set with more classes (EMNIST) still gets them all.
    public static func load(images: URL, labels: URL, scale: Bool = true) throws -> Dataset {
        try load(images: images, labels: labels, scale: scale, source: "idx:\(images.path),\(labels.path)")
    }

    static func load(images: URL, labels: URL, scale: Bool, source: String) throws -> Dataset {
        try decodePair(ByteInput(images), ByteInput(labels), scale: scale, source: source)
    }

    /// As `load(images:labels:scale:)`, from the files' bytes in memory (each raw or gzip);
    /// `imagesName` and `labelsName` stand for the files in messages.
    public static func decode(images: Data, named imagesName: String, labels: Data, named labelsName: String,
                       scale: Bool = true) throws -> Dataset {
        try decodePair(ByteInput(images, source: imagesName), ByteInput(labels, source: labelsName), scale: scale,
                       source: "idx:\(imagesName),\(labelsName)")
    }

    /// Both headers first, so that a pair that cannot match is refused before the images are
    /// inflated (a small gzip file can claim, and hold, a gigabyte); then the labels, then the
    /// images.
    private static func decodePair(_ imageFile: ByteInput, _ labelFile: ByteInput, scale: Bool,
                                   source: String) throws -> Dataset {
        var imageInput = imageFile, labelInput = labelFile
        let imageHeader = try Header.read(&imageInput, unit: "image")
        let labelHeader = try Header.read(&labelInput, unit: "label")
        guard labelHeader.count == imageHeader.count else {
            throw DataError(source: labelInput.source, record: nil, problem:
                "holds \(labelHeader.count) labels, but \(imageInput.source) holds \(imageHeader.count) images "
                + "(expected one label per image)")
        }
        let classes = try readLabels(&labelInput, labelHeader)
        let images = try readImages(&imageInput, imageHeader, scale: scale)
        let maxLabel = Int(classes.max() ?? 0)
        return Dataset(source: source, inputSize: images.inputSize, inputs: images.inputs, labels: classes,
                       classes: max(10, maxLabel + 1))
    }

    // MARK: Files

    /// The images after their header: count × inputSize Floats, inputSize = d1·d2·….
    static func readImages(_ input: inout ByteInput, _ header: Header, scale: Bool) throws
        -> (inputs: [Float], inputSize: Int, count: Int) {
        try checkMemory(header, floats: header.count * header.itemSize)
        let payload = try header.readPayload(&input)
        let source = input.source
        let values = try payload.withUnsafeBytes { bytes in
            try decodeFloats(bytes, header.type, scale: scale) { index in
                let item = index / header.itemSize
                throw DataError(source: source, record: item, problem:
                    "holds a value that is not a finite number (NaN or infinite) at element \(index % header.itemSize); "
                    + "expected finite values", unit: "image")
            }
        }
        return (values, header.itemSize, header.count)
    }

    /// The labels after their header: one integer in 0..<maxClasses per item.
    static func readLabels(_ input: inout ByteInput, _ header: Header) throws -> [Int32] {
        try checkMemory(header, floats: header.count)
        let payload = try header.readPayload(&input)
        let source = input.source
        return try payload.withUnsafeBytes { bytes in
            try decodeLabels(bytes, header.type) { index, value in
                throw DataError(source: source, record: index, problem:
                    "is \(value); expected a class index in 0..<\(maxClasses)", unit: "label")
            }
        }
    }

    /// Refuses a payload whose bytes and decoded values (`floats` 4-byte values) the process
    /// cannot hold, before reading it.
    private static func checkMemory(_ header: Header, floats: Int) throws {
        let bytes = header.byteCount.addingReportingOverflow(floats.multipliedReportingOverflow(by: 4).partialValue)
        if let why = MemoryBudget.shortfall(bytes.overflow ? .max : bytes.partialValue) {
            throw DataError(source: header.source, record: nil, problem:
                "declares \(header.count) \(header.unit)s (\(header.byteCount) bytes of data) which, read, need more memory: \(why)")
        }
    }

    // MARK: Decoding

    /// Big-endian elements of `type` as Floats; `bad(i)` is called for a non-finite element.
    static func decodeFloats(_ bytes: UnsafeRawBufferPointer, _ type: ElementType, scale: Bool,
                             bad: (Int) throws -> Never) throws -> [Float] {
        let n = bytes.count / type.width
        var table = [Float](repeating: 0, count: 256)
        for b in 0..<256 { table[b] = scale ? Float(b) / 255 : Float(b) }
        var firstBad: Int? = nil
        let values = [Float](unsafeUninitializedCapacity: n) { out, initialized in
            switch type {
            case .uint8: for i in 0..<n { out[i] = table[Int(bytes[i])] }
            case .int8: for i in 0..<n { out[i] = Float(Int8(bitPattern: bytes[i])) }
            case .int16:
                for i in 0..<n { out[i] = Float(Int16(bigEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) }
            case .int32:
                for i in 0..<n { out[i] = Float(Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
            case .float32:
                for i in 0..<n {
                    out[i] = Float(bitPattern: UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                    if firstBad == nil && !out[i].isFinite { firstBad = i }
                }
            case .float64:
                for i in 0..<n {
                    out[i] = Float(Double(bitPattern: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                    if firstBad == nil && !out[i].isFinite { firstBad = i }
                }
            }
            initialized = n
        }
        if let firstBad { try bad(firstBad) }
        return values
    }

    /// Big-endian integer elements as labels; `bad(i, value)` is called for one outside 0..<maxClasses.
    static func decodeLabels(_ bytes: UnsafeRawBufferPointer, _ type: ElementType,
                             bad: (Int, Int) throws -> Never) throws -> [Int32] {
        let n = bytes.count / type.width
        var labels = [Int32](repeating: 0, count: n)
        for i in 0..<n {
            let value: Int
            switch type {
            case .uint8: value = Int(bytes[i])
            case .int8: value = Int(Int8(bitPattern: bytes[i]))
            case .int16: value = Int(Int16(bigEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))
            case .int32: value = Int(Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
            case .float32, .float64: value = -1 // refused by the header check
            }
            guard value >= 0 && value < maxClasses else { try bad(i, value) }
            labels[i] = Int32(value)
        }
        return labels
    }
}
