// The five large products of a 784,1024,1024,10 mini-batch step (forward, input gradient,
// weight gradients; the output layer's skinny ones left out) on two threads, split four ways
// (issue 15): by OpenBLAS's own threads, or as one single-threaded cblas_sgemm a thread on
// its block of C, cut by rows, by columns, or along C's longer side. Prints the step's time,
// each product's, and the samples a second that makes. Run it beside Benchmarks/pingpong.c:
// OpenBLAS's threads lost ~17% when the hypervisor placed the two cores far apart, rows of C
// ~6% (BENCHMARKS.md, "Every splittable product on the team").
//
//   cc -O2 -o /tmp/team_split Benchmarks/kernels/team_split.c -lopenblas -lpthread
//   /tmp/team_split MODE [STEPS] [BATCH]   MODE 0 OpenBLAS's threads, 1 longer side, 2 rows, 3 columns
#include <cblas.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

void openblas_set_num_threads(int);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *filled(size_t n) {
    float *f = malloc(n * sizeof *f);
    if (!f) { fprintf(stderr, "team_split: out of memory\n"); exit(1); }
    for (size_t i = 0; i < n; i++) f[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    return f;
}

typedef struct { int ta, tb, m, n, k; const float *a; int lda; const float *b; int ldb; float *c; int ldc; } product;

static void run(product g) {
    cblas_sgemm(CblasRowMajor, g.ta ? CblasTrans : CblasNoTrans, g.tb ? CblasTrans : CblasNoTrans, g.m, g.n, g.k,
                1, g.a, g.lda, g.b, g.ldb, 0, g.c, g.ldc);
}

static int mode;

// Half `half` (0 or 1) of g, cut at a multiple of 16.
static product half_of(product g, int half) {
    product p = g;
    int rows = mode == 2 || (mode == 1 && g.m >= g.n);
    int count = rows ? g.m : g.n, cut = (count / 2 + 8) / 16 * 16;
    int from = half ? cut : 0, to = half ? count : cut;
    if (rows) {
        p.m = to - from;
        p.a = g.ta ? g.a + from : g.a + (size_t)from * g.lda;
        p.c = g.c + (size_t)from * g.ldc;
    } else {
        p.n = to - from;
        p.b = g.tb ? g.b + (size_t)from * g.ldb : g.b + from;
        p.c = g.c + from;
    }
    return p;
}

// The second thread spins for work: a product's second half each time `go` moves.
static product job;
static volatile int go, done;

static void *worker(void *unused) {
    (void)unused;
    for (int seen = 0;;) {
        while (__atomic_load_n(&go, __ATOMIC_ACQUIRE) == seen) {}
        seen = go;
        run(half_of(job, 1));
        __atomic_add_fetch(&done, 1, __ATOMIC_RELEASE);
    }
    return NULL;
}

static void gemm(product g) {
    if (mode == 0) { run(g); return; }
    job = g;
    int before = done;
    __atomic_add_fetch(&go, 1, __ATOMIC_RELEASE);
    run(half_of(g, 0));
    while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) == before) {}
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: team_split MODE [STEPS] [BATCH]\n"); return 64; }
    mode = atoi(argv[1]);
    int steps = argc > 2 ? atoi(argv[2]) : 50, B = argc > 3 ? atoi(argv[3]) : 256;
    if (mode < 0 || mode > 3 || steps < 1 || B < 32) { fprintf(stderr, "team_split: bad arguments\n"); return 64; }
    if (mode) {
        openblas_set_num_threads(1);
        pthread_t t;
        if (pthread_create(&t, NULL, worker, NULL) != 0) { fprintf(stderr, "team_split: no thread\n"); return 1; }
    }
    float *X = filled((size_t)B * 784), *W1 = filled(1024 * 784), *W2 = filled(1024 * 1024);
    float *Z1 = filled((size_t)B * 1024), *Z2 = filled((size_t)B * 1024), *D2 = filled((size_t)B * 1024);
    float *D1 = filled((size_t)B * 1024), *G1 = filled(1024 * 784), *G2 = filled(1024 * 1024);
    double t[6] = {0};
    for (int it = 0; it < steps + 5; it++) {
        double t0 = now();
        gemm((product){0, 1, B, 1024, 784, X, 784, W1, 784, Z1, 1024});
        double t1 = now();
        gemm((product){0, 1, B, 1024, 1024, Z1, 1024, W2, 1024, Z2, 1024});
        double t2 = now();
        gemm((product){0, 0, B, 1024, 1024, D2, 1024, W2, 1024, D1, 1024});
        double t3 = now();
        gemm((product){1, 0, 1024, 1024, B, D2, 1024, Z1, 1024, G2, 1024});
        double t4 = now();
        gemm((product){1, 0, 1024, 784, B, D1, 1024, X, 784, G1, 784});
        double t5 = now();
        if (it >= 5) {  // the first steps warm the caches and OpenBLAS's buffers
            t[0] += t1 - t0; t[1] += t2 - t1; t[2] += t3 - t2; t[3] += t4 - t3; t[4] += t5 - t4; t[5] += t5 - t0;
        }
    }
    printf("mode=%d step %.3f ms parts(us): %.0f %.0f %.0f %.0f %.0f  samples/s %.0f\n", mode, t[5] / steps * 1e3,
           t[0] / steps * 1e6, t[1] / steps * 1e6, t[2] / steps * 1e6, t[3] / steps * 1e6, t[4] / steps * 1e6,
           B * steps / t[5]);
    fflush(stdout);
    _exit(0);  // the spinning worker is never joined
}
