@testable import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// Seeded mutation fuzzing of the IDX reader, raw and gzip (counts and the command for a
/// million: FuzzSupport.swift). Each input is an images file and a labels file, one or both
/// mutated: generic byte mutations plus edits of the header fields (dimensions set to 0, 2³¹,
/// 2³²−1…, element type, dimension count, magic) and non-finite or out-of-range payload values.
/// A third of the pairs are gzip-compressed after mutation, and some of those have their
/// compressed stream mutated too. Each pair must load or throw a `DataError`; what loads must
/// be a consistent data set. One pair in `Fuzz.fileEvery` also goes through files.
@Suite("IDX fuzz")
struct IDXFuzzTests {
    /// Small valid pairs of every element type: a few tiny images each.
    static let seeds: [(images: [UInt8], labels: [UInt8])] = [
        (IDXBytes.images(Array(0..<18), rows: 2, cols: 3), IDXBytes.labels([1, 9, 0])),
        (IDXBytes.file(type: 0x0B, dims: [2, 2, 2], payload: IDXBytes.bigEndian([Int16](arrayLiteral: 1, -2, 300, 4, 5, 6, -7, 8))),
         IDXBytes.file(type: 0x0C, dims: [2], payload: IDXBytes.bigEndian([Int32](arrayLiteral: 3, 65_535)))),
        (IDXBytes.file(type: 0x0D, dims: [2, 3], payload: IDXBytes.bigEndian([1.5, -2, 0, 1e30, 7, 0.25].map { Float($0).bitPattern })),
         IDXBytes.file(type: 0x09, dims: [2], payload: [4, 127])),
        (IDXBytes.file(type: 0x0E, dims: [1, 1, 2], payload: IDXBytes.bigEndian([0.5, -1e300].map { Double($0).bitPattern })),
         IDXBytes.file(type: 0x0B, dims: [1], payload: IDXBytes.bigEndian([Int16(2)]))),
        (IDXBytes.file(type: 0x09, dims: [3, 1, 1, 1], payload: [0x80, 0x7F, 0]),
         IDXBytes.labels([0, 1, 2])),
    ].map { ([UInt8]($0.0), [UInt8]($0.1)) }

    @Test("mutated IDX pairs, raw and gzip, load or throw DataError, never crash")
    func mutations() throws {
        var m = Mutator(seed: Fuzz.seed &+ 1)
        let dir = try TempDir()
        var tally = Fuzz.Tally("IDX")
        for iteration in 0..<Fuzz.iterations {
            let seed = m.pick(Self.seeds)
            var images = seed.images, labels = seed.labels
            switch m.below(10) {
            case 0..<5: Self.mutate(&images, &m)
            case 5..<8: Self.mutate(&labels, &m)
            default: Self.mutate(&images, &m); Self.mutate(&labels, &m)
            }
            if m.chance(3) {
                images = try [UInt8](Gzip.compress(Data(images), level: 1))
                if m.chance(2) { for _ in 0...m.below(2) { m.mutateBytes(&images) } }
            }
            if m.chance(8) { labels = try [UInt8](Gzip.compress(Data(labels), level: 1)) }
            let scale = m.chance(2)
            var loaded: Dataset?
            let refusal = tally.check(iteration, images + [0xAA, 0x55] + labels) {
                loaded = try IDX.decode(images: Data(images), named: "images.idx", labels: Data(labels), named: "labels.idx",
                                        scale: scale)
            }
            if let loaded { Self.checkConsistent(loaded, iteration) }
            if let refusal {
                #expect(refusal.source.contains("images.idx") || refusal.source.contains("labels.idx"),
                        "iteration \(iteration): the error names no file: \(refusal)")
            }
            if iteration % Fuzz.fileEvery == 0 {
                let i = try dir.write("images.idx", Data(images)), l = try dir.write("labels.idx", Data(labels))
                let fromFile = Result { try IDX.load(images: i, labels: l, scale: scale) }
                switch (loaded, refusal, fromFile) {
                case (let a?, _, .success(let b)): #expect(a.inputs == b.inputs && a.labels == b.labels, "iteration \(iteration)")
                case (nil, let a?, .failure(let b as DataError)):
                    #expect(a.record == b.record && a.problem.replacingOccurrences(of: "images.idx", with: i.path)
                        .replacingOccurrences(of: "labels.idx", with: l.path) == b.problem, "iteration \(iteration): \(a) vs \(b)")
                default: Issue.record("iteration \(iteration): memory gave \(String(describing: refusal)), files gave \(fromFile)")
                }
            }
        }
        tally.report()
    }

    /// What a reader accepted must hold together: whole rows, one label per row, finite values.
    static func checkConsistent(_ d: Dataset, _ iteration: Int) {
        let labels = d.labels ?? [], classes = d.classes ?? 0
        let shaped = d.inputSize > 0 && d.count > 0 && d.inputs.count == d.count * d.inputSize && labels.count == d.count
        let finite = d.inputs.allSatisfy { $0.isFinite }
        let inRange = labels.allSatisfy { $0 >= 0 && Int($0) < classes }
        #expect(shaped && finite && inRange, "iteration \(iteration): inconsistent set accepted")
    }

    /// One to three mutations, each either a generic one or an edit of an IDX field.
    static func mutate(_ bytes: inout [UInt8], _ m: inout Mutator) {
        for _ in 0...m.below(3) {
            let ndims = bytes.count >= 4 ? Int(bytes[3]) : 0
            switch m.below(12) {
            case 0..<5:
                m.mutateBytes(&bytes)
            case 5..<8: // a dimension (the count most often) set to an edge value
                let k = m.chance(2) ? 0 : m.below(max(1, ndims))
                let at = 4 + 4 * k
                let current = at + 4 <= bytes.count
                    ? bytes[at..<(at + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } : nil
                m.setBigEndian32(&bytes, at: at, near: current)
            case 8 where bytes.count >= 4: // element type
                bytes[2] = m.pick([0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E, 0x00, 0x0A, 0xFF, m.byte()])
            case 9 where bytes.count >= 4: // dimension count, the header growing or shrinking with it
                let n = m.pick([0, 1, 2, 3, 4, 5, 255, m.byte()] as [UInt8])
                bytes[3] = n
                if m.chance(2) { // dimensions of 1 added or dropped at the end, the payload kept
                    let end = min(bytes.count, 4 + 4 * ndims)
                    var dims = Array(bytes[4..<end].prefix(4 * Int(n)))
                    while dims.count < 4 * Int(n) { dims.append(dims.count % 4 == 3 ? 1 : 0) }
                    bytes.replaceSubrange(4..<end, with: dims)
                }
            case 10 where bytes.count >= 4: // the magic
                bytes[m.below(2)] = m.pick([1, 0x1F, 0x8B, 0xFF, m.byte()])
            default: // a payload value: NaN, infinity, or a big label, in the element's width
                let start = 4 + 4 * ndims
                guard start < bytes.count else { continue }
                let at = start + m.below(bytes.count - start)
                let patterns: [[UInt8]] = [[0x7F, 0xC0, 0, 0], [0x7F, 0x80, 0, 0], [0xFF, 0x80, 0, 0],
                                           [0x7F, 0xF8, 0, 0, 0, 0, 0, 0], [0x7F, 0xF0, 0, 0, 0, 0, 0, 0],
                                           [0x47, 0xEF, 0xFF, 0xFF, 0xE0, 0, 0, 0], [0xFF], [0x80, 0x00],
                                           [0x00, 0x01, 0x00, 0x00], [0xFF, 0xFF, 0xFF, 0xFF]]
                let p = m.pick(patterns)
                bytes.replaceSubrange(at..<min(bytes.count, at + p.count), with: p)
            }
        }
    }
}
