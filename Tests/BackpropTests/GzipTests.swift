import Backprop
import Foundation
import BackpropTestSupport
import Testing

@Suite("gzip through zlib")
struct GzipTests {
    let sample = Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 100) })

    @Test("compress then decompress gives the bytes back; detection is by magic")
    func roundTrip() throws {
        let packed = try Gzip.compress(sample)
        #expect(Gzip.isGzip(packed))
        #expect(!Gzip.isGzip(sample))
        #expect(!Gzip.isGzip(Data([0x1F])))
        #expect(try Gzip.decompress(packed, source: "s.gz") == sample)
        #expect(try Gzip.decompress(Gzip.compress(Data()), source: "empty.gz").isEmpty)
    }

    @Test("concatenated gzip members read as one stream, as gzip -d does")
    func members() throws {
        let two = try Gzip.compress(sample) + Gzip.compress(Data("tail".utf8))
        #expect(try Gzip.decompress(two, source: "two.gz") == sample + Data("tail".utf8))
    }

    @Test("a corrupt stream is refused with the compressed byte offset")
    func corrupt() throws {
        var packed = try Gzip.compress(sample)
        for i in 20..<40 { packed[i] ^= 0x5A }
        expectDataError("c.gz", "corrupt gzip", unit: "byte") { try Gzip.decompress(packed, source: "c.gz") }
    }

    @Test("a damaged checksum is refused")
    func checksum() throws {
        var packed = try Gzip.compress(sample)
        packed[packed.count - 6] ^= 0xFF // inside the CRC-32 of the trailer
        expectDataError("k.gz", "corrupt gzip") { try Gzip.decompress(packed, source: "k.gz") }
    }

    @Test("a stream cut short is refused as truncated")
    func truncated() throws {
        let packed = try Gzip.compress(sample)
        for keep in [2, 10, packed.count / 2, packed.count - 1] {
            expectDataError("t.gz", "truncated", unit: "byte") { try Gzip.decompress(packed.prefix(keep), source: "t.gz") }
        }
    }

    @Test("bytes after the stream that are not another member are refused")
    func trailing() throws {
        let packed = try Gzip.compress(sample) + Data("junk".utf8)
        expectDataError("g.gz", "4 byte(s) of non-gzip data", unit: "byte") { try Gzip.decompress(packed, source: "g.gz") }
    }

    @Test("output beyond the limit is refused, not allocated")
    func limit() throws {
        let bomb = try Gzip.compress(Data(count: 1 << 20))
        #expect(bomb.count < 2048)
        expectDataError("bomb.gz", "more than the 1000 bytes") { try Gzip.decompress(bomb, source: "bomb.gz", limit: 1000) }
        #expect(Gzip.maxDecompressedSize(compressedSize: bomb.count) >= 1 << 20)
        #expect(Gzip.maxDecompressedSize(compressedSize: Int.max) == Int.max)
    }
}
