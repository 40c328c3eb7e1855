package bmoe.analysis;

import bmoe.model.Params;

/**
 * p(y | x) at one fixed x as a finite Gaussian mixture in y: weights pi_k(x), means beta_k' x~ and
 * standard deviations sqrt(s2_k). The gates are evaluated once per x rather than once per y, which is
 * what makes quadrature over y affordable; {@link #density} agrees with exp({@link Params#logDensity}).
 */
record ConditionalMixture(double[] weights, double[] means, double[] sds) {
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2 * Math.PI);

    /** The mixture of {@code params} at x~ = (1, x); {@code x} (length p) is not modified. */
    static ConditionalMixture at(Params params, double[] x) {
        int experts = params.experts();
        double[] xTilde = new double[x.length + 1];
        xTilde[0] = 1.0;
        System.arraycopy(x, 0, xTilde, 1, x.length);
        double[] weights = new double[experts];
        params.gateLogits(xTilde, weights);
        double lse = Params.logSumExp(weights, experts);
        double[] means = new double[experts];
        double[] sds = new double[experts];
        for (int k = 0; k < experts; k++) {
            weights[k] = Math.exp(weights[k] - lse);
            means[k] = Params.dot(params.beta()[k], xTilde);
            sds[k] = Math.sqrt(params.s2()[k]);
        }
        return new ConditionalMixture(weights, means, sds);
    }

    int components() {
        return weights.length;
    }

    double density(double y) {
        double sum = 0;
        for (int k = 0; k < weights.length; k++) {
            double z = (y - means[k]) / sds[k];
            sum += weights[k] * INV_SQRT_2PI / sds[k] * Math.exp(-0.5 * z * z);
        }
        return sum;
    }
}
