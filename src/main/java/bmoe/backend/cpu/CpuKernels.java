package bmoe.backend.cpu;

import bmoe.backend.ExpertStats;
import bmoe.backend.GateGradient;
import bmoe.backend.Packed;
import bmoe.backend.ParamsBlock;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import bmoe.rng.Step;
import bmoe.rng.PolyaGamma;

/**
 * The kernels of a sweep as plain loops over a block of observations [from, to): one method per kernel
 * in kernels/*.cl, with the same name and the same arithmetic. The oracle for every other backend.
 * Each method adds into a caller-owned partial-sum array for its block, so blocks can run on any thread
 * and be combined in a fixed order.
 */
public final class CpuKernels {
    private CpuKernels() {}

    /**
     * Kernel (a) over [from, to): z_i ~ Categorical(pi_k(x_i) N(y_i | beta_k' x~_i, s2_k)), in log space, and
     * the new allocations' sufficient statistics added into stats in the same pass.
     *
     * @param z allocations; entries [from, to) are overwritten. Modified.
     * @param stats K * stride sums, laid out as {@link ExpertStats}. Modified.
     * @return the block's sum of log p(y_i | x_i)
     */
    public static double allocate(float[] x, float[] y, int p, byte[] z, int from, int to, ParamsBlock prm,
                                  RngKey key, int sweep, double[] stats) {
        return allocate(x, y, p, z, 0, from, to, prm, key, sweep, stats);
    }

    /**
     * {@link #allocate} on arrays that hold rows from {@code first} on (row i at x[(i - first) p], y[i - first],
     * z[i - first]): a block kept apart, as the spark module's partitions, draws row i's own random numbers.
     */
    public static double allocate(float[] x, float[] y, int p, byte[] z, int first, int from, int to,
                                  ParamsBlock prm, RngKey key, int sweep, double[] stats) {
        int experts = prm.experts();
        int d = p + 1;
        double[] w = prm.w();
        double[] beta = prm.beta();
        double[] logNorm = prm.logNorm();
        double[] halfPrecision = prm.halfPrecision();
        double[] row = new double[d];
        double[] eta = new double[experts];
        double[] logPost = new double[experts];
        double logLik = 0;
        RngStream rng = new RngStream(key);
        for (int i = from; i < to; i++) {
            loadRow(x, p, i - first, row);
            double yi = y[i - first];
            double etaMax = 0.0; // eta_K = 0 is always present
            for (int k = 0; k < experts - 1; k++) {
                eta[k] = dot(w, k * d, row, d);
                etaMax = Math.max(etaMax, eta[k]);
            }
            eta[experts - 1] = 0.0;
            double etaSum = 0;
            for (int k = 0; k < experts; k++) {
                etaSum += Math.exp(eta[k] - etaMax);
            }
            double logGateNorm = etaMax + Math.log(etaSum);
            double lpMax = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < experts; k++) {
                double r = yi - dot(beta, k * d, row, d);
                logPost[k] = eta[k] + logNorm[k] - r * r * halfPrecision[k];
                lpMax = Math.max(lpMax, logPost[k]);
            }
            double total = 0;
            for (int k = 0; k < experts; k++) {
                logPost[k] = Math.exp(logPost[k] - lpMax); // now unnormalised weights, max term is 1
                total += logPost[k];
            }
            logLik += lpMax + Math.log(total) - logGateNorm;
            double u = rng.reset(i, sweep, Step.ALLOCATE).uniform() * total;
            int k = pick(logPost, experts, u);
            z[i - first] = (byte) k;
            addExpertRow(row, yi, k, stats);
        }
        return logLik;
    }

    /** The first k whose cumulative weight exceeds u; the last positive weight if rounding runs past it. */
    static int pick(double[] weights, int experts, double u) {
        double cumulative = 0;
        int last = 0;
        for (int k = 0; k < experts; k++) {
            if (weights[k] > 0) {
                cumulative += weights[k];
                last = k;
                if (u < cumulative) {
                    return k;
                }
            }
        }
        return last;
    }

    /**
     * Adds one observation's (1, x~ x~', x~ y, y^2) to expert k's sufficient statistics.
     *
     * @param stats K * stride sums, laid out as {@link ExpertStats}. Modified.
     */
    public static void addExpertRow(double[] row, double yi, int k, double[] stats) {
        int d = row.length;
        int stride = ExpertStats.stride(d);
        int base = k * stride;
        stats[base] += 1.0;
        int idx = base + 1;
        for (int a = 0; a < d; a++) {
            double ra = row[a];
            for (int b = 0; b <= a; b++) {
                stats[idx++] += ra * row[b];
            }
        }
        idx = base + 1 + Packed.size(d);
        for (int a = 0; a < d; a++) {
            stats[idx + a] += row[a] * yi;
        }
        stats[base + stride - 1] += yi * yi;
    }

    /**
     * Kernel (b) over [from, to), the collapsed gate move's sums (see {@link GateGradient} for the formulas):
     * the log-likelihood at the gates of prm, its gradient and, when {@code metric}, the Fisher metric, and with
     * {@code ref} (reference gates, laid out as prm.w()) the per-observation log-likelihood differences.
     *
     * @param out {@link GateGradient#size} sums in its flat layout. Modified.
     */
    public static void gateGradient(float[] x, float[] y, int p, int from, int to, ParamsBlock prm, double[] ref,
                                    boolean metric, double[] out) {
        int experts = prm.experts();
        int gates = experts - 1;
        int d = p + 1;
        int free = gates * d;
        double[] w = prm.w();
        double[] beta = prm.beta();
        double[] logNorm = prm.logNorm();
        double[] halfPrecision = prm.halfPrecision();
        double[] row = new double[d];
        double[] phi = new double[experts];
        double[] eta = new double[experts];
        double[] etaRef = new double[experts];
        double[] pi = new double[experts];
        double[] resp = new double[experts];
        double[] outer = new double[d * d];
        double[] residual = new double[experts];
        int expertSums = 2 + free;
        int stride = GateGradient.expertStride(d);
        int metricSums = expertSums + experts * stride;
        for (int i = from; i < to; i++) {
            loadRow(x, p, i, row);
            double yi = y[i];
            for (int k = 0; k < experts; k++) {
                double r = yi - dot(beta, k * d, row, d);
                residual[k] = r;
                phi[k] = logNorm[k] - r * r * halfPrecision[k];
            }
            double li = collapsedLogLik(w, row, phi, experts, eta, pi, resp);
            out[0] += li;
            if (ref != null) {
                out[1] += li - collapsedLogLik(ref, row, phi, experts, etaRef, null, null);
            }
            for (int k = 0; k < gates; k++) {
                double c = resp[k] - pi[k];
                for (int a = 0; a < d; a++) {
                    out[2 + k * d + a] += c * row[a];
                }
            }
            for (int k = 0; k < experts; k++) {
                int base = expertSums + k * stride;
                double re = resp[k] * residual[k];
                out[base] += resp[k];
                for (int a = 0; a < d; a++) {
                    out[base + 1 + a] += re * row[a];
                }
                out[base + d + 1] += re * residual[k];
            }
            if (metric) {
                for (int a = 0; a < d; a++) {
                    for (int b = 0; b < d; b++) {
                        outer[a * d + b] = row[a] * row[b];
                    }
                }
                // entry (u, v), u = k d + a >= v = l d + b, at metricSums + u (u + 1) / 2 + v
                int idx = metricSums;
                for (int k = 0; k < gates; k++) {
                    for (int a = 0; a < d; a++) {
                        for (int l = 0; l <= k; l++) {
                            double c = pi[k] * ((k == l ? 1.0 : 0.0) - pi[l]);
                            int bEnd = l < k ? d : a + 1;
                            for (int b = 0; b < bEnd; b++) {
                                out[idx++] += c * outer[a * d + b];
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * l_i(w) = LSE_k(eta_k + phi_k) - LSE_k(eta_k) for one row, with eta_K = 0; leaves the logits in eta and,
     * when pi is not null, the gate probabilities in pi and the responsibilities in resp.
     */
    static double collapsedLogLik(double[] w, double[] row, double[] phi, int experts, double[] eta, double[] pi,
                                  double[] resp) {
        int d = row.length;
        double etaMax = 0.0; // eta_K = 0 is always present
        double aMax = phi[experts - 1];
        double[] e = eta;
        for (int k = 0; k < experts - 1; k++) {
            e[k] = dot(w, k * d, row, d);
            etaMax = Math.max(etaMax, e[k]);
            aMax = Math.max(aMax, e[k] + phi[k]);
        }
        e[experts - 1] = 0.0;
        double etaSum = 0;
        double aSum = 0;
        for (int k = 0; k < experts; k++) {
            etaSum += Math.exp(e[k] - etaMax);
            aSum += Math.exp(e[k] + phi[k] - aMax);
        }
        double logGateNorm = etaMax + Math.log(etaSum);
        double logMix = aMax + Math.log(aSum);
        if (pi != null) {
            for (int k = 0; k < experts; k++) {
                pi[k] = Math.exp(e[k] - logGateNorm);
                resp[k] = Math.exp(e[k] + phi[k] - logMix);
            }
        }
        return logMix - logGateNorm;
    }

    /**
     * Kernel (c) for gate k over [from, to): C_ik = log sum_{j != k} exp(eta_ij), psi_ik = eta_ik - C_ik,
     * omega_ik ~ PG(1, psi_ik), and adds sum omega x~ x~' and sum x~ (kappa + omega C) into out.
     *
     * @param out packed Gram then vector, as {@link bmoe.backend.GateStats}. Modified.
     */
    public static void gateStats(float[] x, int p, byte[] z, int from, int to, ParamsBlock prm, int gate,
                                 RngKey key, int sweep, double[] out) {
        gateStats(x, p, z, 0, from, to, prm, gate, key, sweep, out);
    }

    /** {@link #gateStats} on arrays that hold rows from {@code first} on, as {@link #allocate} with a first row. */
    public static void gateStats(float[] x, int p, byte[] z, int first, int from, int to, ParamsBlock prm, int gate,
                                 RngKey key, int sweep, double[] out) {
        int experts = prm.experts();
        int d = p + 1;
        int tri = Packed.size(d);
        double[] w = prm.w();
        double[] row = new double[d];
        double[] eta = new double[experts];
        int step = Step.pg(gate);
        RngStream rng = new RngStream(key);
        for (int i = from; i < to; i++) {
            loadRow(x, p, i - first, row);
            double otherMax = 0.0; // eta_K = 0 is always among the others (gate < K-1)
            for (int k = 0; k < experts - 1; k++) {
                eta[k] = dot(w, k * d, row, d);
                if (k != gate) {
                    otherMax = Math.max(otherMax, eta[k]);
                }
            }
            eta[experts - 1] = 0.0;
            double otherSum = 0;
            for (int k = 0; k < experts; k++) {
                if (k != gate) {
                    otherSum += Math.exp(eta[k] - otherMax);
                }
            }
            double c = otherMax + Math.log(otherSum);
            double psi = eta[gate] - c;
            double omega = PolyaGamma.draw(rng.reset(i, sweep, step), psi);
            double kappa = (z[i - first] == gate ? 0.5 : -0.5);
            double target = kappa + omega * c;
            int idx = 0;
            for (int a = 0; a < d; a++) {
                double ra = omega * row[a];
                for (int b = 0; b <= a; b++) {
                    out[idx++] += ra * row[b];
                }
            }
            for (int a = 0; a < d; a++) {
                out[tri + a] += row[a] * target;
            }
        }
    }

    static void loadRow(float[] x, int p, int i, double[] row) {
        row[0] = 1.0;
        int base = i * p;
        for (int j = 0; j < p; j++) {
            row[j + 1] = x[base + j];
        }
    }

    static double dot(double[] coef, int offset, double[] row, int d) {
        double s = 0;
        for (int j = 0; j < d; j++) {
            s += coef[offset + j] * row[j];
        }
        return s;
    }
}
