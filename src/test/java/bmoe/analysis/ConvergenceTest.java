package bmoe.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.analysis.Convergence.Summary;
import bmoe.rng.Draws;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import bmoe.testing.Moments;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.math3.distribution.FDistribution;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConvergenceTest {
    /** Relative agreement with the reference values; the reference and posterior agree to 1e-15. */
    private static final double REFERENCE_TOLERANCE = 1e-10;
    private static final double INF = Double.POSITIVE_INFINITY;
    private static final double NaN = Double.NaN;

    /**
     * One case of the reference catalogue: draws chains[c][t] and what posterior says about them.
     * Columns as in src/test/resources/bmoe/analysis/convergence_reference.py, which prints these rows.
     */
    record Reference(String name, double[][] chains, double rhat, double essBulk, double essTail,
                     double essBasic, double mcseMean, double mcseQ5, double mcseQ95, double q5, double q50,
                     double q95) {
        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * Computed by src/test/resources/bmoe/analysis/convergence_reference.py (numpy/scipy, written from
     * posterior's R source: direct autocovariance sums, scipy ranks and ndtri) and checked there against
     * posterior 1.4.0 itself to 1e-15. Together the cases reach every branch of posterior's ESS: a negative
     * pair ending Geyer's positive sequence, the monotone correction (twoChainsMonotone), the improved last
     * term (twoChainsImprovedTerm), max_t = 0 with R's 1:0 indexing (twoChainsShort: 7 draws per chain) and
     * the cap at S log10 S for antithetic chains; and odd length (the middle draw dropped), ties, a single
     * chain, stuck chains (R-hat NA or Inf) and an infinite draw (rank-based R-hat and bulk ESS still
     * defined, the rest NA).
     */
    static final List<Reference> REFERENCE = List.of(
        new Reference("fourChainsShifted", new double[][] {
                {-0.541, -0.205, -1.555, -0.705, -0.681, -0.989, -0.515, -1.87, -1.249, -1.334, -0.473, 0.07, -0.7, -1.167, -1.876, -1.756, -0.798, 0.207, 0.307, 0.212},
                {-0.364, -0.871, -0.331, -0.361, 0.468, 0.443, 1.361, 0.49, 0.899, 0.719, 1.789, -0.496, 0.402, -0.578, -1.042, -0.64, -1.592, -1.911, -1.551, -1.189},
                {-1.841, -1.221, -0.838, -1.033, -0.623, -0.784, 0.468, -0.366, -0.173, -0.495, 0.387, -0.545, 0.374, -0.732, -1.533, -1.358, -0.741, -1.662, -1.4, -0.843},
                {1.479, 1.835, 1.687, 2.063, 2.31, 0.818, 2.559, 1.816, 0.925, 1.355, 0.742, 1.267, 0.119, 0.972, -0.108, 0.556, 0.483, 0.209, 0.568, 0.2}},
                1.4896608380897598, 11.417415429908147, 19.386106623586432, 10.439252066356145, 0.3383620295166233, 0.1419999999999999, 0.5820000000000001, -1.76025, -0.365, 1.8169499999999998),
        new Reference("threeChainsOddLength", new double[][] {
                {0.145, 1.886, -0.386, 0.986, 1.328, -0.67, -0.02, 0.494, -0.721, 0.813, 1.081, 1.945, 0.955, 1.189, 2.085},
                {-0.416, -1.509, -0.179, -1.263, 0.668, 0.341, 0.876, 0.418, 1.307, -0.043, 0.035, 1.346, -0.797, -0.055, 0.914},
                {-2.466, -3.721, 1.7, 0.058, -0.734, -3.589, -3.614, 1.126, -0.114, -0.99, 1.591, -1.683, 3.343, 0.125, -1.186}},
                1.1104326276070422, 33.72804753119419, 22.698529411764703, 26.43221167121934, 0.29310237988213494, 1.229, 0.247, -3.3644, 0.125, 1.9331999999999998),
        new Reference("twoChainsTies", new double[][] {
                {0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 3.0},
                {3.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 2.0, 2.0, 0.0, 0.0, 1.0, 2.0, 1.0, 1.0}},
                0.9983761575847759, 33.69653766174801, 36.34567901234567, 33.36999651931779, 0.15853594525065132, 0.0, 0.5, 0.0, 0.5, 2.4499999999999993),
        new Reference("oneChain", new double[][] {
                {-0.189, 0.324, 0.11, -0.547, 0.253, 0.434, -0.312, -0.648, 0.033, -0.783, -0.045, -0.023, -0.109, 0.432, 0.091, 0.106, 1.066, 0.346, 1.37, 0.084}},
                1.1162018010384982, 7.027044895092556, 20.408163265306133, 5.203670190342606, 0.22483177612706584, 0.118, 0.4690000000000001, -0.65475, 0.0875, 1.0812000000000002),
        new Reference("twoChainsShort", new double[][] {
                {0.711, -0.507, -0.413, 0.691, 1.077, 0.695, -0.391},
                {0.276, 1.211, 0.624, -0.655, -0.254, -1.572, 0.302}},
                1.0356862667704092, 6.0, 6.0, 6.0, 0.31954118464028813, 0.5795, 0.26000000000000006, -0.9759500000000001, 0.28900000000000003, 1.1239),
        new Reference("twoChainsAntithetic", new double[][] {
                {-0.3, -0.751, 0.248, 0.313, -0.351, 0.332, 0.586, 0.042, -1.171, 1.082, -1.426, -0.591, 1.242, -1.93, 1.126, 0.104, 0.429, -0.345, -0.393, 0.486},
                {0.634, -0.167, 0.637, -1.52, 0.451, -0.201, 0.404, -0.729, 0.009, -0.026, 0.107, 1.328, -1.204, 1.226, -2.082, 1.385, -1.199, -0.081, -0.637, -0.015}},
                1.0045383541804684, 64.08239965311849, 51.136363636363626, 64.08239965311849, 0.11002719792817632, 0.32799999999999996, 0.10100000000000009, -1.5405, -0.003, 1.2462999999999997),
        new Reference("twoChainsAlternating", new double[][] {
                {1.0, -1.1, 1.2, -0.9, 1.05, -1.0, 0.95, -1.15, 1.1, -0.95, 1.0, -1.05},
                {-1.0, 1.1, -0.9, 1.2, -1.05, 0.9, -1.1, 1.0, -1.2, 0.95, -1.0, 1.15}},
                0.9458209306781223, 33.12506980107854, 33.12506980107854, 12.0, 0.3083871868363388, 0.04999999999999993, 0.04999999999999993, -1.1424999999999998, 0.0, 1.1925),
        new Reference("twoChainsMonotone", new double[][] {
                {0.727, 0.792, -0.014, 0.465, 0.631, 0.253, 0.521, 0.635, 0.695, 0.606, 0.803, 0.294, 0.164, -0.114, 0.218, 0.207, 0.022, -0.394, -0.47, -0.395, -0.481, 0.273, 0.762, -0.78, -1.658, -1.502, -1.499, -1.161, -0.873, 0.374},
                {-1.144, 0.104, 0.429, 0.714, 0.336, -0.583, -0.407, -0.289, -0.892, -1.118, -0.988, -1.338, -1.189, -0.96, -0.797, -0.944, -0.49, 0.053, 0.214, -0.249, 0.174, -0.117, 0.364, -0.255, 0.265, 0.215, -0.475, -0.569, -0.456, -0.244}},
                1.267371207389149, 8.204351003360868, 24.02745995423341, 7.808923621553265, 0.23958965910497299, 0.257, 0.0635, -1.34605, -0.1155, 0.7287499999999999),
        new Reference("twoChainsStuck", new double[][] {
                {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0},
                {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}},
                NaN, 10.0, NaN, 10.0, 0.16222142113076252, 0.0, NaN, 0.0, 0.5, 1.0),
        new Reference("threeChainsStuck", new double[][] {
                {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0},
                {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0},
                {2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0}},
                INF, 12.0, NaN, 12.0, 0.24077170617153842, 0.0, NaN, 0.0, 1.0, 2.0),
        new Reference("infiniteDraw", new double[][] {
                {1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, INF},
                {1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0}},
                1.7448550834972452, 10.0, NaN, NaN, NaN, NaN, NaN, 1.0, 5.5, INF),
        new Reference("twoChainsImprovedTerm", new double[][] {
                {0.037, 1.17, 0.522, 1.446, 0.773, 1.565, -0.158, -0.448, -1.996, -1.903, -1.645, -0.056, -1.067, 1.322, 2.436, 0.197},
                {-0.156, -0.45, -0.478, 0.516, 0.871, 0.76, 0.315, -1.221, -0.482, 0.118, 0.754, 0.708, -1.414, -0.753, -0.582, -0.288}},
                1.0420460769080524, 17.50442990231879, 14.222222222222225, 18.344746077979472, 0.24496757026544505, 0.4645, 0.1975, -1.7611, -0.009500000000000001, 1.4995499999999997));

    static Stream<Reference> reference() {
        return REFERENCE.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reference")
    void diagnosticsMatchPosterior(Reference ref) {
        double[][] chains = ref.chains();
        assertClose(ref.rhat(), Convergence.rhat(chains), "rhat");
        assertClose(ref.essBulk(), Convergence.essBulk(chains), "essBulk");
        assertClose(ref.essTail(), Convergence.essTail(chains), "essTail");
        assertClose(ref.essBasic(), Convergence.essBasic(chains), "essBasic");
        assertClose(ref.mcseMean(), Convergence.mcseMean(chains), "mcseMean");
        assertClose(ref.mcseQ5(), Convergence.mcseQuantile(chains, 0.05), "mcseQ5");
        assertClose(ref.mcseQ95(), Convergence.mcseQuantile(chains, 0.95), "mcseQ95");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reference")
    void summaryAgreesWithTheSingleDiagnostics(Reference ref) {
        double[][] chains = ref.chains();
        double[][] copy = deepCopy(chains);
        Summary s = Convergence.summarize(ref.name(), chains);
        assertEquals(ref.name(), s.name());
        assertClose(ref.q5(), s.q5(), "q5");
        assertClose(ref.q50(), s.q50(), "q50");
        assertClose(ref.q95(), s.q95(), "q95");
        assertClose(ref.rhat(), s.rhat(), "rhat");
        assertClose(ref.essBulk(), s.essBulk(), "essBulk");
        assertClose(ref.essTail(), s.essTail(), "essTail");
        assertClose(ref.mcseMean(), s.mcseMean(), "mcseMean");
        double[] pooled = Stream.of(chains).flatMapToDouble(Arrays::stream).toArray();
        assertClose(Moments.mean(pooled), s.mean(), "mean");
        assertClose(Math.sqrt(Moments.variance(pooled)), s.sd(), "sd");
        for (int c = 0; c < chains.length; c++) {
            assertArrayEquals(copy[c], chains[c], "input modified");
        }
    }

    // ---- the pieces -------------------------------------------------------------------------------------

    /** The FFT autocovariance against the direct sum (1/N) sum_t yc_t yc_{t+k}, on awkward lengths. */
    @ParameterizedTest(name = "N = {0}")
    @ValueSource(ints = {4, 5, 7, 17, 64, 65, 1000})
    void autocovarianceByFftEqualsTheDirectSum(int n) {
        double[] x = ar1(7, 1, n, 0.7)[0];
        double mean = Moments.mean(x);
        double[] acov = Autocovariance.of(x);
        assertEquals(n, acov.length);
        for (int k = 0; k < n; k++) {
            double direct = 0;
            for (int t = 0; t + k < n; t++) {
                direct += (x[t] - mean) * (x[t + k] - mean);
            }
            direct /= n;
            // FFT rounding is absolute, of the order of eps log N times the variance
            assertEquals(direct, acov[k], 1e-12 * acov[0], "lag " + k);
        }
    }

    @Test
    void autocovarianceOfAConstantIsZero() {
        for (double v : Autocovariance.of(new double[] {3, 3, 3, 3, 3})) {
            assertEquals(0.0, v);
        }
    }

    @Test
    void rankNormalizationAveragesTiesAndIsAntisymmetric() {
        double[][] z = Convergence.rankNormalize(new double[][] {{5, 1, 1}, {7, 1, 9}});
        // ranks: 1 -> (1+2+3)/3 = 2, 5 -> 4, 7 -> 5, 9 -> 6; S = 6: qnorm((r - 3/8) / 6.25)
        assertEquals(z[0][1], z[0][2]);
        assertEquals(z[0][1], z[1][1]);
        assertEquals(-0.643345405392917, z[0][1], 1e-14); // scipy.special.ndtri(1.625 / 6.25)
        assertEquals(0.20189347914185074, z[0][0], 1e-14); // ndtri(3.625 / 6.25)
        assertEquals(-z[0][0], Convergence.rankNormalize(new double[][] {{1, 2, 3, 4, 5, 6}})[0][2]);
        double[] ranked = Convergence.rankNormalize(new double[][] {{0.3, -2, 8, 1e-9, 4, 6, 7}})[0];
        // ranks 3 1 7 2 4 5 6: z(r) = -z(S + 1 - r), exactly
        assertEquals(-ranked[1], ranked[2]);
        assertEquals(-ranked[3], ranked[6]);
        assertEquals(0.0, ranked[4], 0.0);
    }

    @Test
    void splitDropsTheMiddleDrawOfAnOddChain() {
        double[][] halves = Convergence.split(new double[][] {{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}});
        assertArrayEquals(
                new double[][] {{1, 2}, {6, 7}, {4, 5}, {9, 10}}, halves);
    }

    @Test
    void bulkEssIsInvariantUnderIncreasingTransformations() {
        double[][] x = ar1(3, 4, 300, 0.5);
        double[][] expX = new double[x.length][];
        for (int c = 0; c < x.length; c++) {
            expX[c] = Arrays.stream(x[c]).map(Math::exp).toArray();
        }
        assertEquals(Convergence.essBulk(x), Convergence.essBulk(expX));
        assertTrue(Math.abs(Convergence.essBasic(x) - Convergence.essBasic(expX)) > 1,
                "basic ESS is not rank based, so it should move");
    }

    @Test
    void quantileProbabilityOneUsesPosteriorsAdjustment() {
        double[][] x = ar1(4, 2, 50, 0.3);
        assertEquals(Convergence.essQuantile(x, (100 - 0.5) / 100), Convergence.essQuantile(x, 1.0));
        assertTrue(Double.isFinite(Convergence.essQuantile(x, 0.0)));
    }

    // ---- edge cases ----------------------------------------------------------------------------------------

    @Test
    void aConstantQuantityHasNoDiagnosticsAndNoWarning() {
        double[][] constant = {{2.5, 2.5, 2.5, 2.5, 2.5, 2.5}, {2.5, 2.5, 2.5, 2.5, 2.5, 2.5}};
        Summary s = Convergence.summarize("fixed", constant);
        assertEquals(2.5, s.mean());
        assertEquals(0.0, s.sd());
        assertEquals(2.5, s.q5());
        assertEquals(2.5, s.q50());
        assertEquals(2.5, s.q95());
        for (double v : new double[] {s.rhat(), s.essBulk(), s.essTail(), s.mcseMean(),
                Convergence.essBasic(constant), Convergence.mcseQuantile(constant, 0.05)}) {
            assertTrue(Double.isNaN(v), "posterior answers NA for a constant, got " + v);
        }
        assertFalse(s.warn(), s.reason());
        assertEquals("", s.reason());
    }

    @Test
    void aNaNDrawMakesEveryDiagnosticNaNAndWarns() {
        double[][] x = ar1(5, 2, 20, 0.2);
        x[1][3] = Double.NaN;
        Summary s = Convergence.summarize("broken", x);
        for (double v : new double[] {s.mean(), s.sd(), s.q5(), s.q50(), s.q95(), s.mcseMean(), s.rhat(),
                s.essBulk(), s.essTail(), Convergence.essBasic(x), Convergence.mcseQuantile(x, 0.5)}) {
            assertTrue(Double.isNaN(v), "expected NaN, got " + v);
        }
        assertTrue(s.warn());
        assertEquals("non-finite draws", s.reason());
    }

    @Test
    void anInfiniteDrawRanksLikeTheLargestFiniteOne() {
        double[][] x = ar1(6, 3, 30, 0.4);
        double[][] big = deepCopy(x);
        x[2][7] = INF;
        big[2][7] = 1e300;
        assertEquals(Convergence.rhat(big), Convergence.rhat(x));
        assertEquals(Convergence.essBulk(big), Convergence.essBulk(x));
        assertTrue(Double.isNaN(Convergence.essTail(x)));
        assertTrue(Double.isNaN(Convergence.essBasic(x)));
        assertEquals("non-finite draws", Convergence.summarize("x", x).reason());
    }

    @Test
    void stuckChainsWarn() {
        // three chains each stuck at its own value: R-hat is +Inf (posterior too, see threeChainsStuck)
        Summary three = Convergence.summarize("stuck", new double[][] {{0, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1},
                {2, 2, 2, 2, 2, 2}});
        assertEquals(INF, three.rhat());
        assertTrue(three.warn());
        assertTrue(three.reason().startsWith("R-hat Infinity > 1.01"), three.reason());
        // two values: the folded draws are constant, so R-hat is NA in posterior (twoChainsStuck)
        Summary two = Convergence.summarize("stuck", new double[][] {{0, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1}});
        assertTrue(Double.isNaN(two.rhat()));
        assertTrue(two.reason().contains("R-hat undefined"), two.reason());
    }

    @Test
    void warningThresholdsArePosteriorsConventions() {
        assertFalse(summary(1.01, 400, 400).warn());
        assertEquals("R-hat 1.011 > 1.01", summary(1.011, 400, 400).reason());
        assertEquals("bulk ESS 399 < 400", summary(1.0, 399, 400).reason());
        assertEquals("tail ESS 12 < 400", summary(1.0, 1000, 12).reason());
        assertEquals("R-hat 1.200 > 1.01; bulk ESS 50 < 400; tail ESS undefined",
                summary(1.2, 50, NaN).reason());
    }

    /**
     * One chain is split into two halves, so R-hat sees a chain that drifts. Stationary: R-hat^2 =
     * (n - 1 + F) / n with F ~ F(1, 2n - 2), below sqrt((999 + 24.08) / 1000) = 1.0115 but with probability
     * 1e-6 (24.08 = scipy.stats.f.ppf(1 - 1e-6, 1, 1998)). Second half shifted by 1 sd: R-hat about 1.2.
     */
    @Test
    @Tag("statistical")
    void oneChainIsSplitIntoTwo() {
        double[][] one = ar1(8, 1, 2000, 0.0);
        double rhat = Convergence.rhat(one);
        assertTrue(rhat >= Math.sqrt(0.999) && rhat < 1.0115, "stationary chain: R-hat " + rhat);
        for (int t = 1000; t < 2000; t++) {
            one[0][t] += 1.0;
        }
        assertTrue(Convergence.rhat(one) > 1.1, "drifting chain: R-hat " + Convergence.rhat(one));
    }

    static Stream<Arguments> badShapes() {
        return Stream.of(
                Arguments.of("null", null, "at least one chain"),
                Arguments.of("no chains", new double[0][], "at least one chain"),
                Arguments.of("null chain", new double[][] {{1, 2, 3, 4}, null}, "chain 1 is null"),
                Arguments.of("3 draws", new double[][] {{1, 2, 3}}, "at least 4 draws, got 3"),
                Arguments.of("unequal", new double[][] {{1, 2, 3, 4, 5}, {1, 2, 3, 4}},
                        "chain 0 has 5 draws, chain 1 has 4"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badShapes")
    void badShapesAreRejectedByEveryEntryPoint(String label, double[][] chains, String message) {
        List<Executable> calls = List.of(
                () -> Convergence.summarize("x", chains), () -> Convergence.rhat(chains),
                () -> Convergence.essBulk(chains), () -> Convergence.essTail(chains),
                () -> Convergence.essBasic(chains), () -> Convergence.mcseMean(chains),
                () -> Convergence.essQuantile(chains, 0.5), () -> Convergence.mcseQuantile(chains, 0.5));
        for (Executable call : calls) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
            assertTrue(e.getMessage().contains(message), e.getMessage());
        }
    }

    @Test
    void badArgumentsAreRejected() {
        double[][] x = {{1, 2, 3, 4}};
        assertThrows(IllegalArgumentException.class, () -> Convergence.summarize(null, x));
        for (double p : new double[] {-0.01, 1.01, NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Convergence.essQuantile(x, p));
            assertTrue(e.getMessage().contains("[0, 1]"), e.getMessage());
        }
    }

    // ---- statistical ---------------------------------------------------------------------------------------

    private static final double PHI = 0.9;
    private static final int AR_CHAINS = 8;
    private static final int AR_DRAWS = 20_000;
    /**
     * tau of I(x &lt;= q05) for a stationary Gaussian AR(1) with phi = 0.9: 1 + 2 sum_k corr_k, corr_k =
     * (Phi2(q, q; phi^k) - p^2) / (p (1 - p)), p = 0.05, q = Phi^-1(p), summed to k = 400 with scipy's
     * multivariate_normal.cdf (accurate to ~1e-5 here). By symmetry the 95% indicator has the same tau.
     */
    private static final double TAIL_TAU = 8.568893459797136;
    /**
     * |estimated ESS / true ESS - 1| allowed. Over 200 numpy replicates of this design (8 x 20000, same
     * estimator) the ratio had mean 0.997 and sd 0.034 for basic and bulk ESS, mean 0.980 and sd 0.035 for
     * tail ESS (the sample quantile costs a little): 0.15 is 4.4 sd for the first two and 3.7 sd on the low
     * side for the tail, a false-alarm rate of about 1e-4 per assertion.
     */
    private static final double ESS_RELATIVE_TOLERANCE = 0.15;
    /** One draw of the AR(1) design, shared by the tests that only read it. */
    private static final double[][] AR1 = ar1(2024, AR_CHAINS, AR_DRAWS, PHI);

    @Test
    @Tag("statistical")
    void essOfAnAr1ChainMatchesTheKnownValue() {
        double[][] x = AR1;
        double draws = (double) AR_CHAINS * AR_DRAWS;
        double trueEssMean = draws * (1 - PHI) / (1 + PHI); // tau = (1 + phi) / (1 - phi) = 19
        double trueEssTail = draws / TAIL_TAU;
        assertRatio(trueEssMean, Convergence.essBasic(x), "basic ESS");
        assertRatio(trueEssMean, Convergence.essBulk(x), "bulk ESS"); // ranks of a Gaussian: the same process
        assertRatio(trueEssTail, Convergence.essTail(x), "tail ESS");
    }

    /**
     * The MCSE is calibrated: the true mean is 0, so mean / mcse is about N(0, 1). |z| &lt; 5 fails with
     * probability 6e-7 for a normal z; over 200 numpy replicates z had sd 0.97 and largest |z| 4.04.
     */
    @Test
    @Tag("statistical")
    void mcseOfTheMeanIsCalibrated() {
        Summary s = Convergence.summarize("ar1", AR1);
        assertTrue(Math.abs(s.mean() / s.mcseMean()) < 5, "z = " + s.mean() / s.mcseMean());
        double trueMcse = Math.sqrt((1 + PHI) / (1 - PHI) / ((double) AR_CHAINS * AR_DRAWS));
        assertRatio(trueMcse, s.mcseMean(), "mcse of the mean"); // sqrt of the ESS ratio: half as loose
    }

    /**
     * iid normal draws: each R-hat^2 is ((n - 1) + F) / n with F = B / W ~ F(m - 1, m (n - 1)) for m split
     * chains of n draws (exactly for normal draws, closely for their normal scores). So R-hat lies in
     * [sqrt((n - 1) / n), sqrt((n - 1 + F_{1-1e-6}) / n)] = [0.9990, 1.0043] here, and max(bulk, tail) leaves it
     * with probability at most 2e-6 per seed. The bound is an order tighter than 1 + 1/sqrt(S).
     */
    @Test
    @Tag("statistical")
    void iidChainsGiveRhatNearOne() {
        int chains = 4;
        int draws = 1000;
        int m = 2 * chains;
        int n = draws / 2;
        double fUpper = new FDistribution(null, m - 1, m * (n - 1.0), 1e-12).inverseCumulativeProbability(1 - 1e-6);
        double lower = Math.sqrt((n - 1.0) / n);
        double upper = Math.sqrt((n - 1 + fUpper) / n);
        for (long seed = 10; seed < 15; seed++) {
            double rhat = Convergence.rhat(ar1(seed, chains, draws, 0.0));
            assertTrue(rhat >= lower && rhat <= upper, "seed " + seed + ": R-hat " + rhat + " outside ["
                    + lower + ", " + upper + "]");
        }
    }

    /**
     * Negative controls, iid N(0, 1) chains with one chain wrong. Over 100 numpy replicates: a chain shifted
     * by 1 sd gave R-hat 1.101 +- 0.007 (min 1.081); a chain with 3 times the sd gave R-hat 1.145 +- 0.009
     * (min 1.125) while its bulk R-hat alone stayed at 1.0000 +- 0.0006 (max 1.002): only the folded draws
     * see a difference in scale. The thresholds sit 6 sd or more from those means.
     */
    @Test
    @Tag("statistical")
    void disagreeingChainsGiveRhatAboveTheThreshold() {
        double[][] shifted = ar1(20, 4, 1000, 0.0);
        for (int t = 0; t < 1000; t++) {
            shifted[3][t] += 1.0;
        }
        assertTrue(Convergence.rhat(shifted) > 1.05, "shifted: " + Convergence.rhat(shifted));
        assertTrue(Convergence.summarize("shifted", shifted).warn());

        double[][] wide = ar1(21, 4, 1000, 0.0);
        for (int t = 0; t < 1000; t++) {
            wide[3][t] *= 3.0;
        }
        double bulkOnly = Convergence.splitRhat(Convergence.rankNormalize(Convergence.split(wide)));
        assertTrue(bulkOnly < 1.005, "bulk R-hat alone: " + bulkOnly);
        assertTrue(Convergence.rhat(wide) > 1.05, "scaled: " + Convergence.rhat(wide));
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    /** Stationary Gaussian AR(1), x_t = phi x_{t-1} + sqrt(1 - phi^2) e_t, one Philox stream per chain. */
    static double[][] ar1(long seed, int chains, int draws, double phi) {
        double[][] x = new double[chains][draws];
        double innovationSd = Math.sqrt(1 - phi * phi);
        for (int c = 0; c < chains; c++) {
            RngStream rng = new RngKey(seed, c).stream(0, 0, 0);
            double current = Draws.normal(rng); // a stationary start: no warm-up to discard
            for (int t = 0; t < draws; t++) {
                current = phi * current + innovationSd * Draws.normal(rng);
                x[c][t] = current;
            }
        }
        return x;
    }

    private static Summary summary(double rhat, double essBulk, double essTail) {
        return new Summary("theta", 0.1, 1.0, -1.5, 0.1, 1.7, 0.01, rhat, essBulk, essTail);
    }

    private static void assertRatio(double truth, double estimate, String what) {
        assertTrue(Math.abs(estimate / truth - 1) < ESS_RELATIVE_TOLERANCE,
                what + ": estimate " + estimate + " vs true " + truth);
    }

    /** Relative 1e-10; an expected 0 must be within 1e-12, an expected NaN or infinity must match exactly. */
    private static void assertClose(double expected, double actual, String what) {
        if (Double.isNaN(expected) || Double.isInfinite(expected)) {
            assertEquals(expected, actual, what);
        } else if (expected == 0) {
            assertEquals(0.0, actual, 1e-12, what);
        } else {
            assertEquals(expected, actual, REFERENCE_TOLERANCE * Math.abs(expected), what);
        }
    }

    private static double[][] deepCopy(double[][] x) {
        double[][] copy = new double[x.length][];
        for (int c = 0; c < x.length; c++) {
            copy[c] = x[c].clone();
        }
        return copy;
    }
}
