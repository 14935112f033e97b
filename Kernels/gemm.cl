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
//   tiled (this file; GPUs): gemm_nn, gemm_nt, gemm_tn stage slabs of A and B in local
//     memory behind barriers; each work-item holds a register tile.
//   direct (gemm_direct.cl, compiled when GEMM_DIRECT is defined; CPU devices): no local
//     memory, no barriers, a BLAS-style microkernel per work-item, operands of large
//     products packed into contiguous panels first.
// The matrix program is common.cl + gemm.cl + gemm_direct.cl. The matrix-vector kernels at
// the end of this file (batch of one, k == 1) are in every program.

#ifndef GEMM_DIRECT
#ifdef BACKPROP_TEST_BREAK_TILED
#error "the tiled family broken on purpose (BACKPROP_TEST_BREAK_TILED: a test of the family fallback)"
#endif
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
    gemm_tile(ta, tb, M, N, K, GEMM_ALPHA(alpha), A + offA, lda, B + offB, ldb, beta, C + offC, ldc,   \
              As, Bs);                                                                     \
}
GEMM_KERNEL(gemm_nn, 0, 0)
GEMM_KERNEL(gemm_nt, 0, 1)
GEMM_KERNEL(gemm_tn, 1, 0)
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
