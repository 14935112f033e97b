// common.cl — types and codes shared by every Backprop kernel file.
// The host prepends this file to every program it builds. The activation codes below
// must match Activation.kernelCode (Sources/Backprop/Network/Activation.swift); the loss
// codes live in loss.cl and match Loss.kernelCode.
typedef float real;

// Activation codes (Activation.kernelCode).
#define ACT_IDENTITY 0
#define ACT_SIGMOID  1
#define ACT_TANH     2
#define ACT_RELU     3
#define ACT_LEAKY    4
#define ACT_ELU      5
#define ACT_SOFTPLUS 6
#define ACT_SWISH    7
#define ACT_MISH     8
#define ACT_SOFTMAX  9

// Test only: BACKPROP_TEST_SKEW_GEMM makes the matrix-matrix kernels of both GEMM families
// scale their results by 1 + 2^-10, a wrong answer `backprop check` must catch (its tests
// build with it through BACKPROP_CL_OPTIONS and expect exit status 1).
#ifdef BACKPROP_TEST_SKEW_GEMM
#define GEMM_ALPHA(alpha) ((alpha) * (1 + 0x1p-10f))
#else
#define GEMM_ALPHA(alpha) (alpha)
#endif

// Numerically stable building blocks used by activations and losses.
inline real stable_sigmoid(real z) {
    // exp of a non-positive number never overflows.
    if (z >= 0) { return 1 / (1 + exp(-z)); }
    real e = exp(z);
    return e / (1 + e);
}
inline real stable_softplus(real z) {
    // log(1 + e^z) = max(z, 0) + log1p(e^-|z|)
    return fmax(z, (real)0) + log1p(exp(-fabs(z)));
}
