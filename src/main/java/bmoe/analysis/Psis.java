package bmoe.analysis;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Pareto smoothed importance sampling (PSIS; Vehtari, Simpson, Gelman, Yao and Gabry 2024, JMLR 25(72)),
 * computed as the R package loo 2.x (2.0 to 2.9, {@code do_psis_i} and {@code gpdfit}) computes it:
 *
 * <ol>
 *   <li>Tail length M = ceiling(min(S / 5, 3 sqrt(S / r_eff))), loo's {@code n_pareto}: r_eff is the relative
 *       efficiency ESS / S of the draws (see {@link RelativeEfficiency}), 1 for independent draws. Correlated
 *       draws (r_eff &lt; 1) carry less information per draw, so a longer tail is fitted. With M &lt; 5 nothing
 *       is fitted and k = +Infinity.
 *   <li>Shift the log ratios by their maximum; the M largest ratios r_(S-M+1..S) exceed the cutoff
 *       c = r_(S-M), the largest ratio below the tail.
 *   <li>Fit a generalized Pareto distribution to the exceedances r - c by Zhang and Stephens (2009) with
 *       loo's weakly informative prior on k, see {@link #gpdFit}.
 *   <li>Replace the j-th largest tail ratio by c + F^-1((j - 1/2) / M), the GPD quantile.
 *   <li>Truncate the smoothed weights at the largest raw ratio.
 * </ol>
 *
 * <p>Truncation: loo 1.x ({@code psislw}, wtrunc = 3/4, and early arXiv versions of the paper) truncated at
 * S^(3/4) times the mean weight. loo 2.x and the published paper truncate at the largest raw ratio instead, which
 * is what this class does. When the tail is constant, loo cannot fit the GPD and reports k = +Infinity with
 * the raw ratios; so does this class.
 */
public final class Psis {
    /** loo's {@code enough_tail_samples}: shorter tails are not fitted. */
    static final int MIN_TAIL_LENGTH = 5;
    /** Zhang and Stephens' grid has MIN_GRID_POINTS + floor(sqrt(n)) points (loo 2.x; loo 1.x used 80). */
    private static final int MIN_GRID_POINTS = 30;
    /** Zhang and Stephens' prior constant for the grid of theta. */
    private static final double GRID_PRIOR = 3.0;
    /** loo's weakly informative prior on k: a Gaussian at 0.5 worth this many tail draws. */
    private static final double PRIOR_K = 0.5;
    private static final double PRIOR_K_WEIGHT = 10.0;
    /** loo calls a tail constant when its range is below .Machine$double.eps / 100. */
    private static final double CONSTANT_TAIL = Math.ulp(1.0) / 100.0;

    private Psis() {}

    /**
     * A generalized Pareto distribution with location 0, in loo's sign convention: k &gt; 0 is a heavy tail
     * (the negative of Zhang and Stephens' k). k = +Infinity with sigma = NaN where the fit is undefined.
     */
    public record GpdFit(double k, double sigma) {}

    /**
     * Smoothed importance weights of one set of draws.
     *
     * @param logWeights smoothed, truncated and normalised log weights (logsumexp = 0), in the input's order;
     *     a fresh array owned by the caller
     * @param paretoK the GPD shape k-hat of the ratios' right tail, +Infinity when it could not be fitted
     * @param tailLength M, the number of largest ratios that were fitted and replaced
     */
    public record Result(double[] logWeights, double paretoK, int tailLength) {}

    /**
     * PSIS weights for the log importance ratios log r_s = log p(theta_s | target) - log p(theta_s | proposal)
     * up to a constant; for leave-one-out cross-validation, log r_s = -log p(y_i | theta_s).
     *
     * @param logRatios S &gt;= 2 finite log ratios; not modified
     * @throws IllegalArgumentException when S &lt; 2 or a log ratio is NaN or infinite
     */
    public static Result smooth(double[] logRatios) {
        return smooth(logRatios, 1.0);
    }

    /**
     * {@link #smooth(double[])} for draws of relative efficiency r_eff = ESS / S: only the tail length depends on
     * it, as in loo's {@code psis(log_ratios, r_eff = r_eff)}.
     *
     * @param logRatios S &gt;= 2 finite log ratios; not modified
     * @param relativeEfficiency r_eff &gt; 0 and finite, or NaN, which loo (and this method) replaces by 1
     * @throws IllegalArgumentException when S &lt; 2, a log ratio is NaN or infinite, or r_eff is not positive
     */
    public static Result smooth(double[] logRatios, double relativeEfficiency) {
        if (logRatios == null || logRatios.length < 2) {
            throw new IllegalArgumentException("PSIS needs at least 2 draws, got "
                    + (logRatios == null ? "none" : logRatios.length));
        }
        for (int s = 0; s < logRatios.length; s++) {
            if (!Double.isFinite(logRatios[s])) {
                throw new IllegalArgumentException("log ratio of draw " + s + " is " + logRatios[s]
                        + "; log ratios must be finite");
            }
        }
        int draws = logRatios.length;
        // ties keep their input order, so equal ratios get the smoothed values in index order
        Integer[] order = IntStream.range(0, draws).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(s -> logRatios[s]));
        double[] sorted = new double[draws];
        for (int j = 0; j < draws; j++) {
            sorted[j] = logRatios[order[j]];
        }
        int tailLength = tailLength(draws, relativeEfficiency);
        double k = smoothTailInPlace(sorted, tailLength, new double[tailLength]);
        double logNorm = logSumExp(sorted);
        double[] logWeights = new double[draws];
        for (int j = 0; j < draws; j++) {
            logWeights[order[j]] = sorted[j] - logNorm;
        }
        return new Result(logWeights, k, tailLength);
    }

    /**
     * Zhang and Stephens' (2009, Section 4) estimate of a generalized Pareto distribution with location 0, as
     * loo 2.x's {@code gpdfit}: the posterior mean of theta = -k / sigma over a grid of m = 30 + floor(sqrt(n))
     * points, theta_j = 1 / x_(n) + (1 - sqrt(m / (j - 1/2))) / (3 x*), x* the first quartile x_(floor(n/4 +
     * 1/2)), weighted by the profile likelihood n (log(-theta / k(theta)) - k(theta) - 1) with
     * k(theta) = mean log(1 - theta x). Then sigma = -k / theta-hat, and k is pulled towards 0.5 by loo's
     * weakly informative prior: k = (n k + 10 * 0.5) / (n + 10). sigma uses k before that adjustment, as loo.
     *
     * <p>k = +Infinity and sigma = NaN where the estimate is undefined (a first quartile of 0, or all
     * exceedances 0): loo's arithmetic gives NaN there and it reports k = Inf.
     *
     * @param sortedExceedances n &gt;= 2 finite, non-negative values in ascending order; not modified
     * @throws IllegalArgumentException when n &lt; 2 or the values are negative, not finite or not sorted
     */
    public static GpdFit gpdFit(double[] sortedExceedances) {
        if (sortedExceedances == null || sortedExceedances.length < 2) {
            throw new IllegalArgumentException("the GPD fit needs at least 2 exceedances, got "
                    + (sortedExceedances == null ? "none" : sortedExceedances.length));
        }
        for (int j = 0; j < sortedExceedances.length; j++) {
            double x = sortedExceedances[j];
            if (!Double.isFinite(x) || x < 0) {
                throw new IllegalArgumentException("exceedance " + j + " is " + x + "; exceedances must be finite and >= 0");
            }
            if (j > 0 && x < sortedExceedances[j - 1]) {
                throw new IllegalArgumentException("exceedances must be sorted ascending; exceedance " + j + " = " + x
                        + " < " + sortedExceedances[j - 1]);
            }
        }
        return fitSorted(sortedExceedances, sortedExceedances.length);
    }

    /** loo's tail length ceiling(min(0.2 S, 3 sqrt(S))) for S independent draws (r_eff = 1). */
    public static int tailLength(int draws) {
        return tailLength(draws, 1.0);
    }

    /**
     * loo's tail length ceiling(min(0.2 S, 3 sqrt(S / r_eff))) ({@code n_pareto}); at most ceiling(0.2 S), which
     * is below S for S &gt;= 2, so a cutoff below the tail always exists.
     *
     * @param relativeEfficiency r_eff &gt; 0 and finite, or NaN for "unknown", taken as 1 as in loo
     * @throws IllegalArgumentException when r_eff is zero, negative or infinite
     */
    public static int tailLength(int draws, double relativeEfficiency) {
        double rEff = Double.isNaN(relativeEfficiency) ? 1.0 : relativeEfficiency;
        if (!(rEff > 0) || Double.isInfinite(rEff)) {
            throw new IllegalArgumentException("relative efficiency r_eff must be positive and finite, got "
                    + relativeEfficiency);
        }
        return (int) Math.ceil(Math.min(0.2 * draws, 3.0 * Math.sqrt(draws / rEff)));
    }

    /**
     * loo's sample-size-dependent k threshold min(1 - 1 / log10(S), 0.7) (Vehtari et al. 2024, Section 3.2.4):
     * below it PSIS estimates with S draws are reliable. It is below 0.7 for S &lt; 2154.
     */
    public static double paretoKThreshold(int draws) {
        return Math.min(1.0 - 1.0 / Math.log10(draws), 0.7);
    }

    /**
     * Steps 2 to 5 of the class comment on log ratios whose tailLength + 1 largest values (the tail and the
     * cutoff below it) sit, ascending, at the end of the array, as {@link #sortLargest} leaves them; the rest
     * may be in any order. Replaces the last tailLength values by the smoothed, truncated log weights (same
     * shift as the input, not normalised); they stay ascending. Returns k-hat; +Infinity, with the ratios left
     * raw, when the tail is shorter than {@link #MIN_TAIL_LENGTH}, constant, or the fit is undefined.
     *
     * @param logRatios finite log ratios, the largest tailLength + 1 at the end in ascending order; the tail
     *     is modified
     * @param tailLength M &lt; logRatios.length, from {@link #tailLength}
     * @param exceedances scratch of length &gt;= tailLength; modified
     */
    static double smoothTailInPlace(double[] logRatios, int tailLength, double[] exceedances) {
        int draws = logRatios.length;
        if (tailLength < MIN_TAIL_LENGTH) {
            // nothing to smooth, and truncation at the largest raw ratio leaves raw ratios as they are
            return Double.POSITIVE_INFINITY;
        }
        double max = logRatios[draws - 1];
        int first = draws - tailLength;
        // (2) work on ratios scaled so that the largest is 1, as loo, so exp cannot overflow
        if (max - logRatios[first] < CONSTANT_TAIL) {
            return Double.POSITIVE_INFINITY;
        }
        double cutoff = Math.exp(logRatios[first - 1] - max);
        for (int j = 0; j < tailLength; j++) {
            exceedances[j] = Math.exp(logRatios[first + j] - max) - cutoff;
        }
        // (3)
        GpdFit fit = fitSorted(exceedances, tailLength);
        if (!Double.isFinite(fit.k())) {
            return fit.k();
        }
        // (4) and (5): quantiles at (j - 1/2) / M, truncated at the largest raw ratio (0 after the shift)
        for (int j = 0; j < tailLength; j++) {
            double p = (j + 0.5) / tailLength;
            double logWeight = Math.log(cutoff + gpdQuantile(p, fit.k(), fit.sigma()));
            logRatios[first + j] = Math.min(logWeight, 0.0) + max;
        }
        return fit.k();
    }

    /**
     * Rearranges a so that its count largest values end it in ascending order, with every earlier value
     * &lt;= them: a selection (Hoare's find with a median-of-three pivot, expected O(S)) and a sort of only
     * the last count values, where a full sort would cost O(S log S). Values must not be NaN.
     *
     * @param a the values; modified
     * @param count 1 &lt;= count &lt;= a.length
     */
    static void sortLargest(double[] a, int count) {
        int target = a.length - count;
        int lo = 0;
        int hi = a.length - 1;
        while (lo < hi) {
            double pivot = medianOfThree(a[lo], a[(lo + hi) >>> 1], a[hi]);
            int i = lo;
            int j = hi;
            // the pivot value is in [lo, hi], so i and j stop on either side of it and the range shrinks
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    double t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            // now a[lo..j] <= pivot <= a[i..hi], and values strictly between j and i equal the pivot
            if (target <= j) {
                hi = j;
            } else if (target >= i) {
                lo = i;
            } else {
                break;
            }
        }
        Arrays.sort(a, target, a.length);
    }

    private static double medianOfThree(double a, double b, double c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    /** {@link #gpdFit} on the first n values of x, unchecked. */
    private static GpdFit fitSorted(double[] x, int n) {
        double largest = x[n - 1];
        double firstQuartile = x[(int) Math.floor(n / 4.0 + 0.5) - 1];
        if (!(firstQuartile > 0)) {
            // every theta_j would be -Infinity (or NaN with largest = 0): loo's NaN, reported as k = Inf
            return new GpdFit(Double.POSITIVE_INFINITY, Double.NaN);
        }
        int gridPoints = MIN_GRID_POINTS + (int) Math.floor(Math.sqrt(n));
        double[] theta = new double[gridPoints];
        double[] profileLogLik = new double[gridPoints];
        double maxProfile = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < gridPoints; j++) {
            theta[j] = 1.0 / largest + (1.0 - Math.sqrt(gridPoints / (j + 0.5))) / GRID_PRIOR / firstQuartile;
            double k = meanLog1p(-theta[j], x, n);
            profileLogLik[j] = n * (Math.log(-theta[j] / k) - k - 1.0);
            maxProfile = Math.max(maxProfile, profileLogLik[j]);
        }
        // posterior mean of theta under the grid's implicit prior: weights softmax(profile log likelihood)
        double weightSum = 0;
        double thetaSum = 0;
        for (int j = 0; j < gridPoints; j++) {
            double w = Math.exp(profileLogLik[j] - maxProfile);
            weightSum += w;
            thetaSum += w * theta[j];
        }
        double thetaHat = thetaSum / weightSum;
        double k = meanLog1p(-thetaHat, x, n);
        double sigma = -k / thetaHat;
        k = (n * k + PRIOR_K_WEIGHT * PRIOR_K) / (n + PRIOR_K_WEIGHT);
        if (Double.isNaN(k)) {
            return new GpdFit(Double.POSITIVE_INFINITY, sigma);
        }
        return new GpdFit(k, sigma);
    }

    /** mean_i log(1 + a x_i) over the first n values. */
    private static double meanLog1p(double a, double[] x, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += Math.log1p(a * x[i]);
        }
        return s / n;
    }

    /** F^-1(p) of the GPD (0, sigma, k): sigma ((1 - p)^-k - 1) / k, and its limit -sigma log(1 - p) at k = 0. */
    static double gpdQuantile(double p, double k, double sigma) {
        if (k == 0) {
            return -sigma * Math.log1p(-p);
        }
        return sigma * Math.expm1(-k * Math.log1p(-p)) / k;
    }

    /** log sum_s exp(v_s), without overflow; v finite. */
    static double logSumExp(double[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            max = Math.max(max, x);
        }
        double s = 0;
        for (double x : v) {
            s += Math.exp(x - max);
        }
        return max + Math.log(s);
    }
}
