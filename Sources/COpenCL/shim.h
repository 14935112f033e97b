// OpenCL through the Khronos ICD loader (ocl-icd). We target the 1.2 API: every
// vendor driver implements it, and it keeps clCreateCommandQueue un-deprecated.
#ifndef BACKPROP_COPENCL_SHIM_H
#define BACKPROP_COPENCL_SHIM_H
#define CL_TARGET_OPENCL_VERSION 120
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#include <CL/cl.h>
#endif
