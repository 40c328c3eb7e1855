// Kernel (a): gate probabilities, expert log-likelihoods and the allocation draw z_i, in log space, and in the
// same launch the new allocations' sufficient statistics (n_k, S_k packed lower triangle, r_k, q_k).
// Twin of CpuKernels.allocate (with addExpertRow). Launch: chains x groups x LOCAL work-items (common.clh);
// partial[q ALLOCATE_SIZE ...] = work group q's [sum of log p(y_i | x_i), expert 0's EXPERT_STRIDE sums, ...,
// expert K-1's], so one reducePartials over ALLOCATE_SIZE components gives each chain's whole Allocation.
//
// The statistics are summed expert by expert, so each work-item holds EXPERT_STRIDE private sums rather than
// K of them. Each work-item sums exactly the rows whose z it drew itself (the same row stride in both loops),
// so it only reads back its own stores to z, which OpenCL guarantees it sees ("within a work-item memory has
// load / store consistency", OpenCL 1.2 section 3.3.1): no barrier, and no local copy of the chunk's z, whose
// size would depend on the runtime chunk and the device's local memory. Rows are re-read from x and y only
// for the expert being summed, so each row is read twice in all, the second time mostly from cache.
__kernel void allocate(__global const float *x, __global const float *y, uint n, uint chunk, uint chains,
                       __global const double *params, __global const uint *chainArgs,
                       __global uchar *zs, __global double *partial, __local double *scratch) {
    uint q = get_group_id(0);
    uint chain = q % chains;
    uint g = q / chains;
    uint from = g * chunk;
    uint to = min(n, from + chunk);
    __global const double *prm = params + (ulong) chain * PRM_SIZE;
    __global const uint *arg = chainArgs + chain * CHAIN_ARGS;
    uint k0 = arg[CHAIN_KEY0];
    uint k1 = arg[CHAIN_KEY1];
    uint sweep = arg[CHAIN_SWEEP];
    __global uchar *z = zs + (ulong) arg[CHAIN_SLOT] * n;
    __global double *out = partial + (ulong) q * ALLOCATE_SIZE;
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
        rng_reset(&rng, make_uint2(k0, k1), i, sweep, STEP_ALLOCATE);
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
    double logLikSum[1] = {logLik};
    group_sum(logLikSum, 1, scratch, out);

    double acc[EXPERT_STRIDE];
    for (int expert = 0; expert < EXPERTS; expert++) {
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
        group_sum(acc, EXPERT_STRIDE, scratch, out + 1 + expert * EXPERT_STRIDE);
    }
}
