// Why `backprop check`'s parity section runs under oclgrind without --uninitialized
// (scripts/test-opencl-implementations.sh): Oclgrind 21.10's uninitialised-value tracking
// loses host-side transfers. A kernel doubles a 128-float buffer that the host has fully
// initialised in one of three ways; every read is of initialised memory, so a correct
// tracker reports nothing:
//   whole   one clEnqueueWriteBuffer of the whole buffer          → 0 reports
//   halves  two clEnqueueWriteBuffer, offset 0 and offset 256 B   → reports (the 2nd half at least)
//   fill    one clEnqueueFillBuffer of the whole buffer           → 128 reports
// Build and run: gcc -o /tmp/ut scripts/oclgrind/uninitialized-transfers.c -lOpenCL
//   for m in whole halves fill; do oclgrind --uninitialized --log /tmp/ut-$m.log /tmp/ut $m;
//   echo "$m $(grep -c '^Uninitialized' /tmp/ut-$m.log)"; done
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stdio.h>
#include <string.h>

static const char* source =
    "kernel void twice(global const float* a, global float* b) {"
    "  const int i = get_global_id(0); b[i] = 2 * a[i]; }";

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "whole";
    cl_platform_id platform;
    cl_device_id device;
    if (clGetPlatformIDs(1, &platform, NULL) != CL_SUCCESS ||
        clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &device, NULL) != CL_SUCCESS) {
        fprintf(stderr, "no OpenCL device\n");
        return 2;
    }
    cl_context context = clCreateContext(NULL, 1, &device, NULL, NULL, NULL);
    cl_command_queue queue = clCreateCommandQueue(context, device, 0, NULL);
    cl_program program = clCreateProgramWithSource(context, 1, &source, NULL, NULL);
    clBuildProgram(program, 1, &device, "", NULL, NULL);
    cl_kernel kernel = clCreateKernel(program, "twice", NULL);
    float host[128];
    for (int i = 0; i < 128; ++i) { host[i] = (float)i; }
    cl_mem a = clCreateBuffer(context, CL_MEM_READ_WRITE, sizeof host, NULL, NULL);
    cl_mem b = clCreateBuffer(context, CL_MEM_READ_WRITE, sizeof host, NULL, NULL);
    if (strcmp(mode, "halves") == 0) {
        clEnqueueWriteBuffer(queue, a, CL_TRUE, 0, sizeof host / 2, host, 0, NULL, NULL);
        clEnqueueWriteBuffer(queue, a, CL_TRUE, sizeof host / 2, sizeof host / 2, host + 64, 0, NULL, NULL);
    } else if (strcmp(mode, "fill") == 0) {
        const float one = 1;
        clEnqueueFillBuffer(queue, a, &one, sizeof one, 0, sizeof host, 0, NULL, NULL);
    } else {
        clEnqueueWriteBuffer(queue, a, CL_TRUE, 0, sizeof host, host, 0, NULL, NULL);
    }
    clSetKernelArg(kernel, 0, sizeof a, &a);
    clSetKernelArg(kernel, 1, sizeof b, &b);
    const size_t global = 128;
    clEnqueueNDRangeKernel(queue, kernel, 1, NULL, &global, NULL, 0, NULL, NULL);
    clFinish(queue);
    printf("%s: done\n", mode);
    return 0;
}
