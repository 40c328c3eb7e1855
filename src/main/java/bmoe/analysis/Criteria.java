package bmoe.analysis;

/**
 * WAIC and PSIS-LOO (Vehtari, Gelman and Gabry 2017, Statistics and Computing 27:1413) as the R package loo
 * 2.x computes them, streamed over observations so that the S x n log-likelihood matrix never exists.
 *
 * <p>For observation i with draws ll_s = log p(y_i | theta_s), s = 1..S:
 * <pre>
 *   lpd_i       = log( (1/S) sum_s exp(ll_s) )
 *   p_waic_i    = sample variance of ll_s (divisor S - 1)
 *   elpd_waic_i = lpd_i - p_waic_i
 *   elpd_loo_i  = log( sum_s w_s exp(ll_s) ),  w the normalised PSIS weights of the ratios 1 / p(y_i | theta_s)
 *   p_loo_i     = lpd_i - elpd_loo_i
 * </pre>
 * Each estimate is the sum over i with standard error sqrt(n var_i(term_i)); waic = -2 elpd_waic and
 * looic = -2 elpd_loo. Pareto k-hat of each observation goes into loo's bins (-Inf, t], (t, 1], (1, Inf) with
 * t = {@link Psis#paretoKThreshold}(S).
 *
 * <p>The draws are taken as independent (loo's r_eff = 1, its default): thinned MCMC draws fit that; for
 * autocorrelated draws loo would lengthen the Pareto tail, which this class does not do.
 */
public final class Criteria {
    /** loo warns when some p_waic_i exceed this: WAIC is then unreliable and PSIS-LOO preferred. */
    public static final double P_WAIC_WARNING_LEVEL = 0.4;

    private Criteria() {}

    /** A sum over observations and its standard error sqrt(n var(pointwise)); se is NaN for n = 1. */
    public record Estimate(double estimate, double se) {
        Estimate scaled(double factor) {
            return new Estimate(factor * estimate, Math.abs(factor) * se);
        }
    }

    /**
     * loo's Pareto k table.
     *
     * @param threshold t = min(1 - 1 / log10(S), 0.7)
     * @param good observations with k &lt;= t: PSIS-LOO reliable
     * @param bad t &lt; k &lt;= 1: unreliable, biased estimates
     * @param veryBad k &gt; 1, including +Infinity (tail not fitted): the importance weights have no finite mean
     * @param maxK the largest k-hat
     * @param maxKIndex the observation with the largest k-hat (the first one on ties), numbered from 0 in the
     *     order observations were added (merged accumulators append, see {@link Accumulator#merge})
     */
    public record ParetoKSummary(double threshold, long good, long bad, long veryBad, double maxK, long maxKIndex) {}

    /**
     * WAIC, PSIS-LOO and their diagnostics over n observations with S draws each.
     *
     * @param lppd sum_i lpd_i, the log pointwise predictive density of the data under the posterior
     * @param pWaicAboveWarningLevel observations with p_waic_i &gt; {@link #P_WAIC_WARNING_LEVEL}
     */
    public record Result(
            long n,
            int draws,
            double lppd,
            Estimate elpdWaic,
            Estimate pWaic,
            Estimate waic,
            long pWaicAboveWarningLevel,
            Estimate elpdLoo,
            Estimate pLoo,
            Estimate looic,
            ParetoKSummary paretoK) {}

    /**
     * Takes one observation's S log-likelihood draws at a time and keeps only running sums: O(S) memory,
     * whatever n. Per observation the cost is O(S): three passes of S exponentials, a selection of the M + 1
     * largest ratios, and (30 + sqrt(M)) M logarithms for the GPD fit, M ~ 3 sqrt(S) (190 for S = 4000).
     *
     * <p>Not thread-safe. For parallel use give each thread its own accumulator over a contiguous block of
     * observations and {@link #merge} them in block order: observation numbers are then global, the result is
     * bit-identical for a fixed block layout, and differs between layouts only by rounding in the last digits.
     */
    public static final class Accumulator {
        private final int draws;
        private final int tailLength;
        private final double paretoKThreshold;
        /** -ll with its tailLength + 1 largest values sorted at the end, then smoothed; overwritten by every add. */
        private final double[] workLogRatios;
        /** The raw tail of workLogRatios, then log(smoothed / raw) there; overwritten by every add. */
        private final double[] rawTail;
        private final double[] exceedances;

        private final RunningMoments lpd = new RunningMoments();
        private final RunningMoments elpdWaic = new RunningMoments();
        private final RunningMoments pWaic = new RunningMoments();
        private final RunningMoments elpdLoo = new RunningMoments();
        private final RunningMoments pLoo = new RunningMoments();
        private long pWaicAboveWarningLevel;
        private long good;
        private long bad;
        private long veryBad;
        private double maxK = Double.NEGATIVE_INFINITY;
        private long maxKIndex = -1;

        /**
         * @param draws S &gt;= 2 posterior draws per observation (PSIS fits a tail only for S &gt;= 21; with
         *     fewer every k-hat is +Infinity and LOO uses the raw importance ratios, as loo)
         */
        public Accumulator(int draws) {
            if (draws < 2) {
                throw new IllegalArgumentException("WAIC and PSIS-LOO need at least 2 posterior draws, got " + draws);
            }
            this.draws = draws;
            this.tailLength = Psis.tailLength(draws);
            this.paretoKThreshold = Psis.paretoKThreshold(draws);
            this.workLogRatios = new double[draws];
            this.rawTail = new double[tailLength];
            this.exceedances = new double[tailLength];
        }

        /** Observations added so far, merged ones included. */
        public long count() {
            return lpd.count();
        }

        /**
         * Adds the next observation i: its log-likelihood under each draw.
         *
         * <p>Every value must be finite. +Infinity (a degenerate density) would make lpd_i infinite. -Infinity
         * says draw s gives y_i zero density, which a draw from the posterior given y_i cannot: it comes from a
         * density that underflowed before its log was taken, and would make p_waic_i and the PSIS ratio 1/p
         * infinite. Compute such log-likelihoods in log space (log-sum-exp over experts).
         *
         * @param logLikDraws log p(y_i | theta_s) for s = 1..S; not modified
         * @throws IllegalArgumentException when the length is not S or a value is NaN or infinite; the
         *     accumulator is then unchanged
         */
        public void add(double[] logLikDraws) {
            long index = count();
            if (logLikDraws == null || logLikDraws.length != draws) {
                throw new IllegalArgumentException("observation " + index + " has "
                        + (logLikDraws == null ? "no" : String.valueOf(logLikDraws.length))
                        + " log-likelihood draws, expected " + draws);
            }
            for (int s = 0; s < draws; s++) {
                if (!Double.isFinite(logLikDraws[s])) {
                    throw new IllegalArgumentException("log-likelihood of observation " + index + " (counted from 0 in"
                            + " the order added) at draw " + s + " is " + logLikDraws[s] + "; it must be finite");
                }
            }
            // WAIC terms; two passes over the draws for an accurate variance
            double max = Double.NEGATIVE_INFINITY;
            double sum = 0;
            for (double ll : logLikDraws) {
                max = Math.max(max, ll);
                sum += ll;
            }
            double mean = sum / draws;
            double sumExp = 0;
            double squares = 0;
            for (double ll : logLikDraws) {
                sumExp += Math.exp(ll - max);
                squares += (ll - mean) * (ll - mean);
            }
            double lpdI = max + Math.log(sumExp / draws);
            double pWaicI = squares / (draws - 1);

            // PSIS-LOO with ratios r_s = 1 / p(y_i | theta_s)
            for (int s = 0; s < draws; s++) {
                workLogRatios[s] = -logLikDraws[s];
            }
            // PSIS needs only the tail and the cutoff below it in order
            Psis.sortLargest(workLogRatios, tailLength + 1);
            int first = draws - tailLength;
            System.arraycopy(workLogRatios, first, rawTail, 0, tailLength);
            double k = Psis.smoothTailInPlace(workLogRatios, tailLength, exceedances);
            // log sum_s w_s p_s with unnormalised w: below the tail w_s = r_s = 1 / p_s, so each such term is
            // exactly 1; in the tail w_s p_s = exp(log w_s - log r_s), kept in log space because a smoothed
            // weight can exceed its raw ratio by more than exp(709). Sums are order-free: the draws' order is irrelevant.
            // first >= 1: the tail is at most ceiling(S / 5) < S draws
            double logFirst = Math.log(first);
            double maxLogTerm = logFirst;
            for (int j = 0; j < tailLength; j++) {
                rawTail[j] = workLogRatios[first + j] - rawTail[j];
                maxLogTerm = Math.max(maxLogTerm, rawTail[j]);
            }
            double scaledSum = Math.exp(logFirst - maxLogTerm);
            for (int j = 0; j < tailLength; j++) {
                scaledSum += Math.exp(rawTail[j] - maxLogTerm);
            }
            double elpdLooI = maxLogTerm + Math.log(scaledSum) - Psis.logSumExp(workLogRatios);

            lpd.add(lpdI);
            elpdWaic.add(lpdI - pWaicI);
            pWaic.add(pWaicI);
            elpdLoo.add(elpdLooI);
            pLoo.add(lpdI - elpdLooI);
            if (pWaicI > P_WAIC_WARNING_LEVEL) {
                pWaicAboveWarningLevel++;
            }
            if (k <= paretoKThreshold) {
                good++;
            } else if (k <= 1.0) {
                bad++;
            } else {
                veryBad++;
            }
            if (k > maxK || maxKIndex < 0) {
                maxK = k;
                maxKIndex = index;
            }
        }

        /**
         * Appends other's observations after this one's: observation j of other becomes observation
         * count() + j here. Sums merge by Chan et al.'s pairwise formulas, so merging equals adding the same
         * observations to one accumulator up to rounding in the last digits.
         *
         * @param other an accumulator with the same S, not this one; not modified
         */
        public void merge(Accumulator other) {
            if (other == this) {
                throw new IllegalArgumentException("an accumulator cannot be merged into itself");
            }
            if (other.draws != draws) {
                throw new IllegalArgumentException("cannot merge accumulators over different numbers of draws ("
                        + draws + " and " + other.draws + ")");
            }
            long offset = count();
            if (other.maxKIndex >= 0 && (other.maxK > maxK || maxKIndex < 0)) {
                maxK = other.maxK;
                maxKIndex = offset + other.maxKIndex;
            }
            lpd.merge(other.lpd);
            elpdWaic.merge(other.elpdWaic);
            pWaic.merge(other.pWaic);
            elpdLoo.merge(other.elpdLoo);
            pLoo.merge(other.pLoo);
            pWaicAboveWarningLevel += other.pWaicAboveWarningLevel;
            good += other.good;
            bad += other.bad;
            veryBad += other.veryBad;
        }

        /**
         * The criteria over the observations added so far.
         *
         * @throws IllegalStateException when no observation was added
         */
        public Result result() {
            if (count() == 0) {
                throw new IllegalStateException("no observations were added");
            }
            Estimate elpdWaicEstimate = estimate(elpdWaic);
            Estimate elpdLooEstimate = estimate(elpdLoo);
            return new Result(
                    count(),
                    draws,
                    lpd.sum(),
                    elpdWaicEstimate,
                    estimate(pWaic),
                    elpdWaicEstimate.scaled(-2.0),
                    pWaicAboveWarningLevel,
                    elpdLooEstimate,
                    estimate(pLoo),
                    elpdLooEstimate.scaled(-2.0),
                    new ParetoKSummary(paretoKThreshold, good, bad, veryBad, maxK, maxKIndex));
        }

        private static Estimate estimate(RunningMoments pointwise) {
            return new Estimate(pointwise.sum(), pointwise.standardErrorOfSum());
        }
    }
}
