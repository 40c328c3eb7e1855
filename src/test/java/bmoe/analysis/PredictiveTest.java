package bmoe.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.model.Params;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The posterior predictive mixture at one x: quantiles against closed forms and against its distribution
 * function computed independently (commons-math3's normal, not the erfc this class uses), its moments, and
 * draws from it.
 */
class PredictiveTest {
    /** Quantiles are solved to 1e-14 of their size; F(q) = p is then exact to rounding, far below this. */
    private static final double CDF_TOL = 1e-9;

    /** One draw with one expert: the predictive is N(b0 + b1 x, s2), its quantiles b0 + b1 x + sqrt(s2) z_p. */
    @Test
    void oneDrawOfOneExpertGivesTheNormalQuantiles() {
        Params theta = new Params(new double[0][], new double[][] {{1.5, -2.0}}, new double[] {0.49});
        Predictive predictive = Predictive.at(List.of(theta), new double[] {0.25});
        NormalDistribution normal = new NormalDistribution(1.0, 0.7);
        // commons-math3 inverts through erfInv(2p - 1), accurate away from the far tails only
        for (double p : new double[] {0.001, 0.05, 0.3, 0.5, 0.95, 0.999}) {
            double expected = normal.inverseCumulativeProbability(p);
            assertEquals(expected, predictive.quantile(p), 1e-12 * Math.max(1, Math.abs(expected)), "p = " + p);
        }
        // far tails through the distribution function, accurate there (erfc by a continued fraction)
        assertEquals(1e-12, normal.cumulativeProbability(predictive.quantile(1e-12)), CDF_TOL * 1e-12, "p = 1e-12");
        // the upper tail from the exact complement: 1 - 1e-12 as a double would carry a 1e-4 relative error
        double upper = predictive.quantile(1 - 1e-12, 1e-12);
        assertEquals(1e-12, normal.cumulativeProbability(2 * 1.0 - upper), CDF_TOL * 1e-12, "p = 1 - 1e-12");
        assertEquals(1.0, predictive.mean(), 1e-15);
        assertEquals(0.49, predictive.variance(), 1e-15);
    }

    /** Two draws of one expert: F(q) = (Phi((q - m1)/s1) + Phi((q - m2)/s2)) / 2 = p, tails included. */
    @Test
    void twoDrawsGiveTheQuantilesOfTheirEqualMixture() {
        Params a = new Params(new double[0][], new double[][] {{0.0, 1.0}}, new double[] {1.0});
        Params b = new Params(new double[0][], new double[][] {{3.0, 1.0}}, new double[] {4.0});
        Predictive predictive = Predictive.at(List.of(a, b), new double[] {0.5});
        NormalDistribution first = new NormalDistribution(0.5, 1.0);
        NormalDistribution second = new NormalDistribution(3.5, 2.0);
        for (double p : new double[] {1e-10, 0.01, 0.05, 0.5, 0.8, 0.95}) {
            double q = predictive.quantile(p);
            double cdf = 0.5 * (first.cumulativeProbability(q) + second.cumulativeProbability(q));
            assertEquals(p, cdf, CDF_TOL * Math.min(p, 1 - p), "F(q) at p = " + p);
        }
        // upper tail: 1 - F from the reflected components
        double q = predictive.quantile(1 - 1e-10, 1e-10);
        double survival = 0.5 * (first.cumulativeProbability(2 * 0.5 - q) + second.cumulativeProbability(2 * 3.5 - q));
        assertEquals(1e-10, survival, CDF_TOL * 1e-10, "1 - F(q) at p = 1 - 1e-10");
        // mean and variance of the mixture: (0.5 + 3.5) / 2, and (1 + 4) / 2 + the spread of the means, 1.5^2
        assertEquals(2.0, predictive.mean(), 1e-15);
        assertEquals(2.5 + 2.25, predictive.variance(), 1e-14);
    }

    /**
     * Two draws of two gated experts at x = 0.4: weights pi_k(x; w^s) / 2, the distribution function summed from
     * commons-math3's normals, the moments from the mixture's definition.
     */
    @Test
    void gatedExpertsOverDrawsGiveTheirMixture() {
        Params a = new Params(new double[][] {{-1.0, 4.0}}, new double[][] {{2.0, -1.0}, {-3.0, 5.0}},
                new double[] {0.3, 0.6});
        Params b = new Params(new double[][] {{0.5, -2.0}}, new double[][] {{1.0, 1.0}, {4.0, 0.0}},
                new double[] {0.2, 1.5});
        double x = 0.4;
        Predictive predictive = Predictive.at(List.of(a, b), new double[] {x});
        double[] weights = new double[4];
        double[] means = new double[4];
        double[] sds = new double[4];
        int c = 0;
        for (Params theta : List.of(a, b)) {
            double eta = theta.w()[0][0] + theta.w()[0][1] * x;
            double pi1 = 1 / (1 + Math.exp(-eta));
            for (int k = 0; k < 2; k++) {
                weights[c] = (k == 0 ? pi1 : 1 - pi1) / 2;
                means[c] = theta.beta()[k][0] + theta.beta()[k][1] * x;
                sds[c] = Math.sqrt(theta.s2()[k]);
                c++;
            }
        }
        double mean = 0;
        double second = 0;
        for (int j = 0; j < 4; j++) {
            mean += weights[j] * means[j];
            second += weights[j] * (sds[j] * sds[j] + means[j] * means[j]);
        }
        assertEquals(mean, predictive.mean(), 1e-14);
        assertEquals(second - mean * mean, predictive.variance(), 1e-13);
        for (double p : new double[] {1e-8, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99}) {
            double q = predictive.quantile(p);
            double cdf = 0;
            for (int j = 0; j < 4; j++) {
                cdf += weights[j] * new NormalDistribution(means[j], sds[j]).cumulativeProbability(q);
            }
            assertEquals(p, cdf, CDF_TOL * Math.min(p, 1 - p), "F(q) at p = " + p);
            assertEquals(Math.log(p), predictive.logCdf(q), 1e-12, "log F(q)");
        }
    }

    /**
     * p = 1e-300: the components' Phi sum below 1e-280 and are redone in log space; log F(q) = log p still holds,
     * checked with commons-math3's normal, which is accurate there (about 37 sd out).
     */
    @Test
    void extremeTailsAreSolvedInLogSpace() {
        Params a = new Params(new double[0][], new double[][] {{0.0}}, new double[] {1.0});
        Params b = new Params(new double[0][], new double[][] {{0.5}}, new double[] {1.0});
        Predictive predictive = Predictive.at(List.of(a, b), new double[0]);
        double q = predictive.quantile(1e-300);
        double cdf = 0.5 * (new NormalDistribution(0, 1).cumulativeProbability(q)
                + new NormalDistribution(0.5, 1).cumulativeProbability(q));
        assertEquals(Math.log(1e-300), Math.log(cdf), CDF_TOL * 700, "log F(q)");
        double upper = predictive.quantile(1.0, 1e-300);
        assertEquals(0.5 - q, upper, 1e-10 * Math.abs(upper), "the mixture is symmetric about 1/4");
        assertEquals(Math.log(1e-300), predictive.logSurvival(upper), 1e-9 * 700);
        // far beyond: Phi underflows in every component, log F is still finite and monotone
        assertTrue(predictive.logCdf(-60) < predictive.logCdf(-50) && Double.isFinite(predictive.logCdf(-60)));
        assertEquals(Predictive.logPhi(-60) + Math.log1p(Math.exp(Predictive.logPhi(-60.5) - Predictive.logPhi(-60)))
                - Math.log(2), predictive.logCdf(-60), 1e-12 * 1800);
    }

    @Test
    void badProbabilitiesAreRejected() {
        Params theta = new Params(new double[0][], new double[][] {{0.0}}, new double[] {1.0});
        Predictive predictive = Predictive.at(List.of(theta), new double[0]);
        for (double p : new double[] {0.0, -0.1, Double.NaN}) {
            assertThrows(IllegalArgumentException.class, () -> predictive.quantile(p), "p = " + p);
        }
        assertThrows(IllegalArgumentException.class, () -> predictive.quantile(0.3, 0.3), "p + complement != 1");
        assertThrows(IllegalArgumentException.class, () -> Predictive.at(List.of(), new double[0]));
    }

    /**
     * Draws from {@link Predictive#sample}, fresh streams (i, 0, 0), against the exact quantiles and moments of a
     * three-draw, two-expert mixture with a bimodal predictive.
     *
     * <p>Error budget: the draws are independent, so the share of the N = 40000 draws at or below q_p is
     * Binomial(N, p) / N, sd sqrt(p (1 - p) / N) (at most 0.0025), and the sample mean has sd sqrt(Var / N).
     * Tolerance 4 sd each: 9 checks, a false alarm rate below 6e-4 under normality.
     */
    @Tag("statistical")
    @Test
    void drawsHaveTheMixturesQuantilesAndMoments() {
        List<Params> draws = List.of(
                new Params(new double[][] {{-2.0, 6.0}}, new double[][] {{4.0, 0.0}, {-1.0, 2.0}}, new double[] {0.2, 0.5}),
                new Params(new double[][] {{-1.5, 5.0}}, new double[][] {{4.5, 0.0}, {-1.2, 2.2}}, new double[] {0.3, 0.4}),
                new Params(new double[][] {{-2.5, 6.5}}, new double[][] {{3.8, 0.1}, {-0.9, 1.8}}, new double[] {0.25, 0.45}));
        Predictive predictive = Predictive.at(draws, new double[] {0.35});
        int n = 40_000;
        double[] y = new double[n];
        RngStream rng = new RngStream(new RngKey(77L, 0));
        double sum = 0;
        for (int i = 0; i < n; i++) {
            rng.reset(i, 0, 0);
            y[i] = predictive.sample(rng);
            sum += y[i];
        }
        Arrays.sort(y);
        for (double p : new double[] {0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95}) {
            double q = predictive.quantile(p);
            int below = upperIndex(y, q);
            double share = below / (double) n;
            assertEquals(p, share, 4 * Math.sqrt(p * (1 - p) / n), "share of draws <= q_" + p + " = " + q);
        }
        assertEquals(predictive.mean(), sum / n, 4 * Math.sqrt(predictive.variance() / n), "sample mean");
        // the predictive is bimodal here: both experts carry weight at x = 0.35
        assertTrue(predictive.variance() > 1.0, "variance " + predictive.variance());
    }

    private static int upperIndex(double[] sorted, double q) {
        int i = Arrays.binarySearch(sorted, q);
        return i >= 0 ? i + 1 : -i - 1;
    }
}
