// Kernel (c) for gate k: C_ik = log sum_{j != k} exp(eta_ij), psi_ik = eta_ik - C_ik, omega_ik ~ PG(1, psi_ik)
// from stream (i, sweep, PG | k), and the sums of omega x~ x~' (packed) and x~ (kappa + omega C).
// Twin of CpuKernels.gateStats. Launch: chains x groups x LOCAL (common.clh); partial[q GATE_SIZE ...] = work
// group q's sums. Each chain has its own gate k (CHAIN_GATE).
__kernel void gateStats(__global const float *x, uint n, uint chunk, uint chains, __global const uchar *zs,
                        __global const double *params, __global const uint *chainArgs,
                        __global double *partial, __local double *scratch) {
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
    __global const uchar *z = zs + (ulong) arg[CHAIN_SLOT] * n;
    int gate = (int) arg[CHAIN_GATE];
    double row[DIM];
    double eta[EXPERTS];
    double acc[GATE_SIZE];
    for (int j = 0; j < GATE_SIZE; j++) {
        acc[j] = 0.0;
    }
    rng_stream rng;
    uint step = STEP_POLYA_GAMMA | (uint) gate;
    for (uint i = from + get_local_id(0); i < to; i += LOCAL) {
        load_row(x, i, row);
        double otherMax = 0.0; // eta_K = 0 is always among the others (gate < K-1)
        for (int k = 0; k < EXPERTS - 1; k++) {
            eta[k] = dot_row(prm, PRM_W + k * DIM, row);
            if (k != gate) {
                otherMax = fmax(otherMax, eta[k]);
            }
        }
        eta[EXPERTS - 1] = 0.0;
        double otherSum = 0.0;
        for (int k = 0; k < EXPERTS; k++) {
            if (k != gate) {
                otherSum += exp(eta[k] - otherMax);
            }
        }
        double c = otherMax + log(otherSum);
        double psi = eta[gate] - c;
        rng_reset(&rng, make_uint2(k0, k1), i, sweep, step);
        double omega = pg_draw(&rng, psi);
        double kappa = z[i] == gate ? 0.5 : -0.5;
        double target = kappa + omega * c;
        int idx = 0;
        for (int a = 0; a < DIM; a++) {
            double ra = omega * row[a];
            for (int b = 0; b <= a; b++) {
                acc[idx++] += ra * row[b];
            }
        }
        for (int a = 0; a < DIM; a++) {
            acc[TRI + a] += row[a] * target;
        }
    }
    group_sum(acc, GATE_SIZE, scratch, partial + (ulong) q * GATE_SIZE);
}
