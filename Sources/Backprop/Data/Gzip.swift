import CZlib
import Foundation

/// gzip through zlib: detection by magic bytes, streaming decompression with bounded output,
/// and one-shot compression (for tests and tools that write .gz files).
public enum Gzip {
    /// True when `data` starts with the gzip magic 1f 8b (whatever the file is called).
    public static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// deflate never expands more than 1032:1, so a stream of n compressed bytes holds at most
    /// about 1032·n bytes: the bound used to refuse a header's size claim before allocating.
    public static func maxDecompressedSize(compressedSize n: Int) -> Int {
        let (bound, overflow) = n.multipliedReportingOverflow(by: 1032)
        return overflow ? Int.max : bound &+ 1024
    }

    /// The whole of a gzip stream, refusing to produce more than `limit` bytes.
    /// `source` names the file in errors.
    public static func decompress(_ data: Data, source: String, limit: Int = Int.max) throws -> Data {
        let reader = try GzipReader(data, source: source)
        var out = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try reader.read(into: $0) }
            if n == 0 { return out }
            guard out.count <= limit - n else {
                throw DataError(source: source, record: nil,
                                problem: "decompresses to more than the \(limit) bytes expected")
            }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    /// `data` as one gzip member (level 0...9, default 6).
    public static func compress(_ data: Data, level: Int32 = 6) throws -> Data {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { deflateEnd(stream); stream.deinitialize(count: 1); stream.deallocate() }
        guard deflateInit2_(stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                            zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { throw DataError(source: "gzip", record: nil, problem: "zlib could not start compressing") }
        // One call with Z_FINISH and an output buffer of deflateBound's size always completes.
        let capacity = Int(deflateBound(stream, uLong(data.count))) + 64
        var out = [UInt8](repeating: 0, count: capacity)
        var input = data
        let rc = input.withUnsafeMutableBytes { inPtr in
            out.withUnsafeMutableBytes { outPtr in
                stream.pointee.next_in = inPtr.bindMemory(to: Bytef.self).baseAddress
                stream.pointee.avail_in = uInt(inPtr.count)
                stream.pointee.next_out = outPtr.bindMemory(to: Bytef.self).baseAddress
                stream.pointee.avail_out = uInt(outPtr.count)
                return deflate(stream, Z_FINISH)
            }
        }
        guard rc == Z_STREAM_END else {
            throw DataError(source: "gzip", record: nil, problem: "zlib could not compress (code \(rc))")
        }
        return Data(out[0..<Int(stream.pointee.total_out)])
    }
}
