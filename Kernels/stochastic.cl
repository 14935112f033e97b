// stochastic.cl — the batch-of-one training step (stochastic mode) for SGD, classical
// momentum and Adam in 2H + 1 kernels for H hidden layers (3 for 784-128-10, 5 for
// 784-1024-1024-10; 2 without hidden layers), where the general path takes five or six a
// layer, each weight matrix read once and written once a step; or many steps in one launch
// of step_chunk (at the end), the same three phases with work-group barriers between them.
// The host side is OpenCLStochasticStep. Layer l's weights W are units × K row-major from offW, its biases
// from offB; the rule's state buffers S1, S2 hold the same layout (momentum: S1 the velocity;
// Adam: S1, S2 the first and second moments; SGD: neither is read). Z, A, D (δ) and C (each
// unit's update coefficient) are the step's own per-layer vectors, one region of V a layer; a
// hidden layer's region also holds the P partial backward products into it (part, P rows of
// its units). The scalars come packed in vectors (STEP_ARGS, below).
//
//   step_forward   layer l's rows, one work-item per row: for the first layer, the update it
//                  was left by the step before (below), then z_j = w_j·x + b_j, a_j = f(z_j)
//                  (not softmax). With dot == 0 only the pending update (a flush).
//   step_output    the output layer in one work-group: z (the items share its rows), a
//                  (softmax too), the sample's loss, correctness and δ (loss.cl's output_row),
//                  each unit's coefficient, and the output biases' update.
//   step_backprop  layer l in P row blocks, one work-item each (CPU devices run a row block
//                  as a contiguous walk, as the CPU path's kernels do; a column walk strides
//                  by a row per element and ran 2.5× slower on 784-1024-1024-10): for a hidden
//                  layer first its rows' δ (the P partial products summed, times f'(z)),
//                  coefficients and biases; then for each row j, the block's partial product
//                  into the layer below += δ_j·w_j with the weights the forward pass used, and
//                  w_j's update.
//
// The first layer's weight update needs only its units' coefficients and the step's input,
// and the next step's forward product of row j needs only the updated row j: so the update
// is left pending, and the next step_forward computes row j's δ from the partial products and
// its own Z and A of the step before, updates the bias and the row, and then takes the row's
// product. A network without hidden layers takes step_output and step_backprop, nothing pending.
//
// Updates by rule (k0..k6 the rule's constants; a unit's coefficient c = −lr·δ for SGD and
// momentum, δ for Adam; x the layer's input; biases take the same rules with no decay):
//   RULE_SGD       k0 = 1 − lr·wd                     w ← k0·w + c·x
//   RULE_MOMENTUM  k0 = μ, k1 = −lr·wd                v ← μ·v + k1·w + c·x; w ← w + v
//   RULE_ADAM      k0..k6 = lr, β1, β2, ε, c1, c2, wd  g = c·x; m ← β1·m + (1−β1)·g;
//                  v ← β2·v + (1−β2)·g²; w ← w − lr·wd·w; w ← w − lr·(m·c1)/(√(v·c2) + ε)
// (optimizers.cl's sgd_update, momentum_update and adam_update, with c1, c2 Adam's bias corrections.)
#define RULE_SGD      0
#define RULE_MOMENTUM 1
#define RULE_ADAM     2

// Inlined regardless of the compiler's own judgement (clang's attribute: PoCL, rusticl and
// oclgrind all compile with clang).
#ifdef __clang__
#define STEP_INLINE inline __attribute__((always_inline))
#else
#define STEP_INLINE inline
#endif

// Floats per vector of the row walks.
#define SV 8

// A float8 stored to a float's alignment. PoCL 3.1's vstore8 stores the two halves (a
// 128-bit store and a vextractf128 to memory); a store through a pointer to a float8
// typedef'd down to 4-byte alignment is one unaligned 256-bit store (clang's attribute, as
// STEP_INLINE's).
#ifdef __clang__
typedef float8 float8_unaligned __attribute__((aligned(4)));
#define STORE8(v, p) (*(global float8_unaligned*)(p) = (v))
#else
#define STORE8(v, p) vstore8(v, 0, p)
#endif

typedef struct { int rule; real k0, k1, k2, k3, k4, k5, k6, lr; } Rule;

inline Rule make_rule(const int rule, const real k0, const real k1, const real k2, const real k3,
                      const real k4, const real k5, const real k6, const real lr) {
    Rule r;
    r.rule = rule;
    r.k0 = k0; r.k1 = k1; r.k2 = k2; r.k3 = k3; r.k4 = k4; r.k5 = k5; r.k6 = k6; r.lr = lr;
    return r;
}

// The rule for biases: no decay. (A copy, never the parameter changed in place: Mesa's
// rusticl 22.3 applied such changes to the caller's struct, taking the weights' decay away;
// scripts/rusticl/byval-struct.c.)
inline Rule bias_rule(const Rule r) {
    return make_rule(r.rule, r.rule == RULE_SGD ? (real)1 : r.k0, r.rule == RULE_MOMENTUM ? (real)0 : r.k1, r.k2, r.k3,
                     r.k4, r.k5, r.rule == RULE_ADAM ? (real)0 : r.k6, r.lr);
}

// The updated value of w (one float or a vector of SV) for the term cx = c·x by the rule
// `rule` (r.rule, or a literal where a loop is specialised to one rule), the state at s1, s2
// updated in place. Written once for both widths.
#define DEFINE_UPDATE(NAME, T, LOAD, STORE)                                                   \
    inline T NAME(const int rule, const Rule r, const T w, const T cx, global real* s1, global real* s2) { \
        if (rule == RULE_SGD) { return r.k0 * w + cx; }                                        \
        if (rule == RULE_MOMENTUM) {                                                           \
            const T v = r.k0 * LOAD(s1) + r.k1 * w + cx;                                       \
            STORE(v, s1);                                                                      \
            return w + v;                                                                      \
        }                                                                                      \
        const T m = r.k1 * LOAD(s1) + (1 - r.k1) * cx;                                         \
        const T v = r.k2 * LOAD(s2) + (1 - r.k2) * cx * cx;                                    \
        STORE(m, s1);                                                                          \
        STORE(v, s2);                                                                          \
        const T p = w - r.k0 * r.k6 * w;                                                       \
        return p - r.k0 * (m * r.k4) / (sqrt(v * r.k5) + r.k3);                                \
    }
#define LOAD_V(p) vload8(0, p)
#define STORE_V(v, p) STORE8(v, p)
#define LOAD_1(p) (*(p))
#define STORE_1(v, p) (*(p) = (v))
DEFINE_UPDATE(update_v, float8, LOAD_V, STORE_V)
DEFINE_UPDATE(update_1, real, LOAD_1, STORE_1)

// The sum of four vectors' lanes plus the scalar tail's s: the end of every row product here.
// A row product keeps four sums of SV lanes, so that its multiply-adds do not wait on one
// another (with one sum, each waited for the one before: PoCL's step_forward on 784-128-10
// spent its loop on that chain).
inline real lanes_sum(const float8 a0, const float8 a1, const float8 a2, const float8 a3, const real s) {
    const float8 acc = (a0 + a1) + (a2 + a3);
    const float4 h = acc.lo + acc.hi;
    const float2 q = h.lo + h.hi;
    return (q.x + q.y) + s;
}

// Row w of K weights times x.
inline real row_dot(const int K, global const real* w, global const real* x) {
    float8 a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    real s = 0;
    int k = 0;
    for (; k + 4 * SV <= K; k += 4 * SV) {
        a0 = fma(vload8(0, w + k), vload8(0, x + k), a0);
        a1 = fma(vload8(1, w + k), vload8(1, x + k), a1);
        a2 = fma(vload8(2, w + k), vload8(2, x + k), a2);
        a3 = fma(vload8(3, w + k), vload8(3, x + k), a3);
    }
    for (; k + SV <= K; k += SV) { a0 = fma(vload8(0, w + k), vload8(0, x + k), a0); }
    for (; k < K; ++k) { s = fma(w[k], x[k], s); }
    return lanes_sum(a0, a1, a2, a3, s);
}

// Row w of K weights (state s1, s2): its update by rule `rule` for coefficient c and input
// xp; then, with dot, its product with x (the updated row). Called with literal rule and dot
// and always inlined, so that each pairing is a loop of its own, with no test inside and its
// sums in registers (PoCL 3.1 left it a call, its sums on the stack).
STEP_INLINE real row_update_dot_by(const int rule, const int dot, const Rule r, const int K, global real* w,
                              global real* s1, global real* s2, const real c, global const real* xp,
                              global const real* x) {
    float8 a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    real s = 0;
    int k = 0;
#define UPDATE_DOT(i, acc) {                                                                   \
        const int o = k + (i) * SV;                                                            \
        const float8 v = update_v(rule, r, vload8(0, w + o), c * vload8(0, xp + o), s1 + o, s2 + o); \
        STORE8(v, w + o);                                                                      \
        if (dot) { acc = fma(v, vload8(0, x + o), acc); }                                      \
    }
    for (; k + 4 * SV <= K; k += 4 * SV) { UPDATE_DOT(0, a0) UPDATE_DOT(1, a1) UPDATE_DOT(2, a2) UPDATE_DOT(3, a3) }
    for (; k + SV <= K; k += SV) { UPDATE_DOT(0, a0) }
#undef UPDATE_DOT
    for (; k < K; ++k) {
        const real v = update_1(rule, r, w[k], c * xp[k], s1 + k, s2 + k);
        w[k] = v;
        if (dot) { s = fma(v, x[k], s); }
    }
    return lanes_sum(a0, a1, a2, a3, s);
}

// Row w with pending, its update by r for coefficient c and input xp; then, with dot, its
// product with x.
inline real row_update_dot(const Rule r, const int K, global real* w, global real* s1, global real* s2,
                           const int pending, const real c, global const real* xp,
                           global const real* x, const int dot) {
    if (!pending) { return dot ? row_dot(K, w, x) : (real)0; }
#define BY(rule, d) row_update_dot_by(rule, d, r, K, w, s1, s2, c, xp, x)
    if (dot) { return r.rule == RULE_SGD ? BY(RULE_SGD, 1) : r.rule == RULE_MOMENTUM ? BY(RULE_MOMENTUM, 1) : BY(RULE_ADAM, 1); }
    return r.rule == RULE_SGD ? BY(RULE_SGD, 0) : r.rule == RULE_MOMENTUM ? BY(RULE_MOMENTUM, 0) : BY(RULE_ADAM, 0);
#undef BY
}

// Unit j's bias b (its state at s1, s2) by coefficient c, with the bias rule.
inline void update_bias(const Rule rb, global real* b, global real* s1, global real* s2, const real c) {
    *b = update_1(rb.rule, rb, *b, c, s1, s2);
}

inline real coefficient(const Rule r, const real delta) {
    return r.rule == RULE_ADAM ? delta : -r.lr * delta;
}

// Unit j of a hidden layer: its δ from the P partial backward products into the layer
// (part, P rows of n, summed in order) and f'(z); its bias updated by δ's coefficient.
inline real hidden_unit(const int j, const int n, global const real* part, const int P,
                        global const real* Z, global const real* A, const int f, const real alpha,
                        const Rule r, global real* B, global real* S1, global real* S2) {
    real dx = 0;
    for (int p = 0; p < P; ++p) { dx += part[(size_t)p * n + j]; }
    const real d = dx * act_derivative(f, Z[j], A[j], alpha);
    update_bias(bias_rule(r), B + j, S1 + j, S2 + j, coefficient(r, d));
    return d;
}


// The three phases of a step, shared by the per-step kernels and step_chunk (below).

// Row j of a hidden layer of `rows` units (weights from offW, biases from offB, K inputs):
// first, with pending, the update it was left by the step before (rule rp, input xp; its δ
// from the P partial products and the step before's Z and A of this unit, which this item
// alone reads and then overwrites); then, with dot, z_j = w_j·x + b_j and a_j = f(z_j).
STEP_INLINE void forward_row(const int j, const int rows, const int K, const int offW, const int offB,
                             const int f, const real alpha, const int P, const Rule rp, const int pending,
                             const int dot, global real* W, global real* S1, global real* S2,
                             global const real* x, global const real* xp, global real* Z, global real* A,
                             global const real* part) {
    const size_t o = offW + (size_t)j * K;
    const real c = pending ? coefficient(rp, hidden_unit(j, rows, part, P, Z, A, f, alpha, rp, W + offB, S1 + offB, S2 + offB))
                           : (real)0;
    const real s = row_update_dot(rp, K, W + o, S1 + o, S2 + o, pending, c, xp, x, dot);
    if (!dot) { return; }
    const real z = s + W[offB + j];
    Z[j] = z;
    A[j] = act_forward(f, z, alpha);
}

// The output layer on x, by the work-group (item lid of items; every item must call it):
// z (the items share its rows), a (softmax too), the sample's loss, correctness and δ
// (loss.cl's output_row; targets t), each unit's coefficient, and the biases' update by rb.
STEP_INLINE void output_layer(const int lid, const int items, const int units, const int K, const int offW,
                              const int offB, const int f, const real alpha, const int lossKind, const Rule rb,
                              global real* W, global real* S1, global real* S2, global const real* x,
                              global real* Z, global real* A, global real* D, global real* C,
                              global const real* t, const int classes, global real* loss, global real* correct) {
    for (int j = lid; j < units; j += items) {
        const real z = row_dot(K, W + offW + (size_t)j * K, x) + W[offB + j];
        Z[j] = z;
        if (f != ACT_SOFTMAX) { A[j] = act_forward(f, z, alpha); }
    }
    barrier(CLK_GLOBAL_MEM_FENCE);
    if (lid == 0) {
        if (f == ACT_SOFTMAX) { softmax_row(Z, A, units); }
        output_row(units, lossKind, f, alpha, Z, A, t, classes, D, 1, 1, loss, correct);
    }
    barrier(CLK_GLOBAL_MEM_FENCE);
    for (int j = lid; j < units; j += items) {
        const real c = coefficient(rb, D[j]);
        C[j] = c;
        update_bias(rb, W + offB + j, S1 + offB + j, S2 + offB + j, c);
    }
}

// Row block p of P of a layer of `units` on input x: for a hidden layer first its rows' δ
// (the P partial products in part, times f'(z)), coefficients and biases; then for each row
// j, with `out`, the block's partial product into the layer below (out, K values) += δ_j·w_j
// with the weights the forward pass used, and w_j's update by r.
STEP_INLINE void backprop_block(const int p, const int P, const int units, const int K, const int offW,
                                const int offB, const int f, const real alpha, const Rule r, const int hidden,
                                global real* W, global real* S1, global real* S2, global const real* x,
                                global real* Z, global real* A, global real* D, global real* C,
                                global const real* part, global real* out) {
    const int first = (int)((long)units * p / P), last = (int)((long)units * (p + 1) / P);
    if (hidden) {
        for (int j = first; j < last; ++j) {
            const real d = hidden_unit(j, units, part, P, Z, A, f, alpha, r, W + offB, S1 + offB, S2 + offB);
            D[j] = d;
            C[j] = coefficient(r, d);
        }
    }
    if (out) {
        for (int k = 0; k < K; ++k) { out[k] = 0; }
    }
    for (int j = first; j < last; ++j) {
        global real* w = W + offW + (size_t)j * K;
        global real* s1 = S1 + offW + (size_t)j * K;
        global real* s2 = S2 + offW + (size_t)j * K;
        const real d = D[j], c = C[j];
        int k = 0;
        for (; k + SV <= K; k += SV) {
            const float8 v = vload8(0, w + k);
            if (out) { STORE8(fma((float8)d, v, vload8(0, out + k)), out + k); }
            STORE8(update_v(r.rule, r, v, c * vload8(0, x + k), s1 + k, s2 + k), w + k);
        }
        for (; k < K; ++k) {
            const real v = w[k];
            if (out) { out[k] = fma(d, v, out[k]); }
            w[k] = update_1(r.rule, r, v, c * x[k], s1 + k, s2 + k);
        }
    }
}

// The step's scalars travel in three vector arguments where they were some thirty scalars:
// PoCL copies each argument of each launch (a launch of 31 ints cost 1.45× one of four int8s,
// and packing made 784-16-10's step 1.31× as fast; BENCHMARKS.md). Every per-step kernel takes
//   g (int8)   s0 units, s1 K, s2 offW, s3 offB (the biases, in W's buffer), s4 offX (the
//              input in X), s5 the activation f, s6 P, s7 the rule's code;
//   k (float8) the rule's constants k0..k6, then lr;  alpha: f's parameter;
//   e (int8)   the kernel's own (below), e.s0 always offV: layer l's vectors in V, Z, A, D
//              and C (units each), then for a hidden layer its P partial products (P × units).
#define STEP_ARGS const int8 g, const float8 k, const real alpha, const int8 e
#define STEP_RULE make_rule(g.s7, k.s0, k.s1, k.s2, k.s3, k.s4, k.s5, k.s6, k.s7)
#define STEP_VECTORS(n) global real* Z = V + e.s0; global real* A = Z + (n); global real* D = A + (n); \
                        global real* C = D + (n); global real* part = C + (n)

// e: s1 offXP (the pending update's input in XP), s2 dot, s3 pending.
kernel void step_forward(STEP_ARGS, global real* W, global real* S1, global real* S2,
                         global const real* X, global const real* XP, global real* V) {
    const int rows = g.s0;
    const int j = get_global_id(0);
    if (j >= rows) { return; }
    STEP_VECTORS(rows);
    forward_row(j, rows, g.s1, g.s2, g.s3, g.s5, alpha, g.s6, STEP_RULE, e.s3, e.s2, W, S1, S2, X + g.s4,
                XP + e.s1, Z, A, part);
}

// e: s1 the loss's code, s2 offT (the targets in T), s3 classes (T holds class indices),
// s4 offLoss, s5 offCorrect.
kernel void step_output(STEP_ARGS, global real* W, global real* S1, global real* S2,
                        global const real* X, global real* V, global const real* T,
                        global real* loss, global real* correct) {
    const int units = g.s0;
    STEP_VECTORS(units);
    output_layer(get_local_id(0), get_local_size(0), units, g.s1, g.s2, g.s3, g.s5, alpha, e.s1,
                 bias_rule(STEP_RULE), W, S1, S2, X + g.s4, Z, A, D, C, T + e.s2, e.s3, loss + e.s4,
                 correct + e.s5);
}

// e: s1 hidden (δ from the partial products), s2 backward (partial products into the layer
// below, at offset s3 of V).
kernel void step_backprop(STEP_ARGS, global real* W, global real* S1, global real* S2,
                          global const real* X, global real* V) {
    const int units = g.s0, K = g.s1, P = g.s6;
    const int p = get_global_id(0);
    if (p >= P) { return; }
    STEP_VECTORS(units);
    backprop_block(p, P, units, K, g.s2, g.s3, g.s5, alpha, STEP_RULE, e.s1, W, S1, S2, X + g.s4, Z, A, D, C,
                   part, e.s2 ? V + e.s3 + (size_t)p * K : (global real*)0);
}

// Many steps in one launch of one work-group: the same three phases for each sample in turn,
// a work-group barrier between them where the per-step path has a launch boundary. A CPU
// device runs a work-group's items on one of its threads, so this trades the device's other
// cores for the launches (each costs PoCL several µs, BENCHMARKS.md); a GPU would idle all
// its compute units but one, and never takes it (OpenCLStochasticStep).
//   g (int8)  s0 layers, s1 count (steps), s2 first (the position of the first step in the
//             epoch), s3 ordered (the sample of position i is order[offOrder + i], else i),
//             s4 pending (the first layer's update left by the step before this launch; its
//             input at offXP of X), s5 offXP, s6 the rule's code, s7 the input's size;
//   e (int8)  s0 the loss's code, s1 classes (T holds class indices), s2 offT, s3 T's values a
//             sample, s4 offLoss, s5 offCorrect (loss and correctness of position i at i from
//             them), s6 offX (sample i's input at offX + i × input size), s7 offOrder;
//   plan      8 ints a layer: units, K, offW, offB, offV, f, P, f's alpha (its bits);
//   R         8 floats a rule (k0..k6, lr): R[0] the pending update's, R[1 + i] step i's.
kernel void step_chunk(const int8 g, const int8 e, global const int* plan, global const float* R,
                       global real* W, global real* S1, global real* S2, global const real* X, global real* V,
                       global const real* T, global real* loss, global real* correct, global const int* order) {
    const int lid = get_local_id(0), items = get_local_size(0);
    const int out = g.s0 - 1;
    int pending = g.s4;
    global const real* xp = X + g.s5;
#define LAYER(l) global const int* L = plan + 8 * (l);                                         \
    const int units = L[0], K = L[1], offW = L[2], offB = L[3], f = L[5], P = L[6];          \
    const real alpha = as_float(L[7]);                                                        \
    global real* Z = V + L[4]; global real* A = Z + units; global real* D = A + units;       \
    global real* C = D + units; global real* part = C + units
#define RULE_AT(i) make_rule(g.s6, R[8 * (i)], R[8 * (i) + 1], R[8 * (i) + 2], R[8 * (i) + 3], R[8 * (i) + 4], \
                             R[8 * (i) + 5], R[8 * (i) + 6], R[8 * (i) + 7])
    for (int s = 0; s < g.s1; ++s) {
        const int pos = g.s2 + s;
        const int sample = g.s3 ? order[e.s7 + pos] : pos;
        global const real* input = X + e.s6 + (size_t)sample * g.s7;
        const Rule rp = RULE_AT(s), r = RULE_AT(s + 1);
        global const real* x = input;
        for (int l = 0; l < out; ++l) {
            LAYER(l);
            const int first = (int)((long)units * lid / items), last = (int)((long)units * (lid + 1) / items);
            for (int j = first; j < last; ++j) {
                forward_row(j, units, K, offW, offB, f, alpha, P, rp, l == 0 && pending, 1, W, S1, S2, x, xp, Z, A, part);
            }
            barrier(CLK_GLOBAL_MEM_FENCE);
            x = A;
        }
        {
            LAYER(out);
            output_layer(lid, items, units, K, offW, offB, f, alpha, e.s0, bias_rule(r), W, S1, S2, x, Z, A, D, C,
                         T + e.s2 + (size_t)sample * e.s3, e.s1, loss + e.s4 + pos, correct + e.s5 + pos);
            barrier(CLK_GLOBAL_MEM_FENCE);
        }
        for (int l = out; l >= (out > 0 ? 1 : 0); --l) {
            LAYER(l);
            global const real* in = input;
            global real* below = (global real*)0;
            if (l > 0) {
                global const int* B = plan + 8 * (l - 1);
                in = V + B[4] + B[0];
                below = V + B[4] + 4 * B[0];
            }
            for (int p = lid; p < P; p += items) {
                backprop_block(p, P, units, K, offW, offB, f, alpha, r, l < out, W, S1, S2, in, Z, A, D, C, part,
                               below ? below + (size_t)p * K : below);
            }
            barrier(CLK_GLOBAL_MEM_FENCE);
        }
        pending = out > 0;
        xp = input;
    }
#undef LAYER
#undef RULE_AT
}
