// See include/bp_cpu.h. One portable body per kernel, written with 16-lane vectors (GCC/clang
// vector extensions), instantiated under three instruction sets: with AVX-512 a vector is one
// register, with AVX2 two, with SSE2 four. The first call picks the widest the CPU has.
#include "bp_cpu.h"
#include "bp_isa.h"
#include <stddef.h>
#include <string.h>

// MARK: rows_update_dot

INLINE void update_row(float *row, int cols, float s, float c, const float *p) {
    int i = 0;
    for (; i + 16 <= cols; i += 16) st16(row + i, s * ld16(row + i) + c * ld16(p + i));
    for (; i < cols; i++) row[i] = s * row[i] + c * p[i];
}

INLINE float dot_row(const float *row, int cols, const float *x) {
    v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    int i = 0;
    for (; i + 64 <= cols; i += 64) {
        a0 += ld16(row + i) * ld16(x + i);
        a1 += ld16(row + i + 16) * ld16(x + i + 16);
        a2 += ld16(row + i + 32) * ld16(x + i + 32);
        a3 += ld16(row + i + 48) * ld16(x + i + 48);
    }
    for (; i + 16 <= cols; i += 16) a0 += ld16(row + i) * ld16(x + i);
    float t;
    HSUM((a0 + a1) + (a2 + a3), t);
    for (; i < cols; i++) t += row[i] * x[i];
    return t;
}

INLINE float update_dot_row(float *row, int cols, float s, float c, const float *p, const float *x) {
    v16 a0 = {0}, a1 = {0};
    int i = 0;
    for (; i + 32 <= cols; i += 32) {
        v16 w0 = s * ld16(row + i) + c * ld16(p + i);
        v16 w1 = s * ld16(row + i + 16) + c * ld16(p + i + 16);
        st16(row + i, w0);
        st16(row + i + 16, w1);
        a0 += w0 * ld16(x + i);
        a1 += w1 * ld16(x + i + 16);
    }
    for (; i + 16 <= cols; i += 16) {
        v16 w0 = s * ld16(row + i) + c * ld16(p + i);
        st16(row + i, w0);
        a0 += w0 * ld16(x + i);
    }
    float t;
    HSUM(a0 + a1, t);
    for (; i < cols; i++) {
        float v = s * row[i] + c * p[i];
        row[i] = v;
        t += v * x[i];
    }
    return t;
}

// Classical momentum's update of a row: vel = μ·vel + decay·w + c·p; w += vel. With `x`, the
// updated row's product with x.
INLINE float momentum_row(float *row, float *vel, int cols, float mu, float decay, float c, const float *p,
                          const float *x) {
    v16 a0 = {0};
    int i = 0;
    for (; i + 16 <= cols; i += 16) {
        v16 wv = ld16(row + i);
        v16 vv = mu * ld16(vel + i) + decay * wv + c * ld16(p + i);
        st16(vel + i, vv);
        wv += vv;
        st16(row + i, wv);
        if (x) a0 += wv * ld16(x + i);
    }
    float t;
    HSUM(a0, t);
    for (; i < cols; i++) {
        float vv = mu * vel[i] + decay * row[i] + c * p[i];
        vel[i] = vv;
        row[i] += vv;
        if (x) t += row[i] * x[i];
    }
    return t;
}

INLINE void update_dot_body(int first, int last, int cols, float *w, int ld, float scale,
                            const float *coef, const float *pending, const float *x, float *out,
                            float *vel, float mu, float decay) {
    for (int j = first; j < last; j++) {
        float *row = w + (size_t)j * (size_t)ld;
        if (coef && vel) {
            float t = momentum_row(row, vel + (size_t)j * (size_t)ld, cols, mu, decay, coef[j], pending, x);
            if (x) out[j] = t;
        }
        else if (coef && x) out[j] = update_dot_row(row, cols, scale, coef[j], pending, x);
        else if (coef) update_row(row, cols, scale, coef[j], pending);
        else if (x) out[j] = dot_row(row, cols, x);
    }
}

// MARK: rows_backprop_update

INLINE void backprop_update_body(int first, int last, int cols, float *w, int ld, const float *d,
                                 float s, const float *coef, const float *x, float *dx,
                                 float *vel, float mu, float decay) {
    if (vel) {
        for (int j = first; j < last; j++) {
            float *r = w + (size_t)j * (size_t)ld, *vr = vel + (size_t)j * (size_t)ld;
            float dj = d[j], cj = coef[j];
            int i = 0;
            for (; i + 16 <= cols; i += 16) {
                v16 wv = ld16(r + i);
                st16(dx + i, ld16(dx + i) + dj * wv);
                v16 vv = mu * ld16(vr + i) + decay * wv + cj * ld16(x + i);
                st16(vr + i, vv);
                st16(r + i, wv + vv);
            }
            for (; i < cols; i++) {
                float wv = r[i];
                dx[i] += dj * wv;
                float vv = mu * vr[i] + decay * wv + cj * x[i];
                vr[i] = vv;
                r[i] = wv + vv;
            }
        }
        return;
    }
    int j = first;
    // Four rows at a time, so that dx is read and written once for four rows of W.
    for (; j + 4 <= last; j += 4) {
        float *r0 = w + (size_t)j * (size_t)ld, *r1 = r0 + ld, *r2 = r1 + ld, *r3 = r2 + ld;
        float d0 = d[j], d1 = d[j + 1], d2 = d[j + 2], d3 = d[j + 3];
        float c0 = coef[j], c1 = coef[j + 1], c2 = coef[j + 2], c3 = coef[j + 3];
        int i = 0;
        for (; i + 16 <= cols; i += 16) {
            v16 xv = ld16(x + i);
            v16 w0 = ld16(r0 + i), w1 = ld16(r1 + i), w2 = ld16(r2 + i), w3 = ld16(r3 + i);
            st16(dx + i, ld16(dx + i) + ((d0 * w0 + d1 * w1) + (d2 * w2 + d3 * w3)));
            st16(r0 + i, s * w0 + c0 * xv);
            st16(r1 + i, s * w1 + c1 * xv);
            st16(r2 + i, s * w2 + c2 * xv);
            st16(r3 + i, s * w3 + c3 * xv);
        }
        for (; i < cols; i++) {
            float w0 = r0[i], w1 = r1[i], w2 = r2[i], w3 = r3[i], xv = x[i];
            dx[i] += (d0 * w0 + d1 * w1) + (d2 * w2 + d3 * w3);
            r0[i] = s * w0 + c0 * xv;
            r1[i] = s * w1 + c1 * xv;
            r2[i] = s * w2 + c2 * xv;
            r3[i] = s * w3 + c3 * xv;
        }
    }
    for (; j < last; j++) {
        float *r = w + (size_t)j * (size_t)ld;
        float dj = d[j], cj = coef[j];
        int i = 0;
        for (; i + 16 <= cols; i += 16) {
            v16 wv = ld16(r + i);
            st16(dx + i, ld16(dx + i) + dj * wv);
            st16(r + i, s * wv + cj * ld16(x + i));
        }
        for (; i < cols; i++) {
            float wv = r[i];
            dx[i] += dj * wv;
            r[i] = s * wv + cj * x[i];
        }
    }
}

void bp_prefetch(const float *p, int count) {
    for (int i = 0; i < count; i += 16) __builtin_prefetch(p + i, 0, 3);
    if (count > 0) __builtin_prefetch(p + count - 1, 0, 3);
}

// MARK: Adam

#if defined(__clang__) && __has_builtin(__builtin_elementwise_sqrt)
#define SQRT16(x) __builtin_elementwise_sqrt(x)
#else
#define SQRT16(x) ({ v16 s_ = (x); for (int k_ = 0; k_ < 16; k_++) s_[k_] = __builtin_sqrtf(s_[k_]); s_; })
#endif

// One Adam step of w[i] on the gradient c·p[i] (AdamW's decoupled decay): the moments m, v
// beside the row.
#define ADAM_ELEMENT(w, m, v, g, st, lwd, a1, a2) do {                                          \
        const float g_ = (g);                                                                   \
        const float m_ = (st)->b1 * (m) + (a1) * g_;                                            \
        const float v_ = (st)->b2 * (v) + (a2) * g_ * g_;                                       \
        (m) = m_;                                                                               \
        (v) = v_;                                                                               \
        const float w_ = (w) - (lwd) * (w);                                                     \
        (w) = w_ - (st)->lr * (m_ * (st)->c1) / (__builtin_sqrtf(v_ * (st)->c2) + (st)->eps);   \
    } while (0)

// Row j's Adam update on gradient coef·p (then, with x, its product with x); m and v rows
// beside w's.
INLINE float adam_row(float *row, float *mr, float *vr, int cols, float c, const float *p, const float *x,
                      const bp_adam_step *st) {
    const float a1 = 1 - st->b1, a2 = 1 - st->b2, lwd = st->lr * st->wd, lr = st->lr, c1 = st->c1, c2 = st->c2;
    const float eps = st->eps, b1 = st->b1, b2 = st->b2;
    v16 acc = {0};
    int i = 0;
    for (; i + 16 <= cols; i += 16) {
        v16 g = c * ld16(p + i);
        v16 m = b1 * ld16(mr + i) + a1 * g;
        v16 v = b2 * ld16(vr + i) + a2 * g * g;
        st16(mr + i, m);
        st16(vr + i, v);
        v16 w = ld16(row + i);
        w = w - lwd * w;
        w = w - lr * (m * c1) / (SQRT16(v * c2) + eps);
        st16(row + i, w);
        if (x) acc += w * ld16(x + i);
    }
    float t;
    HSUM(acc, t);
    for (; i < cols; i++) {
        ADAM_ELEMENT(row[i], mr[i], vr[i], c * p[i], st, lwd, a1, a2);
        if (x) t += row[i] * x[i];
    }
    return t;
}

// One Adam step over n parameters (bp_adam): adam_row on the gradient 1·g (exact), with no
// product.
INLINE void adam_body(float *p, const float *g, float *m, float *v, int n, float lr, float b1, float b2,
                      float eps, float c1, float c2, float wd) {
    const bp_adam_step st = { lr, b1, b2, eps, c1, c2, wd };
    adam_row(p, m, v, n, 1, g, NULL, &st);
}

INLINE void adam_update_dot_body(int first, int last, int cols, float *w, float *m, float *v, int ld,
                                 const float *coef, const float *pending, const float *x, float *out,
                                 const bp_adam_step *st) {
    for (int j = first; j < last; j++) {
        const size_t o = (size_t)j * (size_t)ld;
        if (coef) {
            float t = adam_row(w + o, m + o, v + o, cols, coef[j], pending, x, st);
            if (x) out[j] = t;
        } else if (x) {
            out[j] = dot_row(w + o, cols, x);
        }
    }
}

INLINE void adam_backprop_body(int first, int last, int cols, float *w, float *m, float *v, int ld,
                               const float *d, const float *coef, const float *x, float *dx,
                               const bp_adam_step *st) {
    for (int j = first; j < last; j++) {
        const size_t o = (size_t)j * (size_t)ld;
        const float dj = d[j];
        int i = 0;
        // Wᵀd with the row as the forward pass saw it, 16 lanes at a time before the update.
        for (; i + 16 <= cols; i += 16) st16(dx + i, ld16(dx + i) + dj * ld16(w + o + i));
        for (; i < cols; i++) dx[i] += dj * w[o + i];
        adam_row(w + o, m + o, v + o, cols, coef[j], x, NULL, st);
    }
}

// MARK: Instances and dispatch

#define UPDATE_DOT_ARGS int first, int last, int cols, float *w, int ld, float scale, \
                        const float *coef, const float *pending, const float *x, float *out, \
                        float *vel, float mu, float decay
#define UPDATE_DOT_PASS first, last, cols, w, ld, scale, coef, pending, x, out, vel, mu, decay
#define BACKPROP_ARGS int first, int last, int cols, float *w, int ld, const float *d, \
                      float scale, const float *coef, const float *x, float *dx, \
                      float *vel, float mu, float decay
#define BACKPROP_PASS first, last, cols, w, ld, d, scale, coef, x, dx, vel, mu, decay

#define ADAM_ARGS float *p, const float *g, float *m, float *v, int n, float lr, float b1, float b2, \
                  float eps, float c1, float c2, float wd
#define ADAM_PASS p, g, m, v, n, lr, b1, b2, eps, c1, c2, wd
#define ADAM_DOT_ARGS int first, int last, int cols, float *w, float *m, float *v, int ld, const float *coef, \
                      const float *pending, const float *x, float *out, const bp_adam_step *st
#define ADAM_DOT_PASS first, last, cols, w, m, v, ld, coef, pending, x, out, st
#define ADAM_BACKPROP_ARGS int first, int last, int cols, float *w, float *m, float *v, int ld, const float *d, \
                           const float *coef, const float *x, float *dx, const bp_adam_step *st
#define ADAM_BACKPROP_PASS first, last, cols, w, m, v, ld, d, coef, x, dx, st

// 1: baseline; 2: AVX2+FMA; 3: AVX-512.
static int widest_isa(void) {
    int v = 1;
#ifdef BP_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")) v = 3;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) v = 2;
#endif
    return v;
}

static int isa_in_use = 0;   // 0: not chosen yet
// A thread's own choice (bp_cpu_use_kernel_isa; 0: none), handed to a team's workers for
// the runs it starts (bp_team_run), so that tests of one instance leave the others' alone.
static _Thread_local int isa_override = 0;

int bp_isa_override(void) { return isa_override; }
void bp_isa_set_override(int level) { isa_override = level; }

int bp_isa_level(void) {
    if (isa_override) return isa_override;
    int v = __atomic_load_n(&isa_in_use, __ATOMIC_RELAXED);
    if (v) return v;
    v = widest_isa();
    __atomic_store_n(&isa_in_use, v, __ATOMIC_RELAXED);
    return v;
}

int bp_cpu_has_skylakex_avx512(void) {
#ifdef BP_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}

int bp_cpu_use_kernel_isa(const char *isa) {
    int v = 0;
    if (!strcmp(isa, "avx512")) v = 3;
    else if (!strcmp(isa, "avx2")) v = 2;
    else if (!strcmp(isa, "baseline")) v = 1;
    if (v == 0 || v > widest_isa()) return 0;
    isa_override = v;
    return 1;
}

const char *bp_cpu_kernel_isa(void) {
    switch (bp_isa_level()) {
    case 3: return "avx512";
    case 2: return "avx2";
    default: return "baseline";
    }
}

DISPATCHED(rows_update_dot, update_dot_body, UPDATE_DOT_ARGS, UPDATE_DOT_PASS)
DISPATCHED(rows_backprop_update, backprop_update_body, BACKPROP_ARGS, BACKPROP_PASS)
DISPATCHED(adam, adam_body, ADAM_ARGS, ADAM_PASS)
DISPATCHED(rows_update_dot_adam, adam_update_dot_body, ADAM_DOT_ARGS, ADAM_DOT_PASS)
DISPATCHED(rows_backprop_adam, adam_backprop_body, ADAM_BACKPROP_ARGS, ADAM_BACKPROP_PASS)
