package bmoe.sampler;

import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.Draws;
import bmoe.rng.RngStream;

/**
 * Draws from the prior of MODEL.md: b0 ~ Gamma(g, h) and s_w^2 ~ InvGamma(a_w, b_w) when the priors sample them,
 * w_k ~ N(0, s_w^2 I),
 * s2_k ~ InvGamma(a0, b0), beta_k | s2_k ~ N(0, s2_k s_b^2 I). For simulation-based checks (Geweke, SBC) and
 * prior predictive simulation.
 */
public final class PriorSampler {
    private PriorSampler() {}

    /** A prior draw of the parameters, of b0 and of s_w (each NaN when the priors fix it). */
    public record Draw(Params params, double sigmaScale, double gateSd) {}

    /** The parameters of {@link #drawWithScale}. */
    public static Params draw(Priors priors, int experts, int dim, RngStream rng) {
        return drawWithScale(priors, experts, dim, rng).params();
    }

    /**
     * Consumes, in order: one gamma variate for b0 when the priors sample it, one for s_w^2 when they sample it,
     * the gates' normals, then per expert one inverse-gamma and d normals.
     */
    public static Draw drawWithScale(Priors priors, int experts, int dim, RngStream rng) {
        double b0 = priors.sigmaScaleSampled() ? Draws.gamma(rng, priors.scaleShape()) / priors.scaleRate()
                : priors.sigmaScale();
        double sw = priors.gateSdSampled()
                ? Math.sqrt(Draws.inverseGamma(rng, priors.gateVarShape(), priors.gateVarScale())) : priors.gateSd();
        double[][] w = new double[experts - 1][dim];
        for (int k = 0; k < experts - 1; k++) {
            for (int j = 0; j < dim; j++) {
                w[k][j] = sw * Draws.normal(rng);
            }
        }
        double[][] beta = new double[experts][dim];
        double[] s2 = new double[experts];
        for (int k = 0; k < experts; k++) {
            s2[k] = Draws.inverseGamma(rng, priors.sigmaShape(), b0);
            double sd = priors.expertSd() * Math.sqrt(s2[k]);
            for (int j = 0; j < dim; j++) {
                beta[k][j] = sd * Draws.normal(rng);
            }
        }
        return new Draw(new Params(w, beta, s2), priors.sigmaScaleSampled() ? b0 : Double.NaN,
                priors.gateSdSampled() ? sw : Double.NaN);
    }
}
