package bmoe.model;

/**
 * Prior hyper-parameters (invalid values are reported under their command-line option names), on the scale the
 * sampler sees (standardised unless turned off):
 * w_k ~ N(0, gateSd^2 I), beta_k | s2_k ~ N(0, s2_k expertSd^2 I), s2_k ~ InvGamma(sigmaShape, b0), and either b0 =
 * sigmaScale, fixed, or b0 ~ Gamma(scaleShape, scaleRate), shared by the experts and sampled (Richardson and Green
 * 1997).
 *
 * <p>Why the hyperprior: a fixed b0 fixes the scale of every expert's noise a priori, and with b0 = 1 on the
 * standardised scale InvGamma(2, 1) puts P(s2 &lt; 0.05) near 4e-8, so a flat, low-noise segment of real data (the
 * first 14 ms of the motorcycle data) cannot get its own expert. With b0 sampled, the experts' noise levels inform
 * b0 and so each other, and a small s2 is as reachable as the data make it.
 *
 * @param sigmaScale the fixed b0, or where b0 starts when it is sampled (the hyperprior's mean)
 * @param scaleShape g of b0's Gamma hyperprior, 0 when b0 is fixed
 * @param scaleRate h of b0's Gamma hyperprior (a rate), 0 when b0 is fixed
 * @param gateVarShape a_w of s_w^2 ~ InvGamma(a_w, b_w) when the gates' prior scale is sampled, 0 when s_w is fixed
 *     ({@code gateSd} is then s_w; else where s_w starts)
 * @param gateVarScale b_w of that inverse gamma, 0 when s_w is fixed
 */
public record Priors(double gateSd, double expertSd, double sigmaShape, double sigmaScale, double scaleShape,
                     double scaleRate, double gateVarShape, double gateVarScale) {
    /** Fixed-b0 priors for standardised data, weakly informative on the unit scale (tests, benchmarks). */
    public static final Priors DEFAULT = new Priors(5.0, 5.0, 2.0, 1.0);

    /** g of Richardson and Green's (1997) hyperprior b0 ~ Gamma(g, h): diffuse, so the data decide b0. */
    public static final double DEFAULT_SCALE_SHAPE = 0.2;

    /** Richardson and Green's h = RATE_PER_RANGE / R^2, with R the range of y on the sampler's scale. */
    public static final double RATE_PER_RANGE = 10.0;

    public Priors {
        requirePositive("prior-gate-sd", gateSd);
        requirePositive("prior-expert-sd", expertSd);
        requirePositive("prior-sigma-shape", sigmaShape);
        requirePositive("prior-sigma-scale", sigmaScale);
        if (scaleShape != 0 || scaleRate != 0) {
            requirePositive("prior-scale-shape", scaleShape);
            requirePositive("prior-scale-rate", scaleRate);
        }
        if (gateVarShape != 0 || gateVarScale != 0) {
            requirePositive("prior-gate-var-shape", gateVarShape);
            requirePositive("prior-gate-var-scale", gateVarScale);
        }
    }

    /** Priors with b0 fixed at {@code sigmaScale} and s_w fixed at {@code gateSd}. */
    public Priors(double gateSd, double expertSd, double sigmaShape, double sigmaScale) {
        this(gateSd, expertSd, sigmaShape, sigmaScale, 0, 0, 0, 0);
    }

    /** Priors with s_w fixed at {@code gateSd}. */
    public Priors(double gateSd, double expertSd, double sigmaShape, double sigmaScale, double scaleShape,
                  double scaleRate) {
        this(gateSd, expertSd, sigmaShape, sigmaScale, scaleShape, scaleRate, 0, 0);
    }

    /**
     * These priors with the gates' prior scale sampled: s_w^2 ~ InvGamma(shape, scale), starting at its mode
     * scale / (shape + 1).
     */
    public Priors withSampledGateScale(double shape, double scale) {
        requirePositive("prior-gate-var-shape", shape);
        requirePositive("prior-gate-var-scale", scale);
        return new Priors(Math.sqrt(scale / (shape + 1)), expertSd, sigmaShape, sigmaScale, scaleShape, scaleRate,
                shape, scale);
    }

    /** Priors with b0 ~ Gamma(scaleShape, scaleRate), starting at its mean. */
    public static Priors sampledScale(double gateSd, double expertSd, double sigmaShape, double scaleShape,
                                      double scaleRate) {
        requirePositive("prior-scale-shape", scaleShape);
        requirePositive("prior-scale-rate", scaleRate);
        return new Priors(gateSd, expertSd, sigmaShape, scaleShape / scaleRate, scaleShape, scaleRate);
    }

    /**
     * Richardson and Green's data-dependent rate h = 10 / R^2 for responses {@code y} on the sampler's scale: b0
     * then has mean g R^2 / 10, so a priori an expert's noise sd is a fraction of the data's range.
     */
    public static double defaultScaleRate(float[] y) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (float v : y) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        double range = hi - lo;
        if (!(range > 0) || Double.isInfinite(range)) {
            throw new IllegalArgumentException("the response is constant, so it has no range to scale the prior by");
        }
        return RATE_PER_RANGE / (range * range);
    }

    /** Whether b0 is a parameter of the model (sampled) rather than a constant. */
    public boolean sigmaScaleSampled() {
        return scaleShape > 0;
    }

    /** Whether s_w is a parameter of the model (sampled) rather than a constant. */
    public boolean gateSdSampled() {
        return gateVarShape > 0;
    }

    /**
     * These priors with b0 and s_w fixed at the chain's current values: the conditional priors of the other
     * steps. A value is used only where the priors sample that quantity.
     */
    public Priors given(double b0, double sw) {
        return new Priors(gateSdSampled() ? sw : gateSd, expertSd, sigmaShape, sigmaScaleSampled() ? b0 : sigmaScale);
    }


    private static void requirePositive(String what, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(what + " must be positive and finite, got " + value);
        }
    }
}
