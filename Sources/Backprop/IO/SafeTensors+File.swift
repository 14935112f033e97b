import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension SafeTensors {
    /// Reads a safetensors file. The header length is checked against the file's size before
    /// the header is read, and the header is checked before any tensor data is read; each
    /// tensor is then read straight into its own buffer. Problems, I/O ones included, are
    /// `DataError`s naming the path.
    public static func read(from url: URL) throws -> SafeTensors {
        let file = try ReadableFile(url)
        defer { file.close() }
        let n = try headerLength(prefix: file.bytes(0..<min(8, file.size))[...], fileSize: file.size, source: file.path)
        let head = try file.bytes(0..<(8 + n))
        let layout = try Layout(header: head[8...], dataCount: file.size - 8 - n, source: file.path)
        return try layout.tensors { try file.bytes($0) }
    }

    /// Writes the file atomically: the bytes go to a temporary file in the same directory,
    /// which is flushed to disk (fsync) and then renamed over `url`. A crash or `kill -9` at
    /// any moment leaves the old file or the new one at `url`, never a mix; a process killed
    /// mid-write can leave its temporary file (`.<name>.tmp-<pid>-<random>`) behind, but a
    /// thrown error never does. An existing file keeps its permission bits; a symbolic link at
    /// `url` is replaced by the file, not followed.
    public func write(to url: URL) throws {
        let path = url.standardizedFileURL.path
        try AtomicFile.replace(path, with: try encode(source: path))
    }
}

/// A regular file open for reading, with errors named after its path.
private struct ReadableFile {
    let path: String
    let fd: Int32
    let size: Int

    init(_ url: URL) throws {
        path = url.standardizedFileURL.path
        // O_NONBLOCK: a FIFO would otherwise block the open; it is refused below anyway.
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw posixError(path, "cannot be opened") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let error = posixError(path, "cannot be examined")
            _ = posixClose(fd)
            throw error
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            _ = posixClose(fd)
            throw DataError(source: path, record: nil, problem: "is not a regular file (expected a safetensors file)")
        }
        size = Int(info.st_size)
    }

    func close() { _ = posixClose(fd) }

    /// Exactly the bytes in `range`; a short read means the file shrank while being read.
    func bytes(_ range: Range<Int>) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: range.count)
        var done = 0
        try out.withUnsafeMutableBytes { buffer in
            while done < range.count {
                let got = pread(fd, buffer.baseAddress.map { $0 + done }, range.count - done, off_t(range.lowerBound + done))
                if got < 0 && errno == EINTR { continue }
                guard got >= 0 else { throw posixError(path, "cannot be read") }
                guard got > 0 else {
                    throw DataError(source: path, record: range.lowerBound + done,
                                    problem: "ended early (was it changed while being read?)", unit: "byte")
                }
                done += got
            }
        }
        return out
    }
}

/// Write-to-temporary, fsync, rename: the POSIX recipe for replacing a file atomically.
enum AtomicFile {
    /// The temporary file `replace` writes first, beside `path`.
    private static func temporary(for path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        // The name's first 64 bytes keep the temporary's name within NAME_MAX.
        let stem = String(decoding: name.utf8.prefix(64), as: UTF8.self)
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return (directory.isEmpty ? "" : directory + "/") + ".\(stem).tmp-\(getpid())-\(suffix)"
    }

    /// Why `replace(path, …)` could not work now, or nil: the name is longer than its folder
    /// allows, or no temporary file can be made beside it (no permission, a read-only file
    /// system). Creates and removes that temporary; never touches `path`.
    static func problem(replacing path: String) -> String? {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let limit = pathconf(directory.isEmpty ? "." : directory, Int32(_PC_NAME_MAX))
        if limit > 0 && name.utf8.count > limit {
            return "has a file name of \(name.utf8.count) bytes, longer than the \(limit) its folder allows"
        }
        let probe = temporary(for: path)
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            return "cannot be written: no file can be made in \(directory.isEmpty ? "." : directory) (\(String(cString: strerror(errno))))"
        }
        _ = posixClose(fd)
        unlink(probe)
        return nil
    }

    static func replace(_ path: String, with bytes: [UInt8]) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = temporary(for: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw posixError(path, "cannot be written: no temporary file in \(directory.isEmpty ? "." : directory)") }
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        do {
            try writeAll(fd, bytes, path: path)
            var existing = stat()
            if stat(path, &existing) == 0 && (existing.st_mode & S_IFMT) == S_IFREG {
                _ = fchmod(fd, existing.st_mode & 0o7777)
            }
            guard fsync(fd) == 0 else { throw posixError(path, "cannot be written: fsync failed") }
        } catch {
            _ = posixClose(fd)
            throw error
        }
        // close can report a deferred write error (NFS), so it is checked too.
        guard posixClose(fd) == 0 else { throw posixError(path, "cannot be written: close failed") }
        guard rename(temporary, path) == 0 else { throw posixError(path, "cannot be replaced") }
        renamed = true
        // Make the rename itself durable. Best effort: the new file is in place either way,
        // and some file systems refuse fsync on a directory.
        let dirFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            _ = posixClose(dirFD)
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let wrote = posixWrite(fd, buffer.baseAddress.map { $0 + done }, buffer.count - done)
                if wrote < 0 && errno == EINTR { continue }
                guard wrote > 0 else { throw posixError(path, "cannot be written") }
                done += wrote
            }
        }
    }
}

/// A `DataError` for a failed system call, with the system's reason.
private func posixError(_ path: String, _ problem: String) -> DataError {
    DataError(source: path, record: nil, problem: "\(problem) (\(String(cString: strerror(errno))))")
}

// The C functions under names that the `read` and `write` methods above cannot shadow.
private func posixClose(_ fd: Int32) -> Int32 { close(fd) }
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buffer, count) }
