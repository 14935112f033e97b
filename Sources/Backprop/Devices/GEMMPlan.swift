/// How a device carries out one product: a full GEMM, or, when one side has length 1
/// (batch size 1, a one-unit layer), a matrix-vector product or a rank-one update.
/// Both devices follow the same plan, so they take the same path for the same shapes.
enum GEMMPlan {
    /// y = alpha·X·v (rowDot: y[i] = Σ_k X[i,k]·v[k]) or alpha·Xᵀ·v (y[j] = Σ_k v[k]·X[k,j]).
    struct GEMV {
        /// The matrix operand is A (the vector is B) or the other way round.
        var matrixIsA: Bool
        var rowDot: Bool
        var outputs: Int
        var depth: Int
        var ldx: Int
        var incV: Int
        var incY: Int
    }

    /// C = alpha·a·bᵀ with a[i] = A[i·incA], b[j] = B[j·incB].
    struct GER {
        var incA: Int
        var incB: Int
    }

    case gemm
    case gemv(GEMV)
    case ger(GER)

    /// The plan for C(m×n) = op(A)(m×k)·op(B)(k×n), row-major (see `Device.gemm`).
    static func plan(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                     lda: Int, ldb: Int, ldc: Int) -> GEMMPlan {
        if k == 1 {
            return .ger(GER(incA: transA ? 1 : lda, incB: transB ? ldb : 1))
        }
        if m == 1 {
            // y = row 0 of C; the vector is op(A)'s only row, the matrix is B.
            return .gemv(GEMV(matrixIsA: false, rowDot: transB, outputs: n, depth: k, ldx: ldb,
                              incV: transA ? lda : 1, incY: 1))
        }
        if n == 1 {
            // y = column 0 of C; the vector is op(B)'s only column, the matrix is A.
            return .gemv(GEMV(matrixIsA: true, rowDot: !transA, outputs: m, depth: k, ldx: lda,
                              incV: transB ? 1 : ldb, incY: ldc))
        }
        return .gemm
    }

    /// Elements spanned by a rows×cols row-major matrix with row stride ld.
    static func extent(rows: Int, cols: Int, ld: Int) -> Int {
        rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols
    }
}
