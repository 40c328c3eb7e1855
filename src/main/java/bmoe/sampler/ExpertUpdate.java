package bmoe.sampler;

import bmoe.model.Priors;
import bmoe.rng.Draws;
import bmoe.rng.RngStream;

/**
 * Step 2 of the sweep, one expert: the normal-inverse-gamma conditional from sufficient statistics.
 * <pre>
 *   V = (S + I / s_b^2)^-1,  m = V r
 *   s2   ~ InvGamma(a0 + n/2, b0 + (q - m' V^-1 m) / 2)
 *   beta ~ N(m, s2 V)
 * </pre>
 * With n = 0 (S = 0, r = 0, q = 0) this is the prior.
 */
public final class ExpertUpdate {
    private ExpertUpdate() {}

    /** The conditional's parameters: precision V^-1, mean m, and the inverse-gamma shape and scale. */
    public record Posterior(double[][] precision, double[] mean, double shape, double scale, boolean clamped,
                            Mvn.Canonical canonical) {}

    /** A draw of (beta_k, s2_k); clamped says that q - m' V^-1 m rounded below 0 and was set to 0. */
    public record Draw(double[] beta, double s2, boolean clamped) {}

    public static Posterior posterior(double n, double[][] gram, double[] cross, double sumSquares, Priors priors) {
        int d = cross.length;
        double[][] precision = new double[d][d];
        double ridge = 1.0 / (priors.expertSd() * priors.expertSd());
        for (int a = 0; a < d; a++) {
            precision[a] = gram[a].clone();
            precision[a][a] += ridge;
        }
        Mvn.Canonical canonical = Mvn.canonical(precision, cross);
        double[] m = canonical.mean();
        // m' V^-1 m = m' r since V^-1 m = r
        double residual = sumSquares - Mvn.dotProduct(m, cross);
        boolean clamped = residual < 0;
        if (clamped) {
            residual = 0;
        }
        return new Posterior(precision, m, priors.sigmaShape() + 0.5 * n, priors.sigmaScale() + 0.5 * residual,
                clamped, canonical);
    }

    /** Draws s2 first (a gamma variate), then the d normals for beta, all from rng in that order. */
    public static Draw draw(Posterior post, RngStream rng) {
        double s2 = Draws.inverseGamma(rng, post.shape(), post.scale());
        double[] beta = Mvn.draw(post.canonical(), s2, rng);
        return new Draw(beta, s2, post.clamped());
    }
}
