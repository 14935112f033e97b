extension SafeTensors {
    /// A strict parser for exactly the header's shape of JSON (RFC 8259 tokens, UTF-8 only):
    /// an object of tensor entries and at most one metadata object. It never recurses, reads no
    /// byte it has not bounds-checked, and allocates in proportion to the header's size.
    struct HeaderParser {
        let bytes: ArraySlice<UInt8>
        let source: String
        var i: Int

        init(bytes: ArraySlice<UInt8>, source: String) {
            self.bytes = bytes
            self.source = source
            i = bytes.startIndex
        }

        mutating func parse() throws -> ([SafeTensors.Entry], [String: String]) {
            guard String(validating: bytes, as: UTF8.self) != nil else {
                throw fail("the header is not valid UTF-8", at: firstInvalidUTF8())
            }
            var entries: [SafeTensors.Entry] = []
            var names: Set<String> = []
            var metadata: [String: String]?
            skipWhitespace()
            try expect("{", "the header to be a JSON object")
            var count = 0
            while let (key, at) = try nextKey(&count) {
                if key == SafeTensors.metadataKey {
                    guard metadata == nil else { throw fail("a second \"\(key)\" object", at: at) }
                    metadata = try parseMetadata()
                } else {
                    guard names.insert(key).inserted else { throw fail("a second tensor named \(JSONText.quoted(key))", at: at) }
                    entries.append(try parseEntry(name: key, at: at))
                }
            }
            skipWhitespace()
            guard i == bytes.endIndex else { throw fail("unexpected text after the header object (expected only spaces)") }
            return (entries, metadata ?? [:])
        }

        /// `{"name": {"dtype": …, "shape": […], "data_offsets": [b, e]}` — after the name.
        private mutating func parseEntry(name: String, at: Int) throws -> SafeTensors.Entry {
            var dtype: SafeTensors.DType?, shape: [Int]?, offsets: [Int]?
            let what = "tensor \(JSONText.quoted(name))"
            try expect("{", "\(what) to be an object with dtype, shape and data_offsets")
            var count = 0
            while let (key, keyAt) = try nextKey(&count) {
                switch key {
                case "dtype" where dtype == nil:
                    let valueAt = i
                    let text = try parseString()
                    guard let d = SafeTensors.DType(rawValue: text) else {
                        let known = SafeTensors.DType.allCases.map(\.rawValue).joined(separator: ", ")
                        throw fail("\(what) has dtype \(JSONText.quoted(text)); this reader knows \(known)", at: valueAt)
                    }
                    dtype = d
                case "shape" where shape == nil:
                    shape = try parseIntegers("\(what) shape", max: SafeTensors.maxRank)
                case "data_offsets" where offsets == nil:
                    let valueAt = i
                    let pair = try parseIntegers("\(what) data_offsets", max: 2)
                    guard pair.count == 2 else { throw fail("\(what) data_offsets must be [begin, end]", at: valueAt) }
                    offsets = pair
                case "dtype", "shape", "data_offsets":
                    throw fail("\(what) has a second \"\(key)\"", at: keyAt)
                default:
                    throw fail("\(what) has key \(JSONText.quoted(key)); expected only dtype, shape and data_offsets", at: keyAt)
                }
            }
            guard let dtype, let shape, let offsets else {
                let missing = [("dtype", dtype == nil), ("shape", shape == nil), ("data_offsets", offsets == nil)]
                    .filter(\.1).map(\.0).joined(separator: ", ")
                throw fail("\(what) lacks \(missing)", at: at)
            }
            return SafeTensors.Entry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1], at: at)
        }

        /// `{"key": "value", …}` or `null`.
        private mutating func parseMetadata() throws -> [String: String] {
            if bytes[i...].starts(with: "null".utf8) {
                i += 4
                return [:]
            }
            var result: [String: String] = [:]
            try expect("{", "\"__metadata__\" to be an object of strings")
            var count = 0
            while let (key, at) = try nextKey(&count) {
                guard result[key] == nil else { throw fail("\"__metadata__\" has a second key \(JSONText.quoted(key))", at: at) }
                guard peek() == UInt8(ascii: "\"") else {
                    throw unexpected("\"__metadata__\" value for \(JSONText.quoted(key)) must be a string")
                }
                result[key] = try parseString()
            }
            return result
        }

        /// The next key of an object whose `{` has been read, with its colon read too, or nil
        /// once the closing `}` has been read. `count` counts the members so far.
        private mutating func nextKey(_ count: inout Int) throws -> (String, Int)? {
            skipWhitespace()
            if peek() == UInt8(ascii: "}") { i += 1; return nil }
            if count > 0 {
                try expect(",", "a comma or a closing brace")
                skipWhitespace()
            }
            count += 1
            let at = i
            guard peek() == UInt8(ascii: "\"") else { throw unexpected("expected a key (a string in double quotes)") }
            let key = try parseString()
            skipWhitespace()
            try expect(":", "a colon after the key")
            skipWhitespace()
            return (key, at)
        }

        /// `[n, …]` of non-negative integers, at most `max` of them.
        private mutating func parseIntegers(_ what: String, max: Int) throws -> [Int] {
            try expect("[", "\(what) to be an array of non-negative integers")
            var result: [Int] = []
            skipWhitespace()
            if peek() == UInt8(ascii: "]") { i += 1; return result }
            while true {
                skipWhitespace()
                guard result.count < max else { throw fail("\(what) has more than \(max) entries") }
                result.append(try parseInteger(what))
                skipWhitespace()
                if peek() == UInt8(ascii: "]") { i += 1; return result }
                try expect(",", "a comma or a closing bracket in \(what)")
            }
        }

        /// A JSON integer without sign, fraction or exponent, that fits an Int.
        private mutating func parseInteger(_ what: String) throws -> Int {
            let start = i
            var value = 0
            while let b = peek(), b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") {
                guard i == start || bytes[start] != UInt8(ascii: "0") else { throw fail("\(what): a number may not start with 0", at: start) }
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(Int(b - UInt8(ascii: "0")))
                guard !o1, !o2 else { throw fail("\(what): number too large (over \(Int.max))", at: start) }
                value = sum
                i += 1
            }
            guard i > start else { throw unexpected("\(what): expected a non-negative integer") }
            if let b = peek(), [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(b) {
                throw fail("\(what): expected a whole number, found a fraction or exponent", at: start)
            }
            return value
        }

        /// A JSON string, escapes decoded; lone surrogates and raw control characters refused.
        private mutating func parseString() throws -> String {
            let start = i
            try expect("\"", "a string")
            var out: [UInt8] = []
            while true {
                guard let b = peek() else { throw fail("the string never ends", at: start) }
                i += 1
                switch b {
                case UInt8(ascii: "\""):
                    // The header is valid UTF-8 and we split it only at ASCII bytes.
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    let escapeAt = i - 1
                    guard let e = peek() else { throw fail("the string never ends", at: start) }
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar) {
                            guard bytes[i...].starts(with: #"\u"#.utf8) else { throw fail("a lone UTF-16 surrogate", at: escapeAt) }
                            i += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw fail("a lone UTF-16 surrogate", at: escapeAt) }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let s = Unicode.Scalar(scalar) else { throw fail("a lone UTF-16 surrogate", at: escapeAt) }
                        out.append(contentsOf: String(s).utf8)
                    default:
                        throw fail("an unknown escape: backslash followed by \(Self.describe(e))", at: escapeAt)
                    }
                case 0..<0x20:
                    throw fail("a control character in a string (it must be escaped)", at: i - 1)
                default:
                    out.append(b)
                }
            }
        }

        private mutating func hex4() throws -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let b = peek(), let digit = Self.hexValue(b) else { throw fail("\\u needs four hex digits") }
                value = value << 4 | digit
                i += 1
            }
            return value
        }

        private static func hexValue(_ b: UInt8) -> UInt32? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b - UInt8(ascii: "A") + 10)
            default: nil
            }
        }

        private func peek() -> UInt8? { i < bytes.endIndex ? bytes[i] : nil }

        private mutating func skipWhitespace() {
            while let b = peek(), b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { i += 1 }
        }

        private mutating func expect(_ c: Unicode.Scalar, _ what: String) throws {
            guard peek() == UInt8(ascii: c) else { throw unexpected("expected \(what)") }
            i += 1
        }

        private func fail(_ problem: String, at: Int? = nil) -> DataError {
            DataError(source: source, record: at ?? i, problem: problem, unit: "byte")
        }

        /// `problem` and what stands at the current byte instead.
        private func unexpected(_ problem: String) -> DataError {
            fail(problem + (peek().map { ", found \(Self.describe($0))" } ?? ", found the end of the header"))
        }

        private static func describe(_ b: UInt8) -> String {
            (0x21..<0x7F).contains(b) ? "'\(Unicode.Scalar(b))'" : "byte 0x\(String(b, radix: 16, uppercase: true))"
        }

        /// Offset of the first byte that breaks UTF-8 (after a failed whole-header check).
        private func firstInvalidUTF8() -> Int {
            var decoder = UTF8()
            var iterator = bytes.makeIterator()
            var offset = bytes.startIndex
            while case .scalarValue(let s) = decoder.decode(&iterator) { offset += UTF8.width(s) }
            return offset
        }
    }
}
