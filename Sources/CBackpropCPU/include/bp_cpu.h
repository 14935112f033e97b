// Backprop's CPU kernels: the passes over a weight matrix's rows that the fused stochastic
// step makes (see Sources/Backprop/Training/FusedStochasticStep.swift), Adam's update and the
// products with one side of at most 16 (bp_skinny.c). Each is
// compiled three times (AVX-512, AVX2+FMA, baseline x86-64 or the host's baseline) and the
// first call picks the widest the CPU runs: Swift itself builds for the baseline only.
//
// Matrices are row-major, `ld` floats between rows; a call touches rows [first, last).
#ifndef BP_CPU_H
#define BP_CPU_H

#ifdef __cplusplus
extern "C" {
#endif

/// For each row j in [first, last) of W:
///   if coef:  w_j = scale·w_j + coef[j]·pending        (a rank-1 update left pending)
///   if x:     out[j] = w_j · x                          (after the update)
/// One read (and, with coef, one write) of each row: the update of the previous step and
/// the product of this one share the pass. With `vel` (laid out like W, same ld), the update
/// is classical momentum's instead: vel_j = mu·vel_j + decay·w_j + coef[j]·pending,
/// w_j += vel_j (scale unused).
void bp_rows_update_dot(int first, int last, int cols, float *w, int ld,
                        float scale, const float *coef, const float *pending,
                        const float *x, float *out, float *vel, float mu, float decay);

/// For each row j in [first, last) of W:
///   dx += d[j]·w_j      (with w_j as it was: the backward product Wᵀd)
///   w_j = scale·w_j + coef[j]·x      (with vel: vel_j = mu·vel_j + decay·w_j + coef[j]·x,
///                                      w_j += vel_j)
/// One read and one write of each row for both the backward product and the update.
/// dx (cols floats) is added to, not cleared.
void bp_rows_backprop_update(int first, int last, int cols, float *w, int ld,
                             const float *d, float scale, const float *coef,
                             const float *x, float *dx, float *vel, float mu, float decay);

/// One Adam step over n parameters (the CPU path's update kernel, as CPUKernels.adam states it):
///   m = b1·m + (1−b1)·g;  v = b2·v + (1−b2)·g²;  p = p − lr·wd·p − lr·(m·c1) / (√(v·c2) + eps)
/// with c1, c2 the bias corrections 1/(1−b1^t), 1/(1−b2^t).
void bp_adam(float *p, const float *g, float *m, float *v, int n, float lr, float b1, float b2,
             float eps, float c1, float c2, float wd);

/// One Adam step's constants (as bp_adam takes them): rate, β1, β2, ε, the bias corrections
/// c1 = 1/(1−β1^t), c2 = 1/(1−β2^t), and the decoupled weight decay.
typedef struct { float lr, b1, b2, eps, c1, c2, wd; } bp_adam_step;

/// bp_rows_update_dot with Adam's update: for each row j in [first, last) of W, with m and v
/// (Adam's moments, laid out like W, same ld):
///   if coef:  Adam's step of w_j on the gradient coef[j]·pending (bp_adam's rule)
///   if x:     out[j] = w_j · x                          (after the update)
void bp_rows_update_dot_adam(int first, int last, int cols, float *w, float *m, float *v, int ld,
                             const float *coef, const float *pending, const float *x, float *out,
                             const bp_adam_step *step);

/// bp_rows_backprop_update with Adam's update: for each row j in [first, last) of W:
///   dx += d[j]·w_j      (with w_j as it was)
///   Adam's step of w_j on the gradient coef[j]·x
void bp_rows_backprop_adam(int first, int last, int cols, float *w, float *m, float *v, int ld,
                           const float *d, const float *coef, const float *x, float *dx,
                           const bp_adam_step *step);

/// Products with one side of at most 16 (a network's output layer), row-major as
/// cblas_sgemm(CblasRowMajor, …) takes them, each over a range [first, last) of C's rows or
/// columns so that threads can share one. beta = 0 leaves C unread. `side` is C's other size.
///
/// NT, n ≤ 16: C (m × n) = alpha·A·Bᵀ + beta·C, A m × k, B n × k; rows [first, last), side = n.
void bp_gemm_nt_narrow(int first, int last, int side, int k, float alpha, const float *a, int lda,
                       const float *b, int ldb, float beta, float *c, int ldc);
/// TN, m ≤ 16: C (m × n) = alpha·Aᵀ·B + beta·C, A k × m, B k × n; columns [first, last), side = m.
void bp_gemm_tn_short(int first, int last, int side, int k, float alpha, const float *a, int lda,
                      const float *b, int ldb, float beta, float *c, int ldc);
/// NN, k ≤ 16: C (m × n) = alpha·A·B + beta·C, A m × k, B k × n; rows [first, last), side = n.
void bp_gemm_nn_thin(int first, int last, int side, int k, float alpha, const float *a, int lda,
                     const float *b, int ldb, float beta, float *c, int ldc);

/// Asks the CPU to bring `count` floats from `p` into its caches ahead of use (a shuffled
/// epoch's next sample: a row the hardware prefetcher cannot guess).
void bp_prefetch(const float *p, int count);

/// The instruction set the kernels run with on this thread: "avx512", "avx2" or "baseline"
/// (the widest this CPU has, unless bp_cpu_use_kernel_isa chose another for this thread).
const char *bp_cpu_kernel_isa(void);

/// Whether this CPU runs the AVX-512 subset OpenBLAS's SkylakeX kernels use (F, CD, BW, DQ, VL).
int bp_cpu_has_skylakex_avx512(void);

/// Makes the kernels called from this thread, and from the team runs it starts, run with
/// `isa` ("avx512", "avx2", "baseline"; for tests of each instance; other threads keep theirs);
/// returns 0, changing nothing, when the name is unknown or this CPU lacks it.
int bp_cpu_use_kernel_isa(const char *isa);

#ifdef __cplusplus
}
#endif

#endif

#ifndef BP_CPU_TEAM_H
#define BP_CPU_TEAM_H
#ifdef __cplusplus
extern "C" {
#endif

/// A team of threads that run one function together, again and again, with barriers inside
/// it: the caller is thread 0, the others are started once and wait between runs (spinning
/// briefly, then asleep), so that a run costs a flag write, not a thread start.
typedef struct bp_team bp_team;

/// A team of `threads` (≥ 1; threads − 1 are started). NULL if a thread cannot be started.
bp_team *bp_team_create(int threads);
/// Stops and joins the team's threads and frees it. Not during a run.
void bp_team_destroy(bp_team *team);
int bp_team_size(const bp_team *team);
/// How long a waiting worker spins before it sleeps (in pause instructions; 20,000 unless
/// set, ~0.1–0.5 ms): long for runs microseconds apart, short where other threads (OpenBLAS's)
/// need the cores between runs.
void bp_team_set_idle_spins(bp_team *team, int spins);
/// Sends workers now spinning between runs to sleep at once (before work on other threads,
/// such as a multithreaded BLAS call, that wants every core). The next run wakes them.
void bp_team_rest(bp_team *team);
/// Calls fn(context, t) on every thread t of the team (t = 0 on the caller) and returns when
/// all have returned. Memory written before the call is visible to every thread, and memory
/// any thread wrote is visible to the caller after it.
void bp_team_run(bp_team *team, void (*fn)(void *context, int thread), void *context);
/// Within a run: returns on each thread once every thread has reached it. What any thread
/// wrote before it is visible to all after it.
void bp_team_barrier(bp_team *team);
/// Nanoseconds one barrier of the team takes, the mean over `rounds` in a row (what a thread
/// placement costs the split step; it moves as the OS moves the threads).
double bp_team_barrier_ns(bp_team *team, int rounds);

#ifdef __cplusplus
}
#endif
#endif
