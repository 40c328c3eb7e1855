package bmoe.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PSIS and the generalized Pareto fit against an independent numpy implementation of loo 2.x
 * (src/test/resources/bmoe/analysis/psis_reference.py, whose printed output the constants below copy), and
 * k-hat against the true shape of simulated GPD samples.
 */
class PsisTest {
    /** Relative agreement with the numpy reference: both evaluate the same formulas in double precision. */
    private static final double REFERENCE_TOL = 1e-12;

    // psis_reference.py: GPD_SAMPLE_HEAVY (20 draws of a GPD(k = 0.6, sigma = 1.3), rounded), ...
    private static final double[] GPD_SAMPLE_HEAVY = {
        0.005871, 0.01448, 0.145688, 0.183066, 0.271783, 0.315863, 0.324136, 0.356702, 0.705597, 0.713667,
        0.923079, 1.099591, 1.250615, 1.354864, 2.268385, 2.293745, 2.499568, 2.753743, 3.132929, 48.292259};
    // ... GPD_SAMPLE_BOUNDED (40 draws of a GPD(k = -0.25, sigma = 0.7), rounded) ...
    private static final double[] GPD_SAMPLE_BOUNDED = {
        0.014997, 0.059876, 0.087813, 0.094766, 0.113739, 0.127401, 0.138506, 0.201483, 0.246184, 0.295881,
        0.306211, 0.322911, 0.337554, 0.346029, 0.39848, 0.428154, 0.429043, 0.434047, 0.436393, 0.449179,
        0.486324, 0.590658, 0.602416, 0.616907, 0.629228, 0.689084, 0.78614, 0.82504, 0.892681, 0.926109,
        0.94557, 1.028538, 1.044654, 1.056888, 1.260045, 1.418556, 1.51803, 1.583071, 1.877272, 2.107837};
    // ... and GPD_SAMPLE_TIED, whose first quartile is 0: loo's fit is NaN, reported as k = Inf
    private static final double[] GPD_SAMPLE_TIED = {0.0, 0.1, 0.1, 0.3, 0.9};

    static Stream<Arguments> gpdReferences() {
        return Stream.of(
                Arguments.of("heavy", GPD_SAMPLE_HEAVY, 0.7292256482334516, 0.7512148149375915),
                Arguments.of("bounded", GPD_SAMPLE_BOUNDED, -0.08159636311154746, 0.7922824443682654),
                Arguments.of("tied", GPD_SAMPLE_TIED, Double.POSITIVE_INFINITY, Double.NaN));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("gpdReferences")
    void gpdFitMatchesReference(String name, double[] sample, double k, double sigma) {
        double[] copy = sample.clone();
        Psis.GpdFit fit = Psis.gpdFit(copy);
        assertClose(k, fit.k(), name + " k");
        assertClose(sigma, fit.sigma(), name + " sigma");
        assertArrayEquals(sample, copy, 0.0, "input not modified");
    }

    /**
     * The deterministic log ratios of psis_reference.formula_log_ratios: Pareto(k0) quantiles with a
     * sinusoidal wobble, in a strided order so that the tail is spread over the vector.
     */
    static double[] formulaLogRatios(int draws, double k0, int stride) {
        double[] out = new double[draws];
        for (int i = 0; i < draws; i++) {
            int j = (int) ((long) i * stride % draws);
            double u = (j + 0.5) / draws;
            out[i] = -k0 * Math.log1p(-u) + 0.3 * Math.sin(1.7 * j);
        }
        return out;
    }

    @Test
    void smoothMatchesReferenceWeightByWeight() {
        // psis_reference.py: psis(formula_log_ratios(60, 0.6, 7)); tail length ceiling(min(12, 23.2)) = 12
        double[] expected = {
            -4.918712155051599, -5.029055402950306, -5.04929329681795, -4.930421313846949, -4.674616531367131,
            -4.32959585194579, -3.957754828356503, -3.663224679846788, -3.0215099561277325, -5.165415155110406,
            -5.096729216829303, -4.8925200150711605, -4.596638008204511, -4.282184961379551, -4.013781281068159,
            -3.8090286700769, -3.4768031808635076, -2.1409758328132202, -5.064897766139888, -4.803388733703858,
            -4.514181964828888, -4.273741732237962, -4.1255122806132665, -4.052138591298852, -3.956930319083808,
            -3.5765838321418277, -4.974859666810681, -4.701288197350253, -4.467001011882214, -4.329833634236526,
            -4.296691772775101, -4.314807294641524, -4.280583040360105, -4.037211656600954, -3.2130529431708217,
            -4.62650065473512, -4.483626324102206, -4.455909185118278, -4.509257450962796, -4.56354286960866,
            -4.518753351069257, -4.275934458536496, -3.739981888658317, -4.611042976927594, -4.574326907665514,
            -4.636702374817315, -4.730132407756545, -4.764459439728716, -4.660767604990528, -4.373208861189783,
            -3.8718888454960663, -2.7366911158261114, -4.7287221746305, -4.840764354030971, -4.921050654212118,
            -4.890527912878915, -4.706926147468272, -4.37561569192021, -3.929672850005959, -3.358672791263275};
        double[] logRatios = formulaLogRatios(60, 0.6, 7);
        double[] copy = logRatios.clone();
        Psis.Result r = Psis.smooth(copy);
        assertArrayEquals(logRatios, copy, 0.0, "input not modified");
        assertEquals(12, r.tailLength());
        assertClose(0.5137173241021533, r.paretoK(), "k-hat");
        for (int s = 0; s < expected.length; s++) {
            assertClose(expected[s], r.logWeights()[s], "log weight " + s);
        }
    }

    @Test
    void smoothMatchesReferenceOnALongerVector() {
        // psis_reference.py: psis(formula_log_ratios(1000, 0.3, 389)); tail ceiling(min(200, 94.9)) = 95
        Psis.Result r = Psis.smooth(formulaLogRatios(1000, 0.3, 389));
        assertEquals(95, r.tailLength());
        assertClose(0.3720749948523201, r.paretoK(), "k-hat");
        assertClose(-7.287869679318784, r.logWeights()[0], "log weight 0");
        assertClose(-4.795912970710586, r.logWeights()[491], "largest log weight");
        assertEquals(491, argMax(r.logWeights()));
        assertEquals(0.0, Psis.logSumExp(r.logWeights()), 1e-14, "weights are normalised");
    }

    /**
     * Truncation at the largest raw ratio (loo 2.x), not at S^(3/4) times the mean weight (loo 1.x). Pareto(1.5)
     * quantiles with the largest ratio pulled down by a factor e: the fitted tail's top quantile then exceeds
     * it, and its smoothed weight is truncated to exactly the raw ratio (psis_reference.py gives the same).
     * loo 1.x would cap it e^1.56 lower, at S^(3/4) mean(w). Smoothed weights keep the order of the ratios.
     */
    @Test
    void smoothedWeightsAreTruncatedAtTheLargestRawRatio() {
        double[] logRatios = formulaLogRatios(4000, 1.5, 1031);
        int top = argMax(logRatios);
        logRatios[top] -= 1.0;
        Psis.Result r = Psis.smooth(logRatios);
        assertTrue(r.paretoK() > 1, "k-hat " + r.paretoK());
        int bottom = argMin(logRatios);
        // normalisation shifts all log weights alike, and the smallest ratio is below the tail, so raw
        assertEquals(logRatios[top] - logRatios[bottom], r.logWeights()[top] - r.logWeights()[bottom], 1e-12,
                "the top weight is the raw ratio");
        Integer[] byRatio = new Integer[logRatios.length];
        Arrays.setAll(byRatio, s -> s);
        Arrays.sort(byRatio, (a, b) -> Double.compare(logRatios[a], logRatios[b]));
        for (int j = 1; j < byRatio.length; j++) {
            assertTrue(r.logWeights()[byRatio[j]] >= r.logWeights()[byRatio[j - 1]], "order at rank " + j);
        }
    }

    @Test
    void tooFewDrawsOrAConstantTailLeaveRawRatiosWithInfiniteK() {
        // S = 20: tail ceiling(4) = 4 < 5, loo fits nothing
        double[] few = formulaLogRatios(20, 0.5, 3);
        Psis.Result r = Psis.smooth(few);
        assertEquals(4, r.tailLength());
        assertEquals(Double.POSITIVE_INFINITY, r.paretoK());
        double norm = Psis.logSumExp(few);
        for (int s = 0; s < few.length; s++) {
            assertEquals(few[s] - norm, r.logWeights()[s], 1e-14);
        }
        // S = 100, the 20 largest ratios equal: loo warns that all tail values are the same
        double[] flat = formulaLogRatios(100, 0.5, 1);
        Arrays.sort(flat);
        Arrays.fill(flat, 80, 100, 5.0);
        r = Psis.smooth(flat);
        assertEquals(Double.POSITIVE_INFINITY, r.paretoK());
        norm = Psis.logSumExp(flat);
        for (int s = 0; s < flat.length; s++) {
            assertEquals(flat[s] - norm, r.logWeights()[s], 1e-14);
        }
    }

    @Test
    void tailLengthAndThresholdFollowLoo() {
        assertEquals(1, Psis.tailLength(2));
        assertEquals(5, Psis.tailLength(21));
        assertEquals(20, Psis.tailLength(100));
        assertEquals(45, Psis.tailLength(225)); // where 3 sqrt(S) = S / 5
        assertEquals(95, Psis.tailLength(1000));
        assertEquals(190, Psis.tailLength(4000));
        assertEquals(0.5, Psis.paretoKThreshold(100), 1e-15);
        assertEquals(1.0 - 1.0 / 3.0, Psis.paretoKThreshold(1000), 1e-15);
        assertEquals(0.7, Psis.paretoKThreshold(4000), 0.0);
    }

    /**
     * loo's n_pareto with r_eff: ceiling(min(0.2 S, 3 sqrt(S / r_eff))). Correlated draws (r_eff &lt; 1) get a
     * longer tail, up to S / 5; antithetic ones (r_eff &gt; 1) a shorter one; NaN counts as 1, as in loo.
     */
    @Test
    void tailLengthGrowsAsTheRelativeEfficiencyFalls() {
        assertEquals(190, Psis.tailLength(4000, 1.0));
        assertEquals(190, Psis.tailLength(4000, Double.NaN));
        assertEquals(380, Psis.tailLength(4000, 0.25));
        assertEquals(600, Psis.tailLength(4000, 0.1));
        assertEquals(800, Psis.tailLength(4000, 0.01), "capped at S / 5");
        assertEquals(95, Psis.tailLength(4000, 4.0));
        assertEquals(3, Psis.tailLength(100, 100.0), "3 sqrt(1): too short to fit");
        for (double bad : new double[] {0.0, -1.0, Double.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> Psis.tailLength(4000, bad), "r_eff " + bad);
        }
        // smooth replaces exactly that many ratios, and fits k-hat to that tail
        double[] logRatios = formulaLogRatios(1000, 0.3, 389);
        for (double rEff : new double[] {1.0, 0.2, 3.0}) {
            Psis.Result r = Psis.smooth(logRatios, rEff);
            int m = Psis.tailLength(1000, rEff);
            assertEquals(m, r.tailLength());
            double[] sorted = logRatios.clone();
            Arrays.sort(sorted);
            double max = sorted[999];
            double cutoff = Math.exp(sorted[999 - m] - max);
            double[] exceedances = new double[m];
            for (int j = 0; j < m; j++) {
                exceedances[j] = Math.exp(sorted[1000 - m + j] - max) - cutoff;
            }
            assertClose(Psis.gpdFit(exceedances).k(), r.paretoK(), "k-hat at r_eff " + rEff);
        }
        assertEquals(Psis.smooth(logRatios).paretoK(), Psis.smooth(logRatios, 1.0).paretoK(), 0.0);
    }

    /**
     * k-hat recovers the shape of n = 10,000 simulated GPD(k, sigma = 1) draws (by inversion from Philox
     * uniforms, fixed seed). Budget: the Zhang and Stephens estimate is asymptotically as efficient as the
     * maximum likelihood one, sd (1 + k) / sqrt(n) = 0.012 to 0.019 here; loo's prior adds a bias of
     * 10 |0.5 - k| / (n + 10) &lt;= 4e-4. A 5 sd band plus that bias fails by chance with probability 6e-7
     * per k under normality.
     */
    @Tag("statistical")
    @ParameterizedTest
    @ValueSource(doubles = {0.2, 0.5, 0.9})
    void kHatRecoversTheShapeOfSimulatedGpdSamples(double k) {
        int n = 10_000;
        RngStream rng = new RngKey(20240917L, 3).stream(0, 0, 0);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = Psis.gpdQuantile(rng.uniform(), k, 1.0);
        }
        Arrays.sort(x);
        Psis.GpdFit fit = Psis.gpdFit(x);
        double sd = (1 + k) / Math.sqrt(n);
        double priorBias = 10 * Math.abs(0.5 - k) / (n + 10);
        assertEquals(k, fit.k(), 5 * sd + priorBias, "k-hat");
        // sigma, same budget: its maximum likelihood sd is sigma sqrt(2 (1 + k) / n) (Smith 1985)
        assertEquals(1.0, fit.sigma(), 5 * Math.sqrt(2 * (1 + k) / n), "sigma");
    }

    /** The partial sort PSIS-LOO uses against a full sort: random, tied, sorted and reversed inputs. */
    @Test
    void sortLargestLeavesTheLargestValuesSortedAtTheEnd() {
        RngStream rng = new RngKey(5L, 0).stream(0, 0, 0);
        for (int length = 1; length <= 40; length++) {
            for (int shape = 0; shape < 4; shape++) {
                double[] values = new double[length];
                for (int s = 0; s < length; s++) {
                    double u = rng.uniform();
                    values[s] = switch (shape) {
                        case 0 -> u;
                        case 1 -> Math.floor(4 * u); // many ties
                        case 2 -> s; // sorted
                        default -> -s; // reversed
                    };
                }
                double[] sorted = values.clone();
                Arrays.sort(sorted);
                for (int count = 1; count <= length; count++) {
                    double[] a = values.clone();
                    Psis.sortLargest(a, count);
                    int target = length - count;
                    for (int s = target; s < length; s++) {
                        assertEquals(sorted[s], a[s], 0.0, "length " + length + " shape " + shape + " count " + count);
                    }
                    for (int s = 0; s < target; s++) {
                        assertTrue(a[s] <= a[target], "prefix above the selected values");
                    }
                    double[] rest = a.clone();
                    Arrays.sort(rest);
                    assertArrayEquals(sorted, rest, 0.0, "a permutation of the input");
                }
            }
        }
    }

    @Test
    void gpdQuantileIsTheInverseCdf() {
        // F(x) = 1 - (1 + k x / sigma)^(-1/k); and the exponential limit at k = 0
        double x = Psis.gpdQuantile(0.9, 0.5, 2.0);
        assertEquals(0.9, 1 - Math.pow(1 + 0.5 * x / 2.0, -1 / 0.5), 1e-14);
        assertEquals(-2.0 * Math.log(0.1), Psis.gpdQuantile(0.9, 0.0, 2.0), 1e-14);
    }

    static Stream<Arguments> badLogRatios() {
        return Stream.of(
                Arguments.of("null", null, "at least 2 draws"),
                Arguments.of("one draw", new double[] {0.5}, "at least 2 draws"),
                Arguments.of("NaN", new double[] {0.1, Double.NaN, 0.3}, "draw 1 is NaN"),
                Arguments.of("+Inf", new double[] {0.1, 0.2, Double.POSITIVE_INFINITY}, "draw 2 is Infinity"),
                Arguments.of("-Inf", new double[] {Double.NEGATIVE_INFINITY, 0.2}, "draw 0 is -Infinity"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badLogRatios")
    void smoothRejectsBadInput(String name, double[] logRatios, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Psis.smooth(logRatios));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    static Stream<Arguments> badExceedances() {
        return Stream.of(
                Arguments.of("null", null, "at least 2 exceedances"),
                Arguments.of("one", new double[] {1.0}, "at least 2 exceedances"),
                Arguments.of("negative", new double[] {-0.1, 0.2, 0.3}, "exceedance 0 is -0.1"),
                Arguments.of("NaN", new double[] {0.1, Double.NaN}, "exceedance 1 is NaN"),
                Arguments.of("infinite", new double[] {0.1, Double.POSITIVE_INFINITY}, "exceedance 1 is Infinity"),
                Arguments.of("unsorted", new double[] {0.1, 0.3, 0.2}, "sorted ascending"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badExceedances")
    void gpdFitRejectsBadInput(String name, double[] exceedances, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Psis.gpdFit(exceedances));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    private static int argMax(double[] v) {
        int best = 0;
        for (int s = 1; s < v.length; s++) {
            if (v[s] > v[best]) {
                best = s;
            }
        }
        return best;
    }

    private static int argMin(double[] v) {
        int best = 0;
        for (int s = 1; s < v.length; s++) {
            if (v[s] < v[best]) {
                best = s;
            }
        }
        return best;
    }

    private static void assertClose(double expected, double actual, String what) {
        if (Double.isNaN(expected) || Double.isInfinite(expected)) {
            assertEquals(expected, actual, what);
        } else {
            assertEquals(expected, actual, REFERENCE_TOL * Math.max(1.0, Math.abs(expected)), what);
        }
    }
}
