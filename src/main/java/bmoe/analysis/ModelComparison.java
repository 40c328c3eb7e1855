package bmoe.analysis;

import bmoe.model.Params;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Comparing fits of the same data by their expected log predictive density, as the R package loo's
 * {@code loo_compare} does: models ranked by elpd, each with its difference to the best,
 * elpd_diff = sum_i (elpd_i(model) - elpd_i(best)) &le; 0, and that difference's standard error from the pointwise
 * differences, se_diff = sqrt(n) sd_i(elpd_i(model) - elpd_i(best)) (divisor n - 1), which is far smaller than
 * either model's own se when the models err on the same observations.
 *
 * <p>The pointwise terms and the totals are {@link Criteria#evaluate}'s, the same computation as
 * {@code bmoe criteria}'s.
 */
public final class ModelComparison {
    private ModelComparison() {}

    /**
     * One model's criteria over n observations and their pointwise terms.
     *
     * @param totals the criteria; after {@link #withExactLoo} its elpd_loo, p_loo and looic are those of the
     *     pointwise terms here, the rest (Pareto k table included) PSIS's
     * @param terms elpd_loo_i, elpd_waic_i, lpd_i and k-hat_i for each observation, in data order
     * @param exact the observations whose elpd_loo_i is exact (from a fit without them), in increasing order
     */
    public record Pointwise(Criteria.Result totals, Criteria.Terms terms, int[] exact) {
        public double[] elpdLoo() {
            return terms.elpdLoo();
        }

        public double[] elpdWaic() {
            return terms.elpdWaic();
        }

        /**
         * The observations whose k-hat is above the PSIS threshold (unreliable estimates), in increasing order,
         * those already exact left out.
         */
        public int[] unreliable() {
            double threshold = totals.paretoK().threshold();
            double[] k = terms.paretoK();
            return IntStream.range(0, k.length)
                    .filter(i -> !(k[i] <= threshold) && Arrays.binarySearch(exact, i) < 0).toArray();
        }

        /**
         * These criteria with elpd_loo_i of {@code rows} replaced by {@code elpd}, exact leave-one-out terms
         * log p(y_i | y_-i) (as loo's {@code reloo}): elpd_loo, p_loo = sum_i (lpd_i - elpd_loo_i) and looic
         * summed again from the pointwise terms.
         */
        public Pointwise withExactLoo(int[] rows, double[] elpd) {
            if (rows.length != elpd.length) {
                throw new IllegalArgumentException(rows.length + " rows, " + elpd.length + " terms");
            }
            double[] loo = terms.elpdLoo().clone();
            for (int r = 0; r < rows.length; r++) {
                if (!Double.isFinite(elpd[r])) {
                    throw new IllegalArgumentException("exact elpd_loo of observation " + rows[r] + " is " + elpd[r]);
                }
                loo[rows[r]] = elpd[r];
            }
            RunningMoments elpdLoo = new RunningMoments();
            RunningMoments pLoo = new RunningMoments();
            for (int i = 0; i < loo.length; i++) {
                elpdLoo.add(loo[i]);
                pLoo.add(terms.lpd()[i] - loo[i]);
            }
            Criteria.Estimate e = new Criteria.Estimate(elpdLoo.sum(), elpdLoo.standardErrorOfSum());
            Criteria.Result t = totals;
            Criteria.Result updated = new Criteria.Result(t.n(), t.draws(), t.lppd(), t.elpdWaic(), t.pWaic(), t.waic(),
                    t.pWaicAboveWarningLevel(), e, t.mcseElpdLoo(),
                    new Criteria.Estimate(pLoo.sum(), pLoo.standardErrorOfSum()), e.scaled(-2.0), t.paretoK(),
                    t.relativeEfficiency());
            return new Pointwise(updated, new Criteria.Terms(loo, terms.elpdWaic(), terms.lpd(), terms.paretoK()),
                    IntStream.concat(Arrays.stream(exact), Arrays.stream(rows)).distinct().sorted().toArray());
        }
    }

    /** A difference to the best model: elpd_diff and se_diff of the class doc. */
    public record Difference(double elpdDiff, double se) {}

    /**
     * PSIS-LOO and WAIC of {@code draws} on the data, with their pointwise terms: log p(y_i | x_i, theta_s) for
     * every observation and draw, in blocks of observations in parallel.
     *
     * @param draws at least 2, on the data's scale; not modified
     * @param chains 0: the draws are taken as independent (r_eff = 1); else they are this many chains' draws of
     *     equal length, chain by chain, and each observation's r_eff comes from them, as in {@code bmoe criteria}
     * @param x p columns of n values; not modified
     */
    public static Pointwise pointwise(List<Params> draws, int chains, double[][] x, double[] y, int threads) {
        Criteria.Terms terms = Criteria.Terms.of(y.length);
        Criteria.Result totals = Criteria.evaluate(draws, chains, x, y, threads, terms);
        return new Pointwise(totals, terms, new int[0]);
    }

    /**
     * elpd_diff and se_diff of {@code model} against {@code best}, from their pointwise terms on the same
     * observations (in the same order). The best model against itself gives (0, 0); se is NaN for n = 1.
     */
    public static Difference difference(double[] model, double[] best) {
        if (model.length != best.length || model.length == 0) {
            throw new IllegalArgumentException("pointwise terms of the same observations are needed, got "
                    + model.length + " and " + best.length);
        }
        RunningMoments diffs = new RunningMoments();
        for (int i = 0; i < model.length; i++) {
            diffs.add(model[i] - best[i]);
        }
        return new Difference(diffs.sum(), diffs.standardErrorOfSum());
    }
}
