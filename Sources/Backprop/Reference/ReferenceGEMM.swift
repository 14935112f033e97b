import Foundation

/// C = alpha·op(A)·op(B) + beta·C in float64 with a naive triple loop (row-major, as Device.gemm).
public enum ReferenceGEMM {
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: [Double], lda: Int, b: [Double], ldb: Int,
                            beta: Double, c: inout [Double], ldc: Int) {
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let x = transA ? a[p * lda + i] : a[i * lda + p]
                    let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                    s += x * y
                }
                c[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j])
            }
        }
    }
}
