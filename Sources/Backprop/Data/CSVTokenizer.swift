/// Splits CSV bytes into records of fields without copying: RFC 4180 quoting ("…" with ""
/// for a quote, delimiters and line breaks allowed inside), \n, \r\n or \r line ends, blank lines
/// and lines starting with `#` skipped, spaces around unquoted fields trimmed. A value type, so
/// a copy is a bookmark: the reader peeks at the first records and then starts over.
struct CSVTokenizer {
    /// One field: bytes start..<end of the buffer (inside the quotes for a quoted field);
    /// `escaped` when it holds "" pairs that stand for one quote each.
    struct Field {
        var start: Int
        var end: Int
        var quoted: Bool
        var escaped: Bool
    }

    static let quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), hash = UInt8(ascii: "#")

    let bytes: UnsafeBufferPointer<UInt8>
    let delimiter: UInt8
    /// The decimal separator of numbers: "." or, for European files, ",".
    let decimal: UInt8
    let source: String
    private(set) var position = 0
    /// The line `position` is on, from 1.
    private(set) var line = 1
    /// The line the current record starts on.
    private(set) var recordLine = 0
    /// The fields of the current record.
    private(set) var fields: [Field] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8, decimal: UInt8 = UInt8(ascii: "."), source: String) {
        self.bytes = bytes
        self.delimiter = delimiter
        self.decimal = decimal
        self.source = source
        // A UTF-8 byte order mark is not part of the first field.
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { position = 3 }
    }

    /// A space or tab (not the delimiter), or the \r of a \r\n: trimmed around fields.
    private func isBlank(_ p: Int) -> Bool {
        let b = bytes[p]
        if b == Self.cr { return p + 1 < bytes.count && bytes[p + 1] == Self.newline }
        return (b == Self.space || b == Self.tab) && b != delimiter
    }

    /// A \n, or a \r that no \n follows (old Mac line ends).
    private func isLineEnd(_ p: Int) -> Bool {
        bytes[p] == Self.newline || (bytes[p] == Self.cr && !isBlank(p))
    }

    /// Moves to the next record; false at the end of the input. Throws on a quoted field that
    /// is never closed or is followed by something other than a delimiter or a line end.
    mutating func next() throws -> Bool {
        fields.removeAll(keepingCapacity: true)
        let n = bytes.count
        // Skip blank and comment lines.
        while true {
            var p = position
            while p < n && isBlank(p) { p += 1 }
            if p == n { position = n; return false }
            if isLineEnd(p) { position = p + 1; line += 1; continue }
            if bytes[p] == Self.hash {
                while p < n && !isLineEnd(p) { p += 1 }
                position = min(p + 1, n)
                line += 1
                continue
            }
            break
        }
        recordLine = line
        while true {
            var p = position
            while p < n && isBlank(p) { p += 1 }
            if p < n && bytes[p] == Self.quote {
                p = try quotedField(from: p + 1)
            } else {
                let start = p
                while p < n && bytes[p] != delimiter && !isLineEnd(p) { p += 1 }
                var end = p
                while end > start && isBlank(end - 1) { end -= 1 }
                fields.append(Field(start: start, end: end, quoted: false, escaped: false))
            }
            if p < n && bytes[p] == delimiter {
                position = p + 1
                continue
            }
            if p < n { line += 1 } // a newline
            position = min(p + 1, n)
            return true
        }
    }

    /// Reads a quoted field whose text starts at `start`; returns the position after it and
    /// any spaces that follow, which must be a delimiter, a line end or the end of input.
    private mutating func quotedField(from start: Int) throws -> Int {
        let n = bytes.count
        var p = start, escaped = false
        while true {
            guard p < n else {
                throw DataError(source: source, record: recordLine, problem:
                    "has a quoted field that is never closed (expected a closing \")", unit: "line")
            }
            let b = bytes[p]
            if b == Self.quote {
                if p + 1 < n && bytes[p + 1] == Self.quote { escaped = true; p += 2; continue }
                break
            }
            if b == Self.newline { line += 1 }
            p += 1
        }
        fields.append(Field(start: start, end: p, quoted: true, escaped: escaped))
        p += 1
        while p < n && isBlank(p) { p += 1 }
        guard p == n || bytes[p] == delimiter || isLineEnd(p) else {
            let found = String(decoding: [bytes[p]], as: UTF8.self)
            throw DataError(source: source, record: line, problem:
                "has \"\(found)\" after a closing quote (expected a delimiter or the end of the line)", unit: "line")
        }
        return p
    }

    /// The text of field `i` of the current record (quotes removed, "" unescaped).
    func text(_ i: Int) -> String {
        let f = fields[i]
        let slice = UnsafeBufferPointer(rebasing: bytes[f.start..<f.end])
        guard f.escaped else { return String(decoding: slice, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(slice.count)
        var k = 0
        while k < slice.count {
            out.append(slice[k])
            k += slice[k] == Self.quote ? 2 : 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Field `i` as a Float, exactly as `Float(String)` reads it (locale independent): short
    /// decimals through the exact fast path below, anything else through `Float(String)`.
    /// nil when the text is not a number; non-finite results (nan, inf, overflow) are
    /// returned for the caller to refuse.
    @inline(__always)
    func number(_ i: Int) -> Float? {
        let f = fields[i]
        if !f.escaped, let v = Self.shortDecimal(bytes, f.start, f.end, decimal: decimal) { return v }
        // Float(String) reads a C string, which ends at a NUL: "1\0garbage" would read as 1.
        // A number holds nothing but ASCII letters, digits, signs and its decimal separator.
        for p in f.start..<f.end where !Self.numberByte(bytes[p], decimal: decimal) { return nil }
        if decimal == Self.point { return Float(text(i)) }
        let t = text(i)
        // With a decimal comma, a point is not a number's.
        guard !t.contains(".") else { return nil }
        return Float(t.replacingOccurrences(of: ",", with: "."))
    }

    @inline(__always)
    private static func numberByte(_ b: UInt8, decimal: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == 0x2B || b == 0x2D || b == decimal
    }

    static let point = UInt8(ascii: ".")

    /// 10^k for k in 0...10, the powers of ten that a Float holds exactly (5^10 < 2^24).
    @inline(__always)
    private static func powerOfTen(_ k: Int) -> Float {
        var p: Float = 1
        for _ in 0..<k { p *= 10 }
        return p
    }

    /// [+-]digits[.digits] whose digits, read as an integer m, stay below 2^24 and which has at
    /// most 10 digits after the point: m and 10^k are exact Floats, so one IEEE division gives
    /// the correctly rounded value, the same Float(String) gives (Clinger's fast path). nil for
    /// anything else, which then takes the general path.
    @inline(__always)
    static func shortDecimal(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, decimal: UInt8 = point) -> Float? {
        var p = start, negative = false
        if p < end && (b[p] == UInt8(ascii: "-") || b[p] == UInt8(ascii: "+")) {
            negative = b[p] == UInt8(ascii: "-")
            p += 1
        }
        var mantissa = 0, digits = 0, fraction = 0, point = false
        while p < end {
            let c = b[p]
            p += 1
            if c == decimal && !point { point = true; continue }
            let d = c &- UInt8(ascii: "0")
            guard d < 10 && digits < 12 else { return nil }
            mantissa = mantissa * 10 + Int(d)
            digits += 1
            if point { fraction += 1 }
        }
        guard digits > 0 && mantissa < 1 << 24 && fraction <= 10 else { return nil }
        let value = fraction == 0 ? Float(mantissa) : Float(mantissa) / powerOfTen(fraction)
        return negative ? -value : value
    }

    /// The first line in the bytes that is not valid UTF-8, or nil. Lines are checked one by
    /// one (a newline byte never occurs inside a UTF-8 sequence), and only those holding a
    /// byte ≥ 0x80, so ASCII files cost one pass.
    static func firstInvalidUTF8Line(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var line = 1, start = 0, high = false
        for p in 0...bytes.count {
            let b: UInt8 = p < bytes.count ? bytes[p] : newline
            if b == newline {
                if high && String(validating: UnsafeBufferPointer(rebasing: bytes[start..<p]), as: UTF8.self) == nil {
                    return line
                }
                line += 1
                start = p + 1
                high = false
            } else if b >= 0x80 {
                high = true
            }
        }
        return nil
    }
}
