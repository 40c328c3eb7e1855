package bmoe.model;

import java.util.Arrays;

/**
 * One value of the parameters: gates w[k][j] for k = 0..K-2 (the last gate is fixed at 0), expert
 * coefficients beta[k][j] for k = 0..K-1 and variances s2[k]; j = 0 is the intercept. Immutable by
 * convention: steps build new arrays rather than writing into these.
 */
public record Params(double[][] w, double[][] beta, double[] s2) {
    public Params {
        if (beta.length < 1 || s2.length != beta.length || w.length != beta.length - 1) {
            throw new IllegalArgumentException("need K-1 gates, K experts and K variances");
        }
    }

    public int experts() {
        return beta.length;
    }

    public int dim() {
        return beta[0].length;
    }

    public Params withExpert(int k, double[] betaK, double s2K) {
        double[][] b = beta.clone();
        b[k] = betaK;
        double[] s = s2.clone();
        s[k] = s2K;
        return new Params(w, b, s);
    }

    public Params withGate(int k, double[] wK) {
        double[][] g = w.clone();
        g[k] = wK;
        return new Params(g, beta, s2);
    }

    /** All K-1 gates at once from a flat array laid out as (k, j) at k d + j. */
    public Params withGates(double[] flat) {
        int d = dim();
        if (flat.length != w.length * d) {
            throw new IllegalArgumentException("need " + w.length * d + " gate coefficients, got " + flat.length);
        }
        double[][] g = new double[w.length][];
        for (int k = 0; k < w.length; k++) {
            g[k] = Arrays.copyOfRange(flat, k * d, (k + 1) * d);
        }
        return new Params(g, beta, s2);
    }

    /** Gate logits eta_k(x~) = w_k' x~ for k < K-1 and 0 for the last. */
    public void gateLogits(double[] xTilde, double[] eta) {
        int experts = experts();
        for (int k = 0; k < experts - 1; k++) {
            eta[k] = dot(w[k], xTilde);
        }
        eta[experts - 1] = 0.0;
    }

    /**
     * The expert k ~ Categorical(pi(x)) picked by the uniform u: the first k whose cumulative gate
     * probability exceeds u (the last one if rounding leaves u above the total).
     */
    public int sampleExpert(double[] xTilde, double u) {
        int experts = experts();
        double[] eta = new double[experts];
        gateLogits(xTilde, eta);
        double lse = logSumExp(eta, experts);
        int k = 0;
        double cumulative = Math.exp(eta[0] - lse);
        while (u >= cumulative && k < experts - 1) {
            k++;
            cumulative += Math.exp(eta[k] - lse);
        }
        return k;
    }

    /** The regression function E[y | x] = sum_k pi_k(x) beta_k' x~ (label invariant). */
    public double regression(double[] xTilde) {
        int experts = experts();
        double[] eta = new double[experts];
        gateLogits(xTilde, eta);
        double lse = logSumExp(eta, experts);
        double m = 0;
        for (int k = 0; k < experts; k++) {
            m += Math.exp(eta[k] - lse) * dot(beta[k], xTilde);
        }
        return m;
    }

    /** log p(y | x) under the mixture (label invariant). */
    public double logDensity(double[] xTilde, double y) {
        int experts = experts();
        double[] terms = new double[experts];
        gateLogits(xTilde, terms);
        double lse = logSumExp(terms, experts);
        for (int k = 0; k < experts; k++) {
            double r = y - dot(beta[k], xTilde);
            terms[k] += -lse - 0.5 * Math.log(2 * Math.PI * s2[k]) - 0.5 * r * r / s2[k];
        }
        return logSumExp(terms, experts);
    }

    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += a[j] * b[j];
        }
        return s;
    }

    public static double logSumExp(double[] v, int len) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < len; k++) {
            max = Math.max(max, v[k]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double s = 0;
        for (int k = 0; k < len; k++) {
            s += Math.exp(v[k] - max);
        }
        return max + Math.log(s);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Params p && Arrays.deepEquals(w, p.w) && Arrays.deepEquals(beta, p.beta)
                && Arrays.equals(s2, p.s2);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.deepHashCode(w) + Arrays.deepHashCode(beta)) + Arrays.hashCode(s2);
    }

    @Override
    public String toString() {
        return "Params[w=" + Arrays.deepToString(w) + ", beta=" + Arrays.deepToString(beta) + ", s2="
                + Arrays.toString(s2) + "]";
    }
}
