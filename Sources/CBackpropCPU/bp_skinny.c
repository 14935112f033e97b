// See include/bp_cpu.h: the CPU path's products with one side of at most 16 (a network's
// output layer), where a general GEMM's packing and blocking cost more than the arithmetic.
// Each keeps a tile of C in registers over the whole depth: the tile's sizes are constants of
// each instance (R/G/V below), chosen for the registers its instruction set has (AVX-512: 32
// of 16 floats; AVX2: 16 of 8, the bodies built with 8-lane vectors; SSE2: 16 of 4, four per
// 16-lane vector). The bodies are in bp_skinny_body.h.
#include "bp_cpu.h"
#include "bp_isa.h"

// The largest tile any instance uses; an instance's own sizes are at most these.
#define MAX_ROWS 10
#define MAX_VECS 4

// c = alpha·s + beta·c, where beta = 0 leaves c unread (BLAS's rule: a NaN there is overwritten).
#define STORE1(cp, s) (*(cp) = beta == 0 ? alpha * (s) : alpha * (s) + beta * *(cp))
#define STOREV(cp, s) VST((cp), beta == 0 ? alpha * (s) : alpha * (s) + beta * VLD(cp))

// 16 lanes: the AVX-512 instance (one register a vector) and the baseline (four).
#define VEC v16
#define VL 16
#define VLD(p) ld16(p)
#define VST(p, v) st16(p, v)
#define VHSUM(v, out) HSUM(v, out)
#define F(name) name##_16
#include "bp_skinny_body.h"
#undef VEC
#undef VL
#undef VLD
#undef VST
#undef VHSUM
#undef F

// 8 lanes: the AVX2 instance.
#define VEC v8
#define VL 8
#define VLD(p) (*(const v8 *)(p))
#define VST(p, v) (*(v8 *)(p) = (v))
#define VHSUM(v, out) do {                                                                       \
        v8 h8_ = (v);                                                                            \
        v4 h4_ = __builtin_shufflevector(h8_, h8_, 0, 1, 2, 3) + __builtin_shufflevector(h8_, h8_, 4, 5, 6, 7); \
        (out) = (h4_[0] + h4_[2]) + (h4_[1] + h4_[3]);                                           \
    } while (0)
#define F(name) name##_8
#include "bp_skinny_body.h"


// MARK: Instances and dispatch

#define SKINNY_ARGS int first, int last, int side, int k, float alpha, const float *a, int lda, \
                    const float *b, int ldb, float beta, float *c, int ldc
#define SKINNY_PASS first, last, side, k, alpha, a, lda, b, ldb, beta, c, ldc

// NT (rows, groups): AVX-512 4 × 5 accumulators (+ 4 rows of A and one of B: 25 registers);
// AVX2 3 × 4 of 8 lanes (+ 3 + 1: 16); SSE2 1 × 2 of 16 lanes.
#define NT_512 4, 5
#define NT_2 3, 4
#define NT_1 1, 2
// TN (rows, vectors): AVX-512 10 × 2 (+ 2 of B); AVX2 10 × 1 of 8 (+ 1, and a broadcast
// load per row: AVX2 has no broadcast operand); SSE2 2 × 1.
#define TN_512 10, 2
#define TN_2 10, 1
#define TN_1 2, 1
// NN (rows, vectors): AVX-512 4 × 4 (+ 4 of B); AVX2 4 × 2 of 8 (+ 2); SSE2 1 × 1.
#define NN_512 4, 4
#define NN_2 4, 2
#define NN_1 1, 1

// Each kernel's three instances (the AVX2 one on the 8-lane bodies) and the exported
// function that runs the one bp_isa_level picks.
#ifdef BP_X86
#define SKINNY(name, body, T512, T2, T1)                                    \
    static void name##_baseline(SKINNY_ARGS) { body##_16(SKINNY_PASS, T1); } \
    AVX2 static void name##_avx2(SKINNY_ARGS) { body##_8(SKINNY_PASS, T2); } \
    AVX512 static void name##_avx512(SKINNY_ARGS) { body##_16(SKINNY_PASS, T512); } \
    void bp_##name(SKINNY_ARGS) { RUN_CHOSEN(name, SKINNY_PASS) }
#else
#define SKINNY(name, body, T512, T2, T1) void bp_##name(SKINNY_ARGS) { body##_16(SKINNY_PASS, T1); }
#endif

SKINNY(gemm_nt_narrow, nt_body, NT_512, NT_2, NT_1)
SKINNY(gemm_tn_short, tn_body, TN_512, TN_2, TN_1)
SKINNY(gemm_nn_thin, nn_body, NN_512, NN_2, NN_1)
