package bmoe.rng;

/**
 * Standard distributions drawn from an {@link RngStream}. Each consumes uniforms in a documented order
 * so the OpenCL twins (kernels/mathfn.clh) can reproduce them.
 */
public final class Draws {
    private Draws() {}

    /** Standard normal by Box-Muller from two uniforms (u1, u2): sqrt(-2 log u1) cos(2 pi u2). */
    public static double normal(RngStream rng) {
        double u1 = rng.uniform();
        double u2 = rng.uniform();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    /** Exponential with rate 1: -log u. */
    public static double exponential(RngStream rng) {
        return -Math.log(rng.uniform());
    }

    /**
     * Gamma(shape, 1) by Marsaglia and Tsang (2000); for shape < 1 the boost Gamma(shape + 1) * u^(1/shape).
     */
    public static double gamma(RngStream rng, double shape) {
        if (!(shape > 0) || Double.isInfinite(shape)) {
            throw new IllegalArgumentException("gamma shape must be positive and finite, got " + shape);
        }
        if (shape < 1.0) {
            double g = gamma(rng, shape + 1.0);
            // log space keeps u^(1/shape) from underflowing to 0 for tiny shapes
            return g * Math.exp(Math.log(rng.uniform()) / shape);
        }
        double d = shape - 1.0 / 3.0;
        double c = 1.0 / Math.sqrt(9.0 * d);
        while (true) {
            double x = normal(rng);
            double v = 1.0 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = rng.uniform();
            if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }

    /** Inverse gamma with shape a and scale b: b / Gamma(a, 1). */
    public static double inverseGamma(RngStream rng, double shape, double scale) {
        return scale / gamma(rng, shape);
    }
}
