import Backprop
import BackpropTestSupport
import Foundation
import Testing

/// What a CSV file can be besides plain text on disk, and what messages quote of it.
@Suite("CSV reader: files, line ends and messages")
struct CSVReaderFilesTests {
    @Test("old Mac line ends (CR only) end lines as \\n and \\r\\n do")
    func carriageReturns() throws {
        let lf = try csv("a,b,label\n0,1,0\n2,3,1\n"), cr = try csv("a,b,label\r0,1,0\r2,3,1\r")
        let crlf = try csv("a,b,label\r\n0,1,0\r\n\r\n2,3,1\r\n")
        #expect(cr.inputs == lf.inputs && cr.labels == lf.labels && crlf.inputs == lf.inputs && crlf.labels == lf.labels)
        expectDataError("t.csv, line 3", "holds \"x\"", unit: "line", record: 3) { try csv("a,b,label\r0,1,0\rx,3,1\r") }
    }

    @Test("a gzipped CSV is read; a broken one is refused as gzip")
    func gzip() throws {
        let dir = try TempDir()
        let url = try dir.write("t.csv.gz", Gzip.compress(Data("a,b,label\n0,1,0\n2,3,1\n".utf8)))
        #expect(try CSV.load(url).inputs == [0, 1, 2, 3])
        var broken = try Gzip.compress(Data("a,b,label\n0,1,0\n2,3,1\n".utf8))
        broken.removeLast(12)
        let bad = try dir.write("bad.csv.gz", broken)
        expectDataError("bad.csv.gz", "gzip") { try CSV.load(bad) }
    }

    @Test("a FIFO is read to its end")
    func fifo() throws {
        let dir = try TempDir()
        let path = dir.url.appendingPathComponent("pipe.csv").path
        #expect(mkfifo(path, 0o600) == 0)
        let writer = Thread {
            let fd = open(path, O_WRONLY)
            let text = Array("a,b,label\n0,1,0\n2,3,1\n".utf8)
            _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        writer.start()
        #expect(try CSV.load(URL(fileURLWithPath: path)).labels == [0, 1])
    }

    @Test("a file that cannot be opened says why")
    func unreadable() throws {
        let dir = try TempDir()
        let file = try dir.write("plain", "x")
        expectDataError("plain/t.csv", "cannot be opened (Not a directory)") {
            try CSV.load(file.appendingPathComponent("t.csv"))
        }
    }

    @Test("a byte inside a number that numbers do not hold (a NUL) makes it not a number")
    func nulInNumber() throws {
        expectDataError("t.csv, line 2", "column 0 holds", "which is not a number", unit: "line", record: 2) {
            try csv("1,0\n1\u{0}garbage,1\n")
        }
    }

    @Test("messages quote at most 80 characters of a field")
    func longFields() throws {
        let field = String(repeating: "z", count: 1_000_000)
        let error = expectDataError("t.csv, line 2", "…") { try csv("1,0\n\(field),1\n") }
        #expect((error?.description.count ?? .max) < 300)
    }
}
