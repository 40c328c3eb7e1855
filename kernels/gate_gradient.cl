// Kernel (b), the collapsed gate move's sums with the allocations summed out (formulas: bmoe.backend.GateGradient):
// l_i(w) = LSE_k(eta_ik + phi_ik) - LSE_k(eta_ik) with phi_ik = logNorm_k - r_ik^2 halfPrecision_k and eta_K = 0,
// its gradient sum (r_ik - pi_ik) x~_i over the free gates, per expert the joint move's sums r_ik, r_ik e_ik x~_i
// and r_ik e_ik^2 with e_ik = y_i - beta_k' x~_i, when withMetric the Fisher metric
// sum pi_ik (delta_kl - pi_il) x~_i x~_i' (packed lower triangle), and when withReference the per-observation
// differences l_i(w) - l_i(w_ref), the experts taken from prm for both. Reads no z and draws nothing.
// Twin of CpuKernels.gateGradient. Launch: chains x groups x LOCAL (common.clh); partial[q m ...] = work group q's
// sums, with m = GRAD_SIZE with the metric and GRAD_SIZE_NO_METRIC without (then only those are summed and read
// back): one launch is all with or all without it. Chain c's reference gates are refs[c FREE ...], read when its
// CHAIN_WITH_REFERENCE argument is 1.
//
// Each work-item keeps all m sums in a private array: GRAD_SIZE = 2 + D + K (d + 2) + D (D + 1) / 2 with
// D = (K - 1) d is 366 doubles at K = 4, p = 7, which spills out of registers on a GPU. Correct, and the launch is one of three
// per sweep; a slab layout (the metric's entries split over passes or work groups, each work-item keeping a
// slice) is the later fix if a GPU profile shows this kernel dominating.

// l_i(w) for one row, w at coef[offset ...] as ParamsBlock.w (twin of CpuKernels.collapsedLogLik): leaves the
// logits in eta and, when probs, the gate probabilities in pi and the responsibilities in resp.
inline double collapsed_log_lik(__global const double *coef, int offset, const double *row, const double *phi,
                                double *eta, int probs, double *pi, double *resp) {
    double etaMax = 0.0; // eta_K = 0 is always present
    double aMax = phi[EXPERTS - 1];
    for (int k = 0; k < EXPERTS - 1; k++) {
        eta[k] = dot_row(coef, offset + k * DIM, row);
        etaMax = fmax(etaMax, eta[k]);
        aMax = fmax(aMax, eta[k] + phi[k]);
    }
    eta[EXPERTS - 1] = 0.0;
    double etaSum = 0.0;
    double aSum = 0.0;
    for (int k = 0; k < EXPERTS; k++) {
        etaSum += exp(eta[k] - etaMax);
        aSum += exp(eta[k] + phi[k] - aMax);
    }
    double logGateNorm = etaMax + log(etaSum);
    double logMix = aMax + log(aSum);
    if (probs) {
        for (int k = 0; k < EXPERTS; k++) {
            pi[k] = exp(eta[k] - logGateNorm);
            resp[k] = exp(eta[k] + phi[k] - logMix);
        }
    }
    return logMix - logGateNorm;
}

__kernel void gateGradient(__global const float *x, __global const float *y, uint n, uint chunk, uint chains,
                           __global const double *params, __global const double *refs,
                           __global const uint *chainArgs, int withMetric, __global double *partial,
                           __local double *scratch) {
    uint q = get_group_id(0);
    uint chain = q % chains;
    uint g = q / chains;
    uint from = g * chunk;
    uint to = min(n, from + chunk);
    __global const double *prm = params + (ulong) chain * PRM_SIZE;
    __global const double *ref = refs + (ulong) chain * FREE;
    int withReference = chainArgs[chain * CHAIN_ARGS + CHAIN_WITH_REFERENCE] != 0;
    int m = withMetric ? GRAD_SIZE : GRAD_SIZE_NO_METRIC;
    double row[DIM];
    double phi[EXPERTS];
    double residual[EXPERTS];
    double eta[EXPERTS];
    double pi[EXPERTS];
    double resp[EXPERTS];
    double acc[GRAD_SIZE];
    for (int j = 0; j < m; j++) {
        acc[j] = 0.0;
    }
    for (uint i = from + get_local_id(0); i < to; i += LOCAL) {
        load_row(x, i, row);
        double yi = y[i];
        for (int k = 0; k < EXPERTS; k++) {
            double r = yi - dot_row(prm, PRM_BETA + k * DIM, row);
            residual[k] = r;
            phi[k] = prm[PRM_LOG_NORM + k] - r * r * prm[PRM_HALF_PRECISION + k];
        }
        double li = collapsed_log_lik(prm, PRM_W, row, phi, eta, 1, pi, resp);
        acc[0] += li;
        if (withReference) {
            acc[1] += li - collapsed_log_lik(ref, 0, row, phi, eta, 0, pi, resp);
        }
        for (int k = 0; k < EXPERTS - 1; k++) {
            double c = resp[k] - pi[k];
            for (int a = 0; a < DIM; a++) {
                acc[2 + k * DIM + a] += c * row[a];
            }
        }
        for (int k = 0; k < EXPERTS; k++) {
            int base = GRAD_EXPERTS + k * GRAD_EXPERT_STRIDE;
            double re = resp[k] * residual[k];
            acc[base] += resp[k];
            for (int a = 0; a < DIM; a++) {
                acc[base + 1 + a] += re * row[a];
            }
            acc[base + DIM + 1] += re * residual[k];
        }
        if (withMetric) {
            // entry (u, v), u = k d + a >= v = l d + b, at GRAD_SIZE_NO_METRIC + u (u + 1) / 2 + v
            int idx = GRAD_SIZE_NO_METRIC;
            for (int k = 0; k < EXPERTS - 1; k++) {
                for (int a = 0; a < DIM; a++) {
                    for (int l = 0; l <= k; l++) {
                        double c = pi[k] * ((k == l ? 1.0 : 0.0) - pi[l]);
                        int bEnd = l < k ? DIM : a + 1;
                        for (int b = 0; b < bEnd; b++) {
                            // (row[a] row[b]) rounded first, as the twin's outer product
                            acc[idx++] += c * (row[a] * row[b]);
                        }
                    }
                }
            }
        }
    }
    group_sum(acc, m, scratch, partial + (ulong) q * m);
}
