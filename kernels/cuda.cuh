// The OpenCL C spellings of kernels/*.cl(h) mapped to CUDA C++, so that nvcc compiles the same sources
// (scripts/build-ptx includes this file first, then the OpenCL program's files in OpenClProgram's order).
// Only spellings are mapped here; what a macro cannot map is written in the sources in a form both
// languages read (make_uint2/make_uint4 instead of vector literals, LOCAL_MEMORY for the reduction scratch,
// the OpenCL pragmas behind __OPENCL_VERSION__).
//
// Arithmetic: nvcc runs with --fmad=false, the counterpart of FP_CONTRACT OFF (no fused multiply-add where
// the source has a * b + c), and without --use_fast_math, so exp, log, erfc, sqrt and division are the IEEE
// double versions of CUDA's math library, as OpenCL's are.

#ifndef BMOE_CUDA_CUH
#define BMOE_CUDA_CUH

// address spaces: CUDA pointers are generic; the kernel's __local argument is replaced by LOCAL_MEMORY
#define __global
#define __local
#define __kernel extern "C" __global__
// every device function the sources define: inlined, as OpenCL C's are
#define inline __device__ __forceinline__

// OpenCL C's scalar types (macros, not typedefs: glibc may already have typedef'd uint and ulong,
// and OpenCL's ulong is 64 bits on every platform)
#define uchar unsigned char
#define uint unsigned int
#define ulong unsigned long long

// work-item functions: the kernels use dimension 0 only, as a 1-D launch of groups x LOCAL
#define get_group_id(dim) ((unsigned int) blockIdx.x)
#define get_local_id(dim) ((unsigned int) threadIdx.x)
#define get_global_id(dim) ((unsigned int) (blockIdx.x * blockDim.x + threadIdx.x))
// a work-group barrier with a local fence is __syncthreads (which also orders shared memory)
#define CLK_LOCAL_MEM_FENCE 0
#define barrier(flags) __syncthreads()

// the reduction scratch: OpenCL passes it as a __local kernel argument sized by the host; CUDA has the
// launch's dynamic shared memory (sharedMemBytes of cuLaunchKernel, the same BATCH x LOCAL doubles), and the
// kernel argument is an unused placeholder
__device__ __forceinline__ double *bmoe_dynamic_shared() {
    extern __shared__ double bmoe_shared[];
    return bmoe_shared;
}
#define LOCAL_MEMORY(argument) bmoe_dynamic_shared()

// constants OpenCL C defines: the same doubles (M_PI is pi rounded to double in both)
#undef M_PI
#define M_PI 0x1.921fb54442d18p+1
#undef INFINITY
#define INFINITY __longlong_as_double(0x7ff0000000000000LL)
#undef NAN
#define NAN __longlong_as_double(0x7ff8000000000000LL)

#endif
