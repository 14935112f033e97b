// gemm_direct.cl — the direct GEMM family: C = alpha·op(A)·op(B) + beta·C on row-major
// matrices, for CPU OpenCL devices. Shapes, offsets and the beta == 0 rule as in gemm.cl;
// compiled only when GEMM_DIRECT is defined (the host's GEMMConfig.family == .direct), in
// place of gemm.cl's tiled kernels.
//
// Kernels: gemm_nn_direct, gemm_tn_direct (outer-product form) and gemm_nt_direct
// (dot-product form) read the matrices as stored; pack_kmajor and pack_rmajor copy operands
// into panels, which gemm_rows_packed (NN, NT: A as stored) and gemm_packed (TN) stream.
#ifdef GEMM_DIRECT

// Why: a CPU OpenCL (PoCL) runs a work-group as a loop over its work-items: private values
// that live across a barrier are spilled to memory, and only innermost loops are
// vectorised, so the tiled family's register tiles do not survive there. Here each
// work-item computes one register tile of C with vectors of VW floats, like a BLAS
// microkernel:
//   outer-product form (NN, TN, packed): an OM × NR tile, NR = ON·VW. For each k it
//     loads ON vectors from row k of op(B), broadcasts OM scalars of column k of op(A),
//     and does OM·ON vector FMAs (6 × 2 float8 = 12 accumulators on AVX2).
//   dot-product form (gemm_nt_direct: B is stored N×K, so op(B)'s columns are rows): a
//     DM × DN tile of dot products over k, each accumulated VW lanes wide and summed
//     across lanes at the end; a scalar tail takes K % VW.
// Edge tiles clamp their row indices (loads stay inside the matrices, duplicates are not
// stored), gather partial vectors element by element and mask their stores.
// Local size: (LN, LM) work-items, which PoCL runs one after another on one core, so
// neighbours share op(A)'s rows (along N) or op(B)'s panel (along M) in cache.
// Global size: (ceil(N / tile columns) rounded up to LN, ceil(M / tile rows) to LM).
// vloadN/vstoreN need only element alignment: any offsets and leading dimensions work.
#ifndef VW
#define VW 8    // floats per vector: 2, 4, 8 or 16
#endif
#ifndef OM
#define OM 6    // outer-product form: rows of C per work-item
#endif
#ifndef ON
#define ON 2    // outer-product form: vectors of VW columns of C per work-item
#endif
#ifndef DM
#define DM 3    // dot-product form (NT): rows of C per work-item
#endif
#ifndef DN
#define DN 4    // dot-product form (NT): columns of C per work-item
#endif
#ifndef LM
#define LM 1    // work-items per work-group along M
#endif
#ifndef LN
#define LN 16   // work-items per work-group along N
#endif
#ifndef DIRECT_FMA
#define DIRECT_FMA 1   // 1: fma() (one instruction where the hardware fuses); 0: mad()
#endif
#define NR (ON * VW)   // columns of C per outer-product tile

#define UNROLL _Pragma("unroll")   // loops over a tile: fully unrolled, so arrays stay in registers
#define GLUE_(a, b) a##b
#define GLUE(a, b) GLUE_(a, b)
#define realv GLUE(float, VW)
#define vloadv GLUE(vload, VW)
#define vstorev GLUE(vstore, VW)
#if DIRECT_FMA
#define VFMA(a, b, c) fma(a, b, c)
#else
#define VFMA(a, b, c) mad(a, b, c)
#endif

// The VW elements row[n], …, row[n + VW − 1], indices past N − 1 clamped to N − 1.
inline realv vload_clamped(global const real* row, const int n, const int N) {
    if (n + VW <= N) { return vloadv(0, row + n); }
    real t[VW];
    UNROLL for (int e = 0; e < VW; ++e) { t[e] = row[min(n + e, N - 1)]; }
    return vloadv(0, t);
}

// The sum of v's lanes.
inline real hsum(realv v) {
#if VW == 16
    float8 h8 = v.lo + v.hi;
    float4 h4 = h8.lo + h8.hi;
#elif VW == 8
    float4 h4 = v.lo + v.hi;
#elif VW == 4
    float4 h4 = v;
#endif
#if VW >= 4
    float2 h2 = h4.lo + h4.hi;
#else
    float2 h2 = v;
#endif
    return h2.x + h2.y;
}

// c[0, count) = r + beta·c for count ≤ VW (beta == 0 never reads c).
inline void store_partial(global real* c, const realv r, const int count, const real beta) {
    real t[VW];
    vstorev(r, 0, t);
    for (int e = 0; e < count; ++e) { c[e] = beta == 0 ? t[e] : t[e] + beta * c[e]; }
}

// C[m0 + i, n0 + j·VW + e] = alpha·acc[i][j][e] + beta·C[…] for the part of the OM × NR
// tile inside C.
__attribute__((always_inline))
inline void store_tile(realv acc[OM][ON], const int M, const int N, const int m0, const int n0,
                       const real alpha, const real beta, global real* C, const int ldc) {
    const int full = m0 + OM <= M && n0 + NR <= N;
    UNROLL for (int i = 0; i < OM; ++i) {
        if (m0 + i >= M) { break; }
        global real* c = C + (size_t)(m0 + i) * ldc + n0;
        UNROLL for (int j = 0; j < ON; ++j) {
            const realv r = GEMM_ALPHA(alpha) * acc[i][j];
            const int left = N - n0 - j * VW;
            if (full || left >= VW) {
                vstorev(beta == 0 ? r : r + beta * vloadv(j, c), j, c);
            } else if (left > 0) {
                store_partial(c + j * VW, r, left, beta);
            }
        }
    }
}

// One outer-product tile at (m0, n0) read from the matrices as stored. transA and checked
// (an edge tile) are literal constants at each call, so each use is specialised.
__attribute__((always_inline))
inline void direct_outer(const int transA, const int checked,
                         const int M, const int N, const int K, const real alpha,
                         global const real* A, const int lda, global const real* B, const int ldb,
                         const real beta, global real* C, const int ldc, const int m0, const int n0) {
    // op(A)[m0 + i, k] = a[i][k·stepA], the row index clamped into A.
    global const real* a[OM];
    UNROLL for (int i = 0; i < OM; ++i) {
        const int gi = checked ? min(m0 + i, M - 1) : m0 + i;
        a[i] = transA ? A + gi : A + (size_t)gi * lda;
    }
    const size_t stepA = transA ? lda : 1;
    global const real* b = B + n0;
    realv acc[OM][ON];
    UNROLL for (int i = 0; i < OM; ++i) {
        UNROLL for (int j = 0; j < ON; ++j) { acc[i][j] = 0; }
    }
    for (int k = 0; k < K; ++k) {
        realv bv[ON];
        UNROLL for (int j = 0; j < ON; ++j) {
            bv[j] = checked ? vload_clamped(b, j * VW, N - n0) : vloadv(j, b);
        }
        UNROLL for (int i = 0; i < OM; ++i) {
            const realv av = (realv)(a[i][k * stepA]);
            UNROLL for (int j = 0; j < ON; ++j) { acc[i][j] = VFMA(av, bv[j], acc[i][j]); }
        }
        b += ldb;
    }
    store_tile(acc, M, N, m0, n0, alpha, beta, C, ldc);
}

#define DIRECT_OUTER_KERNEL(name, ta)                                                      \
kernel __attribute__((reqd_work_group_size(LN, LM, 1)))                                    \
void name(const int M, const int N, const int K, const real alpha,                         \
          global const real* A, const int offA, const int lda,                             \
          global const real* B, const int offB, const int ldb, const real beta,            \
          global real* C, const int offC, const int ldc) {                                 \
    const int m0 = get_global_id(1) * OM;                                                  \
    const int n0 = get_global_id(0) * NR;                                                  \
    if (m0 >= M || n0 >= N) { return; }                                                    \
    if (m0 + OM <= M && n0 + NR <= N) {                                                    \
        direct_outer(ta, 0, M, N, K, alpha, A + offA, lda, B + offB, ldb, beta,            \
                     C + offC, ldc, m0, n0);                                               \
    } else {                                                                               \
        direct_outer(ta, 1, M, N, K, alpha, A + offA, lda, B + offB, ldb, beta,            \
                     C + offC, ldc, m0, n0);                                               \
    }                                                                                      \
}
DIRECT_OUTER_KERNEL(gemm_nn_direct, 0)
DIRECT_OUTER_KERNEL(gemm_tn_direct, 1)

// C[m0 + i, n0 + j] = alpha·Σ_k A[m0 + i, k]·B[n0 + j, k] + beta·C[…]: DM·DN dot products.
kernel __attribute__((reqd_work_group_size(LN, LM, 1)))
void gemm_nt_direct(const int M, const int N, const int K, const real alpha,
                    global const real* A, const int offA, const int lda,
                    global const real* B, const int offB, const int ldb, const real beta,
                    global real* C, const int offC, const int ldc) {
    const int m0 = get_global_id(1) * DM;
    const int n0 = get_global_id(0) * DN;
    if (m0 >= M || n0 >= N) { return; }
    // Rows past the edge are clamped: they compute duplicates that are never stored.
    global const real* a[DM];
    global const real* b[DN];
    UNROLL for (int i = 0; i < DM; ++i) { a[i] = A + offA + (size_t)min(m0 + i, M - 1) * lda; }
    UNROLL for (int j = 0; j < DN; ++j) { b[j] = B + offB + (size_t)min(n0 + j, N - 1) * ldb; }
    realv acc[DM][DN];
    UNROLL for (int i = 0; i < DM; ++i) {
        UNROLL for (int j = 0; j < DN; ++j) { acc[i][j] = 0; }
    }
    int k = 0;
    for (; k + VW <= K; k += VW) {
        realv av[DM];
        UNROLL for (int i = 0; i < DM; ++i) { av[i] = vloadv(0, a[i] + k); }
        UNROLL for (int j = 0; j < DN; ++j) {
            const realv bv = vloadv(0, b[j] + k);
            UNROLL for (int i = 0; i < DM; ++i) { acc[i][j] = VFMA(av[i], bv, acc[i][j]); }
        }
    }
    real s[DM][DN];
    UNROLL for (int i = 0; i < DM; ++i) {
        UNROLL for (int j = 0; j < DN; ++j) { s[i][j] = hsum(acc[i][j]); }
    }
    for (; k < K; ++k) {
        UNROLL for (int i = 0; i < DM; ++i) {
            UNROLL for (int j = 0; j < DN; ++j) { s[i][j] = mad(a[i][k], b[j][k], s[i][j]); }
        }
    }
    UNROLL for (int i = 0; i < DM; ++i) {
        if (m0 + i >= M) { break; }
        global real* c = C + offC + (size_t)(m0 + i) * ldc + n0;
        UNROLL for (int j = 0; j < DN; ++j) {
            if (n0 + j < N) { c[j] = beta == 0 ? GEMM_ALPHA(alpha) * s[i][j] : GEMM_ALPHA(alpha) * s[i][j] + beta * c[j]; }
        }
    }
}

// ---- Packed operands (direct family, large products). ----
// A direct tile reads one row of B (and for TN of A) per step of k, a whole row stride
// apart: with long rows every step lands on a new page and, at power-of-two strides, in
// the same cache set, so the work-items that share a panel cannot keep it in cache. For
// large products the host first copies such operands into panels whose k steps are
// contiguous, as BLAS libraries do. An R×K operand in panels of P rows (P = OM for op(A),
// NR for op(B)) holds element (r, k) at ((r/P)·K + k)·P + r%P, zero past R.

// From a source holding (r, k) at src[offS + k·ld + r] (op(B) of NN and TN, op(A) of TN):
// one work-item copies row k of the source, P contiguous elements into each panel, so
// the source is read in order (a work-item per panel and k would revisit every row once
// per panel, a page apart each time). Global size: K rounded up.
kernel void pack_kmajor(const int R, const int K, const int P,
                        global const real* src, const int offS, const int ld,
                        global real* dst, const int offD) {
    const int k = get_global_id(0);
    if (k >= K) { return; }
    global const real* x = src + offS + (size_t)k * ld;
    global real* d = dst + offD + (size_t)k * P;
    const size_t panel = (size_t)K * P;
    int r0 = 0;
    for (; r0 + P <= R; r0 += P, d += panel) {
        for (int i = 0; i < P; ++i) { d[i] = x[r0 + i]; }
    }
    if (r0 < R) {
        for (int i = 0; i < P; ++i) { d[i] = r0 + i < R ? x[r0 + i] : 0; }
    }
}

// From a source holding (r, k) at src[offS + r·ld + k] (op(B) of NT): one work-item
// transposes a P×8 block, reading 8 contiguous elements of each of its P rows.
// Global size: (ceil(K/8) rounded up, ceil(R/P)).
kernel void pack_rmajor(const int R, const int K, const int P,
                        global const real* src, const int offS, const int ld,
                        global real* dst, const int offD) {
    const int k0 = get_global_id(0) * 8;
    if (k0 >= K) { return; }
    const int r0 = get_global_id(1) * P;
    global real* d = dst + offD + ((size_t)get_global_id(1) * K + k0) * P;
    const int kn = min(8, K - k0);
    for (int i = 0; i < P; ++i) {
        real t[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        if (r0 + i < R) {
            global const real* x = src + offS + (size_t)(r0 + i) * ld + k0;
            if (kn == 8) {
                vstore8(vload8(0, x), 0, t);
            } else {
                for (int e = 0; e < kn; ++e) { t[e] = x[e]; }
            }
        }
        for (int e = 0; e < kn; ++e) { d[e * P + i] = t[e]; }
    }
}

// One OM×NR tile of C from packed op(B); op(A) packed too (packedA) or read from its
// stored rows (NN, NT: A is M×K), clamped at the edge. packedA is a literal constant.
__attribute__((always_inline))
inline void packed_tile(const int packedA, const int M, const int N, const int K, const real alpha,
                        global const real* A, const int lda, global const real* Bp,
                        const real beta, global real* C, const int ldc) {
    const int m0 = get_global_id(1) * OM;
    const int n0 = get_global_id(0) * NR;
    if (m0 >= M || n0 >= N) { return; }
    global const real* a[OM];
    UNROLL for (int i = 0; i < OM; ++i) {
        a[i] = packedA ? A + (size_t)get_global_id(1) * K * OM + i
                       : A + (size_t)min(m0 + i, M - 1) * lda;
    }
    const int stepA = packedA ? OM : 1;
    global const real* b = Bp + (size_t)get_global_id(0) * K * NR;
    realv acc[OM][ON];
    UNROLL for (int i = 0; i < OM; ++i) {
        UNROLL for (int j = 0; j < ON; ++j) { acc[i][j] = 0; }
    }
    for (int k = 0; k < K; ++k) {
        realv bv[ON];
        UNROLL for (int j = 0; j < ON; ++j) { bv[j] = vloadv(j, b); }
        UNROLL for (int i = 0; i < OM; ++i) {
            const realv av = (realv)(a[i][k * stepA]);
            UNROLL for (int j = 0; j < ON; ++j) { acc[i][j] = VFMA(av, bv[j], acc[i][j]); }
        }
        b += NR;
    }
    store_tile(acc, M, N, m0, n0, alpha, beta, C, ldc);
}

// C = alpha·op(A)·op(B) + beta·C with op(A) and op(B) packed (TN).
kernel __attribute__((reqd_work_group_size(LN, LM, 1)))
void gemm_packed(const int M, const int N, const int K, const real alpha,
                 global const real* Ap, const int offA, global const real* Bp, const int offB,
                 const real beta, global real* C, const int offC, const int ldc) {
    packed_tile(1, M, N, K, alpha, Ap + offA, 0, Bp + offB, beta, C + offC, ldc);
}

// C = alpha·A·op(B) + beta·C with A as stored (M×K, lda) and op(B) packed (NN, NT).
kernel __attribute__((reqd_work_group_size(LN, LM, 1)))
void gemm_rows_packed(const int M, const int N, const int K, const real alpha,
                      global const real* A, const int offA, const int lda,
                      global const real* Bp, const int offB,
                      const real beta, global real* C, const int offC, const int ldc) {
    packed_tile(0, M, N, K, alpha, A + offA, lda, Bp + offB, beta, C + offC, ldc);
}

// ---- Matrix-vector products for CPU devices (the batch-of-one path). ----
// gemm.cl's gemv_rows splits each dot product across a work-group and reduces it through
// local memory and barriers: right for a GPU, a loop fission per barrier on PoCL. Here one
// work-item owns whole outputs and walks memory contiguously, VW floats at a time.

// y[i] = alpha·Σ_k X[i,k]·v[k] + beta·y[i] for i < rows; one work-item per row.
kernel void gemv_rows_direct(const int rows, const int K, const real alpha,
                             global const real* X, const int offX, const int ldx,
                             global const real* v, const int offV, const int incv, const real beta,
                             global real* y, const int offY, const int incy) {
    const int i = get_global_id(0);
    if (i >= rows) { return; }
    global const real* x = X + offX + (size_t)i * ldx;
    global const real* w = v + offV;
    real s = 0;
    int k = 0;
    if (incv == 1) {
        realv acc = 0;
        for (; k + VW <= K; k += VW) { acc = VFMA(vloadv(0, x + k), vloadv(0, w + k), acc); }
        s = hsum(acc);
    }
    for (; k < K; ++k) { s = VFMA(x[k], w[(size_t)k * incv], s); }
    global real* out = y + offY + (size_t)i * incy;
    *out = beta == 0 ? alpha * s : alpha * s + beta * *out;
}

// y[j] = alpha·Σ_k v[k]·X[k,j] + beta·y[j] for j < cols; one work-item per VW columns.
kernel void gemv_cols_direct(const int cols, const int K, const real alpha,
                             global const real* X, const int offX, const int ldx,
                             global const real* v, const int offV, const int incv, const real beta,
                             global real* y, const int offY, const int incy) {
    const int j0 = get_global_id(0) * VW;
    if (j0 >= cols) { return; }
    global const real* x = X + offX + j0;
    global const real* w = v + offV;
    global real* out = y + offY + (size_t)j0 * incy;
    if (j0 + VW <= cols) {
        realv acc = 0;
        for (int k = 0; k < K; ++k) { acc = VFMA((realv)w[(size_t)k * incv], vloadv(0, x + (size_t)k * ldx), acc); }
        acc *= alpha;
        if (incy == 1) {
            vstorev(beta == 0 ? acc : acc + beta * vloadv(0, out), 0, out);
        } else {
            real t[VW];
            vstorev(acc, 0, t);
            for (int e = 0; e < VW; ++e) {
                global real* o = out + (size_t)e * incy;
                *o = beta == 0 ? t[e] : t[e] + beta * *o;
            }
        }
        return;
    }
    for (int j = 0; j < cols - j0; ++j) {
        real s = 0;
        for (int k = 0; k < K; ++k) { s = VFMA(w[(size_t)k * incv], x[(size_t)k * ldx + j], s); }
        global real* o = out + (size_t)j * incy;
        *o = beta == 0 ? alpha * s : alpha * s + beta * *o;
    }
}

// C[i,:] = alpha·a[i]·b + beta·C[i,:] (rank one, K = 1); one work-item per row of C.
kernel void ger_direct(const int M, const int N, const real alpha,
                       global const real* a, const int offA, const int inca,
                       global const real* b, const int offB, const int incb, const real beta,
                       global real* C, const int offC, const int ldc) {
    const int i = get_global_id(0);
    if (i >= M) { return; }
    const real ai = alpha * a[offA + (size_t)i * inca];
    global const real* bb = b + offB;
    global real* c = C + offC + (size_t)i * ldc;
    int j = 0;
    if (incb == 1) {
        const realv av = (realv)ai;
        if (beta == 0) {
            for (; j + VW <= N; j += VW) { vstorev(av * vloadv(0, bb + j), 0, c + j); }
        } else {
            for (; j + VW <= N; j += VW) { vstorev(VFMA(av, vloadv(0, bb + j), beta * vloadv(0, c + j)), 0, c + j); }
        }
    }
    for (; j < N; ++j) {
        const real p = ai * bb[(size_t)j * incb];
        c[j] = beta == 0 ? p : p + beta * c[j];
    }
}
#endif
