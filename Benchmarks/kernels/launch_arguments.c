// What a kernel's arguments cost a launch on an OpenCL implementation (issue 15: PoCL 3.1
// copies each argument of each launch, which was half of a 784-16-10 fused step). Three
// kernels that do the same trivial work, launched back to back (128 items in groups of 16,
// a wait every 300 launches), alternately: 31 int arguments, the same values in four int8s,
// and nine buffers (distinct, then one buffer nine times).
//
//   cc -O2 -o /tmp/launch-arguments Benchmarks/kernels/launch_arguments.c -lOpenCL
//   /tmp/launch-arguments [PLATFORM]        (the platform's index, default 0: PoCL here)
// The first alternation is a warm-up. Keep the machine otherwise idle.
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static const char *source =
    "kernel void ints(global float* a, int n, int b, int c, int d, int e, int f, int g, int h, int i1, int i2,\n"
    "                 int i3, int i4, int i5, int i6, int i7, int i8, int i9, int j1, int j2, int j3, int j4,\n"
    "                 int j5, int j6, int j7, int j8, int j9, int k1, int k2, int k3, int k4) {\n"
    "    int i = get_global_id(0);\n"
    "    if (i < n) a[i] += b + c + d + e + f + g + h + i1 + i2 + i3 + i4 + i5 + i6 + i7 + i8 + i9 + j1 + j2\n"
    "                       + j3 + j4 + j5 + j6 + j7 + j8 + j9 + k1 + k2 + k3 + k4;\n"
    "}\n"
    "kernel void vectors(global float* a, int8 p, int8 q, int8 r, int8 s) {\n"
    "    int i = get_global_id(0);\n"
    "    if (i < p.s0) a[i] += p.s1 + q.s2 + r.s3 + s.s4;\n"
    "}\n"
    "kernel void buffers(global float* a, global float* b, global float* c, global float* d, global float* e,\n"
    "                    global float* f, global float* g, global float* h, global float* q, int n) {\n"
    "    int i = get_global_id(0);\n"
    "    if (i < n) a[i] += b[i] + c[i] + d[i] + e[i] + f[i] + g[i] + h[i] + q[i];\n"
    "}\n";

#define CHECK(x) do { cl_int s_ = (x); if (s_ != CL_SUCCESS) { fprintf(stderr, "%s: %d\n", #x, s_); exit(1); } } while (0)

int main(int argc, char **argv) {
    cl_uint want = argc > 1 ? (cl_uint)atoi(argv[1]) : 0, count = 0;
    cl_platform_id platforms[8];
    CHECK(clGetPlatformIDs(8, platforms, &count));
    if (want >= count) { fprintf(stderr, "no platform %u (%u found)\n", want, count); return 1; }
    cl_device_id device;
    CHECK(clGetDeviceIDs(platforms[want], CL_DEVICE_TYPE_ALL, 1, &device, NULL));
    char name[256];
    CHECK(clGetDeviceInfo(device, CL_DEVICE_NAME, sizeof name, name, NULL));
    cl_int status;
    cl_context context = clCreateContext(NULL, 1, &device, NULL, NULL, &status);
    CHECK(status);
    cl_command_queue queue = clCreateCommandQueue(context, device, 0, &status);
    CHECK(status);
    cl_program program = clCreateProgramWithSource(context, 1, &source, NULL, &status);
    CHECK(status);
    CHECK(clBuildProgram(program, 1, &device, "", NULL, NULL));
    cl_kernel ints = clCreateKernel(program, "ints", &status);
    CHECK(status);
    cl_kernel vectors = clCreateKernel(program, "vectors", &status);
    CHECK(status);
    cl_kernel buffers = clCreateKernel(program, "buffers", &status);
    CHECK(status);
    cl_mem mem[9];
    for (int i = 0; i < 9; i++) {
        mem[i] = clCreateBuffer(context, CL_MEM_READ_WRITE, 4 * 4096, NULL, &status);
        CHECK(status);
        float zero = 0;
        CHECK(clEnqueueFillBuffer(queue, mem[i], &zero, 4, 0, 4 * 4096, 0, NULL, NULL));
    }
    CHECK(clFinish(queue));
    size_t global = 128, local = 16;
    int n = 128, one = 1;
    cl_int8 packed = {{128, 1, 1, 1, 1, 1, 1, 1}};
    const char *names[] = {"31 int arguments", "4 int8 arguments", "9 distinct buffers", "1 buffer 9 times"};
    printf("%s: µs a launch\n", name);
    for (int round = 0; round < 6; round++) {
        for (int c = 0; c < 4; c++) {
            const int launches = 20000;
            double start = now();
            for (int s = 0; s < launches; s++) {
                cl_kernel k = c == 0 ? ints : c == 1 ? vectors : buffers;
                if (c == 0) {
                    CHECK(clSetKernelArg(k, 0, sizeof(cl_mem), &mem[0]));
                    CHECK(clSetKernelArg(k, 1, sizeof n, &n));
                    for (cl_uint a = 2; a < 31; a++) CHECK(clSetKernelArg(k, a, sizeof one, &one));
                } else if (c == 1) {
                    CHECK(clSetKernelArg(k, 0, sizeof(cl_mem), &mem[0]));
                    for (cl_uint a = 1; a < 5; a++) CHECK(clSetKernelArg(k, a, sizeof packed, &packed));
                } else {
                    for (cl_uint a = 0; a < 9; a++) CHECK(clSetKernelArg(k, a, sizeof(cl_mem), &mem[c == 2 ? a : 0]));
                    CHECK(clSetKernelArg(k, 9, sizeof n, &n));
                }
                CHECK(clEnqueueNDRangeKernel(queue, k, 1, NULL, &global, &local, 0, NULL, NULL));
                if (s % 300 == 299) CHECK(clFinish(queue));
            }
            CHECK(clFinish(queue));
            printf("%s%-20s %6.2f", c ? "  " : "", names[c], (now() - start) / launches * 1e6);
        }
        printf("%s\n", round == 0 ? "   (warm-up)" : "");
    }
    return 0;
}
