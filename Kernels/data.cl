// data.cl — moving samples into place on the device.

// Gather a mini-batch: dst[r,:] = src[idx[r], :] for r < rows, each buffer X from offX.
// src: N×cols (the epoch's data, uploaded once); dst: rows×cols; idx: int sample indices.
// Global size: rows*cols; consecutive items copy consecutive elements of a row.
kernel void gather_rows(const int rows, const int cols, global const real* src, const int offSrc,
                        global const int* idx, const int offIdx, global real* dst, const int offDst) {
    const int i = get_global_id(0);
    if (i >= rows * cols) { return; }
    const int r = i / cols;
    const int c = i - r * cols;
    dst[offDst + i] = src[offSrc + (size_t)idx[offIdx + r] * cols + c];
}

// out[r*ldo + i*n + j] = x[r*ldx + i] * y[r*ldy + j]: one outer product per row (ldy 0: the
// same y row for all), the rows of a Jacobian block. Global size: rows*m*n, j fastest.
kernel void row_outer_products(const int rows, const int m, const int n, global const real* x, const int offX,
                               const int ldx, global const real* y, const int offY, const int ldy,
                               global real* out, const int offOut, const int ldo) {
    const int g = get_global_id(0);
    if (g >= rows * m * n) { return; }
    const int r = g / (m * n);
    const int rest = g - r * m * n;
    const int i = rest / n;
    const int j = rest - i * n;
    out[offOut + (size_t)r * ldo + rest] = x[offX + (size_t)r * ldx + i] * y[offY + (size_t)r * ldy + j];
}

// Count non-finite values: flags[offFlags] = 1 if any of x[offX, offX + n) is NaN or ±∞
// (the flag is not cleared here). Used to catch divergence without reading parameters back.
kernel void check_finite(const int n, global const real* x, const int offX, global int* flags, const int offFlags) {
    const int i = get_global_id(0);
    if (i >= n) { return; }
    if (!isfinite(x[offX + i])) { flags[offFlags] = 1; }
}

// Does nothing: its launch cost is the floor under every other kernel's (`backprop bench`).
kernel void empty(const int n) {}
