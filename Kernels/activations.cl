// activations.cl — element-wise activations, forward and derivative side by side.
// Layout: row-major B×n matrices (B samples, n units). Z holds pre-activations,
// A the activations. Softmax is row-wise and only used as an output activation.
// Every buffer argument X comes with offX, the element where its data starts, so that
// layers can live in one flat buffer and samples inside the epoch's data.

// f(z); `alpha` is the slope for leaky ReLU and the scale for ELU.
inline real act_forward(int f, real z, real alpha) {
    switch (f) {
    case ACT_SIGMOID:  return stable_sigmoid(z);
    case ACT_TANH:     return tanh(z);
    case ACT_RELU:     return fmax(z, (real)0);
    case ACT_LEAKY:    return z > 0 ? z : alpha * z;
    case ACT_ELU:      return z > 0 ? z : alpha * expm1(z);
    case ACT_SOFTPLUS: return stable_softplus(z);
    case ACT_SWISH:    return z * stable_sigmoid(z);
    case ACT_MISH:     return z * tanh(stable_softplus(z));
    default:           return z;  // ACT_IDENTITY
    }
}

// f'(z), given z and a = f(z) (whichever is cheaper).
inline real act_derivative(int f, real z, real a, real alpha) {
    switch (f) {
    case ACT_SIGMOID:  return a * (1 - a);
    case ACT_TANH:     return 1 - a * a;
    case ACT_RELU:     return z > 0 ? (real)1 : (real)0;
    case ACT_LEAKY:    return z > 0 ? (real)1 : alpha;
    case ACT_ELU:      return z > 0 ? (real)1 : a + alpha;
    case ACT_SOFTPLUS: return stable_sigmoid(z);
    case ACT_SWISH: {
        real s = stable_sigmoid(z);
        return s + z * s * (1 - s);
    }
    case ACT_MISH: {
        real t = tanh(stable_softplus(z));
        return t + z * stable_sigmoid(z) * (1 - t * t);
    }
    default:           return 1;  // ACT_IDENTITY
    }
}

// Forward: Z[r,c] += b[c]; A[r,c] = f(Z[r,c]).   Z, A: rows×cols; b: cols.
// Global size: rows*cols (rounded up to the local size).
kernel void bias_activation(const int rows, const int cols,
                            global real* Z, const int offZ, global const real* b, const int offB,
                            global real* A, const int offA, const int f, const real alpha) {
    const int i = get_global_id(0);
    if (i >= rows * cols) { return; }
    Z += offZ;
    A += offA;
    const real z = Z[i] + b[offB + i % cols];
    Z[i] = z;
    A[i] = act_forward(f, z, alpha);
}

// a = softmax(z) over one row of cols.
inline void softmax_row(global const real* z, global real* a, const int cols) {
    real m = -INFINITY;
    for (int c = 0; c < cols; ++c) { m = fmax(m, z[c]); }
    real s = 0;
    for (int c = 0; c < cols; ++c) {
        const real e = exp(z[c] - m);
        a[c] = e;
        s += e;
    }
    const real inv = 1 / s;
    for (int c = 0; c < cols; ++c) { a[c] *= inv; }
}

// Forward for a softmax output: Z[r,:] += b; A[r,:] = softmax(Z[r,:]).
// One work-item per row; output layers are narrow (classes), so a row fits one item.
kernel void bias_softmax(const int rows, const int cols,
                         global real* Z, const int offZ, global const real* b, const int offB,
                         global real* A, const int offA) {
    const int r = get_global_id(0);
    if (r >= rows) { return; }
    global real* z = Z + offZ + (size_t)r * cols;
    for (int c = 0; c < cols; ++c) { z[c] += b[offB + c]; }
    softmax_row(z, A + offA + (size_t)r * cols, cols);
}

// Backward: dZ = dA ⊙ f'(Z), in place over dA.   dA, Z, A: n elements.
kernel void activation_backward(const int n, global real* dA, const int offDA,
                                global const real* Z, const int offZ, global const real* A, const int offA,
                                const int f, const real alpha) {
    const int i = get_global_id(0);
    if (i >= n) { return; }
    dA[offDA + i] *= act_derivative(f, Z[offZ + i], A[offA + i], alpha);
}

// Bias gradient: db[c] = alpha·Σ_r dZ[r,c] + beta·db[c].   dZ: rows×cols; db: cols.
// One work-item per column; consecutive items read consecutive addresses.
kernel void column_sums(const int rows, const int cols, global const real* dZ, const int offDZ,
                        global real* db, const int offDB, const real alpha, const real beta) {
    const int c = get_global_id(0);
    if (c >= cols) { return; }
    dZ += offDZ;
    real s = 0;
    for (int r = 0; r < rows; ++r) { s += dZ[(size_t)r * cols + c]; }
    db[offDB + c] = alpha * s + (beta == 0 ? (real)0 : beta * db[offDB + c]);
}
