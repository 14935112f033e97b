import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// Every refusal of a damaged or hostile IDX file: each names the file, the byte offset or
/// item, and what was expected; none crashes or allocates from an unchecked size.
@Suite("IDX reader: header checks")
struct IDXHeaderTests {
    let labels = IDXBytes.labels([0, 1])

    /// Loads `images` (written raw, or gzip-compressed) with two good labels.
    func load(_ images: Data, gzip: Bool = false) throws -> Dataset {
        let dir = try TempDir()
        let i = try dir.write("img", gzip ? Gzip.compress(images) : images)
        let l = try dir.write("lab", labels)
        return try IDX.load(images: i, labels: l)
    }

    @Test("wrong magic: not 00 00, e.g. a text file or a PNG")
    func wrongMagic() throws {
        expectDataError("img", "IDX magic 00 00", "found 89 50", unit: "byte", record: 0) {
            try load(Data([0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0]))
        }
        expectDataError("found 68 65") { try load(Data("hello, world".utf8), gzip: true) }
    }

    @Test("too short for a magic number")
    func tooShort() throws {
        expectDataError("too short", "found 3 byte(s)", unit: "byte", record: 0) { try load(Data([0, 0, 8])) }
    }

    @Test("unsupported element type, listing the supported ones")
    func unsupportedType() throws {
        expectDataError("element type 0x07", "0x08 (unsigned byte)", "0x0e (float64)", unit: "byte", record: 2) {
            try load(IDXBytes.file(type: 0x07, dims: [2, 2], payload: [0, 0, 0, 0]))
        }
    }

    @Test("wrong number of dimensions for images and for labels")
    func dimensions() throws {
        expectDataError("1 dimension(s)", "at least 2", unit: "byte", record: 3) {
            try load(IDXBytes.file(dims: [2], payload: [0, 0]))
        }
        let dir = try TempDir()
        let i = try dir.write("img", IDXBytes.images([UInt8](repeating: 0, count: 12)))
        let l = try dir.write("lab", IDXBytes.file(dims: [2, 1, 1], payload: [0, 1]))
        expectDataError(l.path, "3 dimension(s)", "exactly 1", unit: "byte", record: 3) { try IDX.load(images: i, labels: l) }
    }

    @Test("a header cut short inside its dimensions")
    func truncatedHeader() throws {
        expectDataError("ends inside its header", "3 dimensions", "found 5", unit: "byte", record: 9) {
            try load(IDXBytes.images([0, 0, 0, 0, 0, 0]).prefix(9))
        }
    }

    @Test("zero items and zero-sized dimensions")
    func zero() throws {
        expectDataError("declares 0 images", "at least one", unit: "byte", record: 4) {
            try load(IDXBytes.file(dims: [0, 28, 28], payload: []))
        }
        expectDataError("size 28×0", "at least 1", unit: "byte", record: 12) {
            try load(IDXBytes.file(dims: [5, 28, 0], payload: []))
        }
    }

    @Test("a header claiming 2^31 images in a tiny file is refused before allocating", arguments: [false, true])
    func hugeClaim(gzip: Bool) throws {
        let hostile = IDXBytes.file(dims: [1 << 31, 28, 28], payload: [UInt8](repeating: 7, count: 1000))
        let start = ContinuousClock.now
        expectDataError("img", "2147483648 images of 28×28", "1683627180032 bytes", unit: "byte", record: 16) {
            try load(hostile, gzip: gzip)
        }
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test("dimensions whose product overflows are refused, not trapped")
    func overflow() throws {
        let hostile = IDXBytes.file(dims: [UInt32.max, UInt32.max, UInt32.max], payload: [1, 2, 3])
        expectDataError("more bytes than any file holds", unit: "byte", record: 16) { try load(hostile) }
    }

    @Test("a file ending inside its data is truncated", arguments: [false, true])
    func truncatedData(gzip: Bool) throws {
        let short = IDXBytes.file(dims: [2, 2, 3], payload: [UInt8](repeating: 1, count: 10))
        // Raw: refused from the header against the file size; gzip: when the stream ends early.
        expectDataError("img", "truncated", "12 bytes", unit: "byte") { try load(short, gzip: gzip) }
    }

    @Test("trailing garbage after the declared data", arguments: [false, true])
    func trailing(gzip: Bool) throws {
        let long = IDXBytes.file(dims: [2, 2, 3], payload: [UInt8](repeating: 1, count: 15))
        expectDataError("img", "3 byte(s) of trailing data", "to end at byte 28", unit: "byte", record: 28) {
            try load(long, gzip: gzip)
        }
    }

    @Test("a corrupt or cut gzip stream is refused")
    func corruptGzip() throws {
        var packed = try Gzip.compress(IDXBytes.images((0..<12).map { UInt8($0) }))
        let dir = try TempDir()
        let l = try dir.write("lab", labels)
        let cut = try dir.write("cut.gz", packed.prefix(packed.count - 4))
        expectDataError(cut.path, "truncated") { try IDX.load(images: cut, labels: l) }
        for k in 12..<(packed.count - 8) { packed[k] ^= 0xA5 }
        let bad = try dir.write("bad.gz", packed)
        expectDataError(bad.path, "gzip") { try IDX.load(images: bad, labels: l) }
    }
}
