// See include/bp_cpu.h: the CPU path's products with one side of at most 16 (a network's
// output layer), where a general GEMM's packing and blocking cost more than the arithmetic.
// Each keeps a tile of C in registers over the whole depth: the tile's sizes are constants of
// each instance (R/G/V below), chosen for the registers its instruction set has (AVX-512: 32
// of 16 floats; AVX2: 16 of 8, two per 16-lane vector; SSE2: 16 of 4).
#include "bp_cpu.h"
#include "bp_isa.h"

// The largest tile any instance uses; an instance's own sizes are at most these.
#define MAX_ROWS 10
#define MAX_VECS 4

// c = alpha·s + beta·c, where beta = 0 leaves c unread (BLAS's rule: a NaN there is overwritten).
#define STORE1(cp, s) (*(cp) = beta == 0 ? alpha * (s) : alpha * (s) + beta * *(cp))
#define STORE16(cp, s) st16((cp), beta == 0 ? alpha * (s) : alpha * (s) + beta * ld16(cp))

// MARK: NT, n ≤ 16: C (rows × g) = A (rows × k) · Bᵀ, B g rows × k; dot products along k.

INLINE void nt_tile(const int R, const int G, int k, float alpha, const float *a, int lda,
                    const float *b, int ldb, float beta, float *c, int ldc) {
    v16 acc[MAX_ROWS][MAX_ROWS];
    for (int r = 0; r < R; r++) for (int g = 0; g < G; g++) acc[r][g] = (v16){0};
    int p = 0;
    for (; p + 16 <= k; p += 16) {
        v16 av[MAX_ROWS];
        for (int r = 0; r < R; r++) av[r] = ld16(a + (size_t)r * lda + p);
        for (int g = 0; g < G; g++) {
            v16 bv = ld16(b + (size_t)g * ldb + p);
            for (int r = 0; r < R; r++) acc[r][g] += av[r] * bv;
        }
    }
    float s[MAX_ROWS][MAX_ROWS];
    for (int r = 0; r < R; r++) for (int g = 0; g < G; g++) HSUM(acc[r][g], s[r][g]);
    for (; p < k; p++)
        for (int r = 0; r < R; r++) for (int g = 0; g < G; g++) s[r][g] += a[(size_t)r * lda + p] * b[(size_t)g * ldb + p];
    for (int r = 0; r < R; r++) for (int g = 0; g < G; g++) STORE1(c + (size_t)r * ldc + g, s[r][g]);
}

#define NT_CASE(R, G) case G: nt_tile(R, G, k, alpha, ai, lda, bj, ldb, beta, ci, ldc); break
#define NT_SWITCH(R) switch (g) { NT_CASE(R, 1); NT_CASE(R, 2); NT_CASE(R, 3); NT_CASE(R, 4); NT_CASE(R, 5); }

// RT rows of C at a time (then one), its n columns in balanced groups of at most GT.
INLINE void nt_body(int first, int last, int n, int k, float alpha, const float *a, int lda,
                    const float *b, int ldb, float beta, float *c, int ldc, const int RT, const int GT) {
    const int groups = (n + GT - 1) / GT;
    for (int i = first; i < last;) {
        const int rows = last - i >= RT ? RT : 1;
        const float *ai = a + (size_t)i * lda;
        for (int q = 0, j = 0; q < groups; q++) {
            const int g = (n - j + (groups - q) - 1) / (groups - q);
            const float *bj = b + (size_t)j * ldb;
            float *ci = c + (size_t)i * ldc + j;
            if (rows == RT) { NT_SWITCH(RT) } else { NT_SWITCH(1) }
            j += g;
        }
        i += rows;
    }
}

// MARK: TN, m ≤ 16: C (G × 16V) = Aᵀ · B, A k × m, B k × n; rank-1 updates down k.

INLINE void tn_tile(const int G, const int V, int k, float alpha, const float *a, int lda,
                    const float *b, int ldb, float beta, float *c, int ldc) {
    v16 acc[MAX_ROWS][MAX_VECS];
    for (int g = 0; g < G; g++) for (int v = 0; v < V; v++) acc[g][v] = (v16){0};
    for (int p = 0; p < k; p++) {
        const float *ap = a + (size_t)p * lda, *bp = b + (size_t)p * ldb;
        v16 bv[MAX_VECS];
        for (int v = 0; v < V; v++) bv[v] = ld16(bp + 16 * v);
        for (int g = 0; g < G; g++) {
            const float s = ap[g];
            for (int v = 0; v < V; v++) acc[g][v] += s * bv[v];
        }
    }
    for (int g = 0; g < G; g++) for (int v = 0; v < V; v++) STORE16(c + (size_t)g * ldc + 16 * v, acc[g][v]);
}

// Columns past the last whole vector: one at a time.
INLINE void tn_column(const int G, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                      float beta, float *c, int ldc) {
    float s[MAX_ROWS];
    for (int g = 0; g < G; g++) s[g] = 0;
    for (int p = 0; p < k; p++) {
        const float bv = b[(size_t)p * ldb];
        for (int g = 0; g < G; g++) s[g] += a[(size_t)p * lda + g] * bv;
    }
    for (int g = 0; g < G; g++) STORE1(c + (size_t)g * ldc, s[g]);
}

#define TN_CASE(V, G) case G: if (V) tn_tile(G, V, k, alpha, ai, lda, bj, ldb, beta, cij, ldc); \
                              else tn_column(G, k, alpha, ai, lda, bj, ldb, beta, cij, ldc); break
#define TN_SWITCH(V) switch (g) { TN_CASE(V, 1); TN_CASE(V, 2); TN_CASE(V, 3); TN_CASE(V, 4); TN_CASE(V, 5); \
                                  TN_CASE(V, 6); TN_CASE(V, 7); TN_CASE(V, 8); TN_CASE(V, 9); TN_CASE(V, 10); }

// Columns [first, last) of C, VT vectors of 16 at a time (then one, then single columns);
// C's m rows in balanced groups of at most GT for each.
INLINE void tn_body(int first, int last, int m, int k, float alpha, const float *a, int lda,
                    const float *b, int ldb, float beta, float *c, int ldc, const int GT, const int VT) {
    const int groups = (m + GT - 1) / GT;
    for (int j = first; j < last;) {
        const int left = last - j;
        const int width = left >= 16 * VT ? 16 * VT : left >= 16 ? 16 : 1;
        const float *bj = b + j;
        for (int q = 0, i = 0; q < groups; q++) {
            const int g = (m - i + (groups - q) - 1) / (groups - q);
            const float *ai = a + i;
            float *cij = c + (size_t)i * ldc + j;
            if (width == 16 * VT) { TN_SWITCH(VT) } else if (width == 16) { TN_SWITCH(1) } else { TN_SWITCH(0) }
            i += g;
        }
        j += width;
    }
}

// MARK: NN, k ≤ 16: C (R × 16V) = A (R × k) · B (k × n); rank-1 updates down k.

INLINE void nn_tile(const int R, const int V, int k, float alpha, const float *a, int lda,
                    const float *b, int ldb, float beta, float *c, int ldc) {
    v16 acc[MAX_ROWS][MAX_VECS];
    for (int r = 0; r < R; r++) for (int v = 0; v < V; v++) acc[r][v] = (v16){0};
    for (int p = 0; p < k; p++) {
        const float *bp = b + (size_t)p * ldb;
        v16 bv[MAX_VECS];
        for (int v = 0; v < V; v++) bv[v] = ld16(bp + 16 * v);
        for (int r = 0; r < R; r++) {
            const float s = a[(size_t)r * lda + p];
            for (int v = 0; v < V; v++) acc[r][v] += s * bv[v];
        }
    }
    for (int r = 0; r < R; r++) for (int v = 0; v < V; v++) STORE16(c + (size_t)r * ldc + 16 * v, acc[r][v]);
}

INLINE void nn_column(const int R, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                      float beta, float *c, int ldc) {
    for (int r = 0; r < R; r++) {
        float s = 0;
        for (int p = 0; p < k; p++) s += a[(size_t)r * lda + p] * b[(size_t)p * ldb];
        STORE1(c + (size_t)r * ldc, s);
    }
}

#define NN_TILE(R, V) do { if (V) nn_tile(R, V, k, alpha, ai, lda, b + j, ldb, beta, ci + j, ldc); \
                           else nn_column(R, k, alpha, ai, lda, b + j, ldb, beta, ci + j, ldc); } while (0)
#define NN_ROW(R, VT) do { for (int j = 0; j < n;) {                                               \
        const int left = n - j;                                                                     \
        if (left >= 16 * VT) { NN_TILE(R, VT); j += 16 * VT; }                                      \
        else if (left >= 16) { NN_TILE(R, 1); j += 16; }                                            \
        else { NN_TILE(R, 0); j += 1; } } } while (0)

// RT rows of C at a time (then one), VT vectors of 16 columns at a time (then one, then single
// columns).
INLINE void nn_body(int first, int last, int n, int k, float alpha, const float *a, int lda,
                    const float *b, int ldb, float beta, float *c, int ldc, const int RT, const int VT) {
    for (int i = first; i < last;) {
        const float *ai = a + (size_t)i * lda;
        float *ci = c + (size_t)i * ldc;
        if (last - i >= RT) { NN_ROW(RT, VT); i += RT; } else { NN_ROW(1, VT); i += 1; }
    }
}

// MARK: Instances and dispatch

#define SKINNY_ARGS int first, int last, int side, int k, float alpha, const float *a, int lda, \
                    const float *b, int ldb, float beta, float *c, int ldc
#define SKINNY_PASS first, last, side, k, alpha, a, lda, b, ldb, beta, c, ldc

// NT (rows, groups): AVX-512 4 × 5 accumulators (+ 4 rows of A and one of B: 25 registers);
// AVX2 2 × 2 (8 + 4 + 2 of 16); SSE2 1 × 2.
#define NT_512 4, 5
#define NT_2 2, 2
#define NT_1 1, 2
// TN (rows, vectors): AVX-512 10 × 2 (+ 2 of B); AVX2 5 × 1 (10 + 2); SSE2 2 × 1.
#define TN_512 10, 2
#define TN_2 5, 1
#define TN_1 2, 1
// NN (rows, vectors): AVX-512 4 × 4 (+ 4 of B); AVX2 2 × 2 (8 + 4); SSE2 1 × 1.
#define NN_512 4, 4
#define NN_2 2, 2
#define NN_1 1, 1

DISPATCHED_TILED(gemm_nt_narrow, nt_body, SKINNY_ARGS, SKINNY_PASS, NT_512, NT_2, NT_1)
DISPATCHED_TILED(gemm_tn_short, tn_body, SKINNY_ARGS, SKINNY_PASS, TN_512, TN_2, TN_1)
DISPATCHED_TILED(gemm_nn_thin, nn_body, SKINNY_ARGS, SKINNY_PASS, NN_512, NN_2, NN_1)
