// Test-only kernels over the shared headers, for OpenClTwinTest and CudaTwinTest (compiled for CUDA by
// scripts/build-ptx --probes into target/test-classes/cuda/probes.fatbin): one Philox block, one PG draw,
// one erfcx per work-item. Written in the spellings both languages read (see kernels/cuda.cuh).
__kernel void philoxProbe(uint k0, uint k1, uint sweep, uint step, __global uint *out) {
    uint i = get_global_id(0);
    uint4 w = philox4x32_10(make_uint4(i, sweep, step, 7u), make_uint2(k0, k1));
    out[4 * i] = w.x;
    out[4 * i + 1] = w.y;
    out[4 * i + 2] = w.z;
    out[4 * i + 3] = w.w;
}

__kernel void pgProbe(__global const double *c, uint k0, uint k1, uint sweep, uint step, __global double *out) {
    uint i = get_global_id(0);
    rng_stream rng;
    rng_reset(&rng, make_uint2(k0, k1), i, sweep, step);
    out[i] = pg_draw(&rng, c[i]);
}

__kernel void erfcxProbe(__global const double *x, __global double *out) {
    uint i = get_global_id(0);
    out[i] = erfcx_nonnegative(x[i]);
}
