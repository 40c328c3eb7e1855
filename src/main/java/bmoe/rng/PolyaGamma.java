package bmoe.rng;

import org.apache.commons.numbers.gamma.Erfc;
import org.apache.commons.numbers.gamma.Erfcx;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exact draws from the Polya-Gamma distribution PG(1, c), by Devroye's alternating-series method as in
 * Polson, Scott and Windle (2013), Algorithm 1, with truncation point t = 0.64.
 *
 * <p>Draws J*(1, z) with z = |c|/2 from a mixture proposal (a truncated exponential right of t and a
 * truncated inverse Gaussian left of t) and accepts with the alternating series of the density; returns
 * J* / 4. The expected number of proposals is below 1.001 for every c. The OpenCL twin is
 * {@code kernels/polya_gamma.clh}; keep the order in which uniforms are consumed identical.
 */
public final class PolyaGamma {
    static final double TRUNC = 0.64;
    private static final double PI2_OVER_8 = Math.PI * Math.PI / 8.0;
    private static final double HALF_PI = 0.5 * Math.PI;
    private static final double FOUR_OVER_PI = 4.0 / Math.PI;
    private static final double ROOT_TRUNC = Math.sqrt(TRUNC);
    /** exp(t pi^2 / 8 - 1 / (2t)): the constant factor of q/p's inverse-Gaussian term. */
    private static final double EXP_A_TERM = Math.exp(TRUNC * Math.PI * Math.PI / 8.0 - 0.5 / TRUNC);
    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);

    private PolyaGamma() {}

    /**
     * The constants the OpenCL twin needs, by macro name, with exactly these bits (the device build gets them
     * as hexadecimal -D options, so host and device never round a constant differently).
     */
    public static Map<String, Double> deviceConstants() {
        Map<String, Double> c = new LinkedHashMap<>();
        c.put("PG_TRUNC", TRUNC);
        c.put("PG_PI2_OVER_8", PI2_OVER_8);
        c.put("PG_HALF_PI", HALF_PI);
        c.put("PG_FOUR_OVER_PI", FOUR_OVER_PI);
        c.put("PG_ROOT_TRUNC", ROOT_TRUNC);
        c.put("PG_EXP_A_TERM", EXP_A_TERM);
        c.put("PG_INV_SQRT2", INV_SQRT2);
        c.put("PG_SQRT_PI", Math.sqrt(Math.PI));
        return c;
    }

    /** One draw of PG(1, c). c must be finite: a NaN would never be accepted, so it is refused up front. */
    public static double draw(RngStream rng, double c) {
        if (!Double.isFinite(c)) {
            throw new IllegalStateException("Polya-Gamma argument is not finite: " + c);
        }
        double z = 0.5 * Math.abs(c);
        double fz = PI2_OVER_8 + 0.5 * z * z;
        double massExp = massTruncatedExponential(z, fz);
        while (true) {
            double x;
            if (rng.uniform() < massExp) {
                x = TRUNC + Draws.exponential(rng) / fz;
            } else {
                x = truncatedInverseGaussian(rng, z);
            }
            // Alternating series: accept when a uniform under a(0, x) falls below a partial sum
            // from above, reject when it lands above one from below (Devroye 1986, IV.5).
            double logLeft = x > TRUNC ? 0.0 : -1.5 * Math.log(HALF_PI * x); // (pi x / 2)^-1.5, once per x
            double s = coefficient(0, x, logLeft);
            double y = rng.uniform() * s;
            for (int n = 1; ; n++) {
                if ((n & 1) == 1) {
                    s -= coefficient(n, x, logLeft);
                    if (y <= s) {
                        return 0.25 * x;
                    }
                } else {
                    s += coefficient(n, x, logLeft);
                    if (y > s) {
                        break;
                    }
                }
            }
        }
    }

    /** The n-th term a_n(x) of the series for the density of J*(1, 0), piecewise at t. */
    static double coefficient(int n, double x) {
        return coefficient(n, x, x > TRUNC ? 0.0 : -1.5 * Math.log(HALF_PI * x));
    }

    /**
     * a_n(x) = k exp(-k^2 x / 2) right of t, and k (pi x / 2)^-1.5 exp(-2 (n + 1/2)^2 / x) left of it, with
     * k = (n + 1/2) pi; the left branch in log space (logLeft = log (pi x / 2)^-1.5) so tiny x gives 0, not NaN.
     */
    private static double coefficient(int n, double x, double logLeft) {
        double h = n + 0.5;
        double k = h * Math.PI;
        if (x > TRUNC) {
            return k * Math.exp(-0.5 * k * k * x);
        }
        if (x > 0) {
            return k * Math.exp(logLeft - 2.0 * h * h / x);
        }
        return 0.0;
    }

    /**
     * The probability p / (p + q) of the exponential branch of the proposal, as 1 / (1 + q/p) with
     * <pre>
     *   q/p = (4/pi) fz exp(fz t) [exp(-z) Phi(b) + exp(z) Phi(a)],  b = (t z - 1)/sqrt t,  a = -(t z + 1)/sqrt t.
     * </pre>
     * With Phi(a) = erfcx(-a/sqrt 2) exp(-a^2/2) / 2 the second term's exponent fz t + z - a^2/2 is the
     * constant t pi^2/8 - 1/(2t), so nothing overflows there; the first overflows only when the exponential
     * branch's mass is below 1e-300, and then the result is 0, never NaN.
     */
    static double massTruncatedExponential(double z, double fz) {
        double b = (TRUNC * z - 1.0) / ROOT_TRUNC;
        double a = -(TRUNC * z + 1.0) / ROOT_TRUNC;
        double phiB = 0.5 * Erfc.value(-b * INV_SQRT2);
        double scaledPhiA = 0.5 * Erfcx.value(-a * INV_SQRT2);
        double qOverP = FOUR_OVER_PI * fz * (Math.exp(fz * TRUNC - z) * phiB + EXP_A_TERM * scaledPhiA);
        return 1.0 / (1.0 + qOverP);
    }

    /** Inverse Gaussian IG(1/z, 1) truncated to (0, t), as in Polson, Scott and Windle's rtigauss. */
    static double truncatedInverseGaussian(RngStream rng, double z) {
        if (z < 1.0 / TRUNC) {
            // mean 1/z > t: propose from the z = 0 law (a truncated 1/chi^2_1) and accept with exp(-z^2 x / 2)
            while (true) {
                double e1 = Draws.exponential(rng);
                double e2 = Draws.exponential(rng);
                while (e1 * e1 > 2.0 * e2 / TRUNC) {
                    e1 = Draws.exponential(rng);
                    e2 = Draws.exponential(rng);
                }
                double x = 1.0 + e1 * TRUNC;
                x = TRUNC / (x * x);
                double alpha = Math.exp(-0.5 * z * z * x);
                if (rng.uniform() <= alpha) {
                    return x;
                }
            }
        }
        // mean 1/z <= t: inverse Gaussian by Michael, Schucany and Haas (1976) until it falls below t
        double mu = 1.0 / z;
        while (true) {
            double n = Draws.normal(rng);
            double y = n * n;
            double muY = mu * y;
            double x = mu + 0.5 * mu * muY - 0.5 * mu * Math.sqrt(4.0 * muY + muY * muY);
            if (rng.uniform() > mu / (mu + x)) {
                x = mu * mu / x;
            }
            if (x < TRUNC) {
                return x;
            }
        }
    }

    /**
     * log Phi(x), the log of the standard normal distribution function, accurate in both tails: below 0
     * through the scaled erfcx, Phi(x) = erfcx(-x / sqrt 2) exp(-x^2 / 2) / 2, so nothing underflows.
     */
    static double logPhi(double x) {
        if (x < 0) {
            return Math.log(0.5 * Erfcx.value(-x * INV_SQRT2)) - 0.5 * x * x;
        }
        return Math.log1p(-0.5 * Erfc.value(x * INV_SQRT2));
    }

    /** E[PG(1, c)] = tanh(c/2) / (2c), 1/4 at c = 0. */
    public static double mean(double c) {
        if (Math.abs(c) < 1e-6) {
            return 0.25 - c * c / 48.0;
        }
        return Math.tanh(0.5 * c) / (2.0 * c);
    }

    /** Var[PG(1, c)] = (sinh c - c) / (4 c^3 cosh^2(c/2)), 1/24 at c = 0. */
    public static double variance(double c) {
        if (Math.abs(c) < 1e-3) {
            return 1.0 / 24.0 - c * c / 120.0;
        }
        double ch = Math.cosh(0.5 * c);
        return (Math.sinh(c) - c) / (4.0 * c * c * c * ch * ch);
    }
}
