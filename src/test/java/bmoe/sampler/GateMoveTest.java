package bmoe.sampler;

import static bmoe.testing.Moments.mean;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.backend.Backend;
import bmoe.backend.GateGradient;
import bmoe.backend.ParamsBlock;
import bmoe.backend.cpu.CpuBackend;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.Draws;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import bmoe.rng.Step;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The collapsed gate move's pieces against closed forms: kernel (b)'s log-likelihood against the mixture
 * density, its gradient against finite differences, its metric against the Fisher information (the negative
 * Hessian of the expected complete-data gate log-likelihood, by finite differences) and its positive
 * definiteness; then the move itself against quadrature of a one-gate posterior.
 */
class GateMoveTest {
    private static final int BLOCK = 7; // several blocks, so the block sums are exercised too

    @ParameterizedTest(name = "K = {0}, p = {1}")
    @CsvSource({"2, 0", "2, 1", "3, 1", "4, 2"})
    void logLikelihoodIsTheMixtureDensityAndTheDifferenceIsPerObservation(int experts, int p) {
        Dataset data = data(30, p, 1);
        Params theta = params(experts, p + 1, 2);
        Params ref = theta.withGates(flatGates(params(experts, p + 1, 3)));
        try (Backend backend = new CpuBackend(2, BLOCK)) {
            Backend.Workspace ws = backend.workspace(backend.upload(data), experts);
            GateGradient g = backend.gateGradient(ws, ParamsBlock.of(theta), flatGates(ref), true);
            double expected = 0;
            double diff = 0;
            for (int i = 0; i < data.n(); i++) {
                double[] row = row(data, i);
                double here = theta.logDensity(row, data.y()[i]);
                expected += here;
                diff += here - ref.logDensity(row, data.y()[i]);
            }
            assertEquals(expected, g.logLikelihood(), 1e-10 * Math.abs(expected));
            assertEquals(diff, g.logLikelihoodDiff(), 1e-10 * (1 + Math.abs(diff)));
            GateGradient noRef = backend.gateGradient(ws, ParamsBlock.of(theta), null, false);
            assertEquals(0.0, noRef.logLikelihoodDiff());
            assertEquals(g.logLikelihood(), noRef.logLikelihood());
            assertEquals(GateGradient.size(experts, p + 1, false), noRef.flat().length);
        }
    }

    /** Central differences with h = 1e-5: truncation error O(h^2 L''') ~ 1e-8 here, rounding ~1e-11 / h. */
    @ParameterizedTest(name = "K = {0}, p = {1}")
    @CsvSource({"2, 0", "2, 1", "3, 1", "4, 2"})
    void gradientMatchesFiniteDifferences(int experts, int p) {
        Dataset data = data(40, p, 5);
        Params theta = params(experts, p + 1, 6);
        try (Backend backend = new CpuBackend(1, BLOCK)) {
            Backend.Workspace ws = backend.workspace(backend.upload(data), experts);
            ParamsBlock block = ParamsBlock.of(theta);
            double[] grad = backend.gateGradient(ws, block, null, false).gradient();
            double[] w = block.w();
            double h = 1e-5;
            for (int u = 0; u < w.length; u++) {
                double[] plus = w.clone();
                double[] minus = w.clone();
                plus[u] += h;
                minus[u] -= h;
                double fd = (backend.gateGradient(ws, block.withGates(plus), null, false).logLikelihood()
                        - backend.gateGradient(ws, block.withGates(minus), null, false).logLikelihood()) / (2 * h);
                assertEquals(fd, grad[u], 1e-6 * (1 + Math.abs(fd)), "coordinate " + u);
            }
        }
    }

    /**
     * G(w0) = -Hessian at w0 of F(w) = sum_i sum_k pi_k(x_i; w0) log pi_k(x_i; w), the multinomial-logit
     * Fisher information, checked by second differences of F (h = 1e-4, error ~1e-6 relative); and G + I / s_w^2
     * is positive definite (its smallest eigenvalue is at least 1 / s_w^2).
     */
    @ParameterizedTest(name = "K = {0}, p = {1}")
    @CsvSource({"2, 0", "2, 1", "3, 1", "4, 2"})
    void metricIsTheFisherInformationAndPositiveDefinite(int experts, int p) {
        Dataset data = data(40, p, 7);
        Params theta = params(experts, p + 1, 8);
        try (Backend backend = new CpuBackend(2, BLOCK)) {
            Backend.Workspace ws = backend.workspace(backend.upload(data), experts);
            double[][] metric = backend.gateGradient(ws, ParamsBlock.of(theta), null, true).metric();
            double[] w0 = flatGates(theta);
            int dim = w0.length;
            double h = 1e-4;
            for (int u = 0; u < dim; u++) {
                for (int v = 0; v < dim; v++) {
                    double fd = -(expectedGateLogLik(data, theta, w0, shift(w0, u, h, v, h))
                            - expectedGateLogLik(data, theta, w0, shift(w0, u, h, v, -h))
                            - expectedGateLogLik(data, theta, w0, shift(w0, u, -h, v, h))
                            + expectedGateLogLik(data, theta, w0, shift(w0, u, -h, v, -h))) / (4 * h * h);
                    assertEquals(fd, metric[u][v], 1e-5 * (1 + Math.abs(fd)), "entry (" + u + ", " + v + ")");
                    assertEquals(metric[u][v], metric[v][u], 0.0);
                }
            }
            Priors priors = new Priors(2.0, 1.0, 2.0, 1.0);
            double ridge = 1 / (priors.gateSd() * priors.gateSd());
            for (int u = 0; u < dim; u++) {
                metric[u][u] += ridge;
            }
            double[] eig = new EigenDecomposition(new Array2DRowRealMatrix(metric)).getRealEigenvalues();
            for (double e : eig) {
                assertTrue(e >= ridge * (1 - 1e-9), "eigenvalue " + e + " below the prior's " + ridge);
            }
        }
    }

    /**
     * The move alone (experts fixed) samples p(w | beta, s2, y) for one gate with intercept and slope (K = 2,
     * p = 1), compared with that posterior's mean and second moments by quadrature on a 600 x 600 grid (the
     * density is smooth and the grid spans over 8 posterior sd each way, so quadrature error is far below the
     * Monte Carlo error). Error budget: 40,000 moves, batch-means standard errors over 100 batches, |z| < 4.5
     * for each of the 5 moments (family-wise false-alarm rate about 5 * 2e-5 under normality). Run at two step
     * sizes, since the move must be exact at any eps, not only the tuned one.
     */
    @Tag("statistical")
    @ParameterizedTest(name = "eps = {0}")
    @CsvSource({"0.6", "1.6"})
    void moveSamplesTheOneGatePosteriorAsQuadratureGivesIt(double eps) {
        Dataset data = data(40, 1, 9);
        // two experts that cross, so the gate is informed but not pinned
        Params theta = new Params(new double[][] {{0.3, 1.5}}, new double[][] {{0.5, 1.0}, {-0.2, -0.8}},
                new double[] {0.25, 0.3});
        Priors priors = new Priors(3.0, 1.0, 2.0, 1.0);
        double[] quad = quadratureMoments(data, theta, priors, 600);
        int moves = 40_000;
        double[][] f = new double[5][moves];
        int accepted = 0;
        RngKey key = new RngKey(31, 0);
        try (Backend backend = new CpuBackend(1, BLOCK)) {
            Backend.Workspace ws = backend.workspace(backend.upload(data), 2);
            ParamsBlock block = ParamsBlock.of(theta);
            double[] w = block.w();
            for (int t = 0; t < moves; t++) {
                ParamsBlock here = block.withGates(w);
                double[] from = w;
                GateMove.Result r = GateMove.step(w, backend.gateGradient(ws, here, null, true), eps, priors,
                        proposal -> backend.gateGradient(ws, block.withGates(proposal), from, true),
                        key.stream(0, t + 1, Step.GATE_MOVE));
                w = r.gates();
                accepted += r.accepted() ? 1 : 0;
                f[0][t] = w[0];
                f[1][t] = w[1];
                f[2][t] = w[0] * w[0];
                f[3][t] = w[1] * w[1];
                f[4][t] = w[0] * w[1];
            }
        }
        System.out.printf("one-gate MALA at eps = %.1f: acceptance %.3f%n", eps, (double) accepted / moves);
        for (int j = 0; j < 5; j++) {
            double se = Math.sqrt(GewekeTest.batchMeansVariance(f[j]) / moves);
            double z = (mean(f[j]) - quad[j]) / se;
            assertTrue(Math.abs(z) < 4.5, "moment " + j + ": chain " + mean(f[j]) + " vs quadrature " + quad[j]
                    + " (z = " + z + ")");
        }
        assertTrue(accepted > moves / 10, "the move hardly ever moved: " + accepted + " of " + moves);
    }

    /** A proposal whose sums are not finite (its logits overflow) is rejected; no NaN reaches the gates. */
    @Test
    void aProposalWithNonFiniteSumsIsRejected() {
        Dataset data = data(20, 1, 10);
        Params theta = params(2, 2, 11);
        Priors priors = new Priors(2.0, 1.0, 2.0, 1.0);
        try (Backend backend = new CpuBackend(1, BLOCK)) {
            Backend.Workspace ws = backend.workspace(backend.upload(data), 2);
            ParamsBlock block = ParamsBlock.of(theta);
            GateGradient nan = GateGradient.zeros(2, 2, true);
            java.util.Arrays.fill(nan.flat(), Double.NaN);
            GateMove.Result r = GateMove.step(block.w(), backend.gateGradient(ws, block, null, true), 1.0, priors,
                    proposal -> nan, new RngKey(1, 0).stream(0, 1, Step.GATE_MOVE));
            assertTrue(!r.accepted());
            assertEquals(0.0, r.acceptProb());
            org.junit.jupiter.api.Assertions.assertArrayEquals(block.w(), r.gates());
        }
    }

    /** E[w0], E[w1], E[w0^2], E[w1^2], E[w0 w1] under p(w | beta, s2, y) by the midpoint rule on a grid. */
    private static double[] quadratureMoments(Dataset data, Params theta, Priors priors, int points) {
        // centre and scale from a coarse pass, then the fine grid over +-9 sd
        double[] coarse = gridMoments(data, theta, priors, 200, new double[] {0, 0}, new double[] {12, 12});
        double[] centre = {coarse[0], coarse[1]};
        double[] half = {9 * Math.sqrt(coarse[2] - coarse[0] * coarse[0]), 9 * Math.sqrt(coarse[3] - coarse[1] * coarse[1])};
        return gridMoments(data, theta, priors, points, centre, half);
    }

    private static double[] gridMoments(Dataset data, Params theta, Priors priors, int points, double[] centre,
                                        double[] half) {
        double[][] logDensity = new double[points][points];
        double max = Double.NEGATIVE_INFINITY;
        double[] w = new double[2];
        for (int a = 0; a < points; a++) {
            for (int b = 0; b < points; b++) {
                w[0] = centre[0] - half[0] + (a + 0.5) * 2 * half[0] / points;
                w[1] = centre[1] - half[1] + (b + 0.5) * 2 * half[1] / points;
                Params at = theta.withGates(w);
                double l = -(w[0] * w[0] + w[1] * w[1]) / (2 * priors.gateSd() * priors.gateSd());
                for (int i = 0; i < data.n(); i++) {
                    l += at.logDensity(row(data, i), data.y()[i]);
                }
                logDensity[a][b] = l;
                max = Math.max(max, l);
            }
        }
        double[] m = new double[6];
        for (int a = 0; a < points; a++) {
            for (int b = 0; b < points; b++) {
                double w0 = centre[0] - half[0] + (a + 0.5) * 2 * half[0] / points;
                double w1 = centre[1] - half[1] + (b + 0.5) * 2 * half[1] / points;
                double p = Math.exp(logDensity[a][b] - max);
                m[0] += p * w0;
                m[1] += p * w1;
                m[2] += p * w0 * w0;
                m[3] += p * w1 * w1;
                m[4] += p * w0 * w1;
                m[5] += p;
            }
        }
        for (int j = 0; j < 5; j++) {
            m[j] /= m[5];
        }
        return m;
    }

    /** sum_i sum_k pi_k(x_i; w0) log pi_k(x_i; w). */
    private static double expectedGateLogLik(Dataset data, Params theta, double[] w0, double[] w) {
        Params at0 = theta.withGates(w0);
        Params at = theta.withGates(w);
        int experts = theta.experts();
        double[] eta0 = new double[experts];
        double[] eta = new double[experts];
        double s = 0;
        for (int i = 0; i < data.n(); i++) {
            double[] row = row(data, i);
            at0.gateLogits(row, eta0);
            at.gateLogits(row, eta);
            double lse0 = Params.logSumExp(eta0, experts);
            double lse = Params.logSumExp(eta, experts);
            for (int k = 0; k < experts; k++) {
                s += Math.exp(eta0[k] - lse0) * (eta[k] - lse);
            }
        }
        return s;
    }

    private static double[] shift(double[] w, int u, double du, int v, double dv) {
        double[] s = w.clone();
        s[u] += du;
        s[v] += dv;
        return s;
    }

    static double[] flatGates(Params theta) {
        return ParamsBlock.of(theta).w();
    }

    static Dataset data(int n, int p, long seed) {
        RngStream rng = new RngKey(seed, 0).stream(0, 0, 0);
        float[] x = new float[n * p];
        float[] y = new float[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (2 * rng.uniform() - 1);
        }
        for (int i = 0; i < n; i++) {
            y[i] = (float) Draws.normal(rng);
        }
        return Dataset.standardizedView(x, y, p);
    }

    static Params params(int experts, int dim, long seed) {
        return PriorSampler.draw(new Priors(1.5, 1.0, 3.0, 2.0), experts, dim, new RngKey(seed, 0).stream(0, 0, 0));
    }

    static double[] row(Dataset data, int i) {
        int p = data.p();
        double[] row = new double[p + 1];
        row[0] = 1;
        for (int j = 0; j < p; j++) {
            row[j + 1] = data.x()[i * p + j];
        }
        return row;
    }
}
