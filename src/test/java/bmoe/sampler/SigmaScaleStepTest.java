package bmoe.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.RngKey;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The b0 | s2 step against its closed form, Gamma(g + K a0, rate h + sum_k 1/s2_k), and the data-dependent rate. */
class SigmaScaleStepTest {
    /**
     * Mean and variance of 40000 draws (one per sweep number) against the closed form. Error budget: the mean's se
     * is sd / sqrt(M); the variance's is about var sqrt((kurtosis - 1) / M) with a gamma's kurtosis 3 + 6 / shape;
     * |z| &lt; 4.5 each.
     */
    @Test
    @Tag("statistical")
    void drawsFollowTheConjugateGamma() {
        Priors priors = Priors.sampledScale(5, 5, 2.0, 0.2, 0.5);
        double[] s2 = {0.01, 0.4, 2.5};
        Params params = new Params(new double[2][2], new double[3][2], s2);
        double shape = 0.2 + 3 * 2.0;
        double rate = 0.5 + 1 / 0.01 + 1 / 0.4 + 1 / 2.5;
        double mean = shape / rate;
        double var = shape / (rate * rate);
        int m = 40_000;
        RngKey key = new RngKey(3, 0);
        double sum = 0;
        double sumSq = 0;
        SweepState state = new SweepState(params, 0).withSigmaScale(1.0);
        for (int t = 1; t <= m; t++) {
            double b0 = GibbsSweep.updateSigmaScale(params, priors, state, key, t);
            sum += b0;
            sumSq += b0 * b0;
        }
        double sampleMean = sum / m;
        double sampleVar = sumSq / m - sampleMean * sampleMean;
        double zMean = (sampleMean - mean) / Math.sqrt(var / m);
        double zVar = (sampleVar - var) / (var * Math.sqrt((2 + 6 / shape) / m));
        assertTrue(Math.abs(zMean) < 4.5, "mean z = " + zMean);
        assertTrue(Math.abs(zVar) < 4.5, "variance z = " + zVar);
    }

    @Test
    void aFixedScaleIsCarriedUnchanged() {
        Priors fixed = new Priors(5, 5, 2, 1);
        Params params = new Params(new double[1][2], new double[2][2], new double[] {1, 2});
        SweepState state = new SweepState(params, 0);
        assertTrue(Double.isNaN(GibbsSweep.updateSigmaScale(params, fixed, state, new RngKey(1, 0), 1)));
        assertEquals(fixed, GibbsSweep.conditional(fixed, state));
    }

    @Test
    void theDefaultRateIsTenOverTheSquaredRange() {
        assertEquals(10.0 / 16.0, Priors.defaultScaleRate(new float[] {-1f, 3f, 0.5f}), 1e-15);
        Priors p = Priors.sampledScale(5, 5, 2, 0.2, 0.625);
        assertEquals(0.2 / 0.625, p.sigmaScale(), 1e-15);
        assertTrue(p.sigmaScaleSampled());
        assertEquals(new Priors(5, 5, 2, 0.7), p.given(0.7, Double.NaN));
        Priors both = p.withSampledGateScale(1, 25);
        assertEquals(Math.sqrt(12.5), both.gateSd(), 1e-15);
        assertEquals(new Priors(3, 5, 2, 0.7), both.given(0.7, 3));
    }
}
