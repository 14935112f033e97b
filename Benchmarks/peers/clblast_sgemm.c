// clblast_sgemm.c — CLBlast's SGEMM on an OpenCL device next to OpenBLAS, in one process,
// on the products Backprop's tuner uses (1024³ and a 784-1024-10 network's, batch 256).
//
//   cc -O2 -o clblast_sgemm clblast_sgemm.c -lclblast -lOpenCL -lopenblas
//   ./clblast_sgemm [tuning.json ...]
//
// Each tuning.json is a file written by a CLBlast tuner (clblast_tuner_xgemm, …): its
// best parameters are installed with CLBlastOverrideParameters before measuring, so the
// same program reports CLBlast untuned (no files) and tuned. Row-major, contiguous
// operands, alpha 1, beta 0; each rate is the fastest of 5 timings of a batch of products
// lasting about 0.2 s, the OpenCL batch ended by clFinish. OpenBLAS is timed right after
// CLBlast on each shape; the ratio is what to compare across runs on a shared machine.
// A result is checked against OpenBLAS before it is timed. Not part of the package.
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <cblas.h>
#include <clblast_c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define CHECK(x) do { long e_ = (long)(x); if (e_) { fprintf(stderr, "%s failed: %ld\n", #x, e_); exit(1); } } while (0)

// Installs the "best_parameters" of a CLBlast tuner's JSON file for its kernel.
static void override(cl_device_id device, const char* path) {
    FILE* f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    char family[64] = "", params[4096] = "";
    char* p = strstr(text, "\"kernel_family\"");
    if (p) sscanf(strchr(p + 15, '"') + 1, "%63[^\"]", family);
    p = strstr(text, "\"best_parameters\"");
    if (p) sscanf(strchr(p + 17, '"') + 1, "%4095[^\"]", params);
    // kernel_family → kernel name, as CLBlast's database names them.
    const char* kernel = strncmp(family, "xgemm_direct", 12) == 0 ? "XgemmDirect"
        : strncmp(family, "xgemm", 5) == 0 ? "Xgemm"
        : strcmp(family, "copy") == 0 ? "Copy" : strcmp(family, "pad") == 0 ? "Pad"
        : strcmp(family, "transpose") == 0 ? "Transpose" : strcmp(family, "padtranspose") == 0 ? "Padtranspose"
        : strncmp(family, "gemm_routine", 12) == 0 ? "GemmRoutine" : NULL;
    if (!kernel || !params[0]) { fprintf(stderr, "%s: no kernel family or parameters\n", path); exit(1); }
    const char* names[64];
    size_t values[64], count = 0;
    for (char* tok = strtok(params, " "); tok && count < 64; tok = strtok(NULL, " ")) {
        char* eq = strchr(tok, '=');
        if (!eq) continue;
        *eq = 0;
        // "PRECISION" is the tuner's record of the precision, not a kernel parameter.
        if (strcmp(tok, "PRECISION") == 0) continue;
        names[count] = tok;
        values[count++] = strtoul(eq + 1, NULL, 10);
    }
    CHECK(CLBlastOverrideParameters(device, kernel, CLBlastPrecisionSingle, count, names, values));
    printf("override %s from %s (%zu parameters)\n", kernel, path, count);
}

typedef struct { const char* name; int ta, tb, m, n, k; } Shape;

int main(int argc, char** argv) {
    cl_platform_id platform;
    cl_device_id device;
    CHECK(clGetPlatformIDs(1, &platform, NULL));
    CHECK(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &device, NULL));
    char name[256];
    clGetDeviceInfo(device, CL_DEVICE_NAME, sizeof name, name, NULL);
    cl_int err;
    cl_context context = clCreateContext(NULL, 1, &device, NULL, NULL, &err);
    CHECK(err);
    cl_command_queue queue = clCreateCommandQueue(context, device, 0, &err);
    CHECK(err);
    for (int i = 1; i < argc; ++i) override(device, argv[i]);
    printf("CLBlast on %s, %s\n", name, argc > 1 ? "tuned (overrides above)" : "untuned (its defaults)");
    printf("shape              CLBlast  OpenBLAS  ratio  (GFLOP/s)\n");

    const Shape shapes[] = {
        {"NN 1024³", 0, 0, 1024, 1024, 1024}, {"NT 1024³", 0, 1, 1024, 1024, 1024}, {"TN 1024³", 1, 0, 1024, 1024, 1024},
        {"NT 256×1024×784", 0, 1, 256, 1024, 784}, {"NT 256×10×1024", 0, 1, 256, 10, 1024},
        {"TN 1024×784×256", 1, 0, 1024, 784, 256}, {"TN 10×1024×256", 1, 0, 10, 1024, 256},
        {"NN 256×784×1024", 0, 0, 256, 784, 1024}, {"NN 256×1024×10", 0, 0, 256, 1024, 10},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s) {
        const Shape sh = shapes[s];
        const int lda = sh.ta ? sh.m : sh.k, ldb = sh.tb ? sh.k : sh.n, ldc = sh.n;
        const size_t na = (size_t)sh.m * sh.k, nb = (size_t)sh.k * sh.n, nc = (size_t)sh.m * sh.n;
        float *a = malloc(na * 4), *b = malloc(nb * 4), *c = malloc(nc * 4), *r = malloc(nc * 4);
        srand(1);
        for (size_t i = 0; i < na; ++i) a[i] = rand() / (float)RAND_MAX * 2 - 1;
        for (size_t i = 0; i < nb; ++i) b[i] = rand() / (float)RAND_MAX * 2 - 1;
        cl_mem da = clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, na * 4, a, &err);
        cl_mem db = clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, nb * 4, b, &err);
        cl_mem dc = clCreateBuffer(context, CL_MEM_READ_WRITE, nc * 4, NULL, &err);
        const CLBlastTranspose ta = sh.ta ? CLBlastTransposeYes : CLBlastTransposeNo;
        const CLBlastTranspose tb = sh.tb ? CLBlastTransposeYes : CLBlastTransposeNo;
        #define CLB() CHECK(CLBlastSgemm(CLBlastLayoutRowMajor, ta, tb, sh.m, sh.n, sh.k, 1, da, 0, lda, db, 0, ldb, \
                                         0, dc, 0, ldc, &queue, NULL))
        #define BLAS() cblas_sgemm(CblasRowMajor, sh.ta ? CblasTrans : CblasNoTrans, sh.tb ? CblasTrans : CblasNoTrans, \
                                   sh.m, sh.n, sh.k, 1, a, lda, b, ldb, 0, r, ldc)
        CLB();  // compiles CLBlast's kernels for this shape
        CHECK(clFinish(queue));
        CHECK(clEnqueueReadBuffer(queue, dc, CL_TRUE, 0, nc * 4, c, 0, NULL, NULL));
        BLAS();
        for (size_t i = 0; i < nc; ++i) {
            if (!(fabsf(c[i] - r[i]) <= 1e-3f * sqrtf(sh.k))) { fprintf(stderr, "%s: wrong result\n", sh.name); exit(1); }
        }
        double rates[2];
        for (int which = 0; which < 2; ++which) {
            double t0 = now();
            if (which) { BLAS(); } else { CLB(); CHECK(clFinish(queue)); }
            int inner = (int)(0.2 / (now() - t0)) + 1;
            double best = 1e30;
            for (int rep = 0; rep < 5; ++rep) {
                t0 = now();
                for (int i = 0; i < inner; ++i) { if (which) BLAS(); else CLB(); }
                if (!which) CHECK(clFinish(queue));
                double t = (now() - t0) / inner;
                if (t < best) best = t;
            }
            rates[which] = 2.0 * sh.m * sh.n * sh.k / best / 1e9;
        }
        int width = 0;  // characters, not bytes: the names hold ³ and ×
        for (const char* c = sh.name; *c; ++c) width += (*c & 0xC0) != 0x80;
        printf("%s%*s %7.1f %9.1f %6.2f\n", sh.name, 18 - width, "", rates[0], rates[1], rates[0] / rates[1]);
        fflush(stdout);
        clReleaseMemObject(da); clReleaseMemObject(db); clReleaseMemObject(dc);
        free(a); free(b); free(c); free(r);
    }
    return 0;
}
