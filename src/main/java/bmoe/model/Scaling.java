package bmoe.model;

/**
 * The affine map between the original data and the scale the sampler sees:
 * x_j = (X_j - xMean_j) / xSd_j and y = (Y - yMean) / ySd. The identity when standardising is off.
 */
public record Scaling(double[] xMean, double[] xSd, double yMean, double ySd) {
    public static Scaling identity(int p) {
        double[] ones = new double[p];
        java.util.Arrays.fill(ones, 1.0);
        return new Scaling(new double[p], ones, 0.0, 1.0);
    }

    public boolean isIdentity() {
        if (yMean != 0 || ySd != 1) {
            return false;
        }
        for (int j = 0; j < xMean.length; j++) {
            if (xMean[j] != 0 || xSd[j] != 1) {
                return false;
            }
        }
        return true;
    }

    /**
     * Maps parameters from the sampler's scale to the original one, exactly:
     * Y = yMean + ySd (b0 + sum_j b_j (X_j - xMean_j) / xSd_j), so B_j = ySd b_j / xSd_j,
     * B_0 = yMean + ySd (b0 - sum_j b_j xMean_j / xSd_j), S2 = ySd^2 s2; gates likewise without y.
     */
    public Params toOriginal(Params p) {
        int experts = p.experts();
        double[][] w = new double[experts - 1][];
        for (int k = 0; k < experts - 1; k++) {
            w[k] = mapLinear(p.w()[k], 0.0, 1.0);
        }
        double[][] beta = new double[experts][];
        double[] s2 = new double[experts];
        for (int k = 0; k < experts; k++) {
            beta[k] = mapLinear(p.beta()[k], yMean, ySd);
            s2[k] = ySd * ySd * p.s2()[k];
        }
        return new Params(w, beta, s2);
    }

    /** Inverse of {@link #toOriginal}. */
    public Params toStandardized(Params p) {
        int experts = p.experts();
        double[][] w = new double[experts - 1][];
        for (int k = 0; k < experts - 1; k++) {
            w[k] = unmapLinear(p.w()[k], 0.0, 1.0);
        }
        double[][] beta = new double[experts][];
        double[] s2 = new double[experts];
        for (int k = 0; k < experts; k++) {
            beta[k] = unmapLinear(p.beta()[k], yMean, ySd);
            s2[k] = p.s2()[k] / (ySd * ySd);
        }
        return new Params(w, beta, s2);
    }

    private double[] mapLinear(double[] b, double shift, double scale) {
        double[] out = new double[b.length];
        double intercept = b[0];
        for (int j = 1; j < b.length; j++) {
            out[j] = scale * b[j] / xSd[j - 1];
            intercept -= b[j] * xMean[j - 1] / xSd[j - 1];
        }
        out[0] = shift + scale * intercept;
        return out;
    }

    private double[] unmapLinear(double[] b, double shift, double scale) {
        double[] out = new double[b.length];
        double intercept = (b[0] - shift) / scale;
        for (int j = 1; j < b.length; j++) {
            out[j] = b[j] * xSd[j - 1] / scale;
            intercept += out[j] * xMean[j - 1] / xSd[j - 1];
        }
        out[0] = intercept;
        return out;
    }

    /**
     * The data log-likelihood on the original scale from the one on the sampler's scale. Y = yMean + ySd y,
     * so p(Y | X) = p(y | x) / ySd per observation and log p(Y | X) = log p(y | x) - n log(ySd); x is only
     * conditioned on, so its scaling changes nothing. Exact (unchanged) when y is not standardised.
     */
    public double logLikelihoodToOriginal(double logLikelihood, int n) {
        return logLikelihood - n * Math.log(ySd);
    }

    /** Design row x~ = (1, x) on the sampler's scale for an original-scale x. */
    public double[] designRow(double[] x) {
        double[] row = new double[x.length + 1];
        row[0] = 1.0;
        for (int j = 0; j < x.length; j++) {
            row[j + 1] = (x[j] - xMean[j]) / xSd[j];
        }
        return row;
    }
}
