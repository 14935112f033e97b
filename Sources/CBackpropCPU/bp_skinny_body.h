// The skinny-product kernels' bodies (see bp_skinny.c), written once for a vector type the
// includer names: VEC (VL floats), VLD/VST/VHSUM for its loads, stores and lane sum, STOREV
// for C's update, and F(name) for the name of each body in this build. bp_skinny.c includes
// this twice: with 16-lane vectors (the AVX-512 and baseline instances) and with 8-lane ones
// (the AVX2 instance, whose 16 registers hold one 8-lane vector each).

// MARK: NT, n ≤ 16: C (rows × g) = A (rows × k) · Bᵀ, B g rows × k; dot products along k.

INLINE void F(nt_tile)(const int R, const int G, int k, float alpha, const float *a, int lda,
                    const float *b, int ldb, float beta, float *c, int ldc) {
    VEC acc[MAX_ROWS][MAX_ROWS];
    for (int r = 0; r < R; r++) for (int g = 0; g < G; g++) acc[r][g] = (VEC){0};
    int p = 0;
    for (; p + VL <= k; p += VL) {
        VEC av[MAX_ROWS];
        for (int r = 0; r < R; r++) av[r] = VLD(a + (size_t)r * lda + p);
        for (int g = 0; g < G; g++) {
            VEC bv = VLD(b + (size_t)g * ldb + p);
            for (int r = 0; r < R; r++) acc[r][g] += av[r] * bv;
        }
    }
    float s[MAX_ROWS][MAX_ROWS];
    for (int r = 0; r < R; r++) for (int g = 0; g < G; g++) VHSUM(acc[r][g], s[r][g]);
    for (; p < k; p++)
        for (int r = 0; r < R; r++) for (int g = 0; g < G; g++) s[r][g] += a[(size_t)r * lda + p] * b[(size_t)g * ldb + p];
    for (int r = 0; r < R; r++) for (int g = 0; g < G; g++) STORE1(c + (size_t)r * ldc + g, s[r][g]);
}

#define NT_CASE(R, G) case G: F(nt_tile)(R, G, k, alpha, ai, lda, bj, ldb, beta, ci, ldc); break
#define NT_SWITCH(R) switch (g) { NT_CASE(R, 1); NT_CASE(R, 2); NT_CASE(R, 3); NT_CASE(R, 4); NT_CASE(R, 5); }

// RT rows of C at a time (then one), its n columns in balanced groups of at most GT.
INLINE void F(nt_body)(int first, int last, int n, int k, float alpha, const float *a, int lda,
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

// MARK: Rank-1 updates down k: C (R × VL·V) = Σ_p a_p · B[p, :], element r of a_p at
// a[p·ap + r·ar] (TN: A k × m read down its columns, ap = lda, ar = 1; NN: A m × k read
// along its rows, ap = 1, ar = lda).

INLINE void F(rank1_tile)(const int R, const int V, int k, float alpha, const float *a, int ap, int ar,
                          const float *b, int ldb, float beta, float *c, int ldc) {
    VEC acc[MAX_ROWS][MAX_VECS];
    for (int r = 0; r < R; r++) for (int v = 0; v < V; v++) acc[r][v] = (VEC){0};
    for (int p = 0; p < k; p++) {
        const float *bp = b + (size_t)p * ldb;
        VEC bv[MAX_VECS];
        for (int v = 0; v < V; v++) bv[v] = VLD(bp + VL * v);
        for (int r = 0; r < R; r++) {
            const float s = a[(size_t)p * ap + (size_t)r * ar];
            for (int v = 0; v < V; v++) acc[r][v] += s * bv[v];
        }
    }
    for (int r = 0; r < R; r++) for (int v = 0; v < V; v++) STOREV(c + (size_t)r * ldc + VL * v, acc[r][v]);
}

// Columns past the last whole vector: one at a time.
INLINE void F(rank1_column)(const int R, int k, float alpha, const float *a, int ap, int ar,
                            const float *b, int ldb, float beta, float *c, int ldc) {
    float s[MAX_ROWS];
    for (int r = 0; r < R; r++) s[r] = 0;
    for (int p = 0; p < k; p++) {
        const float bv = b[(size_t)p * ldb];
        for (int r = 0; r < R; r++) s[r] += a[(size_t)p * ap + (size_t)r * ar] * bv;
    }
    for (int r = 0; r < R; r++) STORE1(c + (size_t)r * ldc, s[r]);
}

// MARK: TN, m ≤ 16: C = Aᵀ · B, A k × m, B k × n.

#define TN_CASE(V, G) case G: if (V) F(rank1_tile)(G, V, k, alpha, ai, lda, 1, bj, ldb, beta, cij, ldc); \
                              else F(rank1_column)(G, k, alpha, ai, lda, 1, bj, ldb, beta, cij, ldc); break
#define TN_SWITCH(V) switch (g) { TN_CASE(V, 1); TN_CASE(V, 2); TN_CASE(V, 3); TN_CASE(V, 4); TN_CASE(V, 5); \
                                  TN_CASE(V, 6); TN_CASE(V, 7); TN_CASE(V, 8); TN_CASE(V, 9); TN_CASE(V, 10); }

// Columns [first, last) of C, VT vectors of VL at a time (then one, then single columns);
// C's m rows in balanced groups of at most GT for each.
INLINE void F(tn_body)(int first, int last, int m, int k, float alpha, const float *a, int lda,
                    const float *b, int ldb, float beta, float *c, int ldc, const int GT, const int VT) {
    const int groups = (m + GT - 1) / GT;
    for (int j = first; j < last;) {
        const int left = last - j;
        const int width = left >= VL * VT ? VL * VT : left >= VL ? VL : 1;
        const float *bj = b + j;
        for (int q = 0, i = 0; q < groups; q++) {
            const int g = (m - i + (groups - q) - 1) / (groups - q);
            const float *ai = a + i;
            float *cij = c + (size_t)i * ldc + j;
            if (width == VL * VT) { TN_SWITCH(VT) } else if (width == VL) { TN_SWITCH(1) } else { TN_SWITCH(0) }
            i += g;
        }
        j += width;
    }
}

// MARK: NN, k ≤ 16: C = A · B, A m × k, B k × n.

#define NN_TILE(R, V) do { if (V) F(rank1_tile)(R, V, k, alpha, ai, 1, lda, b + j, ldb, beta, ci + j, ldc); \
                           else F(rank1_column)(R, k, alpha, ai, 1, lda, b + j, ldb, beta, ci + j, ldc); } while (0)
#define NN_ROW(R, VT) do { for (int j = 0; j < n;) {                                               \
        const int left = n - j;                                                                     \
        if (left >= VL * VT) { NN_TILE(R, VT); j += VL * VT; }                                      \
        else if (left >= VL) { NN_TILE(R, 1); j += VL; }                                            \
        else { NN_TILE(R, 0); j += 1; } } } while (0)

// RT rows of C at a time (then one), VT vectors of VL columns at a time (then one, then single
// columns).
INLINE void F(nn_body)(int first, int last, int n, int k, float alpha, const float *a, int lda,
                    const float *b, int ldb, float beta, float *c, int ldc, const int RT, const int VT) {
    for (int i = first; i < last;) {
        const float *ai = a + (size_t)i * lda;
        float *ci = c + (size_t)i * ldc;
        if (last - i >= RT) { NN_ROW(RT, VT); i += RT; } else { NN_ROW(1, VT); i += 1; }
    }
}

#undef NT_CASE
#undef NT_SWITCH
#undef TN_CASE
#undef TN_SWITCH
#undef NN_TILE
#undef NN_ROW
