// Kernel (b): per-expert sufficient statistics (n_k, S_k packed lower triangle, r_k, q_k) of the current z.
// Twin of CpuKernels.expertStats. Launch: groups x K work groups of LOCAL: work group G takes chunk
// g = G / K for expert k = G % K, so each work-item keeps one expert's EXPERT_STRIDE sums rather than all
// K of them, and the K groups reading the same chunk run next to each other (the chunk stays in cache).
// partial[(g K + k) EXPERT_STRIDE ...] = partial[G EXPERT_STRIDE ...] = chunk g's sums for expert k.
__kernel void expertStats(__global const float *x, __global const float *y, uint n, uint chunk,
                          __global const uchar *z, __global double *partial, __local double *scratch) {
    uint group = get_group_id(0);
    uint g = group / EXPERTS;
    int expert = (int) (group % EXPERTS);
    uint from = g * chunk;
    uint to = min(n, from + chunk);
    double row[DIM];
    double acc[EXPERT_STRIDE];
    for (int j = 0; j < EXPERT_STRIDE; j++) {
        acc[j] = 0.0;
    }
    for (uint i = from + get_local_id(0); i < to; i += LOCAL) {
        if (z[i] != expert) {
            continue;
        }
        load_row(x, i, row);
        double yi = y[i];
        acc[0] += 1.0;
        int idx = 1;
        for (int a = 0; a < DIM; a++) {
            double ra = row[a];
            for (int b = 0; b <= a; b++) {
                acc[idx++] += ra * row[b];
            }
        }
        for (int a = 0; a < DIM; a++) {
            acc[1 + TRI + a] += row[a] * yi;
        }
        acc[EXPERT_STRIDE - 1] += yi * yi;
    }
    group_sum(acc, EXPERT_STRIDE, scratch, partial + (ulong) group * EXPERT_STRIDE);
}
