package bmoe.sampler;

import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.backend.Backend;
import bmoe.backend.cpu.CpuBackend;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.Draws;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import java.util.Arrays;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Simulation-based calibration (Talts et al. 2018) of the default collapsed sweep on tiny data: per replicate,
 * theta* from the prior and data from the model, then a chain; the rank of f(theta*) among L thinned draws of
 * f is uniform on 0..L for every functional f when the sampler is exact. Functionals are label invariant
 * (E[y|x] at two points, Var[y|x = 0], the data log-likelihood) and the gate's coefficients.
 *
 * <p>Each chain starts at theta* itself: theta* is a draw from the posterior of its own data, so the chain is
 * stationary from its first sweep and needs no warm-up. Its draws are thinned by {@link #THIN} so that they
 * are nearly independent (successive draws next to theta* would bias its rank towards the middle).
 *
 * <p>Error budget: R = {@link #REPLICATES} ranks per functional in 10 bins of 2 ranks (expected 100 each);
 * Pearson's chi-square with 9 degrees of freedom against its 0.999 quantile (27.9), so the false-alarm rate is
 * 1e-3 per functional, 6e-3 for the six. The negative control (the gate move without its Hastings
 * correction) must exceed twice the threshold.
 */
@Tag("statistical")
class CalibrationTest {
    private static final int N = 10;
    private static final int REPLICATES = 1000;
    private static final int DRAWS = 19;
    private static final int THIN = 5;
    private static final int BINS = 10;
    private static final Priors PRIORS = new Priors(1.5, 1.0, 6.0, 5.0);
    private static final double THRESHOLD = new ChiSquaredDistribution(BINS - 1).inverseCumulativeProbability(0.999);

    @Test
    void collapsedSweepRanksAreUniform() {
        double[] chi2 = chiSquares(GibbsSweep::collapsed, 41);
        System.out.printf("SBC of the collapsed sweep: chi-square %s (threshold %.1f)%n", Arrays.toString(chi2), THRESHOLD);
        for (double c : chi2) {
            assertTrue(c < THRESHOLD, "ranks not uniform: chi-square " + Arrays.toString(chi2));
        }
    }

    @Test
    void negativeControlAMoveWithoutItsHastingsTermIsSeen() {
        double[] chi2 = chiSquares((backend, ws, state, key, priors) -> GewekeTest.collapsedWith(backend, ws, state,
                key, priors, GewekeTest::moveWithoutHastings, false), 41);
        System.out.printf("SBC negative control: chi-square %s%n", Arrays.toString(chi2));
        assertTrue(Arrays.stream(chi2).max().orElseThrow() > 2 * THRESHOLD,
                "SBC failed to see a move without its Hastings term: " + Arrays.toString(chi2));
    }

    /** Chi-square statistic of each functional's rank histogram under the given sweep. */
    private static double[] chiSquares(GewekeTest.Sweep sweep, long seed) {
        int experts = 2;
        int p = 1;
        float[] x = new float[N];
        RngStream design = new RngKey(seed, 7).stream(0, 0, 0);
        for (int i = 0; i < N; i++) {
            x[i] = (float) (2 * design.uniform() - 1);
        }
        int[][] counts = new int[6][BINS];
        RngStream rng = new RngStream(new RngKey(seed, 1));
        try (Backend backend = new CpuBackend(1)) {
            for (int r = 0; r < REPLICATES; r++) {
                rng.reset(r, 0, 0);
                Params truth = PriorSampler.draw(PRIORS, experts, p + 1, rng);
                float[] y = new float[N];
                double[] row = new double[2];
                for (int i = 0; i < N; i++) {
                    row[0] = 1;
                    row[1] = x[i];
                    int k = truth.sampleExpert(row, rng.uniform());
                    y[i] = (float) (Params.dot(truth.beta()[k], row) + Math.sqrt(truth.s2()[k]) * Draws.normal(rng));
                }
                Dataset data = Dataset.standardizedView(x, y, p);
                double[] star = functionals(truth, data);
                int[] below = new int[star.length];
                RngKey key = new RngKey(seed, 100 + r);
                try (Backend.Resident resident = backend.upload(data);
                     Backend.Workspace ws = backend.workspace(resident, experts)) {
                    SweepState state = new SweepState(truth, 0, StepSize.fixed(1.0));
                    for (int s = 1; s <= DRAWS * THIN; s++) {
                        state = sweep.step(backend, ws, state, key, PRIORS).state();
                        if (s % THIN == 0) {
                            double[] f = functionals(state.params(), data);
                            for (int j = 0; j < f.length; j++) {
                                below[j] += f[j] < star[j] ? 1 : 0;
                            }
                        }
                    }
                }
                for (int j = 0; j < below.length; j++) {
                    counts[j][below[j] * BINS / (DRAWS + 1)]++;
                }
            }
        }
        double expected = (double) REPLICATES / BINS;
        double[] chi2 = new double[counts.length];
        for (int j = 0; j < counts.length; j++) {
            for (int c : counts[j]) {
                chi2[j] += (c - expected) * (c - expected) / expected;
            }
        }
        return chi2;
    }

    /**
     * E[y|x = -0.5], E[y|x = 0.5], Var[y|x = 0] and sum_i log p(y_i | x_i), all label invariant, and the gate's
     * two coefficients. Those are not, but each chain starts at theta*, so its draws and theta* share a labelling
     * unless the chain switches labels, which is then part of the posterior it samples.
     */
    private static double[] functionals(Params theta, Dataset data) {
        double logLik = 0;
        double[] row = new double[2];
        for (int i = 0; i < data.n(); i++) {
            row[0] = 1;
            row[1] = data.x()[i];
            logLik += theta.logDensity(row, data.y()[i]);
        }
        return new double[] {theta.regression(new double[] {1, -0.5}), theta.regression(new double[] {1, 0.5}),
                variance(theta, new double[] {1, 0}), logLik, theta.w()[0][0], theta.w()[0][1]};
    }

    private static double variance(Params theta, double[] xTilde) {
        int experts = theta.experts();
        double[] eta = new double[experts];
        theta.gateLogits(xTilde, eta);
        double lse = Params.logSumExp(eta, experts);
        double m = 0;
        double second = 0;
        for (int k = 0; k < experts; k++) {
            double pk = Math.exp(eta[k] - lse);
            double mu = Params.dot(theta.beta()[k], xTilde);
            m += pk * mu;
            second += pk * (mu * mu + theta.s2()[k]);
        }
        return second - m * m;
    }
}
