import Foundation

/// The contents of a file, read whole (not memory-mapped: a file truncated while mapped
/// would crash the reader instead of failing it). A FIFO or a pipe (`/dev/stdin`) is read to
/// its end. A missing file, a directory, a file that cannot be opened (with the system's
/// reason) or one larger than the memory left is a `DataError` naming the path.
func readFileData(_ url: URL) throws -> Data {
    let path = url.path
    func fail(_ problem: String) -> DataError { DataError(source: path, record: nil, problem: problem) }
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
        throw errno == ENOENT ? fail("does not exist (expected a readable file)")
            : fail("cannot be opened (\(String(cString: strerror(errno))))")
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw fail("cannot be examined (\(String(cString: strerror(errno))))") }
    if (info.st_mode & S_IFMT) == S_IFDIR { throw fail("is a directory (expected a file)") }
    let regular = (info.st_mode & S_IFMT) == S_IFREG
    if regular, let why = MemoryBudget.shortfall(Int(info.st_size)) { throw fail("is too large to read: \(why)") }
    var data = Data(capacity: regular ? Int(info.st_size) : 1 << 16)
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n >= 0 else { throw fail("cannot be read (\(String(cString: strerror(errno))))") }
        if n == 0 { return data }
        // A stream has no size to check up front: its growth is checked as it comes.
        if !regular, data.count % (64 << 20) + n >= 64 << 20, let why = MemoryBudget.shortfall(64 << 20) {
            throw fail("is too large to read: \(why)")
        }
        data.append(contentsOf: chunk[0..<n])
    }
}

/// A file's bytes in order, gunzipped on the fly when the file starts with the gzip magic
/// (1f 8b) whatever its name. Offsets in errors count bytes of the (decompressed) content.
struct ByteInput {
    let source: String
    let isGzip: Bool
    private let raw: Data
    private var offset = 0
    private let gzip: GzipReader?

    init(_ url: URL) throws {
        try self.init(readFileData(url), source: url.path)
    }

    /// The bytes of a file already in memory; `source` names it in errors.
    init(_ data: Data, source: String) throws {
        self.source = source
        raw = data
        isGzip = Gzip.isGzip(raw)
        gzip = isGzip ? try GzipReader(raw, source: source) : nil
    }

    /// Bytes read so far.
    var position: Int { gzip?.produced ?? offset }

    /// An upper bound on the bytes left: exact for a raw file; for gzip, what the remaining
    /// compressed bytes could at most expand to. Checked before allocating for a header's claim.
    var maxRemaining: Int {
        isGzip ? Gzip.maxDecompressedSize(compressedSize: raw.count) - position : raw.count - offset
    }

    /// What `maxRemaining` means, for messages.
    var remainingDescription: String {
        isGzip ? "a gzip file of \(raw.count) bytes can hold at most \(maxRemaining) more bytes"
               : "only \(maxRemaining) byte(s) follow in the file"
    }

    /// Up to `count` bytes; fewer only at the end of the content. From gzip, the result grows
    /// in chunks as the stream delivers, so memory follows what the stream really holds, never
    /// just what a header claims.
    mutating func read(_ count: Int) throws -> Data {
        precondition(count >= 0)
        if let gzip {
            var out = Data()
            var chunk = Data(count: min(count, 1 << 22))
            while out.count < count {
                let want = min(chunk.count, count - out.count)
                let n = try chunk.withUnsafeMutableBytes { try gzip.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want])) }
                out.append(chunk.prefix(n))
                if n < want { break }
            }
            return out
        }
        let n = min(count, raw.count - offset)
        let start = raw.startIndex + offset
        offset += n
        return raw[start..<(start + n)]
    }

    /// Everything left, in 4 MiB chunks, the memory left checked at every 64 MiB (a gzip stream
    /// says nothing of its size up front).
    mutating func readAll() throws -> Data {
        var out = Data()
        while true {
            let part = try read(1 << 22)
            if part.isEmpty { return out }
            if out.count % (64 << 20) + part.count >= 64 << 20, let why = MemoryBudget.shortfall(64 << 20) {
                throw DataError(source: source, record: nil, problem: "inflates beyond \(out.count) bytes, too large to read: \(why)")
            }
            out.append(part)
        }
    }

    /// True when no content is left (for gzip, after checking the stream's trailer).
    mutating func atEnd() throws -> Bool {
        try read(1).isEmpty
    }

    /// How many bytes are left, reading to the end (for a message about trailing data).
    /// Reads at most `cap` further bytes and reports `cap` when there are more.
    mutating func countRemaining(cap: Int = 1 << 24) throws -> Int {
        if gzip == nil { return raw.count - offset }
        var total = 0
        while total < cap {
            let n = try read(min(1 << 16, cap - total)).count
            if n == 0 { break }
            total += n
        }
        return total
    }
}
