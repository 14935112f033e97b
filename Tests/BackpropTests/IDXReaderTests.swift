import Backprop
import Foundation
import BackpropTestSupport
import Testing

@Suite("IDX reader: values and labels")
struct IDXReaderTests {
    /// Writes an images file and a labels file (gzip-compressed when asked) and loads them.
    func load(_ images: Data, _ labels: Data, gzip: Bool = false, scale: Bool = true) throws -> Dataset {
        let dir = try TempDir()
        let i = try dir.write("images", gzip ? Gzip.compress(images) : images)
        let l = try dir.write("labels", gzip ? Gzip.compress(labels) : labels)
        return try IDX.load(images: i, labels: l, scale: scale)
    }

    @Test("unsigned bytes scale to pixel/255, or stay raw", arguments: [false, true])
    func unsignedBytes(gzip: Bool) throws {
        let pixels: [UInt8] = (0..<12).map { UInt8($0 * 20) }
        let data = try load(IDXBytes.images(pixels), IDXBytes.labels([1, 9]), gzip: gzip)
        #expect(data.count == 2 && data.inputSize == 6)
        #expect(data.inputs == pixels.map { Float($0) / 255 })
        #expect(data.labels == [1, 9])
        #expect(data.classes == 10)
        #expect(data.classNames == nil)
        let raw = try load(IDXBytes.images(pixels), IDXBytes.labels([1, 9]), gzip: gzip, scale: false)
        #expect(raw.inputs == pixels.map(Float.init))
    }

    @Test("images of two dimensions (count × values) and of more than three")
    func shapes() throws {
        let flat = IDXBytes.file(dims: [2, 4], payload: [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(try load(flat, IDXBytes.labels([0, 1]), scale: false).inputSize == 4)
        let deep = IDXBytes.file(dims: [1, 2, 2, 2], payload: [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(try load(deep, IDXBytes.labels([0]), scale: false).inputSize == 8)
    }

    @Test("signed bytes, int16, int32, float32 and float64 are read big-endian and never scaled")
    func otherTypes() throws {
        let labels = IDXBytes.labels([0, 1])
        let int8 = IDXBytes.file(type: 0x09, dims: [2, 2], payload: [0xFF, 0x7F, 0x80, 0x00])
        #expect(try load(int8, labels).inputs == [-1, 127, -128, 0])
        let int16 = IDXBytes.file(type: 0x0B, dims: [2, 2], payload: IDXBytes.bigEndian([Int16(-300), 2, 32767, -32768]))
        #expect(try load(int16, labels).inputs == [-300, 2, 32767, -32768])
        let int32 = IDXBytes.file(type: 0x0C, dims: [2, 2], payload: IDXBytes.bigEndian([Int32(-70000), 5, 1 << 20, -1]))
        #expect(try load(int32, labels).inputs == [Float(-70000), 5, 1_048_576, -1])
        let floats: [Float] = [0.5, -2.25, 1e-3, 3e8]
        let f32 = IDXBytes.file(type: 0x0D, dims: [2, 2], payload: IDXBytes.bigEndian(floats.map(\.bitPattern)))
        #expect(try load(f32, labels, gzip: true).inputs == floats)
        let doubles: [Double] = [0.5, -2.25, 1e-3, 3e8]
        let f64 = IDXBytes.file(type: 0x0E, dims: [2, 2], payload: IDXBytes.bigEndian(doubles.map(\.bitPattern)))
        #expect(try load(f64, labels).inputs == doubles.map { Float($0) })
    }

    @Test("labels of any integer type; classes is max(10, largest + 1)")
    func labelTypes() throws {
        let images = IDXBytes.images([UInt8](repeating: 0, count: 18))
        let wide = IDXBytes.file(type: 0x0C, dims: [3], payload: IDXBytes.bigEndian([Int32(0), 12, 4]))
        let data = try load(images, wide)
        #expect(data.labels == [0, 12, 4])
        #expect(data.classes == 13)
        let small = IDXBytes.file(type: 0x0B, dims: [3], payload: IDXBytes.bigEndian([Int16(0), 1, 1]))
        #expect(try load(images, small).classes == 10)
    }

    @Test("negative labels and labels beyond 65535 are refused with the label index")
    func badLabels() throws {
        let images = IDXBytes.images([UInt8](repeating: 0, count: 12))
        let negative = IDXBytes.file(type: 0x09, dims: [2], payload: [1, 0xFE])
        expectDataError("labels", "is -2", "0..<65536", unit: "label", record: 1) { try load(images, negative) }
        let huge = IDXBytes.file(type: 0x0C, dims: [2], payload: IDXBytes.bigEndian([Int32(1 << 30), 0]))
        expectDataError("is 1073741824", unit: "label", record: 0) { try load(images, huge) }
    }

    @Test("float labels are refused from the header")
    func floatLabels() throws {
        let images = IDXBytes.images([UInt8](repeating: 0, count: 6))
        let labels = IDXBytes.file(type: 0x0D, dims: [1], payload: IDXBytes.bigEndian([Float(1).bitPattern]))
        expectDataError("labels", "float32", "must be integers", unit: "byte", record: 2) { try load(images, labels) }
    }

    @Test("non-finite image values are refused with the image index")
    func nonFinite() throws {
        let values: [Float] = [1, 2, 3, .nan, 5, 6]
        let images = IDXBytes.file(type: 0x0D, dims: [3, 2], payload: IDXBytes.bigEndian(values.map(\.bitPattern)))
        expectDataError("images", "not a finite number", "element 1", unit: "image", record: 1) {
            try load(images, IDXBytes.labels([0, 1, 2]))
        }
        let big = IDXBytes.file(type: 0x0E, dims: [1, 1], payload: IDXBytes.bigEndian([Double(1e300).bitPattern]))
        expectDataError("not a finite number", unit: "image", record: 0) { try load(big, IDXBytes.labels([0])) }
    }

    @Test("both headers are read first: a pair that cannot match is refused before the images are read")
    func headersFirst() throws {
        // Images that claim 3 and then stop short: reading them would fail as truncated. The
        // count mismatch with 2 labels is found from the headers, before any image is read.
        var images = IDXBytes.images([UInt8](repeating: 0, count: 18))
        images.removeLast(10)
        let gz = try Gzip.compress(images)
        expectDataError("holds 2 labels", "holds 3 images") {
            try IDX.decode(images: gz, named: "images", labels: IDXBytes.labels([0, 1]), named: "labels")
        }
    }

    @Test("image and label counts that disagree are refused, naming both files")
    func countsDisagree() throws {
        let dir = try TempDir()
        let i = try dir.write("images", IDXBytes.images([UInt8](repeating: 0, count: 18)))
        let l = try dir.write("labels", IDXBytes.labels([0, 1]))
        expectDataError(l.path, i.path, "holds 2 labels", "holds 3 images") { try IDX.load(images: i, labels: l) }
    }
}
