// data.cl — moving samples into place on the device.

// Gather a mini-batch: dst[r,:] = src[idx[offIdx + r], :] for r < rows.
// src: N×cols (the epoch's data, uploaded once); dst: rows×cols; idx: int sample indices.
// Global size: rows*cols; consecutive items copy consecutive elements of a row.
kernel void gather_rows(const int rows, const int cols, global const real* src,
                        global const int* idx, const int offIdx, global real* dst) {
    const int i = get_global_id(0);
    if (i >= rows * cols) { return; }
    const int r = i / cols;
    const int c = i - r * cols;
    dst[i] = src[(size_t)idx[offIdx + r] * cols + c];
}

// Count non-finite values: flags[0] = 1 if any of x[0, n) is NaN or ±∞ (flags is not
// cleared here). Used to catch divergence without reading parameters back.
kernel void check_finite(const int n, global const real* x, global int* flags) {
    const int i = get_global_id(0);
    if (i >= n) { return; }
    if (!isfinite(x[i])) { flags[0] = 1; }
}

// Does nothing: its launch cost is the floor under every other kernel's (`backprop bench`).
kernel void empty(const int n) {}
