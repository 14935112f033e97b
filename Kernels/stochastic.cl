// stochastic.cl — the batch-of-one training step (stochastic mode) for SGD, classical
// momentum and Adam in 2H + 1 kernels for H hidden layers (3 for 784-128-10, 5 for
// 784-1024-1024-10; 2 without hidden layers), where the general path takes five or six a
// layer, each weight matrix read once and written once a step. The host side is
// OpenCLStochasticStep. Layer l's weights W are units × K row-major from offW, its biases
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
#define STORE_V(v, p) vstore8(v, 0, p)
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
        vstore8(v, 0, w + o);                                                                  \
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


// The step's scalars travel in three vector arguments where they were some thirty scalars:
// PoCL copies each argument of each launch (a launch of 31 ints cost 1.45× one of four int8s,
// and packing made 784-16-10's step 1.31× as fast; BENCHMARKS.md). Every kernel takes
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
    const int rows = g.s0, K = g.s1, offB = g.s3, f = g.s5, P = g.s6, dot = e.s2, pending = e.s3;
    const int j = get_global_id(0);
    if (j >= rows) { return; }
    STEP_VECTORS(rows);
    const size_t o = g.s2 + (size_t)j * K;
    const Rule r = STEP_RULE;
    // The pending update's coefficient from the step before's Z and A of this unit, which
    // this item alone reads and then overwrites.
    const real c = pending ? coefficient(r, hidden_unit(j, rows, part, P, Z, A, f, alpha, r, W + offB, S1 + offB, S2 + offB))
                           : (real)0;
    const real s = row_update_dot(r, K, W + o, S1 + o, S2 + o, pending, c, XP + e.s1, X + g.s4, dot);
    if (!dot) { return; }
    const real z = s + W[offB + j];
    Z[j] = z;
    A[j] = act_forward(f, z, alpha);
}

// e: s1 the loss's code, s2 offT (the targets in T), s3 classes (T holds class indices),
// s4 offLoss, s5 offCorrect.
kernel void step_output(STEP_ARGS, global real* W, global real* S1, global real* S2,
                        global const real* X, global real* V, global const real* T,
                        global real* loss, global real* correct) {
    const int units = g.s0, K = g.s1, offB = g.s3, f = g.s5;
    STEP_VECTORS(units);
    const int lid = get_local_id(0), items = get_local_size(0);
    for (int j = lid; j < units; j += items) {
        const real z = row_dot(K, W + g.s2 + (size_t)j * K, X + g.s4) + W[offB + j];
        Z[j] = z;
        if (f != ACT_SOFTMAX) { A[j] = act_forward(f, z, alpha); }
    }
    barrier(CLK_GLOBAL_MEM_FENCE);
    if (lid == 0) {
        if (f == ACT_SOFTMAX) { softmax_row(Z, A, units); }
        output_row(units, e.s1, f, alpha, Z, A, T + e.s2, e.s3, D, 1, 1, loss + e.s4, correct + e.s5);
    }
    barrier(CLK_GLOBAL_MEM_FENCE);
    const Rule rb = bias_rule(STEP_RULE);
    for (int j = lid; j < units; j += items) {
        const real c = coefficient(rb, D[j]);
        C[j] = c;
        update_bias(rb, W + offB + j, S1 + offB + j, S2 + offB + j, c);
    }
}

// e: s1 hidden (δ from the partial products), s2 backward (partial products into the layer
// below, at offset s3 of V).
kernel void step_backprop(STEP_ARGS, global real* W, global real* S1, global real* S2,
                          global const real* X, global real* V) {
    const int units = g.s0, K = g.s1, offW = g.s2, offB = g.s3, f = g.s5, P = g.s6;
    const int hidden = e.s1, backward = e.s2;
    const int p = get_global_id(0);
    if (p >= P) { return; }
    STEP_VECTORS(units);
    const int first = (int)((long)units * p / P), last = (int)((long)units * (p + 1) / P);
    const Rule r = STEP_RULE;
    if (hidden) {
        for (int j = first; j < last; ++j) {
            const real d = hidden_unit(j, units, part, P, Z, A, f, alpha, r, W + offB, S1 + offB, S2 + offB);
            D[j] = d;
            C[j] = coefficient(r, d);
        }
    }
    global real* out = V + e.s3 + (size_t)p * K;
    global const real* x = X + g.s4;
    if (backward) {
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
            if (backward) { vstore8(fma((float8)d, v, vload8(0, out + k)), 0, out + k); }
            vstore8(update_v(r.rule, r, v, c * vload8(0, x + k), s1 + k, s2 + k), 0, w + k);
        }
        for (; k < K; ++k) {
            const real v = w[k];
            if (backward) { out[k] = fma(d, v, out[k]); }
            w[k] = update_1(r.rule, r, v, c * x[k], s1 + k, s2 + k);
        }
    }
}
