package bmoe.backend;

import bmoe.model.Params;

/**
 * The parameters as the kernels read them: what goes host -> device once per sweep (or per gate).
 * Flat, row-major: w[k * d + j] for the K-1 free gates, beta[k * d + j], and per expert the Gaussian
 * constants logNorm_k = -log(2 pi s2_k) / 2 and halfPrecision_k = 1 / (2 s2_k).
 */
public record ParamsBlock(int experts, int dim, double[] w, double[] beta, double[] logNorm, double[] halfPrecision) {

    public static ParamsBlock of(Params p) {
        int experts = p.experts();
        int d = p.dim();
        double[] w = new double[(experts - 1) * d];
        double[] beta = new double[experts * d];
        double[] logNorm = new double[experts];
        double[] halfPrecision = new double[experts];
        for (int k = 0; k < experts; k++) {
            if (k < experts - 1) {
                System.arraycopy(p.w()[k], 0, w, k * d, d);
            }
            System.arraycopy(p.beta()[k], 0, beta, k * d, d);
            logNorm[k] = -0.5 * Math.log(2.0 * Math.PI * p.s2()[k]);
            halfPrecision[k] = 0.5 / p.s2()[k];
        }
        return new ParamsBlock(experts, d, w, beta, logNorm, halfPrecision);
    }

    /** The same experts with other gates (flat, as {@link #w()}); the experts' constants are not recomputed. */
    public ParamsBlock withGates(double[] gates) {
        if (gates.length != w.length) {
            throw new IllegalArgumentException("need " + w.length + " gate coefficients, got " + gates.length);
        }
        return new ParamsBlock(experts, dim, gates.clone(), beta, logNorm, halfPrecision);
    }

    /** Number of doubles this block carries across the bus. */
    public int size() {
        return w.length + beta.length + logNorm.length + halfPrecision.length;
    }
}
