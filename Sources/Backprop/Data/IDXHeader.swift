import Foundation

extension IDX {
    /// A checked IDX header: the element type, the dimensions (first = item count), and the
    /// payload size, computed with overflow checks and already compared with what the file
    /// can hold.
    struct Header {
        var type: ElementType
        var dimensions: [Int]
        /// Elements per item: the product of the dimensions after the first.
        var itemSize: Int
        /// Payload bytes: count × itemSize × element width.
        var byteCount: Int
        /// Bytes before the payload: 4 + 4·ndims.
        var size: Int
        /// What an item is called in messages ("image", "label").
        var unit: String
        var source: String

        var count: Int { dimensions[0] }

        /// Reads and checks the header of an images file (`unit` "image": at least 2
        /// dimensions, any element type) or a labels file ("label": exactly 1, integers).
        static func read(_ input: inout ByteInput, unit: String) throws -> Header {
            let source = input.source
            func fail(_ offset: Int, _ problem: String) -> DataError {
                DataError(source: source, record: offset, problem: problem, unit: "byte")
            }
            let magic = [UInt8](try input.read(4))
            guard magic.count == 4 else {
                throw fail(0, "is too short to be an IDX file: expected a 4-byte magic number "
                              + "(00 00 type ndims), found \(magic.count) byte(s)")
            }
            guard magic[0] == 0 && magic[1] == 0 else {
                let found = magic.map { String($0, radix: 16).leftPadded(2) }.joined(separator: " ")
                throw fail(0, "does not start with the IDX magic 00 00 (found \(found)); expected an "
                              + "IDX file such as t10k-images-idx3-ubyte, raw or gzip-compressed")
            }
            let supported = ElementType.allCases.map { "0x\(String($0.rawValue, radix: 16).leftPadded(2)) (\($0.name))" }
            guard let type = ElementType(rawValue: magic[2]) else {
                throw fail(2, "has element type 0x\(String(magic[2], radix: 16).leftPadded(2)); expected one of "
                              + supported.joined(separator: ", "))
            }
            let ndims = Int(magic[3])
            if unit == "label" {
                guard ndims == 1 else {
                    throw fail(3, "has \(ndims) dimension(s); a labels file needs exactly 1 (the count)")
                }
                guard type.isInteger else {
                    throw fail(2, "holds \(type.name) values; labels must be integers (types 0x08, 0x09, 0x0B, 0x0C)")
                }
            } else if ndims < 2 {
                throw fail(3, "has \(ndims) dimension(s); an images file needs at least 2 "
                              + "(count × values, usually count × rows × columns)")
            }
            let dimBytes = [UInt8](try input.read(4 * ndims))
            guard dimBytes.count == 4 * ndims else {
                throw fail(4 + dimBytes.count, "ends inside its header: expected \(ndims) dimensions of 4 bytes "
                                               + "(\(4 * ndims) bytes), found \(dimBytes.count)")
            }
            var dims: [Int] = []
            for k in 0..<ndims {
                let b = dimBytes[(4 * k)..<(4 * k + 4)].map(Int.init)
                dims.append(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3])
            }
            guard dims[0] > 0 else { throw fail(4, "declares 0 \(unit)s; expected at least one") }
            if let zero = dims.firstIndex(of: 0) {
                throw fail(4 + 4 * zero, "declares \(unit)s of size \(shape(dims.dropFirst())); expected every dimension to be at least 1")
            }
            // count × itemSize × width, refusing overflow as a claim no file can meet.
            var itemSize = 1, total = type.width, overflow = false
            func times(_ a: Int, _ b: Int) -> Int {
                let (p, o) = a.multipliedReportingOverflow(by: b)
                overflow = overflow || o
                return p
            }
            for d in dims.dropFirst() { itemSize = times(itemSize, d) }
            for d in dims { total = times(total, d) }
            let header = Header(type: type, dimensions: dims, itemSize: itemSize, byteCount: overflow ? Int.max : total,
                                size: 4 + 4 * ndims, unit: unit, source: source)
            guard !overflow && total <= input.maxRemaining else {
                throw fail(header.size, "is truncated or its header is wrong: the header declares \(header.claim), "
                                        + "but \(input.remainingDescription)")
            }
            return header
        }

        /// "10000 images of 28×28 unsigned byte values (7840000 bytes)".
        var claim: String {
            let bytes = byteCount == Int.max ? "more bytes than any file holds" : "\(byteCount) bytes"
            let shape = unit == "label" ? "" : " of \(IDX.shape(dimensions.dropFirst()))"
            return "\(count) \(unit)s\(shape) \(type.name) values (\(bytes))"
        }

        /// The payload, exactly `byteCount` bytes, then a check that nothing follows it.
        func readPayload(_ input: inout ByteInput) throws -> Data {
            let payload = try input.read(byteCount)
            let data = input.isGzip ? "decompressed data" : "data"
            guard payload.count == byteCount else {
                throw DataError(source: source, record: input.position, problem:
                    "is truncated: the \(data) ends after \(payload.count) of the \(byteCount) bytes the header declares "
                    + "(\(claim))", unit: "byte")
            }
            let end = input.position
            guard try input.atEnd() else {
                let extra = 1 + (try input.countRemaining())
                throw DataError(source: source, record: end, problem:
                    "has \(extra) byte(s) of trailing data after the \(claim) its header declares "
                    + "(expected the \(data) to end at byte \(end))", unit: "byte")
            }
            return payload
        }
    }

    static func shape(_ dims: ArraySlice<Int>) -> String {
        dims.map(String.init).joined(separator: "×")
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
