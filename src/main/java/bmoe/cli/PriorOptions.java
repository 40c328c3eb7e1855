package bmoe.cli;

import bmoe.io.UserError;
import bmoe.model.Dataset;
import bmoe.model.Priors;
import picocli.CommandLine.Option;

/**
 * The prior options of a fit, as given. The priors themselves follow once the data are read: the default rate of
 * b0's hyperprior depends on the range of y. Checked in two steps so that a bad value is refused before the data are
 * read ({@link #check}) and a data-dependent one after ({@link #priors}).
 */
final class PriorOptions {
    static final String AUTO = "auto";
    /** s_w^2 ~ InvGamma(1, 25) by default: median s_w about 6, P(s_w &gt; 20) about 6%, P(s_w &lt; 2) 0.2%. */
    static final double DEFAULT_GATE_VAR_SHAPE = 1.0;
    static final double DEFAULT_GATE_VAR_SCALE = 25.0;

    @Option(names = "--prior-gate-sd", defaultValue = AUTO, paramLabel = "auto|S",
            description = "s_w: w_k ~ N(0, s_w^2 I); auto (default) samples it, s_w^2 ~ InvGamma(--prior-gate-var-shape, "
                + "--prior-gate-var-scale), so the data can make the gates as steep as a sharp change between experts "
                + "needs (steep gates mix more slowly: watch R-hat); a number fixes s_w (5 was the default before).")
    String gateSd = AUTO;

    @Option(names = "--prior-gate-var-shape", paramLabel = "A",
            description = "a_w of s_w^2 ~ InvGamma(a_w, b_w), with --prior-gate-sd auto (default "
                + DEFAULT_GATE_VAR_SHAPE + ").")
    Double gateVarShape;

    @Option(names = "--prior-gate-var-scale", paramLabel = "B",
            description = "b_w of s_w^2 ~ InvGamma(a_w, b_w), with --prior-gate-sd auto (default "
                + DEFAULT_GATE_VAR_SCALE + ": median s_w about 6).")
    Double gateVarScale;

    @Option(names = "--prior-expert-sd", defaultValue = "5.0",
            description = "s_b: beta_k | s2_k ~ N(0, s2_k s_b^2 I) (default ${DEFAULT-VALUE}).")
    double expertSd = 5.0;

    @Option(names = "--prior-sigma-shape", defaultValue = "2.0", description = "a0: s2_k ~ InvGamma(a0, b0) (default ${DEFAULT-VALUE}).")
    double sigmaShape = 2.0;

    @Option(names = "--prior-sigma-scale", defaultValue = AUTO, paramLabel = "auto|B0",
            description = "b0: auto (default), b0 ~ Gamma(g, h) is sampled with the experts, so their noise levels "
                + "inform each other and a low-noise expert is as reachable as the data make it (Richardson and "
                + "Green 1997); a number fixes b0 (the prior mean of s2_k is then b0 / (a0 - 1)).")
    String sigmaScale = AUTO;

    @Option(names = "--prior-scale-shape", paramLabel = "G",
            description = "g of b0 ~ Gamma(g, h), with --prior-sigma-scale auto (default " + Priors.DEFAULT_SCALE_SHAPE
                + ": diffuse).")
    Double scaleShape;

    @Option(names = "--prior-scale-rate", paramLabel = "auto|H",
            description = "h, the rate of b0 ~ Gamma(g, h), with --prior-sigma-scale auto; auto (default): 10 / R^2, "
                + "R the range of y on the sampler's scale, so b0's prior mean is g R^2 / 10.")
    String scaleRate;

    /** One-line errors for values that are wrong whatever the data. */
    void check() {
        if (!sigmaScaleSampled() && (scaleShape != null || scaleRate != null)) {
            throw new UserError("--prior-scale-shape and --prior-scale-rate set b0's hyperprior, which only "
                    + "--prior-sigma-scale auto has; a number for --prior-sigma-scale fixes b0");
        }
        if (!gateSdSampled() && (gateVarShape != null || gateVarScale != null)) {
            throw new UserError("--prior-gate-var-shape and --prior-gate-var-scale set s_w's prior, which only "
                    + "--prior-gate-sd auto has; a number for --prior-gate-sd fixes s_w");
        }
        priors(null);
    }

    private boolean sigmaScaleSampled() {
        return sigmaScale.strip().equals(AUTO);
    }

    private boolean gateSdSampled() {
        return gateSd.strip().equals(AUTO);
    }

    private static double number(String option, String value) {
        try {
            return Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw new UserError(option + " must be auto or a positive number, got '" + value + "'");
        }
    }

    /**
     * The priors on the sampler's scale of {@code data}, with a bad value reported under its option name; with data
     * null, a stand-in for the data-dependent rate (for {@link #check}).
     */
    Priors priors(Dataset data) {
        boolean autoRate = scaleRate == null || scaleRate.strip().equals(AUTO);
        double h = autoRate ? 1.0 : number("--prior-scale-rate", scaleRate);
        double fixedSw = gateSdSampled() ? 1.0 : number("--prior-gate-sd", gateSd);
        double fixedB0 = sigmaScaleSampled() ? 1.0 : number("--prior-sigma-scale", sigmaScale);
        if (data != null && sigmaScaleSampled() && autoRate) {
            try {
                h = Priors.defaultScaleRate(data.yRange()); // the range of y is that of its extremes
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage() + "; give --prior-scale-rate or a fixed --prior-sigma-scale");
            }
        }
        try {
            Priors p = sigmaScaleSampled()
                    ? Priors.sampledScale(fixedSw, expertSd, sigmaShape,
                        scaleShape != null ? scaleShape : Priors.DEFAULT_SCALE_SHAPE, h)
                    : new Priors(fixedSw, expertSd, sigmaShape, fixedB0);
            if (gateSdSampled()) {
                p = p.withSampledGateScale(gateVarShape != null ? gateVarShape : DEFAULT_GATE_VAR_SHAPE,
                        gateVarScale != null ? gateVarScale : DEFAULT_GATE_VAR_SCALE);
            }
            return p;
        } catch (IllegalArgumentException e) {
            throw new UserError("--" + e.getMessage());
        }
    }
}
