package bmoe.backend;

/**
 * What kernel (b) returns for the collapsed gate move at gates w (allocations summed out), data terms only
 * (the host adds the prior's): with eta_ik = w_k' x~_i, phi_ik = log N(y_i | beta_k' x~_i, s2_k),
 * pi_i = softmax(eta_i) and r_ik proportional to pi_ik exp(phi_ik),
 * <pre>
 *   logLik     = sum_i l_i(w),   l_i(w) = LSE_k(eta_ik + phi_ik) - LSE_k(eta_ik)
 *   logLikDiff = sum_i (l_i(w) - l_i(w_ref))        (0 without reference gates)
 *   grad_(k,a) = sum_i (r_ik - pi_ik) x~_ia           k = 1..K-1
 *   G_(k,a),(l,b) = sum_i pi_ik (delta_kl - pi_il) x~_ia x~_ib   (packed lower triangle; absent without metric)
 * </pre>
 * and, for the joint move of gates and experts ({@code JointMove}), per expert k = 1..K with residuals
 * e_ik = y_i - beta_k' x~_i, the responsibility-weighted sums from which the host forms the gradient in the
 * experts (d/d beta_k = B_k / s2_k, d/d log s2_k = (C_k / s2_k - A_k) / 2):
 * <pre>
 *   A_k = sum_i r_ik,   B_k = sum_i r_ik e_ik x~_i,   C_k = sum_i r_ik e_ik^2
 * </pre>
 * Coordinates are ordered (k, a) -> k d + a, as {@link ParamsBlock#w()}. logLikDiff sums per-observation
 * differences, so it keeps its precision where two O(n) totals would cancel.
 *
 * <p>Flat layout: [logLik, logLikDiff, grad (D), experts (K (d + 2): A_k, B_k (d), C_k, expert after expert),
 * metric (D (D + 1) / 2)] with D = (K - 1) d.
 */
public record GateGradient(int gates, int dim, boolean hasMetric, double[] flat) {

    /** Doubles in the flat layout. */
    public static int size(int experts, int dim, boolean metric) {
        int free = (experts - 1) * dim;
        return 2 + free + experts * expertStride(dim) + (metric ? Packed.size(free) : 0);
    }

    /** Doubles per expert in the experts' block: A_k, B_k (d), C_k. */
    public static int expertStride(int dim) {
        return dim + 2;
    }

    public static GateGradient zeros(int experts, int dim, boolean metric) {
        return new GateGradient(experts - 1, dim, metric, new double[size(experts, dim, metric)]);
    }

    /** Whether every sum is finite (gates so large that the logits overflow give NaN or infinite sums). */
    public boolean isFinite() {
        for (double v : flat) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /** D = (K - 1) d, the number of free gate coefficients. */
    public int free() {
        return gates * dim;
    }

    public double logLikelihood() {
        return flat[0];
    }

    public double logLikelihoodDiff() {
        return flat[1];
    }

    /** The data part of the gradient, (k, a) at k d + a. */
    public double[] gradient() {
        double[] g = new double[free()];
        System.arraycopy(flat, 2, g, 0, g.length);
        return g;
    }

    /** The data part of the metric as a full symmetric D x D matrix. */
    public double[][] metric() {
        if (!hasMetric) {
            throw new IllegalStateException("computed without the metric");
        }
        return Packed.unpack(flat, expertsOffset() + (gates + 1) * expertStride(dim), free());
    }

    private int expertsOffset() {
        return 2 + free();
    }

    /** A_k = sum_i r_ik, expert k's responsibility mass. */
    public double responsibility(int k) {
        return flat[expertsOffset() + k * expertStride(dim)];
    }

    /** B_k = sum_i r_ik e_ik x~_i (d values). */
    public double[] weightedResidual(int k) {
        double[] b = new double[dim];
        System.arraycopy(flat, expertsOffset() + k * expertStride(dim) + 1, b, 0, dim);
        return b;
    }

    /** C_k = sum_i r_ik e_ik^2. */
    public double weightedSquares(int k) {
        return flat[expertsOffset() + k * expertStride(dim) + dim + 1];
    }
}
