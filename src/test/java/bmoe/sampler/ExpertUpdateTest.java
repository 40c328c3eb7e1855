package bmoe.sampler;

import static bmoe.testing.Moments.mean;
import static bmoe.testing.Moments.variance;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.model.Priors;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import org.apache.commons.math3.distribution.GammaDistribution;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The normal-inverse-gamma step against its closed form. The posterior parameters are compared with a
 * textbook computation (explicit inverse) to 1e-10; the draws with their exact moments within 5 Monte
 * Carlo standard errors (per-check false alarm 5.7e-7 under normality) and the s2 marginal with a
 * Kolmogorov-Smirnov test at level 1e-4.
 */
@Tag("statistical")
class ExpertUpdateTest {
    private static final double EXACT = 1e-10;
    private static final int DRAWS = 100_000;
    private static final double Z_MAX = 5.0;

    // A small regression: x~ = (1, x), 6 observations.
    private static final double[] X = {-1.0, -0.4, 0.1, 0.3, 0.8, 1.5};
    private static final double[] Y = {-2.1, -0.5, 0.4, 0.2, 1.9, 3.3};
    private static final Priors PRIORS = new Priors(2.0, 1.5, 3.0, 2.0);

    private static double[][] gram() {
        double[][] s = new double[2][2];
        for (double x : X) {
            s[0][0] += 1;
            s[0][1] += x;
            s[1][0] += x;
            s[1][1] += x * x;
        }
        return s;
    }

    private static double[] cross() {
        double[] r = new double[2];
        for (int i = 0; i < X.length; i++) {
            r[0] += Y[i];
            r[1] += X[i] * Y[i];
        }
        return r;
    }

    private static double sumSquares() {
        double q = 0;
        for (double y : Y) {
            q += y * y;
        }
        return q;
    }

    @Test
    void posteriorParametersMatchTextbookFormulas() {
        ExpertUpdate.Posterior post = ExpertUpdate.posterior(X.length, gram(), cross(), sumSquares(), PRIORS);
        RealMatrix precision = MatrixUtils.createRealMatrix(gram())
                .add(MatrixUtils.createRealIdentityMatrix(2).scalarMultiply(1.0 / (1.5 * 1.5)));
        RealMatrix v = MatrixUtils.inverse(precision);
        RealVector m = v.operate(MatrixUtils.createRealVector(cross()));
        double quad = m.dotProduct(precision.operate(m));
        assertArrayEquals(m.toArray(), post.mean(), EXACT);
        assertEquals(3.0 + X.length / 2.0, post.shape(), EXACT);
        assertEquals(2.0 + 0.5 * (sumSquares() - quad), post.scale(), EXACT);
        assertFalse(post.clamped());
    }

    @Test
    void drawsHaveTheClosedFormMoments() {
        ExpertUpdate.Posterior post = ExpertUpdate.posterior(X.length, gram(), cross(), sumSquares(), PRIORS);
        checkDraws(post);
    }

    @Test
    void emptyExpertIsDrawnFromThePrior() {
        ExpertUpdate.Posterior post = ExpertUpdate.posterior(0, new double[2][2], new double[2], 0.0, PRIORS);
        assertArrayEquals(new double[2], post.mean(), 0.0);
        assertEquals(PRIORS.sigmaShape(), post.shape(), 0.0);
        assertEquals(PRIORS.sigmaScale(), post.scale(), 0.0);
        checkDraws(post);
    }

    private static void checkDraws(ExpertUpdate.Posterior post) {
        double a = post.shape();
        double b = post.scale();
        double[] m = post.mean();
        RealMatrix v = MatrixUtils.inverse(MatrixUtils.createRealMatrix(post.precision()));
        RngStream rng = new RngStream(new RngKey(99, 0));
        double[] s2 = new double[DRAWS];
        double[][] beta = new double[DRAWS][];
        for (int t = 0; t < DRAWS; t++) {
            ExpertUpdate.Draw d = ExpertUpdate.draw(post, rng.reset(t, 0, 0));
            s2[t] = d.s2();
            beta[t] = d.beta();
            assertTrue(d.s2() > 0);
        }
        // s2 ~ InvGamma(a, b): E = b / (a - 1), Var = b^2 / ((a - 1)^2 (a - 2))
        double meanS2 = b / (a - 1);
        double varS2 = b * b / ((a - 1) * (a - 1) * (a - 2));
        assertEquals(meanS2, mean(s2), Z_MAX * Math.sqrt(varS2 / DRAWS), "E[s2]");
        // 1 / s2 ~ Gamma(shape a, scale 1/b): KS on the exact distribution function
        double[] precision = new double[DRAWS];
        for (int t = 0; t < DRAWS; t++) {
            precision[t] = 1.0 / s2[t];
        }
        double p = new KolmogorovSmirnovTest().kolmogorovSmirnovTest(new GammaDistribution(a, 1.0 / b), precision);
        assertTrue(p > 1e-4, "KS p-value for 1/s2: " + p);
        // beta: E = m, Cov = E[s2] V (a multivariate t with 2a degrees of freedom)
        for (int j = 0; j < m.length; j++) {
            double[] bj = new double[DRAWS];
            for (int t = 0; t < DRAWS; t++) {
                bj[t] = beta[t][j];
            }
            double var = meanS2 * v.getEntry(j, j);
            assertEquals(m[j], mean(bj), Z_MAX * Math.sqrt(var / DRAWS), "E[beta_" + j + "]");
            double sampleVar = 0;
            double mj = mean(bj);
            for (double x : bj) {
                sampleVar += (x - mj) * (x - mj);
            }
            sampleVar /= DRAWS - 1;
            // relative SE of a variance estimate from a t_{2a} law: sqrt((kurtosis - 1) / N),
            // kurtosis = 3 + 6 / (2a - 4) for 2a > 4
            double kurt = 3.0 + 6.0 / (2 * a - 4);
            assertEquals(var, sampleVar, Z_MAX * var * Math.sqrt((kurt - 1) / DRAWS), "Var[beta_" + j + "]");
        }
        // off-diagonal covariance of beta
        double[] b0 = new double[DRAWS];
        double[] b1 = new double[DRAWS];
        for (int t = 0; t < DRAWS; t++) {
            b0[t] = beta[t][0];
            b1[t] = beta[t][1];
        }
        double cov = 0;
        double m0 = mean(b0);
        double m1 = mean(b1);
        double[] prod = new double[DRAWS];
        for (int t = 0; t < DRAWS; t++) {
            prod[t] = (b0[t] - m0) * (b1[t] - m1);
            cov += prod[t];
        }
        cov /= DRAWS - 1;
        double sdProd = Math.sqrt(variance(prod));
        assertEquals(meanS2 * v.getEntry(0, 1), cov, Z_MAX * sdProd / Math.sqrt(DRAWS), "Cov[beta_0, beta_1]");
    }

    @Test
    void gateUpdateDrawsTheGaussianConditional() {
        double[][] gram = {{3.0, 0.4}, {0.4, 1.2}};
        double[] response = {0.7, -0.3};
        Priors priors = new Priors(1.5, 1.0, 2.0, 1.0);
        RealMatrix precision = MatrixUtils.createRealMatrix(gram)
                .add(MatrixUtils.createRealIdentityMatrix(2).scalarMultiply(1.0 / 2.25));
        RealMatrix v = MatrixUtils.inverse(precision);
        double[] m = v.operate(response);
        RngStream rng = new RngStream(new RngKey(5, 1));
        double[][] w = new double[DRAWS][];
        for (int t = 0; t < DRAWS; t++) {
            w[t] = GateUpdate.draw(gram, response, priors, rng.reset(t, 3, 4));
        }
        for (int j = 0; j < 2; j++) {
            double[] wj = new double[DRAWS];
            for (int t = 0; t < DRAWS; t++) {
                wj[t] = w[t][j];
            }
            double var = v.getEntry(j, j);
            assertEquals(m[j], mean(wj), Z_MAX * Math.sqrt(var / DRAWS), "E[w_" + j + "]");
            // Gaussian: relative SE of the sample variance is sqrt(2 / N)
            assertEquals(var, variance(wj), Z_MAX * var * Math.sqrt(2.0 / DRAWS), "Var[w_" + j + "]");
        }
    }
}
