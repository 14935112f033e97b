@testable import Backprop
import Testing

/// The CPU path's products on its team (`CPUDevice.teamProducts`: one single-threaded
/// cblas_sgemm a team thread, each on its own rows or columns of C) against the float64 triple
/// loop of `GEMMTests.check`, at the awkward sizes of the GEMM suite with every product split
/// (no work threshold; a side of 1 is a matrix-vector product, which never splits), by rows
/// and by columns, on the team and on the calling thread alone.
@Suite("Products on the CPU path's team")
struct TeamGEMMTests {
    typealias Case = GEMMTests.Case

    static let cases: [Case] = GEMMTests.cases.filter { min($0.m, $0.n, $0.k) > 1 } + [
        Case(transA: true, transB: true, m: 33, n: 17, k: 1000),
        Case(transA: true, transB: true, m: 1000, n: 3, k: 17),
        Case(transA: false, transB: true, m: 257, n: 64, k: 300),
        Case(transA: true, transB: false, m: 300, n: 100, k: 129),
    ]

    /// A device of two threads that splits every product it can, by rows or (with a split by
    /// rows ruled out) by columns.
    static func device(byRows: Bool) throws -> CPUDevice {
        let d = CPUDevice(threads: 2)
        try #require(d.threads == 2, "OpenBLAS gave \(d.threads) threads where 2 were asked")
        d.teamMinRows = byRows ? 1 : .max / 4
        d.teamMinColumns = 1
        d.parallelThreshold = 0
        d.skinnyProducts = false
        return d
    }

    @Test("a product split by rows, and by columns, matches the float64 product", arguments: cases, [true, false])
    func matchesReference(_ c: Case, byRows: Bool) throws {
        let d = try Self.device(byRows: byRows)
        switch d.teamSplit(m: c.m, n: c.n) {
        case .rows?: #expect(byRows, "\(c.testDescription) split by rows")
        case .columns?: #expect(!byRows, "\(c.testDescription) split by columns")
        case nil: Issue.record("\(c.testDescription) not split")
        }
        try GEMMTests().check(d, c)
        #expect(d.team.isStarted, "\(c.testDescription) did not run on the team")
    }

    /// Inside a run of the team (here: its caller's part), a product finds the team busy and
    /// runs every part on its thread.
    @Test("a product called while the team is busy runs its parts on the calling thread",
          arguments: cases.filter { $0.m >= 257 })
    func teamBusy(_ c: Case) throws {
        for byRows in [true, false] {
            let d = try Self.device(byRows: byRows)
            var failure: (any Error)?
            d.forEachPart(2, work: 1, threshold: 0) { part in
                guard part.lowerBound == 0 else { return }
                do { try GEMMTests().check(d, c) } catch { failure = error }
            }
            if let failure { throw failure }
        }
    }

    /// Rows where C has 64 a thread, else columns where it has 16, else (or off) OpenBLAS's
    /// threads keep the product.
    @Test("which products split, and how")
    func routing() throws {
        let d = CPUDevice(threads: 2)
        try #require(d.threads == 2)
        // A mini-batch step's products, batch 32 and 256 (the output layer's are skinny).
        #expect(d.teamSplit(m: 256, n: 1024) == .rows([0..<128, 128..<256]))
        #expect(d.teamSplit(m: 1024, n: 784) == .rows([0..<512, 512..<1024]))
        #expect(d.teamSplit(m: 128, n: 784) == .rows([0..<64, 64..<128]))
        #expect(d.teamSplit(m: 32, n: 128) == .columns([0..<64, 64..<128]))
        #expect(d.teamSplit(m: 127, n: 33) == .columns([0..<16, 16..<33]))
        #expect(d.teamSplit(m: 127, n: 31) == nil)
        let off = CPUDevice(threads: 2)
        off.teamProducts = false
        off.skinnyProducts = false
        try GEMMTests().check(off, Case(transA: false, transB: true, m: 257, n: 100, k: 64))
        #expect(!off.team.isStarted)
        let neither = CPUDevice(threads: 2)
        neither.skinnyProducts = false
        try GEMMTests().check(neither, Case(transA: false, transB: false, m: 127, n: 31, k: 1000))
        #expect(!neither.team.isStarted)
        let on = CPUDevice(threads: 2)
        on.skinnyProducts = false
        try GEMMTests().check(on, Case(transA: false, transB: false, m: 128, n: 100, k: 100))
        #expect(on.team.isStarted)
    }

    @Test("the blocks cover the rows or columns in order, cut at multiples of 16")
    func parts() {
        for m in [1, 3, 16, 17, 33, 100, 128, 257, 1000, 1024] {
            for threads in [1, 2, 3, 8] {
                let parts = CPUDevice.blocks(m, parts: threads)
                #expect(parts.count == threads)
                #expect(parts.first?.lowerBound == 0 && parts.last?.upperBound == m, "m \(m), \(threads) parts")
                for (a, b) in zip(parts, parts.dropFirst()) {
                    #expect(a.upperBound == b.lowerBound, "m \(m), \(threads) parts: \(parts)")
                    #expect(a.upperBound % 16 == 0 || a.upperBound == m, "m \(m), \(threads) parts: \(parts)")
                }
                if m >= 64 * threads {
                    // Balanced to within a block.
                    let sizes = parts.map(\.count)
                    #expect(sizes.max()! - sizes.min()! <= 16, "m \(m), \(threads) parts: \(sizes)")
                }
            }
        }
    }
}
