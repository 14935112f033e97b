import CZlib
import Foundation

/// Streaming gunzip over a compressed buffer in memory: each `read` produces as many bytes
/// as asked for until the stream ends. Concatenated gzip members are read as one stream
/// (as `gzip -d` does); anything else after the last member is refused. Errors name
/// `source` and the compressed byte offset.
final class GzipReader {
    private let input: Data
    private let source: String
    private let stream: UnsafeMutablePointer<z_stream>
    private var consumed = 0
    private var finished = false

    /// Bytes produced so far.
    private(set) var produced = 0

    init(_ compressed: Data, source: String) throws {
        input = compressed
        self.source = source
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 16 + MAX_WBITS: expect a gzip header and trailer (CRC-32 and length are checked).
        guard inflateInit2_(stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw DataError(source: source, record: nil, problem: "zlib could not start decompressing")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Fills `buffer` from the stream; returns the number of bytes written, which is less than
    /// `buffer.count` only when the stream has ended.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var filled = 0
        while filled < buffer.count && !finished {
            let outCount = min(buffer.count - filled, 1 << 30)
            let inCount = min(input.count - consumed, 1 << 30)
            let rc = input.withUnsafeBytes { raw -> Int32 in
                let inBase = raw.bindMemory(to: Bytef.self).baseAddress
                stream.pointee.next_in = inBase.map { UnsafeMutablePointer(mutating: $0 + consumed) }
                stream.pointee.avail_in = uInt(inCount)
                stream.pointee.next_out = (base + filled).assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(outCount)
                return inflate(stream, Z_NO_FLUSH)
            }
            let madeOut = outCount - Int(stream.pointee.avail_out)
            let usedIn = inCount - Int(stream.pointee.avail_in)
            filled += madeOut
            produced += madeOut
            consumed += usedIn
            switch rc {
            case Z_STREAM_END:
                try endOfMember()
            case Z_OK where madeOut > 0 || usedIn > 0:
                continue
            case Z_OK, Z_BUF_ERROR:
                // No progress: the input ran out before the end of the stream.
                throw DataError(source: source, record: consumed, problem:
                    "gzip stream is truncated: the compressed data ends before its end marker "
                    + "(expected a complete gzip file)", unit: "byte")
            case Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR:
                throw DataError(source: source, record: consumed, problem:
                    "is a corrupt gzip stream (\(message ?? "invalid data")); expected valid gzip data",
                    unit: "byte")
            case Z_MEM_ERROR:
                throw DataError(source: source, record: consumed, problem: "zlib ran out of memory", unit: "byte")
            default:
                throw DataError(source: source, record: consumed, problem: "zlib failed (code \(rc))", unit: "byte")
            }
        }
        return filled
    }

    /// After a member's trailer: the end of the file, another gzip member, or garbage.
    private func endOfMember() throws {
        if consumed == input.count {
            finished = true
            return
        }
        let rest = input[(input.startIndex + consumed)...]
        guard Gzip.isGzip(Data(rest.prefix(2))) else {
            throw DataError(source: source, record: consumed, problem:
                "has \(input.count - consumed) byte(s) of non-gzip data after the compressed stream "
                + "(expected the file to end there)", unit: "byte")
        }
        inflateReset(stream)
    }

    private var message: String? {
        stream.pointee.msg.map { String(cString: $0) }
    }
}
