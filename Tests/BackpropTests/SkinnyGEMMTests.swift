@testable import Backprop
import BackpropTestSupport
import Testing

/// The CPU path's products with one side of at most 16 (`CPUDevice.SkinnyKernel`: a
/// network's output layer) against the float64 triple loop of `GEMMTests.check` (offsets,
/// padded strides, alpha and beta, NaN in C when beta is 0, padding untouched), under each
/// instruction set's instance, on one thread and split over the device's threads. The sizes
/// leave remainders past every tile: short sides 2, 5, 10, 11 and 16 (groups of 5 or 10 rows,
/// 2 or 4 vectors), long sides 1, 3, 17, 33, 1000 (not multiples of 4 rows or 16 lanes).
@Suite("Skinny products on the CPU path")
struct SkinnyGEMMTests {
    typealias Case = GEMMTests.Case

    static let cases: [Case] = [
        // NT, n ≤ 16: C = A·Bᵀ (the forward product of an output layer).
        Case(transA: false, transB: true, m: 3, n: 10, k: 1000),
        Case(transA: false, transB: true, m: 17, n: 16, k: 33),
        Case(transA: false, transB: true, m: 33, n: 5, k: 17),
        Case(transA: false, transB: true, m: 5, n: 2, k: 3),
        Case(transA: false, transB: true, m: 1000, n: 11, k: 17),
        Case(transA: false, transB: true, m: 257, n: 10, k: 784),
        // TN, m ≤ 16: C = Aᵀ·B (its weight gradient).
        Case(transA: true, transB: false, m: 10, n: 1000, k: 33),
        Case(transA: true, transB: false, m: 16, n: 17, k: 1000),
        Case(transA: true, transB: false, m: 5, n: 33, k: 17),
        Case(transA: true, transB: false, m: 2, n: 3, k: 3),
        Case(transA: true, transB: false, m: 11, n: 1000, k: 100),
        Case(transA: true, transB: false, m: 10, n: 784, k: 257),
        // NN, k ≤ 16: C = A·B (its input gradient).
        Case(transA: false, transB: false, m: 1000, n: 17, k: 10),
        Case(transA: false, transB: false, m: 33, n: 1000, k: 16),
        Case(transA: false, transB: false, m: 17, n: 33, k: 5),
        Case(transA: false, transB: false, m: 3, n: 3, k: 2),
        Case(transA: false, transB: false, m: 257, n: 1000, k: 11),
    ]

    @Test("each instance matches the float64 product, on one thread and split", arguments: cases)
    func matchesReference(_ c: Case) throws {
        #expect(CPUDevice.SkinnyKernel(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k) != nil,
                "\(c.testDescription) should take a skinny kernel")
        let ran = try KernelISA.each { _ in
            // By default each kernel runs only where its instance beat cblas; on here for all.
            let one = CPUDevice()
            one.skinnyProducts = true
            one.parallelThreshold = .max
            try GEMMTests().check(one, c)
            let split = CPUDevice()
            split.skinnyProducts = true
            split.parallelThreshold = 0
            try GEMMTests().check(split, c)
        }
        #expect(ran.contains("baseline"))
    }

    /// The kernels produce the same bits whether or not the product is split: each element is
    /// summed by one thread in the same order, with the same instance.
    @Test("a split product gives the same bits as one thread", arguments: [cases[5], cases[11], cases[16]])
    func splitIsExact(_ c: Case) throws {
        var rng = SeededGenerator(seed: 5)
        let (rowsA, colsA) = c.transA ? (c.k, c.m) : (c.m, c.k)
        let (rowsB, colsB) = c.transB ? (c.n, c.k) : (c.k, c.n)
        let a = rng.floats(rowsA * colsA), b = rng.floats(rowsB * colsB)
        func run(_ threshold: Int) throws -> [Float] {
            let d = CPUDevice()
            d.skinnyProducts = true
            d.parallelThreshold = threshold
            let da = try d.makeBuffer(a), db = try d.makeBuffer(b), dc = try d.makeBuffer(count: c.m * c.n)
            try d.gemm(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: 1, a: da.start, lda: colsA,
                       b: db.start, ldb: colsB, beta: 0, c: dc.start, ldc: c.n)
            return try d.download(dc.start, count: c.m * c.n)
        }
        // Under each instance: the team's workers must run the caller's instance too.
        try KernelISA.each { isa in
            let one = try run(.max), split = try run(0)
            #expect(one == split, "\(isa): the split product differs from one thread's")
        }
    }

    /// The products of a training step with a 10-unit output layer take the kernels; those of
    /// its hidden layers, and shapes whose short side is past 16, stay with cblas_sgemm.
    @Test("which shapes take a skinny kernel")
    func routing() {
        typealias K = CPUDevice.SkinnyKernel
        for batch in [2, 32, 1024] {
            #expect(K(transA: false, transB: true, m: batch, n: 10, k: 1024) == .ntNarrow)
            #expect(K(transA: true, transB: false, m: 10, n: 1024, k: batch) == .tnShort)
            #expect(K(transA: false, transB: false, m: batch, n: 1024, k: 10) == .nnThin)
            #expect(K(transA: false, transB: true, m: batch, n: 1024, k: 784) == nil)
            #expect(K(transA: true, transB: false, m: 1024, n: 784, k: batch) == nil)
        }
        #expect(K(transA: false, transB: true, m: 64, n: 17, k: 64) == nil)
        #expect(K(transA: true, transB: false, m: 17, n: 64, k: 64) == nil)
        #expect(K(transA: false, transB: false, m: 64, n: 64, k: 17) == nil)
        #expect(K(transA: true, transB: true, m: 4, n: 4, k: 4) == nil)
        // By default: all three under AVX-512 and AVX2, none under the baseline (where their
        // instances did not beat cblas_sgemm).
        #expect([K.ntNarrow, .tnShort, .nnThin].allSatisfy { $0.isDefault(isa: "avx512") && $0.isDefault(isa: "avx2") })
        #expect(![K.ntNarrow, .tnShort, .nnThin].contains { $0.isDefault(isa: "baseline") })
    }
}
