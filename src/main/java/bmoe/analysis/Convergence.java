package bmoe.analysis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.commons.math3.distribution.BetaDistribution;
import org.apache.commons.numbers.gamma.InverseErfc;

/**
 * Convergence diagnostics of MCMC draws: rank-normalised split R-hat, bulk and tail effective sample sizes
 * and Monte Carlo standard errors, from Vehtari, Gelman, Simpson, Carpenter and Bürkner (2021),
 * "Rank-normalization, folding, and localization: an improved R-hat for assessing convergence of MCMC",
 * Bayesian Analysis 16(2), 667-718.
 *
 * <p>Every number is computed as the R package posterior computes it (R/convergence.R, the same in 1.4.0 and
 * in its current source), detail for detail, so that a value printed by bmoe can be checked against
 * {@code posterior::summarise_draws}: chains split in halves (the middle draw of an odd-length chain is
 * dropped); ranks with ties averaged, normalised by Blom's offset as qnorm((r - 3/8) / (S + 1/4)) over
 * all S split draws together; Geyer's initial positive sequence and initial monotone sequence with
 * posterior's improved last term; tau capped below at 1 / log10(S); quantiles as R's type 7.
 *
 * <p>Every method takes chains[c][t], draw t of chain c, and does not modify it. All chains must have
 * the same length, at least 4 (IllegalArgumentException otherwise). Where posterior answers NA, these
 * methods answer NaN and never throw: a quantity without spread (max - min below machine epsilon), a
 * NaN draw, and for the ESS of the raw or indicator draws an infinite one; an ESS also needs at least 3
 * draws per half chain.
 */
public final class Convergence {
    /** R-hat above this is a warning (the threshold Vehtari et al. 2021 recommend). */
    public static final double RHAT_MAX = 1.01;
    /** Bulk or tail ESS below this, over all chains, is a warning (their 400: 100 per chain for 4 chains). */
    public static final double ESS_MIN = 400;

    private static final int MIN_DRAWS = 4;
    /** Blom's (1958) fractional offset c in (r - c) / (S - 2c + 1), posterior's default. */
    private static final double BLOM_OFFSET = 3.0 / 8.0;
    /** Machine epsilon, posterior's tolerance for "constant" (.Machine$double.eps). */
    private static final double CONSTANT_TOLERANCE = Math.ulp(1.0);
    /** posterior's pnorm(-1) and pnorm(1), to 7 digits as written there: the +-1 sd interval. */
    private static final double ONE_SIGMA_LOWER = 0.1586553;
    private static final double ONE_SIGMA_UPPER = 0.8413447;
    private static final double BETA_QUANTILE_ACCURACY = 1e-12;

    private Convergence() {}

    /**
     * The posterior summary and convergence diagnostics of one scalar quantity.
     *
     * @param name the quantity's name, as in draws.csv
     * @param mean mean of all draws
     * @param sd standard deviation of all draws (denominator S - 1)
     * @param q5 5% quantile of all draws (R type 7)
     * @param q50 median
     * @param q95 95% quantile
     * @param mcseMean Monte Carlo standard error of the mean: sd / sqrt(basic ESS)
     * @param rhat rank-normalised split R-hat, the larger of bulk and folded (tail) R-hat
     * @param essBulk ESS of the rank-normalised split chains
     * @param essTail the smaller ESS of the 5% and 95% quantiles
     */
    public record Summary(String name, double mean, double sd, double q5, double q50, double q95,
                          double mcseMean, double rhat, double essBulk, double essTail) {

        /** Whether the diagnostics advise against trusting this quantity's summaries; see {@link #reason}. */
        public boolean warn() {
            return !reason().isEmpty();
        }

        /**
         * Why {@link #warn} is true, as short phrases joined by "; " ("R-hat 1.052 > 1.01; tail ESS 212 &lt;
         * 400"), or "" when nothing is wrong. A quantity without spread (sd = 0, say an intercept held fixed)
         * has no R-hat or ESS by design and is not a warning; undefined diagnostics of a quantity that does
         * vary are (for example 2-valued draws, whose folded draws are constant, or too few draws for an ESS).
         */
        public String reason() {
            if (!Double.isFinite(mean) || !Double.isFinite(sd)) {
                return "non-finite draws";
            }
            if (sd == 0) {
                return "";
            }
            List<String> problems = new ArrayList<>();
            if (Double.isNaN(rhat)) {
                problems.add("R-hat undefined");
            } else if (rhat > RHAT_MAX) {
                problems.add(String.format(Locale.ROOT, "R-hat %.3f > %.2f", rhat, RHAT_MAX));
            }
            addEssProblem(problems, "bulk", essBulk);
            addEssProblem(problems, "tail", essTail);
            return String.join("; ", problems);
        }

        private static void addEssProblem(List<String> problems, String which, double ess) {
            if (Double.isNaN(ess)) {
                problems.add(which + " ESS undefined");
            } else if (ess < ESS_MIN) {
                problems.add(String.format(Locale.ROOT, "%s ESS %.0f < %.0f", which, ess, ESS_MIN));
            }
        }
    }

    /**
     * Summary statistics and diagnostics of one quantity; never throws for chains of a valid shape.
     *
     * @param name the quantity's name; not null
     * @param chains chains[c][t], equal lengths of at least 4; not modified
     */
    public static Summary summarize(String name, double[][] chains) {
        if (name == null) {
            throw new IllegalArgumentException("name must not be null");
        }
        checkShape(chains);
        double[] pooled = pool(chains);
        double mean = mean(pooled);
        double sd = Math.sqrt(sumOfSquares(pooled, mean) / (pooled.length - 1));
        double[] sorted = sortedOrNaN(pooled);
        double[][] bulk = rankNormalize(split(chains)); // shared by R-hat and bulk ESS
        double rhat = Math.max(splitRhat(bulk), tailRhat(chains));
        return new Summary(name, mean, sd, quantile(sorted, 0.05), quantile(sorted, 0.5), quantile(sorted, 0.95),
                mcseMean(chains), rhat, splitEss(bulk), essTail(chains));
    }

    /**
     * Rank-normalised split R-hat (Vehtari et al. 2021, eq. 4-5 on ranks): the larger of the split R-hat of
     * the rank-normalised draws, which sees chains that disagree in location, and of the rank-normalised
     * draws folded about the median, |x - median|, which sees chains that disagree in scale. Invariant under
     * any increasing transformation of the draws except through the fold; works for infinite draws.
     */
    public static double rhat(double[][] chains) {
        checkShape(chains);
        double bulk = splitRhat(rankNormalize(split(chains)));
        return Math.max(bulk, tailRhat(chains)); // NaN if either is
    }

    /** Bulk ESS: the ESS of the rank-normalised split chains, valid without finite moments. */
    public static double essBulk(double[][] chains) {
        checkShape(chains);
        return splitEss(rankNormalize(split(chains)));
    }

    /**
     * Tail ESS: the smaller of {@link #essQuantile} at 5% and 95%, the ESS of the indicator draws
     * I(x &lt;= q5) and I(x &lt;= q95), which governs how well the central 90% interval is estimated.
     */
    public static double essTail(double[][] chains) {
        return Math.min(essQuantile(chains, 0.05), essQuantile(chains, 0.95));
    }

    /**
     * Basic ESS: the ESS of the raw split chains (posterior's ess_basic, equal to ess_mean), the one that
     * gives the Monte Carlo error of the mean; assumes a finite variance, which bulk ESS does not.
     */
    public static double essBasic(double[][] chains) {
        checkShape(chains);
        return splitEss(split(chains));
    }

    /**
     * ESS of the prob-quantile: the ESS of the split indicator draws I(x &lt;= q), q the type-7 quantile of
     * all draws. For prob = 1, posterior uses (S - 0.5) / S so that the indicator is not constant.
     *
     * @param prob in [0, 1]
     */
    public static double essQuantile(double[][] chains, double prob) {
        checkShape(chains);
        checkProbability(prob);
        if (!allFinite(chains) || isConstant(chains)) {
            return Double.NaN;
        }
        double[] sorted = pool(chains);
        Arrays.sort(sorted);
        double p = prob == 1 ? (sorted.length - 0.5) / sorted.length : prob;
        double q = quantile(sorted, p);
        double[][] indicator = new double[chains.length][];
        for (int c = 0; c < chains.length; c++) {
            indicator[c] = new double[chains[c].length];
            for (int t = 0; t < chains[c].length; t++) {
                indicator[c][t] = chains[c][t] <= q ? 1 : 0;
            }
        }
        return splitEss(split(indicator));
    }

    /** Monte Carlo standard error of the mean: sd of all draws / sqrt({@link #essBasic}). */
    public static double mcseMean(double[][] chains) {
        checkShape(chains);
        double[] pooled = pool(chains);
        double sd = Math.sqrt(sumOfSquares(pooled, mean(pooled)) / (pooled.length - 1));
        return sd / Math.sqrt(essBasic(chains));
    }

    /**
     * Monte Carlo standard error of the prob-quantile, posterior's mcse_quantile: with ESS E of that
     * quantile, the +-1 sd interval of Beta(E p + 1, E (1 - p) + 1) is mapped to order statistics of the
     * sorted draws (lower index floored, upper ceiled), and half their distance is the MCSE.
     *
     * @param prob in [0, 1]
     */
    public static double mcseQuantile(double[][] chains, double prob) {
        double ess = essQuantile(chains, prob);
        if (Double.isNaN(ess)) {
            return Double.NaN;
        }
        BetaDistribution beta = new BetaDistribution(null, ess * prob + 1, ess * (1 - prob) + 1,
                BETA_QUANTILE_ACCURACY);
        double[] sorted = pool(chains);
        Arrays.sort(sorted);
        int s = sorted.length;
        // 1-based order statistics as in posterior
        int lower = Math.max((int) Math.floor(beta.inverseCumulativeProbability(ONE_SIGMA_LOWER) * s), 1);
        int upper = Math.min((int) Math.ceil(beta.inverseCumulativeProbability(ONE_SIGMA_UPPER) * s), s);
        return (sorted[upper - 1] - sorted[lower - 1]) / 2;
    }

    // ---- the steps, on split chains m[c][t] -------------------------------------------------------------

    /**
     * Split R-hat of chains already split (posterior's .rhat): sqrt(((n - 1)/n W + B/n) / W) with W the mean
     * within-chain variance and B/n the variance of the chain means. NaN for non-finite or constant draws;
     * +Inf when every split chain is constant but they disagree.
     */
    static double splitRhat(double[][] m) {
        if (!allFinite(m) || isConstant(m)) {
            return Double.NaN;
        }
        int n = m[0].length;
        double[] chainMeans = new double[m.length];
        double withinSum = 0;
        for (int c = 0; c < m.length; c++) {
            chainMeans[c] = mean(m[c]);
            withinSum += sumOfSquares(m[c], chainMeans[c]) / (n - 1);
        }
        double varWithin = withinSum / m.length;
        double varBetween = n * sumOfSquares(chainMeans, mean(chainMeans)) / (m.length - 1);
        return Math.sqrt((varBetween / varWithin + n - 1) / n);
    }

    /**
     * ESS of chains already split (posterior's .ess), Vehtari et al. (2021) eq. 10-11 with Geyer's (1992)
     * initial positive and initial monotone sequences. NaN for fewer than 3 draws per chain, non-finite or
     * constant draws. Indices are lags: rho[k] is posterior's rho_hat_t[k + 1].
     */
    static double splitEss(double[][] m) {
        int chains = m.length;
        int n = m[0].length;
        if (n < 3 || !allFinite(m) || isConstant(m)) {
            return Double.NaN;
        }
        double[] acovMean = new double[n];
        double[] chainMeans = new double[chains];
        for (int c = 0; c < chains; c++) {
            double[] acov = Autocovariance.of(m[c]);
            for (int k = 0; k < n; k++) {
                acovMean[k] += acov[k];
            }
            chainMeans[c] = mean(m[c]);
        }
        for (int k = 0; k < n; k++) {
            acovMean[k] /= chains;
        }
        // W (unbiased within-chain variance) and var+ = (n-1)/n W + B/n, in posterior's order of operations
        double meanVar = acovMean[0] * n / (n - 1);
        double varPlus = meanVar * (n - 1) / n;
        if (chains > 1) {
            varPlus += sumOfSquares(chainMeans, mean(chainMeans)) / (chains - 1);
        }

        // 1. Geyer's initial positive sequence: sum pairs (rho_2k + rho_2k+1) while the pair sum is positive.
        //    A negative pair ends the loop but is not stored.
        double[] rho = new double[n];
        int t = 0;
        double even = 1;
        rho[0] = even;
        double odd = 1 - (meanVar - acovMean[1]) / varPlus;
        rho[1] = odd;
        while (t < n - 5 && !Double.isNaN(even + odd) && even + odd > 0) {
            t += 2;
            even = 1 - (meanVar - acovMean[t]) / varPlus;
            odd = 1 - (meanVar - acovMean[t + 1]) / varPlus;
            if (even + odd >= 0) {
                rho[t] = even;
                rho[t + 1] = odd;
            }
        }
        int maxT = t;
        // posterior's improved estimate keeps the last positive even lag, which cuts the variance for
        // antithetic chains
        if (even > 0) {
            rho[maxT] = even;
        }

        // 2. Geyer's initial monotone sequence: no pair sum may exceed the one before it.
        t = 0;
        while (t <= maxT - 4) {
            t += 2;
            if (rho[t] + rho[t + 1] > rho[t - 2] + rho[t - 1]) {
                rho[t] = (rho[t - 2] + rho[t - 1]) / 2;
                rho[t + 1] = rho[t];
            }
        }

        // 3. tau = -1 + 2 sum_{k < maxT} rho_k + rho_maxT. posterior writes the sum as rho_hat_t[1:max_t],
        //    which for max_t = 0 is R's 1:0 = c(1, 0), i.e. rho_0 alone: kept, so short chains agree too.
        double head = rho[0];
        for (int k = 1; k < maxT; k++) {
            head += rho[k];
        }
        double tau = -1 + 2 * head + rho[maxT];
        double draws = (double) chains * n;
        // cap for antithetic chains: ESS at most S log10(S)
        tau = Math.max(tau, 1 / Math.log10(draws));
        return draws / tau;
    }

    /** R-hat of the rank-normalised split draws folded about the median: the tail half of {@link #rhat}. */
    private static double tailRhat(double[][] chains) {
        return splitRhat(rankNormalize(split(foldAboutMedian(chains))));
    }

    /** Each chain cut into its first and second half; an odd chain loses its middle draw. */
    static double[][] split(double[][] chains) {
        int n = chains[0].length;
        int half = n / 2;
        double[][] halves = new double[2 * chains.length][];
        for (int c = 0; c < chains.length; c++) {
            halves[c] = Arrays.copyOfRange(chains[c], 0, half);
            halves[chains.length + c] = Arrays.copyOfRange(chains[c], n - half, n);
        }
        return halves;
    }

    /**
     * z-scores of the pooled ranks: qnorm((r - 3/8) / (S + 1/4)), r the rank among all S draws with ties
     * given their average rank, so a discrete quantity keeps its number of distinct values. NaN stays NaN.
     * The upper half uses the complementary probability (S + 5/8 - r) / (S + 1/4), computed directly rather
     * than as 1 - p, so that z is exactly antisymmetric in the ranks.
     */
    static double[][] rankNormalize(double[][] m) {
        double[] sorted = sortedOrNaN(pool(m));
        int s = sorted.length;
        double denominator = s - 2 * BLOM_OFFSET + 1;
        double[][] z = new double[m.length][];
        for (int c = 0; c < m.length; c++) {
            z[c] = new double[m[c].length];
            for (int t = 0; t < m[c].length; t++) {
                double x = m[c][t];
                if (Double.isNaN(x)) {
                    z[c][t] = Double.NaN;
                    continue;
                }
                // the tied run of x is sorted[first..last]; its average 1-based rank is (first + last) / 2 + 1
                int first = firstIndex(sorted, x, false);
                int last = firstIndex(sorted, x, true) - 1;
                double rank = (first + last) / 2.0 + 1;
                if (rank - BLOM_OFFSET <= denominator / 2) {
                    z[c][t] = -Math.sqrt(2) * InverseErfc.value(2 * (rank - BLOM_OFFSET) / denominator);
                } else {
                    z[c][t] = Math.sqrt(2) * InverseErfc.value(2 * (s + 1 - BLOM_OFFSET - rank) / denominator);
                }
            }
        }
        return z;
    }

    /**
     * The first index i of ascending {@code sorted} with sorted[i] &gt;= x (or &gt; x when {@code strictly}),
     * sorted.length if none. Primitive comparisons, so -0.0 ties with 0.0 as in R, and NaN (sorted last) is
     * above every x.
     */
    private static int firstIndex(double[] sorted, double x, boolean strictly) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            boolean below = strictly ? sorted[mid] <= x : sorted[mid] < x;
            if (below) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** |x - median| over all draws (posterior's fold_draws). */
    static double[][] foldAboutMedian(double[][] chains) {
        double median = quantile(sortedOrNaN(pool(chains)), 0.5);
        double[][] folded = new double[chains.length][];
        for (int c = 0; c < chains.length; c++) {
            folded[c] = new double[chains[c].length];
            for (int t = 0; t < chains[c].length; t++) {
                folded[c][t] = Math.abs(chains[c][t] - median);
            }
        }
        return folded;
    }

    /**
     * Quantile of Hyndman and Fan's type 7, in R's arithmetic ((1 - h) x_lo + h x_hi, and x_lo itself when
     * x_hi equals it) so that the indicator I(x &lt;= q) matches posterior's bit for bit; the median is the
     * mean of the two middle values as R's median. {@link bmoe.io.Stats#quantile} differs in the last bit.
     *
     * @param sorted ascending; NaN quantile if it holds a NaN
     */
    static double quantile(double[] sorted, double prob) {
        if (sorted.length == 0 || Double.isNaN(sorted[sorted.length - 1])) {
            return Double.NaN;
        }
        double index = 1 + (sorted.length - 1) * prob;
        int lo = (int) Math.floor(index);
        int hi = (int) Math.ceil(index);
        double q = sorted[lo - 1];
        double h = index - lo;
        if (index > lo && sorted[hi - 1] != q) {
            q = (1 - h) * q + h * sorted[hi - 1];
        }
        return q;
    }

    // ---- small helpers -----------------------------------------------------------------------------------

    private static void checkShape(double[][] chains) {
        if (chains == null || chains.length == 0) {
            throw new IllegalArgumentException("need at least one chain of draws");
        }
        for (int c = 0; c < chains.length; c++) {
            if (chains[c] == null) {
                throw new IllegalArgumentException("chain " + c + " is null");
            }
        }
        int n = chains[0].length;
        if (n < MIN_DRAWS) {
            throw new IllegalArgumentException("each chain needs at least " + MIN_DRAWS + " draws, got " + n);
        }
        for (int c = 1; c < chains.length; c++) {
            if (chains[c].length != n) {
                throw new IllegalArgumentException("chains must have equal lengths: chain 0 has " + n
                        + " draws, chain " + c + " has " + chains[c].length);
            }
        }
    }

    private static void checkProbability(double prob) {
        if (!(prob >= 0 && prob <= 1)) {
            throw new IllegalArgumentException("quantile probability must be in [0, 1], got " + prob);
        }
    }

    private static double[] pool(double[][] m) {
        int total = 0;
        for (double[] chain : m) {
            total += chain.length;
        }
        double[] pooled = new double[total];
        int offset = 0;
        for (double[] chain : m) {
            System.arraycopy(chain, 0, pooled, offset, chain.length);
            offset += chain.length;
        }
        return pooled;
    }

    /** A sorted copy; sorting puts NaN last, where {@link #quantile} looks for it. */
    private static double[] sortedOrNaN(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted;
    }

    /** Mean with one correction pass, as R's mean, so that a constant's mean is that constant. */
    private static double mean(double[] v) {
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        double mean = sum / v.length;
        if (!Double.isFinite(mean)) {
            return mean;
        }
        double correction = 0;
        for (double x : v) {
            correction += x - mean;
        }
        return mean + correction / v.length;
    }

    private static double sumOfSquares(double[] v, double mean) {
        double sum = 0;
        for (double x : v) {
            sum += (x - mean) * (x - mean);
        }
        return sum;
    }

    private static boolean allFinite(double[][] m) {
        for (double[] chain : m) {
            for (double x : chain) {
                if (!Double.isFinite(x)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** posterior's is_constant: max - min below machine epsilon (an absolute tolerance, as there). */
    private static boolean isConstant(double[][] m) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double[] chain : m) {
            for (double x : chain) {
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
        }
        return Math.abs(max - min) < CONSTANT_TOLERANCE;
    }
}
