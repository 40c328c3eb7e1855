// Kernel (a): gate probabilities, expert log-likelihoods and the allocation draw z_i, in log space.
// Twin of CpuKernels.allocate. Launch: groups x LOCAL work-items; partial[g] = the group's sum of log p(y_i | x_i).
__kernel void allocate(__global const float *x, __global const float *y, uint n, uint chunk,
                       __global const double *prm, uint k0, uint k1, uint sweep,
                       __global uchar *z, __global double *partial, __local double *scratch) {
    uint g = get_group_id(0);
    uint from = g * chunk;
    uint to = min(n, from + chunk);
    double row[DIM];
    double eta[EXPERTS];
    double weight[EXPERTS];
    double logLik = 0.0;
    rng_stream rng;
    for (uint i = from + get_local_id(0); i < to; i += LOCAL) {
        load_row(x, i, row);
        double yi = y[i];
        double etaMax = 0.0; // eta_K = 0 is always present
        for (int k = 0; k < EXPERTS - 1; k++) {
            eta[k] = dot_row(prm, PRM_W + k * DIM, row);
            etaMax = fmax(etaMax, eta[k]);
        }
        eta[EXPERTS - 1] = 0.0;
        double etaSum = 0.0;
        for (int k = 0; k < EXPERTS; k++) {
            etaSum += exp(eta[k] - etaMax);
        }
        double logGateNorm = etaMax + log(etaSum);
        double lpMax = -INFINITY;
        for (int k = 0; k < EXPERTS; k++) {
            double r = yi - dot_row(prm, PRM_BETA + k * DIM, row);
            weight[k] = eta[k] + prm[PRM_LOG_NORM + k] - r * r * prm[PRM_HALF_PRECISION + k];
            lpMax = fmax(lpMax, weight[k]);
        }
        double total = 0.0;
        for (int k = 0; k < EXPERTS; k++) {
            weight[k] = exp(weight[k] - lpMax); // unnormalised; the largest is 1
            total += weight[k];
        }
        logLik += lpMax + log(total) - logGateNorm;
        rng_reset(&rng, (uint2)(k0, k1), i, sweep, STEP_ALLOCATE);
        double u = rng_uniform(&rng) * total;
        // the first k whose cumulative weight exceeds u; the last positive one if rounding runs past it.
        // Without an early exit, so work-items stay in step (same result as CpuKernels.pick).
        double cumulative = 0.0;
        int pick = 0;
        int found = 0;
        for (int k = 0; k < EXPERTS; k++) {
            int live = !found && weight[k] > 0;
            cumulative += live ? weight[k] : 0.0;
            pick = live ? k : pick;
            found = found || (live && u < cumulative);
        }
        z[i] = (uchar) pick;
    }
    double acc[1] = {logLik};
    group_sum(acc, 1, scratch, partial + g);
}
