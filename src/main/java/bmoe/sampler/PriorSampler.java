package bmoe.sampler;

import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.Draws;
import bmoe.rng.RngStream;

/**
 * Draws from the prior of MODEL.md: w_k ~ N(0, s_w^2 I), s2_k ~ InvGamma(a0, b0), beta_k | s2_k ~ N(0, s2_k s_b^2 I).
 * For simulation-based checks (Geweke, SBC) and prior predictive simulation.
 */
public final class PriorSampler {
    private PriorSampler() {}

    /** Consumes, in order: the gates' normals, then per expert one inverse-gamma and d normals. */
    public static Params draw(Priors priors, int experts, int dim, RngStream rng) {
        double[][] w = new double[experts - 1][dim];
        for (int k = 0; k < experts - 1; k++) {
            for (int j = 0; j < dim; j++) {
                w[k][j] = priors.gateSd() * Draws.normal(rng);
            }
        }
        double[][] beta = new double[experts][dim];
        double[] s2 = new double[experts];
        for (int k = 0; k < experts; k++) {
            s2[k] = Draws.inverseGamma(rng, priors.sigmaShape(), priors.sigmaScale());
            double sd = priors.expertSd() * Math.sqrt(s2[k]);
            for (int j = 0; j < dim; j++) {
                beta[k][j] = sd * Draws.normal(rng);
            }
        }
        return new Params(w, beta, s2);
    }
}
