// Where the fused stochastic step's time goes (issue 15): each of its passes over a weight
// matrix timed alone on one thread, in a loop over the same matrix (as training runs it: the
// matrix stays wherever it fits), against the plain-step passes it replaces, with the bytes
// each moves and the rate it reaches.
//
//   cc -O2 -I Sources/CBackpropCPU/include -o /tmp/profile Benchmarks/kernels/fused_step_profile.c
//      Sources/CBackpropCPU/bp_cpu.c -lm   (then: taskset -c 0 /tmp/profile)
#include "bp_cpu.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static float *randoms(size_t n) {
    float *p = aligned_alloc(64, (n * 4 + 63) / 64 * 64);
    for (size_t i = 0; i < n; i++) p[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    return p;
}

// Seconds per call of `what` on a rows×cols matrix, the median of 7 timings of `reps` calls.
#define TIME(label, bytes, call) do { \
    double best[7]; \
    for (int k = 0; k < 7; k++) { double t0 = now(); for (int r = 0; r < reps; r++) { call; } best[k] = (now() - t0) / reps; } \
    for (int a = 0; a < 7; a++) for (int b = a + 1; b < 7; b++) if (best[b] < best[a]) { double t = best[a]; best[a] = best[b]; best[b] = t; } \
    printf("  %-44s %8.2f µs  %6.1f GB/s\n", label, best[3] * 1e6, (bytes) / best[3] / 1e9); \
} while (0)

static void matrix(int rows, int cols, int reps) {
    float *w = randoms((size_t)rows * cols), *x = randoms(cols), *p = randoms(cols), *c = randoms(rows), *d = randoms(rows);
    float *out = randoms(rows), *dx = randoms(cols);
    for (int j = 0; j < rows; j++) c[j] *= 1e-6f;   // updates small enough to leave the weights finite
    double bytes = 4.0 * rows * cols;
    printf("%d×%d (%.0f KB), %s kernels:\n", rows, cols, bytes / 1024, bp_cpu_kernel_isa());
    TIME("forward product (read)", bytes, bp_rows_update_dot(0, rows, cols, w, cols, 1, NULL, NULL, x, out, NULL, 0, 0));
    TIME("update alone (read + write)", 2 * bytes, bp_rows_update_dot(0, rows, cols, w, cols, 1, c, p, NULL, NULL, NULL, 0, 0));
    TIME("pending update + forward (read + write)", 2 * bytes, bp_rows_update_dot(0, rows, cols, w, cols, 1, c, p, x, out, NULL, 0, 0));
    TIME("backward product + update (read + write)", 2 * bytes, bp_rows_backprop_update(0, rows, cols, w, cols, d, 1, c, x, dx, NULL, 0, 0));
    TIME("half the rows: pending update + forward", bytes, bp_rows_update_dot(0, rows / 2, cols, w, cols, 1, c, p, x, out, NULL, 0, 0));
    free(w); free(x); free(p); free(c); free(d); free(out); free(dx);
}

int main(void) {
    srand(1);
    matrix(128, 784, 20000);    // 784-128-10's first layer
    matrix(10, 128, 200000);    // its output layer
    matrix(1024, 784, 300);     // 784-1024-1024-10's layers
    matrix(1024, 1024, 300);
    matrix(10, 1024, 100000);
    return 0;
}
