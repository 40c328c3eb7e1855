package bmoe.model;

/**
 * Prior hyper-parameters (invalid values are reported under their command-line option names), on the scale the sampler sees (standardised unless turned off):
 * w_k ~ N(0, gateSd^2 I), beta_k | s2_k ~ N(0, s2_k expertSd^2 I), s2_k ~ InvGamma(sigmaShape, sigmaScale).
 */
public record Priors(double gateSd, double expertSd, double sigmaShape, double sigmaScale) {
    /** Defaults for standardised data: weakly informative on the unit scale. */
    public static final Priors DEFAULT = new Priors(5.0, 5.0, 2.0, 1.0);

    public Priors {
        requirePositive("prior-gate-sd", gateSd);
        requirePositive("prior-expert-sd", expertSd);
        requirePositive("prior-sigma-shape", sigmaShape);
        requirePositive("prior-sigma-scale", sigmaScale);
    }

    private static void requirePositive(String what, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(what + " must be positive and finite, got " + value);
        }
    }
}
