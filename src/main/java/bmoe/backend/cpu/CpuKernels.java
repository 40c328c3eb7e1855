package bmoe.backend.cpu;

import bmoe.backend.ExpertStats;
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
     * Kernel (a) over [from, to): z_i ~ Categorical(pi_k(x_i) N(y_i | beta_k' x~_i, s2_k)), in log space.
     *
     * @param z allocations; entries [from, to) are overwritten. Modified.
     * @return the block's sum of log p(y_i | x_i)
     */
    public static double allocate(float[] x, float[] y, int p, byte[] z, int from, int to, ParamsBlock prm,
                                  RngKey key, int sweep) {
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
            loadRow(x, p, i, row);
            double yi = y[i];
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
            z[i] = (byte) pick(logPost, experts, u);
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
     * Kernel (b) over [from, to): adds (n_k, S_k, r_k, q_k) of the block into out.
     *
     * @param out K * stride sums, laid out as {@link ExpertStats}. Modified.
     */
    public static void expertStats(float[] x, float[] y, int p, byte[] z, int from, int to, int experts, double[] out) {
        int d = p + 1;
        int stride = ExpertStats.stride(d);
        int tri = Packed.size(d);
        double[] row = new double[d];
        for (int i = from; i < to; i++) {
            loadRow(x, p, i, row);
            double yi = y[i];
            int base = z[i] * stride;
            out[base] += 1.0;
            int idx = base + 1;
            for (int a = 0; a < d; a++) {
                double ra = row[a];
                for (int b = 0; b <= a; b++) {
                    out[idx++] += ra * row[b];
                }
            }
            idx = base + 1 + tri;
            for (int a = 0; a < d; a++) {
                out[idx + a] += row[a] * yi;
            }
            out[base + stride - 1] += yi * yi;
        }
    }

    /**
     * Kernel (c) for gate k over [from, to): C_ik = log sum_{j != k} exp(eta_ij), psi_ik = eta_ik - C_ik,
     * omega_ik ~ PG(1, psi_ik), and adds sum omega x~ x~' and sum x~ (kappa + omega C) into out.
     *
     * @param out packed Gram then vector, as {@link bmoe.backend.GateStats}. Modified.
     */
    public static void gateStats(float[] x, int p, byte[] z, int from, int to, ParamsBlock prm, int gate,
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
            loadRow(x, p, i, row);
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
            double kappa = (z[i] == gate ? 0.5 : -0.5);
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
