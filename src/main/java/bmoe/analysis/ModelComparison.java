package bmoe.analysis;

import bmoe.model.Params;
import java.util.List;

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
     * @param elpdLoo elpd_loo_i for each observation, in data order
     * @param elpdWaic elpd_waic_i likewise
     */
    public record Pointwise(Criteria.Result totals, double[] elpdLoo, double[] elpdWaic) {}

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
        double[] loo = new double[y.length];
        double[] waic = new double[y.length];
        Criteria.Result totals = Criteria.evaluate(draws, chains, x, y, threads, loo, waic);
        return new Pointwise(totals, loo, waic);
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
