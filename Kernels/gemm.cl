// gemm.cl — C = alpha·op(A)·op(B) + beta·C on row-major matrices, op ∈ {N, T}.
//
// Shapes: C is M×N (row stride ldc); op(A) is M×K; op(B) is K×N.
//   NN: A stored M×K (lda ≥ K), B stored K×N (ldb ≥ N)   — dA_prev = dZ · W
//   NT: A stored M×K (lda ≥ K), B stored N×K (ldb ≥ K)   — Z = A_prev · Wᵀ
//   TN: A stored K×M (lda ≥ M), B stored K×N (ldb ≥ N)   — dW = dZᵀ · A_prev
// Every matrix starts at an element offset into its buffer, so layers can live in one
// flat parameter buffer and samples can be addressed inside the epoch's data.
// Any M, N, K ≥ 1; beta == 0 never reads C (C may hold garbage).
//
// Two families of GEMM kernels, one compiled per program (like CLBlast's xgemm and
// xgemm_direct); the host's GEMMConfig chooses the family and its -D parameters:
//   tiled (default; GPUs): gemm_nn, gemm_nt, gemm_tn stage slabs of A and B in local
//     memory behind barriers; each work-item holds a register tile.
//   direct (-DGEMM_DIRECT; CPU devices): no local memory and no barriers; each work-item
//     is a BLAS-style microkernel on explicit vectors: gemm_nn_direct, gemm_tn_direct,
//     gemm_nt_direct read the matrices as stored, and for large products the host packs
//     operands into contiguous panels (pack_kmajor, pack_rmajor) for gemm_rows_packed
//     and gemm_packed.
// The matrix-vector kernels at the end (batch of one, k == 1) are in every program.

#ifndef GEMM_DIRECT
// ---- Tiled family: local-memory slabs, register tiles (GPUs). ----
// A work-group computes a TM×TN tile of C, stepping through K in slabs of TK that it
// stages in local memory. Each work-item holds a WM×WN register tile whose rows and
// columns are strided by the work-group's extent (RM = TM/WM, RN = TN/WN), so that
// neighbouring work-items touch neighbouring addresses in local memory and in C.
// Local size: (RN, RM). Global size: (ceil(N/TN)·RN, ceil(M/TM)·RM).
// Out-of-range loads read zero and out-of-range stores are skipped.
#ifndef TM
#define TM 64   // rows of C per work-group
#endif
#ifndef TN
#define TN 64   // columns of C per work-group
#endif
#ifndef TK
#define TK 16   // depth of the K slab staged in local memory
#endif
#ifndef WM
#define WM 4    // rows of C per work-item
#endif
#ifndef WN
#define WN 4    // columns of C per work-item
#endif
#define RM (TM / WM)
#define RN (TN / WN)
#define ITEMS (RM * RN)

// transA / transB are literal constants at each call, so each kernel is specialised.
inline void gemm_tile(const int transA, const int transB,
                      const int M, const int N, const int K, const real alpha,
                      global const real* A, const int lda,
                      global const real* B, const int ldb, const real beta,
                      global real* C, const int ldc,
                      local real* As, local real* Bs) {
    const int tx = get_local_id(0);
    const int ty = get_local_id(1);
    const int tid = ty * RN + tx;
    const int m0 = get_group_id(1) * TM;
    const int n0 = get_group_id(0) * TN;

    real acc[WM][WN];
    for (int i = 0; i < WM; ++i) {
        for (int j = 0; j < WN; ++j) { acc[i][j] = 0; }
    }

    for (int k0 = 0; k0 < K; k0 += TK) {
        // Stage op(A)[m0:m0+TM, k0:k0+TK] as As[kk][i], reading along the stored rows.
        for (int l = tid; l < TM * TK; l += ITEMS) {
            const int i = transA ? l % TM : l / TK;
            const int kk = transA ? l / TM : l % TK;
            const int gi = m0 + i, gk = k0 + kk;
            real v = 0;
            if (gi < M && gk < K) {
                v = transA ? A[(size_t)gk * lda + gi] : A[(size_t)gi * lda + gk];
            }
            As[kk * TM + i] = v;
        }
        // Stage op(B)[k0:k0+TK, n0:n0+TN] as Bs[kk][j].
        for (int l = tid; l < TK * TN; l += ITEMS) {
            const int j = transB ? l / TK : l % TN;
            const int kk = transB ? l % TK : l / TN;
            const int gj = n0 + j, gk = k0 + kk;
            real v = 0;
            if (gj < N && gk < K) {
                v = transB ? B[(size_t)gj * ldb + gk] : B[(size_t)gk * ldb + gj];
            }
            Bs[kk * TN + j] = v;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < TK; ++kk) {
            real a[WM], b[WN];
            for (int i = 0; i < WM; ++i) { a[i] = As[kk * TM + ty + i * RM]; }
            for (int j = 0; j < WN; ++j) { b[j] = Bs[kk * TN + tx + j * RN]; }
            for (int i = 0; i < WM; ++i) {
                for (int j = 0; j < WN; ++j) { acc[i][j] = mad(a[i], b[j], acc[i][j]); }
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    for (int i = 0; i < WM; ++i) {
        const int gi = m0 + ty + i * RM;
        if (gi >= M) { continue; }
        for (int j = 0; j < WN; ++j) {
            const int gj = n0 + tx + j * RN;
            if (gj >= N) { continue; }
            global real* c = C + (size_t)gi * ldc + gj;
            *c = beta == 0 ? alpha * acc[i][j] : alpha * acc[i][j] + beta * *c;
        }
    }
}

#define GEMM_KERNEL(name, ta, tb)                                                          \
kernel __attribute__((reqd_work_group_size(RN, RM, 1)))                                    \
void name(const int M, const int N, const int K, const real alpha,                         \
          global const real* A, const int offA, const int lda,                             \
          global const real* B, const int offB, const int ldb, const real beta,            \
          global real* C, const int offC, const int ldc) {                                 \
    local real As[TK * TM];                                                                \
    local real Bs[TK * TN];                                                                \
    gemm_tile(ta, tb, M, N, K, alpha, A + offA, lda, B + offB, ldb, beta, C + offC, ldc,   \
              As, Bs);                                                                     \
}
GEMM_KERNEL(gemm_nn, 0, 0)
GEMM_KERNEL(gemm_nt, 0, 1)
GEMM_KERNEL(gemm_tn, 1, 0)
#else
// ---- Direct family: explicit vectors, no local memory, no barriers (CPU devices). ----
// A CPU OpenCL (PoCL) runs a work-group as a loop over its work-items: private values
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
            const realv r = alpha * acc[i][j];
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
            if (n0 + j < N) { c[j] = beta == 0 ? alpha * s[i][j] : alpha * s[i][j] + beta * c[j]; }
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
#endif

// ---- Matrix-vector products: the batch-of-one path (stochastic training). ----
#ifndef GEMV_WG
#define GEMV_WG 64   // work-items cooperating on one dot product in gemv_rows
#endif

// y[i] = alpha·Σ_k X[i,k]·v[k] + beta·y[i] for i < rows; X is rows×K (row stride ldx),
// v has stride incv, y stride incy. One work-group of GEMV_WG items per row: the dot
// product is split across the group and reduced in local memory.
kernel __attribute__((reqd_work_group_size(GEMV_WG, 1, 1)))
void gemv_rows(const int rows, const int K, const real alpha,
               global const real* X, const int offX, const int ldx,
               global const real* v, const int offV, const int incv, const real beta,
               global real* y, const int offY, const int incy) {
    local real partial[GEMV_WG];
    const int i = get_group_id(0);
    const int lid = get_local_id(0);
    global const real* x = X + offX + (size_t)i * ldx;
    global const real* w = v + offV;
    real s = 0;
    for (int k = lid; k < K; k += GEMV_WG) { s = mad(x[k], w[(size_t)k * incv], s); }
    partial[lid] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = GEMV_WG / 2; stride > 0; stride >>= 1) {
        if (lid < stride) { partial[lid] += partial[lid + stride]; }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0 && i < rows) {
        global real* out = y + offY + (size_t)i * incy;
        *out = beta == 0 ? alpha * partial[0] : alpha * partial[0] + beta * *out;
    }
}

// y[j] = alpha·Σ_k v[k]·X[k,j] + beta·y[j] for j < cols; X is K×cols (row stride ldx).
// One work-item per column: neighbouring items read neighbouring elements of each row.
kernel void gemv_cols(const int cols, const int K, const real alpha,
                      global const real* X, const int offX, const int ldx,
                      global const real* v, const int offV, const int incv, const real beta,
                      global real* y, const int offY, const int incy) {
    const int j = get_global_id(0);
    if (j >= cols) { return; }
    global const real* x = X + offX + j;
    global const real* w = v + offV;
    real s = 0;
    for (int k = 0; k < K; ++k) { s = mad(w[(size_t)k * incv], x[(size_t)k * ldx], s); }
    global real* out = y + offY + (size_t)j * incy;
    *out = beta == 0 ? alpha * s : alpha * s + beta * *out;
}

// Rank-one product (K = 1): C[i,j] = alpha·a[i]·b[j] + beta·C[i,j]; C is M×N (ldc).
kernel void ger(const int M, const int N, const real alpha,
                global const real* a, const int offA, const int inca,
                global const real* b, const int offB, const int incb, const real beta,
                global real* C, const int offC, const int ldc) {
    const int idx = get_global_id(0);
    if (idx >= M * N) { return; }
    const int i = idx / N;
    const int j = idx - i * N;
    const real p = alpha * a[offA + (size_t)i * inca] * b[offB + (size_t)j * incb];
    global real* c = C + offC + (size_t)i * ldc + j;
    *c = beta == 0 ? p : p + beta * *c;
}
