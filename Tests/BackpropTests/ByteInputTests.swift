import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// File access and gzip detection, seen through the readers that use them.
@Suite("Reading input files")
struct ByteInputTests {
    @Test("a missing file is an error naming its path")
    func missing() throws {
        let dir = try TempDir()
        let images = dir.url.appendingPathComponent("images-idx3")
        expectDataError(images.path, "does not exist") { try IDX.load(images: images, labels: images) }
    }

    @Test("a directory where a file is expected is an error")
    func directory() throws {
        let dir = try TempDir()
        let labels = try dir.write("labels", IDXBytes.labels([0]))
        expectDataError(dir.url.path, "is a directory") { try IDX.load(images: dir.url, labels: labels) }
    }

    @Test("gzip is detected by content, not by name")
    func detection() throws {
        let dir = try TempDir()
        let images = IDXBytes.images([0, 51, 102, 153, 204, 255])
        let labels = IDXBytes.labels([3])
        // Compressed files without .gz, and a raw file called .gz, all read alike.
        let a = try dir.write("images", Gzip.compress(images))
        let b = try dir.write("labels.gz", labels)
        let data = try IDX.load(images: a, labels: b)
        #expect(data.inputs == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(data.labels == [3])
    }

    @Test("an empty file is refused, raw or as an empty gzip stream")
    func empty() throws {
        let dir = try TempDir()
        let raw = try dir.write("empty", Data())
        expectDataError(raw.path, "too short", unit: "byte", record: 0) { try IDX.load(images: raw, labels: raw) }
        let gz = try dir.write("empty.gz", Gzip.compress(Data()))
        expectDataError(gz.path, "too short") { try IDX.load(images: gz, labels: gz) }
    }
}
