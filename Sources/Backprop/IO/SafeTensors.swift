/// Named tensors in the safetensors format (https://github.com/huggingface/safetensors), the
/// format our checkpoints use so that PyTorch, NumPy and JAX can open them.
///
/// A file is: 8 bytes, a little-endian UInt64 N; N bytes of UTF-8 JSON, an object mapping each
/// tensor's name to `{"dtype": "F32", "shape": [3, 4], "data_offsets": [begin, end]}` plus an
/// optional `"__metadata__"` object of string → string; then the data section, which the
/// tensors tile exactly (C order, little-endian, no gaps, no overlaps, no trailing bytes).
///
/// Writing (`encode`, `write(to:)`) lays a file out as the Python package (Rust
/// `safetensors` 0.4–0.8) does, so that the same tensors give the same bytes:
/// - data ordered by dtype, widest first (the Rust `Dtype` order, U64 … BOOL), then by name
///   compared as UTF-8 bytes; every tensor then starts at a multiple of its element size;
/// - the header lists `__metadata__` first (omitted when empty), then the tensors in data
///   order, as compact JSON (serde_json's escaping), padded with spaces to a multiple of 8
///   bytes so the data section is 8-byte aligned.
/// Metadata keys are sorted (as UTF-8 bytes); Python writes them in hash order, so its bytes
/// match ours only with at most one key. A dictionary has no insertion order to keep, and
/// this fixed order makes any file we wrote decode and re-encode to the very same bytes.
/// Reading (`decode`, `read(from:)`, SafeTensors+Decoding.swift) accepts any order and padding.
public struct SafeTensors: Sendable, Equatable {
    public var tensors: [String: Tensor]
    /// The header's `"__metadata__"` object (free-form strings; PyTorch writes `format: pt`).
    public var metadata: [String: String]

    public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The largest header this package reads or writes, as in the Rust reader (100 MB).
    public static let maxHeaderBytes = 100_000_000
    /// The most dimensions a tensor may have (NumPy 2's limit); bounds what a header can make
    /// the reader allocate per tensor.
    public static let maxRank = 64
    /// The header key reserved for metadata; no tensor may take this name.
    public static let metadataKey = "__metadata__"
}

extension SafeTensors {
    /// Element types, named as in the file. Values of every type are kept as raw bytes; typed
    /// access (`floats()`, …) covers F32, F64, I32, I64 and U8. The sub-byte and complex types
    /// of newer writers (F4, F6_*, F8_E8M0, C64) are refused when read.
    public enum DType: String, Sendable, CaseIterable {
        // In the Rust `Dtype` order, which the writer sorts by (widest last).
        case bool = "BOOL", u8 = "U8", i8 = "I8", f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3"
        case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
        case i32 = "I32", u32 = "U32", f32 = "F32", f64 = "F64", i64 = "I64", u64 = "U64"

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .bool, .u8, .i8, .f8e5m2, .f8e4m3: 1
            case .i16, .u16, .f16, .bf16: 2
            case .i32, .u32, .f32: 4
            case .f64, .i64, .u64: 8
            }
        }

        /// Position in the Rust `Dtype` order.
        var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
    }

    /// One tensor: its element type, its shape (`[]` for a scalar) and its elements as raw
    /// little-endian bytes in C order. The initialisers check that the bytes fit the shape,
    /// so every `Tensor` can be written.
    public struct Tensor: Sendable, Equatable {
        public let dtype: DType
        public let shape: [Int]
        /// shape.product × dtype.size bytes.
        public let bytes: [UInt8]

        /// The number of elements (1 for a scalar).
        public var count: Int { bytes.count / dtype.size }

        public init(dtype: DType, shape: [Int], bytes: [UInt8]) {
            let expected = SafeTensors.byteCount(shape: shape, dtype: dtype)
            precondition(expected == bytes.count, expected == nil
                         ? "shape \(shape) has a negative dimension or too many elements"
                         : "a \(dtype.rawValue) tensor of shape \(shape) needs \(expected ?? 0) bytes, got \(bytes.count)")
            self.dtype = dtype
            self.shape = shape
            self.bytes = bytes
        }

        public init(floats: [Float], shape: [Int]) { self.init(values: floats, shape: shape) }
        public init(doubles: [Double], shape: [Int]) { self.init(values: doubles, shape: shape) }
        public init(int32s: [Int32], shape: [Int]) { self.init(values: int32s, shape: shape) }
        public init(int64s: [Int64], shape: [Int]) { self.init(values: int64s, shape: shape) }
        public init(uint8s: [UInt8], shape: [Int]) { self.init(dtype: .u8, shape: shape, bytes: uint8s) }

        /// The elements, when the tensor is F32; a `DataError` names both types otherwise.
        public func floats() throws -> [Float] { try values(as: Float.self) }
        public func doubles() throws -> [Double] { try values(as: Double.self) }
        public func int32s() throws -> [Int32] { try values(as: Int32.self) }
        public func int64s() throws -> [Int64] { try values(as: Int64.self) }
        public func uint8s() throws -> [UInt8] {
            try check(.u8)
            return bytes
        }

        init<T: SafeTensorsScalar>(values: [T], shape: [Int]) {
            let size = MemoryLayout<T.Bits>.size
            var bytes = [UInt8](repeating: 0, count: values.count * size)
            bytes.withUnsafeMutableBytes { raw in
                for (i, value) in values.enumerated() {
                    raw.storeBytes(of: value.bits.littleEndian, toByteOffset: i * size, as: T.Bits.self)
                }
            }
            self.init(dtype: T.dtype, shape: shape, bytes: bytes)
        }

        func values<T: SafeTensorsScalar>(as type: T.Type) throws -> [T] {
            try check(T.dtype)
            let size = MemoryLayout<T.Bits>.size
            return bytes.withUnsafeBytes { raw in
                (0..<count).map { T(bits: T.Bits(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * size, as: T.Bits.self))) }
            }
        }

        private func check(_ wanted: DType) throws {
            guard dtype == wanted else {
                throw DataError(source: "\(dtype.rawValue) tensor of shape \(shape)", record: nil,
                                problem: "cannot be read as \(wanted.rawValue) values")
            }
        }
    }

    /// Elements × element size, or nil when a dimension is negative or the product overflows.
    static func byteCount(shape: [Int], dtype: DType) -> Int? {
        var total = dtype.size
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            total = product
        }
        return total
    }
}

extension Float: SafeTensorsScalar {
    static var dtype: SafeTensors.DType { .f32 }
    init(bits: UInt32) { self.init(bitPattern: bits) }
    var bits: UInt32 { bitPattern }
}

extension Double: SafeTensorsScalar {
    static var dtype: SafeTensors.DType { .f64 }
    init(bits: UInt64) { self.init(bitPattern: bits) }
    var bits: UInt64 { bitPattern }
}

extension Int32: SafeTensorsScalar {
    static var dtype: SafeTensors.DType { .i32 }
    init(bits: Int32) { self = bits }
    var bits: Int32 { self }
}

extension Int64: SafeTensorsScalar {
    static var dtype: SafeTensors.DType { .i64 }
    init(bits: Int64) { self = bits }
    var bits: Int64 { self }
}

// MARK: - Encoding

extension SafeTensors {
    /// The file's bytes, laid out as the Python package lays them out (see the type's comment).
    /// Throws a `DataError` for what no reader would accept back: a tensor named
    /// `__metadata__`, more than `maxRank` dimensions, a header over `maxHeaderBytes`.
    public func encode() throws -> [UInt8] {
        try encode(source: "safetensors encoder")
    }

    func encode(source: String) throws -> [UInt8] {
        let order = tensors.sorted { a, b in
            a.value.dtype != b.value.dtype ? a.value.dtype.rank > b.value.dtype.rank
                                           : a.key.utf8.lexicographicallyPrecedes(b.key.utf8)
        }
        var header: [UInt8] = Array("{".utf8)
        if !metadata.isEmpty {
            JSONText.appendString(Self.metadataKey, to: &header)
            header.append(contentsOf: ":{".utf8)
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (i, key) in keys.enumerated() {
                if i > 0 { header.append(UInt8(ascii: ",")) }
                JSONText.appendString(key, to: &header)
                header.append(UInt8(ascii: ":"))
                JSONText.appendString(metadata[key] ?? "", to: &header)
            }
            header.append(UInt8(ascii: "}"))
        }
        var offset = 0
        for (i, (name, tensor)) in order.enumerated() {
            guard name != Self.metadataKey else {
                throw DataError(source: source, record: nil,
                                problem: "a tensor may not be named \"\(Self.metadataKey)\": the header reserves that key for metadata")
            }
            guard tensor.shape.count <= Self.maxRank else {
                throw DataError(source: source, record: nil,
                                problem: "tensor \(JSONText.quoted(name)) has \(tensor.shape.count) dimensions; at most \(Self.maxRank) can be read back")
            }
            if i > 0 || !metadata.isEmpty { header.append(UInt8(ascii: ",")) }
            JSONText.appendString(name, to: &header)
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            header.append(contentsOf: ":{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],".utf8)
            header.append(contentsOf: "\"data_offsets\":[\(offset),\(offset + tensor.bytes.count)]}".utf8)
            offset += tensor.bytes.count
        }
        header.append(UInt8(ascii: "}"))
        // Pad with spaces so that the data section starts at a multiple of 8.
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))
        guard header.count <= Self.maxHeaderBytes else {
            throw DataError(source: source, record: nil,
                            problem: "the header would take \(header.count) bytes; readers refuse more than \(Self.maxHeaderBytes)")
        }

        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        for (_, tensor) in order { out.append(contentsOf: tensor.bytes) }
        return out
    }
}

extension SafeTensors {
    /// JSON text as serde_json writes it: `"` and `\` escaped, control characters as \b \f \n \r
    /// \t or \u00xx (lower-case hex), everything else, non-ASCII included, as raw UTF-8.
    enum JSONText {
        static func appendString(_ s: String, to out: inout [UInt8]) {
            let hex = Array("0123456789abcdef".utf8)
            out.append(UInt8(ascii: "\""))
            for byte in s.utf8 {
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
                case 0x08: out.append(contentsOf: #"\b"#.utf8)
                case 0x0C: out.append(contentsOf: #"\f"#.utf8)
                case 0x0A: out.append(contentsOf: #"\n"#.utf8)
                case 0x0D: out.append(contentsOf: #"\r"#.utf8)
                case 0x09: out.append(contentsOf: #"\t"#.utf8)
                case 0..<0x20: out.append(contentsOf: #"\u00"#.utf8 + [hex[Int(byte >> 4)], hex[Int(byte & 15)]])
                default: out.append(byte)
                }
            }
            out.append(UInt8(ascii: "\""))
        }

        /// A name for messages: quoted and escaped, cut to 60 characters.
        static func quoted(_ name: String) -> String {
            name.count <= 60 ? name.debugDescription : String(name.prefix(60)).debugDescription + "…"
        }
    }
}
