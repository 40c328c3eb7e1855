package bmoe.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import bmoe.rng.Step;
import bmoe.rng.PolyaGamma;
import bmoe.sampler.PriorSampler;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every backend's kernels must do, checked against plain reference computations written from
 * MODEL.md (not from the CPU kernels) on awkward shapes: n = 1, n just off a multiple of the block size,
 * K = 1 (no gates), p = 0 (intercept only). A backend's test extends this class and supplies the backend.
 */
public abstract class BackendContractTest {
    /** Relative tolerance for sums over n: float data, double maths, different summation orders. */
    protected static final double SUM_TOL = 1e-9;
    protected static final int BLOCK = 64;

    /** The backend under test, with blocks of {@code blockSize} rows where that applies. */
    protected abstract Backend createBackend(int blockSize);

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(1, 1, 2),
                Arguments.of(BLOCK + 1, 2, 3),
                Arguments.of(3 * BLOCK - 1, 7, 4),
                Arguments.of(153, 0, 3),
                Arguments.of(100, 3, 1),
                Arguments.of(257, 1, 8));
    }

    /** Data on awkward scales (x in [-2, 2], y in [-3, 3]); shared with the twin tests of other backends. */
    public static Dataset data(int n, int p, long seed) {
        RngStream rng = new RngKey(seed, 0).stream(0, 0, 0);
        float[] x = new float[n * p];
        float[] y = new float[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (4 * rng.uniform() - 2);
        }
        for (int i = 0; i < n; i++) {
            y[i] = (float) (6 * rng.uniform() - 3);
        }
        return Dataset.standardizedView(x, y, p);
    }

    /** Parameters from a moderate prior, shared like {@link #data}. */
    public static Params params(int experts, int d, long seed) {
        return PriorSampler.draw(new Priors(1.5, 1.0, 3.0, 2.0), experts, d, new RngKey(seed, 9).stream(0, 0, 0));
    }

    private static double[] row(Dataset data, int i) {
        double[] r = new double[data.dim()];
        data.designRow(i, r);
        return r;
    }

    private static void assertClose(double expected, double actual, String what) {
        assertEquals(expected, actual, SUM_TOL * Math.max(1.0, Math.abs(expected)), what);
    }

    @ParameterizedTest(name = "n = {0}, p = {1}, K = {2}")
    @MethodSource("shapes")
    void allocateReturnsTheLogLikelihoodAndValidLabels(int n, int p, int experts) {
        Dataset data = data(n, p, 1);
        Params theta = params(experts, p + 1, 2);
        try (Backend backend = createBackend(BLOCK)) {
            Backend.Workspace ws = backend.workspace(backend.upload(data), experts);
            double logLik = backend.allocate(ws, ParamsBlock.of(theta), new RngKey(3, 1), 5).logLikelihood();
            double expected = 0;
            for (int i = 0; i < n; i++) {
                expected += theta.logDensity(row(data, i), data.y()[i]);
            }
            assertClose(expected, logLik, "log-likelihood");
            byte[] z = backend.allocations(ws);
            assertEquals(n, z.length);
            for (byte k : z) {
                assertTrue(k >= 0 && k < experts, "label " + k);
            }
        }
    }

    @ParameterizedTest(name = "n = {0}, p = {1}, K = {2}")
    @MethodSource("shapes")
    void expertStatsAreTheSumsOverEachExpertsObservations(int n, int p, int experts) {
        Dataset data = data(n, p, 4);
        Params theta = params(experts, p + 1, 5);
        try (Backend backend = createBackend(BLOCK)) {
            Backend.Workspace ws = backend.workspace(backend.upload(data), experts);
            ExpertStats stats = backend.allocate(ws, ParamsBlock.of(theta), new RngKey(6, 0), 1).stats();
            byte[] z = backend.allocations(ws);
            int d = p + 1;
            for (int k = 0; k < experts; k++) {
                double count = 0;
                double[][] gram = new double[d][d];
                double[] cross = new double[d];
                double q = 0;
                for (int i = 0; i < n; i++) {
                    if (z[i] != k) {
                        continue;
                    }
                    double[] r = row(data, i);
                    double y = data.y()[i];
                    count++;
                    for (int a = 0; a < d; a++) {
                        for (int b = 0; b < d; b++) {
                            gram[a][b] += r[a] * r[b];
                        }
                        cross[a] += r[a] * y;
                    }
                    q += y * y;
                }
                assertEquals(count, stats.count(k), 0.0, "n_" + k);
                for (int a = 0; a < d; a++) {
                    for (int b = 0; b < d; b++) {
                        assertClose(gram[a][b], stats.gram(k)[a][b], "S_" + k);
                    }
                    assertClose(cross[a], stats.crossProduct(k)[a], "r_" + k);
                }
                assertClose(q, stats.sumSquares(k), "q_" + k);
            }
        }
    }

    /**
     * Kernel (c) against MODEL.md step 3 computed here, with omega_ik drawn from the stream the contract
     * names: (i, sweep, PG | k) under the chain's key.
     */
    @ParameterizedTest(name = "n = {0}, p = {1}, K = {2}")
    @MethodSource("shapes")
    void gateStatsFollowModelStep3(int n, int p, int experts) {
        Dataset data = data(n, p, 7);
        Params theta = params(experts, p + 1, 8);
        RngKey key = new RngKey(10, 2);
        int sweep = 3;
        try (Backend backend = createBackend(BLOCK)) {
            Backend.Workspace ws = backend.workspace(backend.upload(data), experts);
            backend.allocate(ws, ParamsBlock.of(theta), key, sweep);
            byte[] z = backend.allocations(ws);
            int d = p + 1;
            for (int gate = 0; gate < experts - 1; gate++) {
                GateStats g = backend.gateStats(ws, ParamsBlock.of(theta), gate, key, sweep);
                double[][] gram = new double[d][d];
                double[] response = new double[d];
                double[] eta = new double[experts];
                for (int i = 0; i < n; i++) {
                    double[] r = row(data, i);
                    theta.gateLogits(r, eta);
                    double[] others = new double[experts - 1];
                    int o = 0;
                    for (int j = 0; j < experts; j++) {
                        if (j != gate) {
                            others[o++] = eta[j];
                        }
                    }
                    double c = Params.logSumExp(others, others.length);
                    double psi = eta[gate] - c;
                    double omega = PolyaGamma.draw(key.stream(i, sweep, Step.pg(gate)), psi);
                    double kappa = (z[i] == gate ? 1.0 : 0.0) - 0.5;
                    for (int a = 0; a < d; a++) {
                        for (int b = 0; b < d; b++) {
                            gram[a][b] += omega * r[a] * r[b];
                        }
                        response[a] += r[a] * (kappa + omega * c);
                    }
                }
                for (int a = 0; a < d; a++) {
                    for (int b = 0; b < d; b++) {
                        assertClose(gram[a][b], g.weightedGram()[a][b], "gate " + gate + " Gram");
                    }
                    assertClose(response[a], g.weightedResponse()[a], "gate " + gate + " response");
                }
            }
        }
    }

    /**
     * Kernel (b) against MODEL.md's formulas written out per row: the mixture log-likelihood, the gradient
     * sum_i (r_ik - pi_ik) x~_i, the metric sum_i pi_ik (delta_kl - pi_il) x~_i x~_i', and the per-observation
     * log-likelihood differences against other gates, and per expert the joint move's sums r_ik, r_ik e_ik x~_i
     * and r_ik e_ik^2; without the metric only the first 2 + D + K (d + 2) sums.
     */
    @ParameterizedTest(name = "n = {0}, p = {1}, K = {2}")
    @MethodSource("shapes")
    void gateGradientIsTheCollapsedLikelihoodWithItsGradientAndMetric(int n, int p, int experts) {
        Dataset data = data(n, p, 21);
        Params theta = params(experts, p + 1, 22);
        Params ref = theta.withGates(ParamsBlock.of(params(experts, p + 1, 23)).w());
        int d = p + 1;
        int free = (experts - 1) * d;
        double logLik = 0;
        double diff = 0;
        double[] grad = new double[free];
        double[][] metric = new double[free][free];
        double[] mass = new double[experts];
        double[][] weightedResidual = new double[experts][d];
        double[] weightedSquares = new double[experts];
        for (int i = 0; i < n; i++) {
            double[] r = row(data, i);
            double yi = data.y()[i];
            double here = theta.logDensity(r, yi);
            logLik += here;
            diff += here - ref.logDensity(r, yi);
            double[] eta = new double[experts];
            theta.gateLogits(r, eta);
            double lse = Params.logSumExp(eta, experts);
            double[] pi = new double[experts];
            double[] resp = new double[experts];
            for (int k = 0; k < experts; k++) {
                pi[k] = Math.exp(eta[k] - lse);
                double res = yi - Params.dot(theta.beta()[k], r);
                resp[k] = Math.exp(eta[k] - lse - 0.5 * Math.log(2 * Math.PI * theta.s2()[k])
                        - 0.5 * res * res / theta.s2()[k] - here);
                mass[k] += resp[k];
                for (int a = 0; a < d; a++) {
                    weightedResidual[k][a] += resp[k] * res * r[a];
                }
                weightedSquares[k] += resp[k] * res * res;
            }
            for (int k = 0; k < experts - 1; k++) {
                for (int a = 0; a < d; a++) {
                    grad[k * d + a] += (resp[k] - pi[k]) * r[a];
                    for (int l = 0; l < experts - 1; l++) {
                        for (int b = 0; b < d; b++) {
                            metric[k * d + a][l * d + b] += pi[k] * ((k == l ? 1 : 0) - pi[l]) * r[a] * r[b];
                        }
                    }
                }
            }
        }
        try (Backend backend = createBackend(BLOCK)) {
            Backend.Workspace ws = backend.workspace(backend.upload(data), experts);
            GateGradient g = backend.gateGradient(ws, ParamsBlock.of(theta), ParamsBlock.of(ref).w(), true);
            assertClose(logLik, g.logLikelihood(), "log-likelihood");
            assertClose(diff, g.logLikelihoodDiff(), "log-likelihood difference");
            double[] gg = g.gradient();
            double[][] gm = g.metric();
            for (int u = 0; u < free; u++) {
                assertClose(grad[u], gg[u], "gradient " + u);
                for (int v = 0; v < free; v++) {
                    assertClose(metric[u][v], gm[u][v], "metric " + u + ", " + v);
                }
            }
            for (int k = 0; k < experts; k++) {
                assertClose(mass[k], g.responsibility(k), "responsibility mass " + k);
                assertClose(weightedSquares[k], g.weightedSquares(k), "weighted squares " + k);
                for (int a = 0; a < d; a++) {
                    assertClose(weightedResidual[k][a], g.weightedResidual(k)[a], "weighted residual " + k + ", " + a);
                }
            }
            GateGradient light = backend.gateGradient(ws, ParamsBlock.of(theta), null, false);
            assertEquals(2 + free + experts * (d + 2), light.flat().length);
            for (int k = 0; k < experts; k++) {
                assertClose(mass[k], light.responsibility(k), "responsibility mass without the metric " + k);
                assertClose(weightedSquares[k], light.weightedSquares(k), "weighted squares without the metric " + k);
            }
            assertEquals(0.0, light.logLikelihoodDiff());
            assertClose(logLik, light.logLikelihood(), "log-likelihood without the metric");
            for (int u = 0; u < free; u++) {
                assertClose(grad[u], light.gradient()[u], "gradient without the metric " + u);
            }
        }
    }

    /** Gates so large that the logits overflow give non-finite sums, not an exception: the move rejects them. */
    @Test
    void gateGradientAtOverflowingGatesIsNotFinite() {
        Dataset data = data(5, 1, 24);
        Params theta = new Params(new double[][] {{0.0, Double.MAX_VALUE}}, new double[][] {{0.0, 1.0}, {0.5, -1.0}},
                new double[] {1.0, 1.0});
        try (Backend backend = createBackend(BLOCK)) {
            Backend.Workspace ws = backend.workspace(backend.upload(data), 2);
            assertTrue(!backend.gateGradient(ws, ParamsBlock.of(theta), null, true).isFinite());
        }
    }

    /**
     * Allocations follow P(z_i = k) ∝ pi_k(x_i) N(y_i | beta_k' x~_i, s2_k): counts over 20000 sweeps per
     * observation against those probabilities, chi-square test at level 1e-6 per observation (7 tests).
     */
    @Test
    void allocationsFollowTheirConditional() {
        int n = 7;
        int experts = 3;
        int reps = 20_000;
        Dataset data = data(n, 1, 11);
        // modest coefficients so every expert has a non-negligible probability
        Params theta = new Params(new double[][] {{0.3, 0.5}, {-0.2, 0.4}},
                new double[][] {{0.5, 1.0}, {-0.5, 0.2}, {0.0, -0.8}}, new double[] {1.0, 2.0, 1.5});
        long[][] counts = new long[n][experts];
        try (Backend backend = createBackend(BLOCK)) {
            Backend.Workspace ws = backend.workspace(backend.upload(data), experts);
            RngKey key = new RngKey(12, 0);
            for (int s = 1; s <= reps; s++) {
                backend.allocate(ws, ParamsBlock.of(theta), key, s);
                byte[] z = backend.allocations(ws);
                for (int i = 0; i < n; i++) {
                    counts[i][z[i]]++;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            double[] r = row(data, i);
            double[] eta = new double[experts];
            theta.gateLogits(r, eta);
            double[] prob = new double[experts];
            double total = 0;
            for (int k = 0; k < experts; k++) {
                double res = data.y()[i] - Params.dot(theta.beta()[k], r);
                prob[k] = Math.exp(eta[k]) * Math.exp(-0.5 * res * res / theta.s2()[k]) / Math.sqrt(theta.s2()[k]);
                total += prob[k];
            }
            double[] expected = new double[experts];
            for (int k = 0; k < experts; k++) {
                expected[k] = reps * prob[k] / total;
            }
            double pValue = new ChiSquareTest().chiSquareTest(expected, counts[i]);
            assertTrue(pValue > 1e-6, "observation " + i + ": p = " + pValue);
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCountOrRepeatedCalls() {
        Dataset data = data(1000, 3, 13);
        Params theta = params(4, 4, 14);
        RngKey key = new RngKey(15, 1);
        double[] first = null;
        for (int rep = 0; rep < 2; rep++) {
            try (Backend backend = createBackend(BLOCK)) {
                Backend.Workspace ws = backend.workspace(backend.upload(data), 4);
                Allocation a = backend.allocate(ws, ParamsBlock.of(theta), key, 2);
                double ll = a.logLikelihood();
                ExpertStats es = a.stats();
                GateStats gs = backend.gateStats(ws, ParamsBlock.of(theta), 1, key, 2);
                double[] all = new double[1 + es.flat().length + gs.flat().length];
                all[0] = ll;
                System.arraycopy(es.flat(), 0, all, 1, es.flat().length);
                System.arraycopy(gs.flat(), 0, all, 1 + es.flat().length, gs.flat().length);
                if (first == null) {
                    first = all;
                } else {
                    assertArrayEquals(first, all, 0.0);
                }
            }
        }
    }

    /**
     * One backend serves successive runs (select's refits: the full data, then the data without a row, then the
     * full data again), each with the draws a fresh backend gives it: a run's data and workspaces leave the
     * backend when the run ends ({@link bmoe.sampler.Sampler#run} closes them), and nothing of one run reaches
     * the next.
     */
    @Test
    void oneBackendServesSuccessiveRunsAsFreshOnesWould() {
        Dataset full = data(300, 2, 21);
        Dataset without = full.withoutRows(new int[] {17});
        bmoe.sampler.RunConfig cfg = new bmoe.sampler.RunConfig(3, 2, 5, 5, 1, 9, Priors.DEFAULT);
        List<List<bmoe.sampler.Chain.Result>> fresh = new ArrayList<>();
        for (Dataset d : List.of(full, without, full)) {
            try (Backend backend = createBackend(BLOCK)) {
                fresh.add(bmoe.sampler.Sampler.run(backend, d, cfg, 1, null));
            }
        }
        try (Backend backend = createBackend(BLOCK)) {
            int run = 0;
            for (Dataset d : List.of(full, without, full)) {
                List<bmoe.sampler.Chain.Result> reused = bmoe.sampler.Sampler.run(backend, d, cfg, 1, null);
                for (int c = 0; c < reused.size(); c++) {
                    double[][] expected = fresh.get(run).get(c).draws();
                    for (int r = 0; r < expected.length; r++) {
                        assertArrayEquals(expected[r], reused.get(c).draws()[r], 0.0, "run " + run + " chain " + c);
                    }
                }
                run++;
            }
        }
        assertTrue(!java.util.Arrays.equals(fresh.get(0).get(0).draws()[4], fresh.get(1).get(0).draws()[4]),
                "leaving out a row changes the draws");
    }

    /**
     * Several chains' calls in one pass give each chain the bits of its own call: five chains of K = 3, 3, 1, 2, 3
     * (so one pass meets several shapes) over one resident data set with room for one chain (a device's buffer of
     * allocations for K = 3 then grows twice), each with its own parameters, key and sweep; kernel (a), then two
     * more workspaces of K = 3 (the buffer grows again, the allocations drawn so far copied), then kernel (c) with a
     * gate per chain (the chains with gates, reading those allocations), then kernel (b) with and without the metric,
     * with reference gates for some chains. The same calls one by one on workspaces of their own are the reference;
     * sums, allocations and the order of the results must agree to the bit.
     */
    @Test
    void batchedCallsGiveEachChainTheBitsOfItsOwnCall() {
        int n = 3 * BLOCK + 5;
        int p = 2;
        int d = p + 1;
        Dataset data = data(n, p, 31);
        int[] ks = {3, 3, 1, 2, 3};
        int chains = ks.length;
        ParamsBlock[] params = new ParamsBlock[chains];
        RngKey[] keys = new RngKey[chains];
        for (int c = 0; c < chains; c++) {
            params[c] = ParamsBlock.of(params(ks[c], d, 40 + c));
            keys[c] = new RngKey(32, c);
        }
        try (Backend backend = createBackend(BLOCK)) {
            Backend.Resident alone = backend.upload(data);
            Backend.Resident together = backend.upload(data, 1);
            Backend.Workspace[] one = new Backend.Workspace[chains];
            Backend.Workspace[] all = new Backend.Workspace[chains];
            for (int c = 0; c < chains; c++) {
                one[c] = backend.workspace(alone, ks[c]);
                all[c] = backend.workspace(together, ks[c]);
            }
            List<Backend.AllocateCall> allocate = new ArrayList<>();
            for (int c = 0; c < chains; c++) {
                allocate.add(new Backend.AllocateCall(all[c], params[c], keys[c], 3 + c));
            }
            List<Backend.Outcome<Allocation>> a = backend.allocateAll(allocate);
            assertEquals(chains, a.size());
            for (int c = 0; c < chains; c++) {
                Allocation expected = backend.allocate(one[c], params[c], keys[c], 3 + c);
                assertEquals(expected.logLikelihood(), a.get(c).get().logLikelihood(), 0.0, "chain " + c);
                assertArrayEquals(expected.stats().flat(), a.get(c).get().stats().flat(), 0.0, "chain " + c);
                assertArrayEquals(backend.allocations(one[c]), backend.allocations(all[c]), "z of chain " + c);
            }
            Backend.Workspace later = backend.workspace(together, 3);
            Backend.Workspace latest = backend.workspace(together, 3);
            for (int c = 0; c < chains; c++) {
                assertArrayEquals(backend.allocations(one[c]), backend.allocations(all[c]),
                        "z of chain " + c + " after more workspaces");
            }
            assertEquals(data.n(), backend.allocations(latest).length);
            later.close();

            List<Backend.GateStatsCall> stats = new ArrayList<>();
            List<Integer> withGates = new ArrayList<>();
            for (int c = 0; c < chains; c++) {
                if (ks[c] > 1) {
                    stats.add(new Backend.GateStatsCall(all[c], params[c], c % (ks[c] - 1), keys[c], 3 + c));
                    withGates.add(c);
                }
            }
            List<Backend.Outcome<GateStats>> g = backend.gateStatsAll(stats);
            for (int i = 0; i < withGates.size(); i++) {
                int c = withGates.get(i);
                GateStats expected = backend.gateStats(one[c], params[c], c % (ks[c] - 1), keys[c], 3 + c);
                assertArrayEquals(expected.flat(), g.get(i).get().flat(), 0.0, "gate stats of chain " + c);
            }

            for (boolean metric : new boolean[] {true, false}) {
                List<Backend.GradientCall> gradient = new ArrayList<>();
                double[][] refs = new double[chains][];
                for (int c = 0; c < chains; c++) {
                    refs[c] = c % 2 == 0 ? null : ParamsBlock.of(params(ks[c], d, 60 + c)).w();
                    gradient.add(new Backend.GradientCall(all[c], params[c], refs[c], metric));
                }
                List<Backend.Outcome<GateGradient>> b = backend.gateGradientAll(gradient);
                for (int c = 0; c < chains; c++) {
                    GateGradient expected = backend.gateGradient(one[c], params[c], refs[c], metric);
                    assertEquals(metric, b.get(c).get().hasMetric());
                    assertArrayEquals(expected.flat(), b.get(c).get().flat(), 0.0, "gradient of chain " + c
                            + (metric ? " with" : " without") + " the metric");
                }
            }
        }
    }

    /** A chain whose Polya-Gamma argument is not finite fails alone; the others in its pass get their sums. */
    @Test
    void aFailingCallInABatchFailsAlone() {
        Dataset data = data(2 * BLOCK, 1, 33);
        Params fine = params(2, 2, 34);
        Params overflowing = new Params(new double[][] {{0.0, Double.MAX_VALUE}}, fine.beta(), fine.s2());
        RngKey key = new RngKey(35, 0);
        try (Backend backend = createBackend(BLOCK)) {
            Backend.Resident r = backend.upload(data, 2);
            Backend.Workspace a = backend.workspace(r, 2);
            Backend.Workspace b = backend.workspace(r, 2);
            backend.allocateAll(List.of(new Backend.AllocateCall(a, ParamsBlock.of(fine), key, 1),
                    new Backend.AllocateCall(b, ParamsBlock.of(fine), key, 1)));
            List<Backend.Outcome<GateStats>> out = backend.gateStatsAll(List.of(
                    new Backend.GateStatsCall(a, ParamsBlock.of(overflowing), 0, key, 1),
                    new Backend.GateStatsCall(b, ParamsBlock.of(fine), 0, key, 1)));
            assertTrue(out.get(0).failure() instanceof IllegalStateException, String.valueOf(out.get(0)));
            assertTrue(out.get(0).failure().getMessage().contains("Polya-Gamma argument is not finite"),
                    out.get(0).failure().getMessage());
            assertEquals(null, out.get(1).failure());
            assertArrayEquals(backend.gateStats(b, ParamsBlock.of(fine), 0, key, 1).flat(), out.get(1).get().flat(),
                    0.0);
        }
    }
}
