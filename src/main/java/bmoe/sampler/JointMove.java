package bmoe.sampler;

import bmoe.backend.GateGradient;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.Draws;
import bmoe.rng.RngStream;
import java.util.function.Function;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException;

/**
 * A joint move of the gates and the experts, allocations summed out: Hamiltonian Monte Carlo (Duane et al. 1987;
 * Neal 2011) on theta = (w, beta, u) with u_k = log s2_k, targeting p(w, beta, s2 | y, b0, s_w).
 *
 * <p>Why: the gate move changes the gates with the experts held, and the experts change only given z, so where a
 * gate's boundary and the lines of the experts on either side of it must move together (a ridge of the posterior,
 * as at mcycle's times 20 to 30) each step can go only a short way along it. This move changes all of them at once
 * along the gradient of the collapsed posterior.
 *
 * <p>The target in theta (constants dropped; the Jacobian of s2 = e^u is the + u_k):
 * <pre>
 *   L(theta) = sum_i l_i(theta) - |w|^2 / (2 s_w^2)
 *              + sum_k [ -(a0 + d / 2) u_k - (b0 + |beta_k|^2 / (2 s_b^2)) e^(-u_k) ]
 *   l_i      = LSE_k(eta_ik + phi_ik) - LSE_k(eta_ik),   phi_ik = -u_k / 2 - e_ik^2 e^(-u_k) / 2 - log(2 pi) / 2
 *   dL/dw_k    = sum_i (r_ik - pi_ik) x~_i - w_k / s_w^2
 *   dL/dbeta_k = (B_k - beta_k / s_b^2) e^(-u_k)
 *   dL/du_k    = (C_k e^(-u_k) - A_k) / 2 - (a0 + d / 2) + (b0 + |beta_k|^2 / (2 s_b^2)) e^(-u_k)
 * </pre>
 * with kernel (b)'s sums A_k, B_k, C_k ({@link GateGradient}). One move: momentum rho = C xi, xi ~ N(0, I), for a
 * fixed mass matrix M; L leapfrog steps of size eps' = eps exp(j), j ~ U(-0.1, 0.1) drawn before the
 * trajectory (a jitter that breaks periodic trajectories; it depends on nothing in the state, so the move is
 * reversible for each value of it); accept the end point with probability min(1, exp(H0 - H1)),
 * H = -L(theta) + rho' M^-1 rho / 2, so that with M^-1 = C C' the momentum is rho = C^-T xi. Leapfrog is volume preserving and reversible under rho -> -rho, so the move
 * leaves the target invariant for any fixed M, eps and L (the negated end momentum is discarded, as the next move
 * draws a fresh one).
 *
 * <p>L(theta_1) - L(theta_0) is the difference of two O(n) totals of kernel (b), each summed in double in a fixed
 * order: with |l_i| <= 50, its rounding is below n 50 2^-53, about 1e-6 at n = 1e8, far below the scale of
 * log u. (The gate move sums per-observation differences instead; here both the gates and the experts move, so
 * the reference would be the whole parameter block.)
 *
 * <p>Each leapfrog step costs one pass of kernel (b); the first gradient is the gate move's last sums, which are at
 * the same state. M^-1 is the regularised covariance of the chain's own draws of theta over the second quarter of
 * warm-up ({@link JointState}, as Stan's windowed adaptation), so it carries the posterior's correlations between
 * a gate and the experts beside it, which are what the other steps cannot follow; the step eps is then adapted
 * over the second half of warm-up ({@link StepSize} with target {@link #TARGET_ACCEPT}). Both are constants for
 * the draws.
 */
public final class JointMove {
    private JointMove() {}

    /** Dual averaging's target for HMC (Stan's default). */
    public static final double TARGET_ACCEPT = 0.8;
    /** Half-width of the log step's uniform jitter. */
    static final double JITTER = 0.1;

    /**
     * The outcome.
     *
     * @param params the new parameters (the end point if accepted, else the old ones)
     * @param sums kernel (b)'s sums at params
     * @param acceptProb min(1, exp(H0 - H1)); 0 when the trajectory left the finite numbers
     * @param passes passes over the data the move made
     */
    public record Result(Params params, GateGradient sums, boolean accepted, double acceptProb, int passes) {}

    /** Dimension of theta: (K - 1) d gates, K d coefficients, K log variances. */
    public static int dimension(int experts, int dim) {
        return (experts - 1) * dim + experts * dim + experts;
    }

    /** theta = (w flat, beta flat, log s2). */
    static double[] theta(Params p) {
        int experts = p.experts();
        int d = p.dim();
        double[] t = new double[dimension(experts, d)];
        int idx = 0;
        for (double[] wk : p.w()) {
            for (double v : wk) {
                t[idx++] = v;
            }
        }
        for (double[] bk : p.beta()) {
            for (double v : bk) {
                t[idx++] = v;
            }
        }
        for (double s2 : p.s2()) {
            t[idx++] = Math.log(s2);
        }
        return t;
    }

    /** The parameters of theta; null where a variance is not a positive finite number. */
    static Params params(double[] t, int experts, int d) {
        double[][] w = new double[experts - 1][d];
        double[][] beta = new double[experts][d];
        double[] s2 = new double[experts];
        int idx = 0;
        for (int k = 0; k < experts - 1; k++) {
            for (int j = 0; j < d; j++) {
                w[k][j] = t[idx++];
            }
        }
        for (int k = 0; k < experts; k++) {
            for (int j = 0; j < d; j++) {
                beta[k][j] = t[idx++];
            }
        }
        for (int k = 0; k < experts; k++) {
            s2[k] = Math.exp(t[idx++]);
            if (!(s2[k] > 0) || Double.isInfinite(s2[k])) {
                return null;
            }
        }
        return new Params(w, beta, s2);
    }

    /** log target L(theta) and its gradient, from kernel (b)'s sums at p. */
    record Point(double[] theta, double logTarget, double[] gradient) {}

    static Point point(Params p, GateGradient sums, Priors priors) {
        return point(p, sums, priors, 1.0);
    }

    /**
     * {@link #point} with the Jacobian term of u = log s2 weighted by {@code jacobian}: 1 is the move's target;
     * 0, the density of s2 taken as if it were one of u, is GewekeTest's negative control.
     */
    static Point point(Params p, GateGradient sums, Priors priors, double jacobian) {
        int experts = p.experts();
        int d = p.dim();
        double[] t = theta(p);
        double[] g = new double[t.length];
        double ridge = 1.0 / (priors.gateSd() * priors.gateSd());
        double expertRidge = 1.0 / (priors.expertSd() * priors.expertSd());
        double a0 = priors.sigmaShape() + 1.0 - jacobian;
        double b0 = priors.sigmaScale();
        double logTarget = sums.logLikelihood();
        double[] gateGradient = sums.gradient();
        int free = (experts - 1) * d;
        for (int a = 0; a < free; a++) {
            g[a] = gateGradient[a] - ridge * t[a];
            logTarget -= 0.5 * ridge * t[a] * t[a];
        }
        for (int k = 0; k < experts; k++) {
            double precision = 1.0 / p.s2()[k];
            double[] bk = p.beta()[k];
            double[] wr = sums.weightedResidual(k);
            double norm2 = 0;
            for (int j = 0; j < d; j++) {
                g[free + k * d + j] = (wr[j] - bk[j] * expertRidge) * precision;
                norm2 += bk[j] * bk[j];
            }
            double scale = b0 + 0.5 * norm2 * expertRidge;
            double u = t[free + experts * d + k];
            g[free + experts * d + k] = 0.5 * (sums.weightedSquares(k) * precision - sums.responsibility(k))
                    - (a0 + 0.5 * d) + scale * precision;
            logTarget += -(a0 + 0.5 * d) * u - scale * precision;
        }
        return new Point(t, logTarget, g);
    }

    /** The lower Cholesky factor of the inverse mass matrix. */
    static double[][] cholesky(double[][] covariance) {
        try {
            return new CholeskyDecomposition(new Array2DRowRealMatrix(covariance, true), 1e-10, 1e-300).getL().getData();
        } catch (NonPositiveDefiniteMatrixException e) {
            throw new IllegalStateException("the joint move's inverse mass matrix is not positive definite", e);
        }
    }

    /**
     * One move from p, whose kernel (b) sums are {@code here}.
     *
     * @param lower the lower Cholesky factor C of the inverse mass matrix M^-1 = C C'
     * @param steps leapfrog steps L
     * @param atPoint kernel (b) at a point (no reference, no metric)
     * @param rng the move's stream: the jitter's uniform, dim normals for the momentum, then the decision's uniform
     */
    public static Result step(Params p, GateGradient here, double eps, int steps, double[][] lower, Priors priors,
                              Function<Params, GateGradient> atPoint, RngStream rng) {
        return step(p, here, eps, steps, lower, priors, atPoint, rng, 1.0);
    }

    /** {@link #step} on the target of {@link #point(Params, GateGradient, Priors, double)}. */
    static Result step(Params p, GateGradient here, double eps, int steps, double[][] lower, Priors priors,
                       Function<Params, GateGradient> atPoint, RngStream rng, double jacobian) {
        int experts = p.experts();
        int d = p.dim();
        int n = dimension(experts, d);
        double h = eps * Math.exp(JITTER * (2 * rng.uniform() - 1));
        double[] xi = new double[n];
        for (int j = 0; j < n; j++) {
            xi[j] = Draws.normal(rng);
        }
        double u = rng.uniform();
        if (!here.isFinite()) {
            throw new IllegalStateException("joint move: kernel (b)'s sums at the current state are not finite");
        }
        Point start = point(p, here, priors, jacobian);
        double[] rho = solveUpper(lower, xi); // C^-T xi ~ N(0, M)
        double h0 = -start.logTarget() + 0.5 * dot(xi, xi);
        double[] theta = start.theta().clone();
        double[] gradient = start.gradient();
        Point end = start;
        GateGradient endSums = here;
        Params endParams = p;
        int passes = 0;
        for (int j = 0; j < n; j++) {
            rho[j] += 0.5 * h * gradient[j];
        }
        for (int step = 1; step <= steps; step++) {
            double[] velocity = lowerTimes(lower, upperTimes(lower, rho)); // M^-1 rho = C C' rho
            for (int j = 0; j < n; j++) {
                theta[j] += h * velocity[j];
            }
            endParams = params(theta, experts, d);
            if (endParams == null) {
                return new Result(p, here, false, 0.0, passes);
            }
            endSums = atPoint.apply(endParams);
            passes++;
            if (!endSums.isFinite()) {
                return new Result(p, here, false, 0.0, passes); // so far out that the logits overflow
            }
            end = point(endParams, endSums, priors, jacobian);
            gradient = end.gradient();
            double weight = step < steps ? h : 0.5 * h;
            for (int j = 0; j < n; j++) {
                rho[j] += weight * gradient[j];
            }
        }
        double[] z = upperTimes(lower, rho); // rho' M^-1 rho = |C' rho|^2
        double h1 = -end.logTarget() + 0.5 * dot(z, z);
        double logAlpha = h0 - h1;
        if (Double.isNaN(logAlpha)) {
            return new Result(p, here, false, 0.0, passes);
        }
        double acceptProb = Math.exp(Math.min(0.0, logAlpha));
        boolean accept = Math.log(u) < logAlpha;
        return accept ? new Result(endParams, endSums, true, acceptProb, passes)
                : new Result(p, here, false, acceptProb, passes);
    }

    private static double[] lowerTimes(double[][] l, double[] v) {
        double[] out = new double[v.length];
        for (int a = 0; a < v.length; a++) {
            double s = 0;
            for (int b = 0; b <= a; b++) {
                s += l[a][b] * v[b];
            }
            out[a] = s;
        }
        return out;
    }

    /** C' v. */
    private static double[] upperTimes(double[][] l, double[] v) {
        int n = v.length;
        double[] out = new double[n];
        for (int a = 0; a < n; a++) {
            double s = 0;
            for (int b = a; b < n; b++) {
                s += l[b][a] * v[b];
            }
            out[a] = s;
        }
        return out;
    }

    /** C^-T v by back substitution. */
    private static double[] solveUpper(double[][] l, double[] v) {
        int n = v.length;
        double[] out = new double[n];
        for (int a = n - 1; a >= 0; a--) {
            double s = v[a];
            for (int b = a + 1; b < n; b++) {
                s -= l[b][a] * out[b];
            }
            out[a] = s / l[a][a];
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += a[j] * b[j];
        }
        return s;
    }
}
