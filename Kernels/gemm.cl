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
//   tiled (this file; GPUs): gemm_tiled (CLBlast's xgemm design: operands copied into a
//     padded K-major layout by pad_kmajor where they are not already so, slabs staged in
//     local memory behind barriers, vector loads, a register tile per work-item) and
//     gemm_skinny for products with one side of C at most 16 (the output layer).
//   direct (gemm_direct.cl, compiled when GEMM_DIRECT is defined; CPU devices): no local
//     memory, no barriers, a BLAS-style microkernel per work-item, operands of large
//     products packed into contiguous panels first.
// The matrix program is common.cl + gemm.cl + gemm_direct.cl. The matrix-vector kernels at
// the end of this file (batch of one, k == 1) are in every program.

#ifndef GEMM_DIRECT
#ifdef BACKPROP_TEST_BREAK_TILED
#error "the tiled family broken on purpose (BACKPROP_TEST_BREAK_TILED: a test of the family fallback)"
#endif
// ---- Tiled family (GPUs): the design of CLBlast's xgemm, written for this library. ----
// The kernel works on C' = A'ᵀ·B' in C's own memory order: C' has M' columns stored
// contiguously (M' = our N) and N' rows (N' = our M), so that C'[n'][m'] is C[n'·ldc + m'].
//   A' is op(B) stored K×M' (M' contiguous), B' is op(A) stored K×N' (N' contiguous).
// The host hands operands over in that layout, padded to whole tiles (Kp × Mp, Kp × Np),
// copying (and transposing, pad_kmajor below) only those that are not already so; the
// kernel then needs no bounds checks on its loads. Stores are checked against M', N'.
//
// Parameters (CLBlast's names and meanings, so that its published tuning values apply):
//   MWG, NWG   C' tile per work-group (columns M', rows N'); KWG the K slab in local memory
//   MDIMC, NDIMC  work-group shape for the computation: each work-item holds a register
//              tile of MWI = MWG/MDIMC × NWI = NWG/NDIMC accumulators (up to 8×8)
//   MDIMA, NDIMB  work-group re-shaped for loading the A' and B' slabs (coalescing)
//   KWI        unroll factor of the inner K loop
//   VWM, VWN   vector widths (1, 2, 4, 8) of the loads of A' and B' and the stores of C'
//   STRM, STRN 0: a work-item's register tile is contiguous; 1: strided by the work-group
//   SA, SB     1: stage the A' (B') slab in local memory; 0: read it from global memory
// Work-group (MDIMC, NDIMC); global (Mp/MWI, Np/NWI).
#ifndef MWG
#define MWG 32
#endif
#ifndef NWG
#define NWG 32
#endif
#ifndef KWG
#define KWG 32
#endif
#ifndef MDIMC
#define MDIMC 8
#endif
#ifndef NDIMC
#define NDIMC 16
#endif
#ifndef MDIMA
#define MDIMA 8
#endif
#ifndef NDIMB
#define NDIMB 16
#endif
#ifndef KWI
#define KWI 2
#endif
#ifndef VWM
#define VWM 4
#endif
#ifndef VWN
#define VWN 2
#endif
#ifndef STRM
#define STRM 0
#endif
#ifndef STRN
#define STRN 0
#endif
#ifndef SA
#define SA 1
#endif
#ifndef SB
#define SB 1
#endif
#define MWI (MWG / MDIMC)
#define NWI (NWG / NDIMC)
#define KDIMA ((MDIMC * NDIMC) / MDIMA)
#define KDIMB ((MDIMC * NDIMC) / NDIMB)
#define MWA (MWG / MDIMA)
#define KWA (KWG / KDIMA)
#define NWB (NWG / NDIMB)
#define KWB (KWG / KDIMB)

#define VCAT2(a, b) a##b
#define VCAT(a, b) VCAT2(a, b)
#if VWM == 1
typedef real realM;
#define SPLIT_M(v, p) ((p)[0] = (v))
#define JOIN_M(p) ((p)[0])
#else
typedef VCAT(float, VWM) realM;
#define SPLIT_M(v, p) VCAT(vstore, VWM)((v), 0, (p))
#define JOIN_M(p) VCAT(vload, VWM)(0, (p))
#endif
#if VWN == 1
typedef real realN;
#define SPLIT_N(v, p) ((p)[0] = (v))
#else
typedef VCAT(float, VWN) realN;
#define SPLIT_N(v, p) VCAT(vstore, VWN)((v), 0, (p))
#endif

// Vector column (of VWM elements) of a work-item's j-th vector of its register tile.
#if STRM == 0
#define MVEC(j, tid) ((tid) * (MWI / VWM) + (j))
#else
#define MVEC(j, tid) ((j) * MDIMC + (tid))
#endif
#if STRN == 0
#define NVEC(j, tid) ((tid) * (NWI / VWN) + (j))
#else
#define NVEC(j, tid) ((j) * NDIMC + (tid))
#endif

// agm: A' as vectors, ldav = Mp / VWM vectors a row; bgm likewise with ldbv = Np / VWN.
kernel __attribute__((reqd_work_group_size(MDIMC, NDIMC, 1)))
void gemm_tiled(const int M, const int N, const int Kp, const real alpha,
                global const realM* restrict agm, const int offAv, const int ldav,
                global const realN* restrict bgm, const int offBv, const int ldbv, const real beta,
                global real* C, const int offC, const int ldc) {
    const int tidm = get_local_id(0), tidn = get_local_id(1);
    const int gm = get_group_id(0) * (MWG / VWM);     // first vector column of the tile in A'
    const int gn = get_group_id(1) * (NWG / VWN);     // first vector column of the tile in B'
    agm += offAv + gm;
    bgm += offBv + gn;
    // The slabs keep global memory's orientation (K rows of contiguous vectors), so neither
    // their stores nor the reads below stride across rows: a warp reads one row (neighbours
    // neighbouring vectors, or the same one, a broadcast) and needs no padding against bank
    // conflicts. The transposition that would need it is pad_kmajor's, whose tile is padded.
#if SA
    local realM alm[KWG * (MWG / VWM)];
#endif
#if SB
    local realN blm[KWG * (NWG / VWN)];
#endif
#if SA || SB
    // Unsigned, so that the divisions below are shifts: a signed division next to its
    // remainder becomes a div/rem pair with a `freeze`, which oclgrind cannot simulate.
    const uint tid = (uint)(tidn * MDIMC + tidm);
#endif
    real acc[NWI][MWI];
    #pragma unroll
    for (int n = 0; n < NWI; ++n) {
        #pragma unroll
        for (int m = 0; m < MWI; ++m) { acc[n][m] = 0; }
    }
    for (int kwg = 0; kwg < Kp; kwg += KWG) {
#if SA
        {   // The A' slab, KWG rows of MWG/VWM vectors, loaded by MDIMA × KDIMA work-items.
            const int la = (int)(tid % MDIMA), ka = (int)(tid / MDIMA);
            #pragma unroll
            for (int kia = 0; kia < KWA; ++kia) {
                #pragma unroll
                for (int mia = 0; mia < MWA / VWM; ++mia) {
#if STRM == 0
                    const int mg = la * (MWA / VWM) + mia;
#else
                    const int mg = mia * MDIMA + la;
#endif
                    const int kg = kia * KDIMA + ka;
                    alm[kg * (MWG / VWM) + mg] = agm[(size_t)(kwg + kg) * ldav + mg];
                }
            }
        }
#endif
#if SB
        {   // The B' slab, loaded by NDIMB × KDIMB work-items.
            const int lb = (int)(tid % NDIMB), kb = (int)(tid / NDIMB);
            #pragma unroll
            for (int kib = 0; kib < KWB; ++kib) {
                #pragma unroll
                for (int nib = 0; nib < NWB / VWN; ++nib) {
#if STRN == 0
                    const int ng = lb * (NWB / VWN) + nib;
#else
                    const int ng = nib * NDIMB + lb;
#endif
                    const int kg = kib * KDIMB + kb;
                    blm[kg * (NWG / VWN) + ng] = bgm[(size_t)(kwg + kg) * ldbv + ng];
                }
            }
        }
#endif
#if SA || SB
        barrier(CLK_LOCAL_MEM_FENCE);
#endif
        for (int pwi = 0; pwi < KWG; pwi += KWI) {
            #pragma unroll
            for (int pit = 0; pit < KWI; ++pit) {
                const int k = pwi + pit;
                real a[MWI], b[NWI];
                #pragma unroll
                for (int j = 0; j < MWI / VWM; ++j) {
#if SA
                    const realM v = alm[k * (MWG / VWM) + MVEC(j, tidm)];
#else
                    const realM v = agm[(size_t)(kwg + k) * ldav + MVEC(j, tidm)];
#endif
                    SPLIT_M(v, a + j * VWM);
                }
                #pragma unroll
                for (int j = 0; j < NWI / VWN; ++j) {
#if SB
                    const realN v = blm[k * (NWG / VWN) + NVEC(j, tidn)];
#else
                    const realN v = bgm[(size_t)(kwg + k) * ldbv + NVEC(j, tidn)];
#endif
                    SPLIT_N(v, b + j * VWN);
                }
                #pragma unroll
                for (int n = 0; n < NWI; ++n) {
                    #pragma unroll
                    for (int m = 0; m < MWI; ++m) { acc[n][m] = mad(a[m], b[n], acc[n][m]); }
                }
            }
        }
#if SA || SB
        barrier(CLK_LOCAL_MEM_FENCE);
#endif
    }
    const real alph = GEMM_ALPHA(alpha);
    C += offC;
    #pragma unroll
    for (uint n = 0; n < NWI; ++n) {
        const int row = get_group_id(1) * NWG + NVEC((int)(n / VWN), tidn) * VWN + (int)(n % VWN);
        if (row >= N) { continue; }
        global real* c = C + (size_t)row * ldc;
        #pragma unroll
        for (int j = 0; j < MWI / VWM; ++j) {
            const int col = get_group_id(0) * MWG + MVEC(j, tidm) * VWM;
            real r[VWM];
            #pragma unroll
            for (int l = 0; l < VWM; ++l) { r[l] = alph * acc[n][j * VWM + l]; }
            if (col + VWM <= M) {
#if VWM == 1
                c[col] = beta == 0 ? r[0] : r[0] + beta * c[col];
#else
                realM x = JOIN_M(r);
                if (beta != 0) { x += beta * VCAT(vload, VWM)(0, c + col); }
                VCAT(vstore, VWM)(x, 0, c + col);
#endif
            } else {
                for (int l = 0; l < VWM && col + l < M; ++l) {
                    c[col + l] = beta == 0 ? r[l] : r[l] + beta * c[col + l];
                }
            }
        }
    }
}

// Copies a rows×K operand into the kernel's layout: dst[k·Xp + x] for k < Kp, x < Xp, zero
// outside the operand. The source holds element (x, k) at k·ld + x (kmajor) or x·ld + k.
// The transposing copy goes through a local tile padded by one column, so that reading it
// down a column touches PAD_TS different banks. Work-group (PAD_TS, PAD_TS): 16, or 8 where
// work-groups hold fewer than 256 items (the host passes -DPAD_TS).
#ifndef PAD_TS
#define PAD_TS 16
#endif
kernel __attribute__((reqd_work_group_size(PAD_TS, PAD_TS, 1)))
void pad_kmajor(const int X, const int K, const int Xp, const int Kp, const int kmajor,
                global const real* src, const int offS, const int ld, global real* dst, const int offD) {
    local real tile[PAD_TS][PAD_TS + 1];
    const int lx = get_local_id(0), ly = get_local_id(1);
    if (kmajor) {
        // dimension 0 along x (contiguous in both), dimension 1 along k.
        const int x = get_global_id(0), k = get_global_id(1);
        if (x < Xp && k < Kp) {
            dst[offD + (size_t)k * Xp + x] = x < X && k < K ? src[offS + (size_t)k * ld + x] : 0;
        }
        return;
    }
    // dimension 0 along k (contiguous in the source), dimension 1 along x.
    const int k0 = get_group_id(0) * PAD_TS, x0 = get_group_id(1) * PAD_TS;
    {
        const int k = k0 + lx, x = x0 + ly;
        tile[ly][lx] = x < X && k < K ? src[offS + (size_t)x * ld + k] : 0;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const int x = x0 + lx, k = k0 + ly;
    if (x < Xp && k < Kp) { dst[offD + (size_t)k * Xp + x] = tile[lx][ly]; }
}

// ---- Skinny products: one side of C at most SKINNY_S (16), the output layer's shapes. ----
// C is M×N with min(M, N) ≤ SKINNY_S. A work-group of SKINNY_WG items computes SKINNY_L
// indices of the long side × all of the short side: its items split K between them, each
// keeping SKINNY_L × SKINNY_S partial sums, and the partials are summed in local memory
// (SKINNY_WG · SKINNY_L · SKINNY_S floats: 16 KiB). Global size: ceil(long / SKINNY_L)·SKINNY_WG.
#define SKINNY_S 16
#define SKINNY_L 4
#define SKINNY_WG (SKINNY_S * SKINNY_L)
kernel __attribute__((reqd_work_group_size(SKINNY_WG, 1, 1)))
void gemm_skinny(const int transA, const int transB, const int M, const int N, const int K, const real alpha,
                 global const real* A, const int offA, const int lda,
                 global const real* B, const int offB, const int ldb, const real beta,
                 global real* C, const int offC, const int ldc) {
    local real partial[SKINNY_WG * SKINNY_L * SKINNY_S];
    const int lid = get_local_id(0);
    const int rowsShort = M <= N;                        // uniform over the launch
    const int S = rowsShort ? M : N, L = rowsShort ? N : M;
    const int l0 = get_group_id(0) * SKINNY_L;
    A += offA; B += offB;
    real acc[SKINNY_L][SKINNY_S];
    #pragma unroll
    for (int i = 0; i < SKINNY_L; ++i) {
        #pragma unroll
        for (int s = 0; s < SKINNY_S; ++s) { acc[i][s] = 0; }
    }
    for (int k = lid; k < K; k += SKINNY_WG) {
        real x[SKINNY_L], y[SKINNY_S];
        #pragma unroll
        for (int i = 0; i < SKINNY_L; ++i) {
            const int l = l0 + i;
            real v = 0;
            if (l < L) {
                // long side: op(B)[k][l] when the rows are short, op(A)[l][k] otherwise
                v = rowsShort ? (transB ? B[(size_t)l * ldb + k] : B[(size_t)k * ldb + l])
                              : (transA ? A[(size_t)k * lda + l] : A[(size_t)l * lda + k]);
            }
            x[i] = v;
        }
        #pragma unroll
        for (int s = 0; s < SKINNY_S; ++s) {
            real v = 0;
            if (s < S) {
                v = rowsShort ? (transA ? A[(size_t)k * lda + s] : A[(size_t)s * lda + k])
                              : (transB ? B[(size_t)s * ldb + k] : B[(size_t)k * ldb + s]);
            }
            y[s] = v;
        }
        #pragma unroll
        for (int i = 0; i < SKINNY_L; ++i) {
            #pragma unroll
            for (int s = 0; s < SKINNY_S; ++s) { acc[i][s] = mad(x[i], y[s], acc[i][s]); }
        }
    }
    #pragma unroll
    for (int i = 0; i < SKINNY_L; ++i) {
        #pragma unroll
        for (int s = 0; s < SKINNY_S; ++s) { partial[lid * SKINNY_WG + i * SKINNY_S + s] = acc[i][s]; }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    // Item t sums output t = (i, s) over the items: consecutive t, consecutive banks.
    const int i = (int)((uint)lid / SKINNY_S), s = (int)((uint)lid % SKINNY_S), l = l0 + i;
    real sum = 0;
    for (int w = 0; w < SKINNY_WG; ++w) { sum += partial[w * SKINNY_WG + lid]; }
    if (l < L && s < S) {
        global real* c = C + offC + (rowsShort ? (size_t)s * ldc + l : (size_t)l * ldc + s);
        const real r = GEMM_ALPHA(alpha) * sum;
        *c = beta == 0 ? r : r + beta * *c;
    }
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
