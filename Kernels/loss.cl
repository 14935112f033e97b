// loss.cl — output deltas and per-sample losses, one kernel for every loss/output pairing.
// Layout: Z, A are the rows×cols output pre-activations and activations. T holds the
// targets: with classes == 0, rows×cols values (row stride cols); with classes != 0, one class
// index per row (as a real: exact up to 2^24), the one-hot row it stands for never stored, so
// that memory follows the samples, not samples × classes (for one output, the index is the
// 0/1 target itself). Each buffer X starts at element offX. One work-item per sample (row):
// output layers are narrow, and a row's softmax needs the whole row anyway.
//
//   kind LOSS_SQUARED   ½‖a−t‖²                 dZ = (a−t) ⊙ f'(z)   (any output f;
//                                                for softmax, dZ_i = a_i (g_i − Σ_j g_j a_j), g = a−t)
//   kind LOSS_SOFTMAX_CE −Σ t log softmax(z)     dZ = a − t           (softmax output)
//   kind LOSS_SIGMOID_BCE Σ −t log a − (1−t) log(1−a)   dZ = a − t    (sigmoid output)
//
// Outputs: dZ = scale·∂loss/∂Z (scale is 1/batch for a batch mean), written when
// writeDelta != 0; loss[r] the sample's loss (unscaled); correct[r] = 1 when
// the prediction matches the target (argmax of a and t; with one output, both ≥ 0.5 or both < 0.5).
#define LOSS_SQUARED     0
#define LOSS_SOFTMAX_CE  1
#define LOSS_SIGMOID_BCE 2

inline int row_argmax(global const real* x, const int cols) {
    int best = 0;
    for (int c = 1; c < cols; ++c) { if (x[c] > x[best]) { best = c; } }
    return best;
}

// Target c of the row: its value, or for class targets 1 at the class and 0 elsewhere.
#define TARGET(c) (cls < 0 ? t[c] : (cols == 1 ? t[0] : ((c) == cls ? (real)1 : (real)0)))

// One sample's delta, loss and correctness: z, a, t its row of Z, A and the targets (t one
// class index when classes != 0), d its row of dZ; the loss and correctness into *loss and
// *correct. The body of output_delta, and of stochastic.cl's step_output.
inline void output_row(const int cols, const int kind, const int f, const real alpha,
                       global const real* z, global const real* a, global const real* t, const int classes,
                       global real* d, const real scale, const int writeDelta,
                       global real* loss, global real* correct) {
    const int cls = classes ? (int)t[0] : -1;
    real l = 0;
    if (kind == LOSS_SOFTMAX_CE) {
        // log softmax from z, never from a: stable for large logits.
        real m = -INFINITY;
        for (int c = 0; c < cols; ++c) { m = fmax(m, z[c]); }
        real s = 0;
        for (int c = 0; c < cols; ++c) { s += exp(z[c] - m); }
        const real lse = m + log(s);
        for (int c = 0; c < cols; ++c) {
            const real tc = TARGET(c);
            if (tc != 0) { l -= tc * (z[c] - lse); }
            if (writeDelta) { d[c] = scale * (a[c] - tc); }
        }
    } else if (kind == LOSS_SIGMOID_BCE) {
        for (int c = 0; c < cols; ++c) {
            // −t log σ(z) − (1−t) log(1−σ(z)) = max(z,0) − z t + log1p(e^−|z|)
            const real tc = TARGET(c);
            l += fmax(z[c], (real)0) - z[c] * tc + log1p(exp(-fabs(z[c])));
            if (writeDelta) { d[c] = scale * (a[c] - tc); }
        }
    } else if (f == ACT_SOFTMAX) {
        real ga = 0;
        for (int c = 0; c < cols; ++c) {
            const real g = a[c] - TARGET(c);
            l += g * g;
            ga += g * a[c];
        }
        l *= (real)0.5;
        if (writeDelta) {
            for (int c = 0; c < cols; ++c) { d[c] = scale * a[c] * ((a[c] - TARGET(c)) - ga); }
        }
    } else {
        for (int c = 0; c < cols; ++c) {
            const real g = a[c] - TARGET(c);
            l += g * g;
            if (writeDelta) { d[c] = scale * g * act_derivative(f, z[c], a[c], alpha); }
        }
        l *= (real)0.5;
    }
    *loss = l;
    int right;
    if (cols == 1) {
        right = (a[0] >= (real)0.5) == (t[0] >= (real)0.5);
    } else {
        right = row_argmax(a, cols) == (cls < 0 ? row_argmax(t, cols) : cls);
    }
    *correct = right ? (real)1 : (real)0;
}

kernel void output_delta(const int rows, const int cols, const int kind,
                         const int f, const real alpha,
                         global const real* Z, const int offZ, global const real* A, const int offA,
                         global const real* T, const int offT, const int classes,
                         global real* dZ, const int offDZ, const real scale, const int writeDelta,
                         global real* loss, const int offLoss, global real* correct, const int offCorrect) {
    const int r = get_global_id(0);
    if (r >= rows) { return; }
    output_row(cols, kind, f, alpha, Z + offZ + (size_t)r * cols, A + offA + (size_t)r * cols,
               T + offT + (size_t)r * (classes ? 1 : cols), classes, dZ + offDZ + (size_t)r * cols, scale, writeDelta,
               loss + offLoss + r, correct + offCorrect + r);
}
