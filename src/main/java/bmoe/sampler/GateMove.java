package bmoe.sampler;

import bmoe.backend.GateGradient;
import bmoe.model.Priors;
import bmoe.rng.RngStream;
import java.util.Arrays;
import java.util.function.Function;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * Step 1 of the default sweep: all K-1 gates w jointly from p(w | beta, s2, y), the allocations summed out, by
 * one simplified manifold MALA move (Girolami and Calderhead 2011) with the multinomial-logit Fisher metric:
 * <pre>
 *   L(w)  = sum_i l_i(w) - |w|^2 / (2 s_w^2)
 *   g(w)  = grad L(w),   G(w) = Fisher metric + I / s_w^2 = C C'
 *   mu(w) = w + (eps^2 / 2) G(w)^-1 g(w)
 *   w*    = mu(w) + eps C^-T xi,  xi ~ N(0, I)          so  q(w* | w) = N(w* | mu(w), eps^2 G(w)^-1)
 *   log alpha = L(w*) - L(w) + log q(w | w*) - log q(w* | w)
 * </pre>
 * with log q(a | b) = sum_j log C_jj(b) - D log eps - |C(b)'(a - mu(b))|^2 / (2 eps^2) up to a constant that
 * cancels. The metric is positive definite at every w (the prior's I / s_w^2), so the proposal always exists.
 * L(w*) - L(w) comes from the kernel's per-observation differences, never from two O(n) totals.
 *
 * <p>With a frozen metric ({@link GateMetric#FROZEN}) G is one fixed positive definite matrix M at every point:
 * the same formulas with C the Cholesky factor of M, so the log-determinants cancel (preconditioned MALA), and
 * kernel (b) need not sum the metric.
 *
 * <p>The move keeps p(w | beta, s2, y) invariant whatever eps and M are, so both may be tuned on past draws
 * during warm-up only ({@link StepSize}, {@link Chain}).
 */
public final class GateMove {
    private GateMove() {}

    /**
     * The move's outcome.
     *
     * @param gates the new gates, flat (k, j) at k d + j: the proposal if accepted, else the old ones
     * @param accepted whether the proposal was taken
     * @param acceptProb min(1, alpha); 0 when alpha is not a number (the proposal is then rejected)
     * @param metric the metric G + I / s_w^2 at the new gates (the frozen one if it was)
     */
    public record Result(double[] gates, boolean accepted, double acceptProb, double[][] metric) {}

    /** The target's log density, gradient, metric and the proposal mean at one w. */
    record Point(double[] w, double logPrior, double[] gradient, double[][] metric, Mvn.Canonical proposal) {
        /** log q(to | this), up to the constant that cancels in the ratio. */
        double logProposal(double[] to, double eps) {
            RealMatrix l = proposal.lower();
            int dim = w.length;
            double[] diff = new double[dim];
            double logDet = 0;
            for (int a = 0; a < dim; a++) {
                diff[a] = to[a] - proposal.mean()[a];
                logDet += Math.log(l.getEntry(a, a));
            }
            double quad = 0;
            for (int a = 0; a < dim; a++) {
                double v = 0; // (C' diff)_a
                for (int b = a; b < dim; b++) {
                    v += l.getEntry(b, a) * diff[b];
                }
                quad += v * v;
            }
            return logDet - dim * Math.log(eps) - quad / (2 * eps * eps);
        }
    }

    /**
     * The full target's pieces at w from kernel (b)'s data terms: prior added to gradient and metric, and the
     * proposal N(mu(w), eps^2 G(w)^-1) as the metric's Cholesky factor with mean mu(w).
     *
     * @param frozen the fixed metric (prior included), or null for the Fisher metric in {@code data}
     */
    static Point point(double[] w, GateGradient data, Priors priors, double eps, double[][] frozen) {
        int dim = w.length;
        double ridge = 1.0 / (priors.gateSd() * priors.gateSd());
        double[] gradient = data.gradient();
        double[][] metric = frozen != null ? frozen : data.metric();
        double logPrior = 0;
        for (int a = 0; a < dim; a++) {
            gradient[a] -= ridge * w[a];
            if (frozen == null) {
                metric[a][a] += ridge;
            }
            logPrior -= 0.5 * ridge * w[a] * w[a];
        }
        Mvn.Canonical newton = Mvn.canonical(metric, gradient); // mean = G^-1 g
        double[] mean = new double[dim];
        for (int a = 0; a < dim; a++) {
            mean[a] = w[a] + 0.5 * eps * eps * newton.mean()[a];
        }
        return new Point(w, logPrior, gradient, metric, new Mvn.Canonical(newton.lower(), mean));
    }

    /**
     * One move from the gates w with the Fisher metric at every point; {@code here} and the proposal's sums
     * must include the metric.
     */
    public static Result step(double[] w, GateGradient here, double eps, Priors priors,
                              Function<double[], GateGradient> atProposal, RngStream rng) {
        return step(w, here, eps, priors, null, atProposal, rng);
    }

    /**
     * One move from the gates w, whose kernel (b) sums are {@code here}.
     *
     * @param frozen the fixed metric (prior included, D x D), or null for the Fisher metric at each point (then
     *     {@code here} and the proposal's sums must include it)
     * @param atProposal kernel (b) at proposed gates, with w as the reference gates (so its logLikDiff is
     *     sum_i l_i(w*) - l_i(w))
     * @param rng the move's stream: D normals for the proposal, then one uniform for the decision
     */
    public static Result step(double[] w, GateGradient here, double eps, Priors priors, double[][] frozen,
                              Function<double[], GateGradient> atProposal, RngStream rng) {
        if (!here.isFinite()) {
            throw new IllegalStateException("collapsed gate move: the log-likelihood, gradient or metric at the current "
                    + "gates is not finite; gates " + Arrays.toString(w));
        }
        Point from = point(w, here, priors, eps, frozen);
        double[] proposal = Mvn.draw(from.proposal(), eps * eps, rng);
        double u = rng.uniform();
        for (double v : proposal) {
            if (!Double.isFinite(v)) {
                return new Result(w.clone(), false, 0.0, from.metric());
            }
        }
        GateGradient there = atProposal.apply(proposal);
        if (!there.isFinite()) {
            return new Result(w.clone(), false, 0.0, from.metric()); // so far out that its logits overflow
        }
        Point to = point(proposal, there, priors, eps, frozen);
        double logAlpha = there.logLikelihoodDiff() + to.logPrior() - from.logPrior()
                + to.logProposal(w, eps) - from.logProposal(proposal, eps);
        double acceptProb = Double.isNaN(logAlpha) ? 0.0 : Math.exp(Math.min(0.0, logAlpha));
        boolean accept = !Double.isNaN(logAlpha) && Math.log(u) < logAlpha;
        return new Result(accept ? proposal : w.clone(), accept, acceptProb, accept ? to.metric() : from.metric());
    }
}
