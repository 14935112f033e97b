// Why Kernels/stochastic.cl's bias_rule builds a new Rule instead of changing its parameter:
// Mesa's rusticl 22.3 (Debian 12's mesa-opencl-icd, on llvmpipe) applies a change that an
// inline function makes to its by-value struct parameter to the caller's struct as well. The
// kernel below passes r to `changed`, which sets its copy's k0 to 1, and then uses r.k0 (0.5):
// a conforming compiler writes 0.5·2 + 1 = 2; rusticl 22.3 wrote 3 (its caller's k0 became 1)
// when this was written, PoCL 3.1 and oclgrind 21.10 write 2. The fused stochastic step lost
// its weight decay that way on rusticl, which `backprop check`'s parity rows caught.
// Build and run: gcc -o /tmp/bv scripts/rusticl/byval-struct.c -lOpenCL
//   RUSTICL_ENABLE=llvmpipe /tmp/bv rusticl; /tmp/bv Portable
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stdio.h>
#include <string.h>

static const char* source =
    "typedef struct { int kind; float k0, k1; } R;\n"
    "inline R changed(R r) { r.k0 = 1; return r; }\n"
    "inline float use(const R r, const float w) { const R b = changed(r); return r.k0 * w + b.k0; }\n"
    "kernel void k(global float* out, const float k0) {\n"
    "  R r; r.kind = 0; r.k0 = k0; r.k1 = 0; out[get_global_id(0)] = use(r, 2); }\n";

int main(int argc, char** argv) {
    const char* want = argc > 1 ? argv[1] : "";
    cl_platform_id platforms[8];
    cl_uint count = 0;
    clGetPlatformIDs(8, platforms, &count);
    for (cl_uint p = 0; p < count; ++p) {
        char name[256] = "";
        clGetPlatformInfo(platforms[p], CL_PLATFORM_NAME, sizeof name, name, NULL);
        cl_device_id device;
        if (!strstr(name, want) || clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 1, &device, NULL) != CL_SUCCESS) {
            continue;
        }
        cl_context context = clCreateContext(NULL, 1, &device, NULL, NULL, NULL);
        cl_command_queue queue = clCreateCommandQueue(context, device, 0, NULL);
        cl_program program = clCreateProgramWithSource(context, 1, &source, NULL, NULL);
        if (clBuildProgram(program, 1, &device, "-cl-std=CL1.2", NULL, NULL) != CL_SUCCESS) {
            fprintf(stderr, "%s: build failed\n", name);
            return 2;
        }
        cl_kernel kernel = clCreateKernel(program, "k", NULL);
        cl_mem out = clCreateBuffer(context, CL_MEM_READ_WRITE, sizeof(float), NULL, NULL);
        float k0 = 0.5f, result = 0;
        clSetKernelArg(kernel, 0, sizeof out, &out);
        clSetKernelArg(kernel, 1, sizeof k0, &k0);
        size_t one = 1;
        clEnqueueNDRangeKernel(queue, kernel, 1, NULL, &one, &one, 0, NULL, NULL);
        clEnqueueReadBuffer(queue, out, CL_TRUE, 0, sizeof result, &result, 0, NULL, NULL);
        printf("%s: %g (%s)\n", name, result, result == 2 ? "conforming" : "the caller's struct was changed");
        return result == 2 ? 0 : 1;
    }
    fprintf(stderr, "no OpenCL platform matching \"%s\"\n", want);
    return 2;
}
