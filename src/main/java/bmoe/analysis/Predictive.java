package bmoe.analysis;

import bmoe.model.Params;
import bmoe.rng.Draws;
import bmoe.rng.RngStream;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.apache.commons.math3.analysis.solvers.BrentSolver;
import org.apache.commons.math3.exception.MathIllegalStateException;
import org.apache.commons.numbers.gamma.Erfc;
import org.apache.commons.numbers.gamma.Erfcx;
import org.apache.commons.numbers.gamma.InverseErfc;

/**
 * The posterior predictive distribution of y at one x, given S posterior draws theta_1..theta_S:
 *
 * <pre>
 *   p(y | x, data) = (1/S) sum_s sum_k pi_k(x; w^s) N(y | beta_k^s' x~, sigma_k^2,s),
 * </pre>
 *
 * an equal-weight mixture of S K normals. Its moments, its quantiles (solved from its distribution function,
 * exactly up to rounding: no sampling) and draws from it.
 *
 * <p>The quantile q_p solves F(q) = p. For p &lt;= 1/2 the equation is log F(q) = log p, for p &gt; 1/2 it is
 * log(1 - F(q)) = log(1 - p) with 1 - F summed from the components' upper tails, so both tails keep their
 * relative accuracy (1 - F is never formed as a difference). The sums are taken in linear space, each Phi
 * from erfc, and redone in log space (log Phi through the scaled erfcx) when they fall below 1e-280, so
 * probabilities down to the smallest doubles work. The root is bracketed exactly: with z_p the standard
 * normal quantile, every component's own p-quantile m_j + s_j z_p has F_j = p there, so F &lt;= p at the
 * smallest of them and F &gt;= p at the largest. Brent's method (commons-math3) then narrows the bracket to
 * 1e-14 of the quantile's size plus 1e-14 of the predictive sd (for a quantile near 0).
 */
public final class Predictive {
    private static final double SQRT2 = Math.sqrt(2.0);
    private static final double INV_SQRT2 = 1.0 / SQRT2;
    /** Below this a linear-space sum of Phi may have lost components to underflow: redo it in log space. */
    private static final double LINEAR_FLOOR = 1e-280;
    /** Phi(z) is 1 to within 1e-17 above this: no erfc needed. */
    private static final double PHI_ONE_ABOVE = 8.5;
    /** Phi(z) is below 1e-323, under the smallest double, below this. */
    private static final double PHI_ZERO_BELOW = -38.5;
    /** Brent's bracket is narrowed to this relative to |q|, plus this times the predictive sd. */
    private static final double ACCURACY = 1e-14;
    private static final int MAX_EVALUATIONS = 500;

    private final int draws;
    /** Components per draw: the largest K among the draws (a draw with fewer has gate 0 in the rest). */
    private final int experts;
    /** Each draw's own K. */
    private final int[] drawExperts;
    /** Component j = s K + k: gate probability pi_k(x; w^s), its log, mean and sd. */
    private final double[] gate;
    private final double[] logGate;
    private final double[] means;
    private final double[] sds;
    private final double[] regression;
    private final double mean;
    private final double variance;

    private Predictive(int draws, int experts, int[] drawExperts, double[] gate, double[] logGate, double[] means,
                       double[] sds, double[] regression, double mean, double variance) {
        this.draws = draws;
        this.experts = experts;
        this.drawExperts = drawExperts;
        this.gate = gate;
        this.logGate = logGate;
        this.means = means;
        this.sds = sds;
        this.regression = regression;
        this.mean = mean;
        this.variance = variance;
    }

    /**
     * The predictive at x~ = (1, x) over the given draws.
     *
     * @param draws S &gt;= 1 posterior draws with the same p; their K may differ (K a parameter of the fit), and a
     *     draw's mixture then has its own K components
     * @param x the p covariates; not modified
     */
    public static Predictive at(List<Params> draws, double[] x) {
        if (draws.isEmpty()) {
            throw new IllegalArgumentException("the predictive needs at least one posterior draw");
        }
        int s = draws.size();
        int k = draws.stream().mapToInt(Params::experts).max().orElseThrow();
        int[] drawExperts = draws.stream().mapToInt(Params::experts).toArray();
        double[] xTilde = new double[x.length + 1];
        xTilde[0] = 1.0;
        System.arraycopy(x, 0, xTilde, 1, x.length);
        double[] gate = new double[s * k];
        double[] logGate = new double[s * k];
        double[] means = new double[s * k];
        double[] sds = new double[s * k];
        double[] regression = new double[s];
        double[] eta = new double[k];
        double regressionSum = 0;
        double withinSum = 0;
        for (int d = 0; d < s; d++) {
            Params theta = draws.get(d);
            int kd = theta.experts();
            theta.gateLogits(xTilde, eta);
            double lse = Params.logSumExp(eta, kd);
            // the same arithmetic as Params.regression, so the E[y|x] columns stay what they were
            regression[d] = theta.regression(xTilde);
            regressionSum += regression[d];
            double within = 0;
            for (int j = kd; j < k; j++) {
                // no such expert in this draw: weight 0, and a mean and sd inside the others' (so brackets stay)
                int c = d * k + j;
                logGate[c] = Double.NEGATIVE_INFINITY;
                means[c] = Params.dot(theta.beta()[0], xTilde);
                sds[c] = Math.sqrt(theta.s2()[0]);
            }
            for (int j = 0; j < kd; j++) {
                int c = d * k + j;
                logGate[c] = eta[j] - lse;
                gate[c] = Math.exp(logGate[c]);
                means[c] = Params.dot(theta.beta()[j], xTilde);
                sds[c] = Math.sqrt(theta.s2()[j]);
                double deviation = means[c] - regression[d];
                within += gate[c] * (theta.s2()[j] + deviation * deviation);
            }
            withinSum += within;
        }
        double mean = regressionSum / s;
        double between = 0;
        for (double f : regression) {
            between += (f - mean) * (f - mean);
        }
        return new Predictive(s, k, drawExperts, gate, logGate, means, sds, regression, mean,
                (withinSum + between) / s);
    }

    /** S, the posterior draws the mixture is over. */
    public int draws() {
        return draws;
    }

    /** E[y | x, theta_s] for each draw s, in order; a fresh copy. */
    public double[] regressionDraws() {
        return regression.clone();
    }

    /** The predictive mean E[y | x, data], the posterior mean of E[y | x, theta]. */
    public double mean() {
        return mean;
    }

    /**
     * The predictive variance Var[y | x, data] = E_post[Var(y | x, theta)] + Var_post[E(y | x, theta)]: the
     * exact variance of the mixture, the posterior variance of E[y|x] taken with divisor S (the mixture's
     * weights are 1/S each).
     */
    public double variance() {
        return variance;
    }

    /** F(y) = P(y_rep &lt;= y | x, data). */
    public double cdf(double y) {
        return Math.exp(logCdf(y));
    }

    /** log F(y), accurate far into the lower tail. */
    public double logCdf(double y) {
        return logTail(y, true);
    }

    /** log(1 - F(y)), accurate far into the upper tail. */
    public double logSurvival(double y) {
        return logTail(y, false);
    }

    /**
     * The p-quantile of the predictive.
     *
     * @param p the probability, 0 &lt; p &lt; 1 (as a double it may round to 1)
     * @param complement 1 - p, exact (callers reading p from a decimal string should subtract there, so that
     *     p = 0.9999999 keeps its 7 digits of 1 - p); for a double p, 1 - p is exact for p &gt;= 1/2
     * @throws IllegalArgumentException when p or the complement is not in (0, 1], or they do not add to 1 within
     *     1e-12
     */
    public double quantile(double p, double complement) {
        // each may round to 1 as a double (p = 1e-300, or 1 - 1e-20 read from a decimal); only the smaller is used
        if (!(p > 0 && p <= 1) || !(complement > 0 && complement <= 1) || Math.abs(p + complement - 1) > 1e-12) {
            throw new IllegalArgumentException("need 0 < p < 1 and its complement, got " + p + " and " + complement);
        }
        boolean lower = p <= 0.5;
        double logTarget = Math.log(lower ? p : complement);
        double z = lower ? -SQRT2 * InverseErfc.value(2 * p) : SQRT2 * InverseErfc.value(2 * complement);
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < gate.length; c++) {
            if (logGate[c] > Double.NEGATIVE_INFINITY) {
                double q = means[c] + sds[c] * z;
                lo = Math.min(lo, q);
                hi = Math.max(hi, q);
            }
        }
        if (lo == hi) {
            // one distinct component quantile: the mixture's
            return lo;
        }
        // g increases with y and is 0 at the quantile
        DoubleUnaryOperator g = lower
                ? y -> logCdf(y) - logTarget
                : y -> logTarget - logSurvival(y);
        // z_p and the component quantiles are rounded: widen until the bracket is one
        double scale = Math.sqrt(variance);
        double step = Math.max(hi - lo, scale) * 1e-12;
        while (g.applyAsDouble(lo) > 0) {
            lo -= step;
            step *= 2;
        }
        step = Math.max(hi - lo, scale) * 1e-12;
        while (g.applyAsDouble(hi) < 0) {
            hi += step;
            step *= 2;
        }
        BrentSolver solver = new BrentSolver(ACCURACY, ACCURACY * scale, 0.0);
        try {
            return solver.solve(MAX_EVALUATIONS, g::applyAsDouble, lo, hi);
        } catch (MathIllegalStateException e) {
            throw new IllegalStateException("no convergence for the " + p + "-quantile in [" + lo + ", " + hi + "]", e);
        }
    }

    /** The p-quantile for a double p: {@link #quantile(double, double)} with complement 1 - p. */
    public double quantile(double p) {
        return quantile(p, 1 - p);
    }

    /**
     * One draw of y from the predictive, from the stream's next uniforms in this order: u1 picks the posterior
     * draw s = floor(u1 S), u2 the expert k of the gate pi(x; w^s) (the first k whose cumulative gate
     * probability exceeds u2, as {@link Params#sampleExpert}), then a standard normal by {@link Draws#normal}
     * (two uniforms); y = beta_k^s' x~ + sigma_k^s * normal. Draws with fresh streams are independent, each
     * exactly from the mixture.
     */
    public double sample(RngStream rng) {
        int s = Math.min(draws - 1, (int) (rng.uniform() * draws));
        double u = rng.uniform();
        int base = s * experts;
        int k = 0;
        double cumulative = gate[base];
        while (u >= cumulative && k < drawExperts[s] - 1) {
            k++;
            cumulative += gate[base + k];
        }
        return means[base + k] + sds[base + k] * Draws.normal(rng);
    }

    /** log of (1/S) sum_c gate_c Phi(+-(y - m_c) / s_c): the lower tail F, or the upper tail 1 - F. */
    private double logTail(double y, boolean lower) {
        double sum = 0;
        for (int c = 0; c < gate.length; c++) {
            double z = lower ? (y - means[c]) / sds[c] : (means[c] - y) / sds[c];
            if (z > PHI_ONE_ABOVE) {
                sum += gate[c];
            } else if (z > PHI_ZERO_BELOW) {
                sum += gate[c] * 0.5 * Erfc.value(-z * INV_SQRT2);
            }
        }
        if (sum >= LINEAR_FLOOR) {
            return Math.log(sum / draws);
        }
        // far in the tail: log-sum-exp of log gate + log Phi, nothing underflows
        double max = Double.NEGATIVE_INFINITY;
        double[] terms = new double[gate.length];
        for (int c = 0; c < gate.length; c++) {
            double z = lower ? (y - means[c]) / sds[c] : (means[c] - y) / sds[c];
            terms[c] = logGate[c] + logPhi(z);
            max = Math.max(max, terms[c]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double scaled = 0;
        for (double t : terms) {
            scaled += Math.exp(t - max);
        }
        return max + Math.log(scaled) - Math.log(draws);
    }

    /** log Phi(z), through erfcx below 0 so that it does not underflow: Phi(z) = erfcx(-z/sqrt 2) e^(-z^2/2) / 2. */
    static double logPhi(double z) {
        if (z < 0) {
            return Math.log(0.5 * Erfcx.value(-z * INV_SQRT2)) - 0.5 * z * z;
        }
        return Math.log1p(-0.5 * Erfc.value(z * INV_SQRT2));
    }
}
