import Foundation

/// Reading safetensors, written for hostile input: every claim in a file is checked against
/// the bytes actually there before anything is allocated for it, arithmetic is checked, and
/// every refusal is a `DataError` naming the file, the byte offset and what was expected.
///
/// Stricter than the Python package in three ways, each of which would make a file mean
/// something different to different readers: duplicate keys, keys other than dtype / shape /
/// data_offsets in a tensor entry, and more than `maxRank` dimensions are refused.
/// Like it, leading and trailing JSON whitespace in the header and `"__metadata__": null`
/// are accepted.
extension SafeTensors {
    /// The tensors in `bytes`, a whole safetensors file. `source` names it in errors.
    public static func decode(_ bytes: [UInt8], source: String = "safetensors data") throws -> SafeTensors {
        let n = try headerLength(prefix: bytes.prefix(8), fileSize: bytes.count, source: source)
        let layout = try Layout(header: bytes[8..<(8 + n)], dataCount: bytes.count - 8 - n, source: source)
        return layout.tensors { bytes[$0] }
    }

    public static func decode(_ data: Data, source: String = "safetensors data") throws -> SafeTensors {
        try decode([UInt8](data), source: source)
    }

    /// N, checked against the file's real size and the 100 MB cap before any header is read.
    static func headerLength(prefix: ArraySlice<UInt8>, fileSize: Int, source: String) throws -> Int {
        guard fileSize >= 8, prefix.count == 8 else {
            throw DataError(source: source, record: nil,
                            problem: "is \(fileSize) bytes long; a safetensors file starts with an 8-byte header length")
        }
        let n = prefix.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard n <= UInt64(maxHeaderBytes) else {
            throw DataError(source: source, record: 0, problem:
                "header length \(n) is over the \(maxHeaderBytes)-byte limit (the first 8 bytes are not a safetensors header length)",
                unit: "byte")
        }
        guard n <= UInt64(fileSize - 8) else {
            throw DataError(source: source, record: 0, problem:
                "header length \(n) runs past the end of the file, which has only \(fileSize - 8) bytes after the length",
                unit: "byte")
        }
        return Int(n)
    }

    /// One tensor's entry as the header states it.
    struct Entry {
        var name: String
        var dtype: DType
        var shape: [Int]
        var begin: Int, end: Int
        /// Where the entry's key starts in the file, for messages.
        var at: Int
    }

    /// A header, parsed and checked against a data section of `dataCount` bytes: every tensor
    /// lies inside it, no two overlap, and together they cover it exactly.
    struct Layout {
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        /// File offset of the data section.
        var dataStart: Int

        init(header: ArraySlice<UInt8>, dataCount: Int, source: String) throws {
            dataStart = header.endIndex
            var parser = HeaderParser(bytes: header, source: source)
            (entries, metadata) = try parser.parse()
            try check(dataCount: dataCount, source: source)
        }

        /// The tensors, each with its bytes from `read(range in the file)`.
        func tensors(_ read: (Range<Int>) throws -> some Collection<UInt8>) rethrows -> SafeTensors {
            var tensors: [String: Tensor] = [:]
            tensors.reserveCapacity(entries.count)
            for e in entries {
                let bytes = try read((dataStart + e.begin)..<(dataStart + e.end))
                tensors[e.name] = Tensor(dtype: e.dtype, shape: e.shape, bytes: Array(bytes))
            }
            return SafeTensors(tensors: tensors, metadata: metadata)
        }

        private func check(dataCount: Int, source: String) throws {
            for e in entries {
                func fail(_ problem: String) -> DataError {
                    DataError(source: source, record: e.at, problem: "tensor \(JSONText.quoted(e.name)): \(problem)", unit: "byte")
                }
                let offsets = "data_offsets [\(e.begin), \(e.end)]"
                guard e.begin <= e.end else { throw fail("\(offsets) end before they begin") }
                guard e.end <= dataCount else {
                    throw fail("\(offsets) run past the data section, which holds \(dataCount) bytes (is the file truncated?)")
                }
                guard let size = byteCount(shape: e.shape, dtype: e.dtype) else {
                    throw fail("shape \(e.shape) has more elements than can be addressed")
                }
                guard size == e.end - e.begin else {
                    throw fail("shape \(e.shape) of \(e.dtype.rawValue) takes \(size) bytes, but \(offsets) span \(e.end - e.begin)")
                }
            }
            // Sorted by offsets, each tensor must start where the one before it ended.
            let sorted = entries.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
            var covered = 0
            var previous: Entry?
            for e in sorted {
                if e.begin > covered {
                    throw DataError(source: source, record: dataStart + covered, problem:
                        "data bytes \(covered)..<\(e.begin) belong to no tensor (the data section may have no holes)",
                        unit: "byte")
                }
                if e.begin < covered, let p = previous {
                    throw DataError(source: source, record: dataStart + e.begin, problem:
                        "tensor \(JSONText.quoted(e.name)) (data_offsets [\(e.begin), \(e.end)]) overlaps tensor \(JSONText.quoted(p.name)) (data_offsets [\(p.begin), \(p.end)])",
                        unit: "byte")
                }
                covered = e.end
                previous = e
            }
            guard covered == dataCount else {
                throw DataError(source: source, record: dataStart + covered, problem:
                    "\(dataCount - covered) trailing bytes after the last tensor belong to no tensor (the data section has \(dataCount) bytes, the tensors cover \(covered))",
                    unit: "byte")
            }
        }
    }
}
