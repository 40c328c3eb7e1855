package bmoe.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.model.Params;
import bmoe.rng.Draws;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import bmoe.rng.Step;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** loo_compare's elpd_diff and se_diff, and pointwise terms that add up to Criteria's totals. */
class ModelComparisonTest {
    @Test
    void differenceIsTheSumOfPointwiseDifferencesWithLoosStandardError() {
        // differences -1, 0, -2, -1: sum -4, mean -1, sample sd sqrt(2/3), se = sqrt(4) sd
        ModelComparison.Difference d = ModelComparison.difference(new double[] {1, 2, 3, 4}, new double[] {2, 2, 5, 5});
        assertEquals(-4.0, d.elpdDiff(), 1e-15);
        assertEquals(2 * Math.sqrt(2.0 / 3), d.se(), 1e-15);
        ModelComparison.Difference self = ModelComparison.difference(new double[] {1, 2, 3}, new double[] {1, 2, 3});
        assertEquals(0.0, self.elpdDiff());
        assertEquals(0.0, self.se());
        assertTrue(Double.isNaN(ModelComparison.difference(new double[] {1}, new double[] {2}).se()));
        assertThrows(IllegalArgumentException.class,
                () -> ModelComparison.difference(new double[] {1, 2}, new double[] {1}));
    }

    /**
     * The differences' se is far below either model's own se when both err on the same observations: here model
     * b is model a's pointwise terms shifted by 0.01 plus small noise.
     */
    @Test
    void pairedDifferencesAreMorePreciseThanEitherModelsSe() {
        int n = 500;
        double[] a = new double[n];
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = -1 - 3 * Math.abs(Math.sin(i * 0.7)); // varies a lot between observations
            b[i] = a[i] - 0.01 + 0.001 * Math.cos(i);
        }
        ModelComparison.Difference d = ModelComparison.difference(b, a);
        assertEquals(-0.01 * n + 0.001 * sumCos(n), d.elpdDiff(), 1e-9);
        assertTrue(d.se() < 0.05, "se_diff " + d.se());
    }

    /**
     * elpd_loo_i and elpd_waic_i sum to the totals, which equal one accumulator's over all observations: with the
     * draws as independent (chains = 0) and as 3 chains of 20 (r_eff from the chains, as criteria computes it).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, 3})
    void pointwiseTermsAddUpToCriteriasTotals(int chains) {
        int n = 9000; // three blocks of 4096 rows, so merging blocks is exercised
        int s = 60;
        RngStream rng = new RngStream(new RngKey(5, 0)).reset(0, 0, Step.SIMULATE);
        double[][] x = {new double[n]};
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[0][i] = rng.uniform();
            y[i] = (x[0][i] < 0.5 ? 1 : -1) + 0.5 * Draws.normal(rng);
        }
        List<Params> draws = new ArrayList<>();
        for (int d = 0; d < s; d++) {
            double jitter = 0.05 * Draws.normal(rng);
            draws.add(new Params(new double[][] {{5 + jitter, -10}}, new double[][] {{1 + jitter, 0}, {-1, 0}},
                    new double[] {0.25 + 0.01 * jitter, 0.25}));
        }
        ModelComparison.Pointwise pw = ModelComparison.pointwise(draws, chains, x, y, 2);

        Criteria.Accumulator direct = chains > 0 ? Criteria.Accumulator.fromChains(chains, s / chains)
                : new Criteria.Accumulator(s);
        double[] ll = new double[s];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < s; d++) {
                ll[d] = draws.get(d).logDensity(new double[] {1, x[0][i]}, y[i]);
            }
            direct.add(ll);
        }
        Criteria.Result r = direct.result();
        double loo = 0;
        double waic = 0;
        for (int i = 0; i < n; i++) {
            loo += pw.elpdLoo()[i];
            waic += pw.elpdWaic()[i];
        }
        double scale = Math.abs(r.elpdLoo().estimate());
        assertEquals(r.elpdLoo().estimate(), pw.totals().elpdLoo().estimate(), 1e-12 * scale);
        assertEquals(r.elpdLoo().se(), pw.totals().elpdLoo().se(), 1e-9 * r.elpdLoo().se());
        assertEquals(r.elpdWaic().estimate(), pw.totals().elpdWaic().estimate(), 1e-12 * scale);
        assertEquals(r.elpdLoo().estimate(), loo, 1e-10 * scale);
        assertEquals(r.elpdWaic().estimate(), waic, 1e-10 * scale);
        assertEquals(n, pw.totals().n());
        assertEquals(r.paretoK().good(), pw.totals().paretoK().good());
    }

    /**
     * Exact terms put in by {@link ModelComparison.Pointwise#withExactLoo}: elpd_loo, its se, p_loo and looic are
     * those of the new pointwise terms (here n = 4, by hand), the rest unchanged; the replaced observations are no
     * longer listed as unreliable, and a second replacement keeps the first's.
     */
    @Test
    void exactTermsReplacePsisOnesAndTheTotalsFollow() {
        Criteria.Terms terms = new Criteria.Terms(new double[] {-1, -2, -3, -4}, new double[] {-1, -2, -3, -4},
                new double[] {-0.5, -1.5, -2.5, -3.0}, new double[] {0.1, 0.9, 0.2, Double.POSITIVE_INFINITY});
        Criteria.Estimate e = new Criteria.Estimate(-10, 1);
        Criteria.Result totals = new Criteria.Result(4, 100, -7.5, e, e, e, 0, e, Double.NaN, e, e,
                new Criteria.ParetoKSummary(0.7, 2, 1, 1, Double.POSITIVE_INFINITY, 3, 50),
                new Criteria.RelativeEfficiencySummary(0, 0, 1, 1, 1, 0));
        ModelComparison.Pointwise pw = new ModelComparison.Pointwise(totals, terms, new int[0]);
        assertArrayEquals(new int[] {1, 3}, pw.unreliable());

        ModelComparison.Pointwise one = pw.withExactLoo(new int[] {1}, new double[] {-6});
        assertArrayEquals(new int[] {3}, one.unreliable());
        assertArrayEquals(new double[] {-1, -6, -3, -4}, one.elpdLoo());
        assertEquals(-2.0, pw.elpdLoo()[1], "the original is not modified");
        ModelComparison.Pointwise both = one.withExactLoo(new int[] {3}, new double[] {-5});
        assertArrayEquals(new int[0], both.unreliable());
        assertArrayEquals(new int[] {1, 3}, both.exact());
        // terms -1, -6, -3, -5: sum -15, mean -3.75, sample var (7.5625 + 5.0625 + 0.5625 + 1.5625) / 3
        assertEquals(-15.0, both.totals().elpdLoo().estimate(), 1e-12);
        assertEquals(Math.sqrt(4 * 14.75 / 3), both.totals().elpdLoo().se(), 1e-12);
        assertEquals(30.0, both.totals().looic().estimate(), 1e-12);
        // p_loo = sum lpd_i - elpd_loo_i = -7.5 + 15
        assertEquals(7.5, both.totals().pLoo().estimate(), 1e-12);
        assertEquals(e, both.totals().elpdWaic());
        assertEquals(totals.paretoK(), both.totals().paretoK());
        assertThrows(IllegalArgumentException.class, () -> pw.withExactLoo(new int[] {1}, new double[] {Double.NaN}));
        assertThrows(IllegalArgumentException.class, () -> pw.withExactLoo(new int[] {1, 2}, new double[] {-1}));
    }

    private static double sumCos(int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += Math.cos(i);
        }
        return s;
    }
}
