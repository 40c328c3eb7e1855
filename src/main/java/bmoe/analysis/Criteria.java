package bmoe.analysis;

import bmoe.model.Params;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

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
 *   mcse_i      = sqrt(log(1 + sum_s w_s^2 (exp(ll_s - elpd_loo_i) - 1)^2 / r_eff_i))
 *   ess_i       = r_eff_i / sum_s w_s^2
 * </pre>
 * Each estimate is the sum over i with standard error sqrt(n var_i(term_i)); waic = -2 elpd_waic and
 * looic = -2 elpd_loo. Pareto k-hat of each observation goes into loo's bins (-Inf, t], (t, 1], (1, Inf) with
 * t = {@link Psis#paretoKThreshold}(S) (loo's {@code pareto_k_table}: good, bad, very bad).
 *
 * <p>r_eff_i, the relative efficiency of the draws for observation i, is loo's {@code relative_eff} of the
 * likelihoods ({@link RelativeEfficiency}) when the accumulator knows the chains, and 1 (independent draws)
 * otherwise; it enters the Pareto tail length M_i = ceiling(min(S / 5, 3 sqrt(S / r_eff_i))), mcse_i (loo's
 * {@code mcse_elpd}, Vehtari et al. 2024, eq. 6, mapped to the log scale by a log-normal's moments) and the
 * PSIS effective sample size ess_i ({@code psis_n_eff}). Where the ESS is undefined (no spread in the
 * likelihoods) r_eff_i = 1, as loo's {@code prepare_psis_r_eff}. The Monte Carlo SE of elpd_loo is
 * sqrt(sum_i mcse_i^2), and NaN when some k-hat exceeds t, as loo's {@code mcse_loo}.
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
     * @param minEssGood the smallest PSIS effective sample size ess_i among the good observations (loo's
     *     "Min. ESS"), NaN when none is good
     */
    public record ParetoKSummary(double threshold, long good, long bad, long veryBad, double maxK, long maxKIndex,
                                 double minEssGood) {}

    /**
     * Which r_eff the observations got, and its spread.
     *
     * @param chains the number of chains r_eff was estimated from, 0 when every r_eff_i = 1 was assumed
     *     (independent draws)
     * @param drawsPerChain the draws of each chain, 0 when chains = 0
     * @param min the smallest r_eff_i (1 when chains = 0)
     * @param median the median r_eff_i
     * @param max the largest r_eff_i
     * @param undefined observations whose ESS was undefined (likelihoods without spread), given r_eff_i = 1
     */
    public record RelativeEfficiencySummary(int chains, int drawsPerChain, double min, double median, double max,
                                            long undefined) {
        public boolean fromChains() {
            return chains > 0;
        }
    }

    /**
     * WAIC, PSIS-LOO and their diagnostics over n observations with S draws each.
     *
     * @param lppd sum_i lpd_i, the log pointwise predictive density of the data under the posterior
     * @param pWaicAboveWarningLevel observations with p_waic_i &gt; {@link #P_WAIC_WARNING_LEVEL}
     * @param mcseElpdLoo the Monte Carlo standard error of elpd_loo, sqrt(sum_i mcse_i^2); NaN when some k-hat
     *     is above the threshold (the error estimate is then itself unreliable)
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
            double mcseElpdLoo,
            Estimate pLoo,
            Estimate looic,
            ParetoKSummary paretoK,
            RelativeEfficiencySummary relativeEfficiency) {}

    /**
     * Each observation's terms, in data order: for comparing models observation by observation, and for finding
     * the observations whose PSIS estimate is unreliable (k_i above {@link ParetoKSummary#threshold}).
     *
     * @param elpdLoo elpd_loo_i; {@code elpdWaic} elpd_waic_i = lpd_i - p_waic_i; {@code lpd} lpd_i, the log of the
     *     posterior mean of p(y_i | theta) (so p_loo_i = lpd_i - elpd_loo_i); {@code paretoK} k-hat_i
     */
    public record Terms(double[] elpdLoo, double[] elpdWaic, double[] lpd, double[] paretoK) {
        /** Room for n observations' terms. */
        public static Terms of(int n) {
            return new Terms(new double[n], new double[n], new double[n], new double[n]);
        }
    }

    /** Observations per work block of {@link #evaluate}: blocks are merged in order, so results do not depend on threads. */
    public static final int BLOCK = 4096;

    /**
     * WAIC and PSIS-LOO of {@code draws} on the data, from log p(y_i | x_i, theta_s) for every observation and draw:
     * blocks of {@link #BLOCK} observations in parallel, each with its own accumulator, merged in block order.
     *
     * @param draws at least 2, on the data's scale; not modified
     * @param chains 0: the draws are taken as independent (r_eff = 1); else they are this many chains' draws of
     *     equal length, chain by chain, and each observation's r_eff comes from them
     * @param x p columns of n values; not modified
     * @param terms where the pointwise terms go, in data order; null for none
     */
    public static Result evaluate(List<Params> draws, int chains, double[][] x, double[] y, int threads,
                                  Terms terms) {
        int n = y.length;
        int s = draws.size();
        int blocks = (n + BLOCK - 1) / BLOCK;
        Accumulator[] parts = new Accumulator[blocks];
        Runnable work = () -> IntStream.range(0, blocks).parallel().forEach(b -> {
            Accumulator acc = chains > 0 ? Accumulator.fromChains(chains, s / chains) : new Accumulator(s);
            double[] row = new double[x.length + 1];
            double[] logLik = new double[s];
            row[0] = 1.0;
            for (int i = b * BLOCK; i < Math.min(n, (b + 1) * BLOCK); i++) {
                for (int j = 0; j < x.length; j++) {
                    row[j + 1] = x[j][i];
                }
                for (int d = 0; d < s; d++) {
                    logLik[d] = draws.get(d).logDensity(row, y[i]);
                }
                acc.add(logLik);
                if (terms != null) {
                    terms.elpdLoo()[i] = acc.lastElpdLoo();
                    terms.elpdWaic()[i] = acc.lastElpdWaic();
                    terms.lpd()[i] = acc.lastLpd();
                    terms.paretoK()[i] = acc.lastParetoK();
                }
            }
            parts[b] = acc;
        });
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            pool.submit(work).join();
        } finally {
            pool.shutdown();
        }
        Accumulator all = parts[0];
        for (int b = 1; b < blocks; b++) {
            all.merge(parts[b]);
        }
        return all.result();
    }

    /**
     * Takes one observation's S log-likelihood draws at a time and keeps only running sums: O(S) memory,
     * whatever n, plus one double per observation for the median r_eff when the chains are known (as
     * much as one column of the data). Per
     * observation the cost is O(S): a few passes of S exponentials, a selection of the M + 1 largest ratios,
     * (30 + sqrt(M)) M logarithms for the GPD fit, M ~ 3 sqrt(S / r_eff) (190 for S = 4000 and r_eff = 1), and
     * with chains the ESS (an FFT per chain).
     *
     * <p>Not thread-safe. For parallel use give each thread its own accumulator over a contiguous block of
     * observations and {@link #merge} them in block order: observation numbers are then global, the result is
     * bit-identical for a fixed block layout, and differs between layouts only by rounding in the last digits.
     */
    public static final class Accumulator {
        private final int draws;
        /** 0: the draws are taken as independent (r_eff = 1); else r_eff_i comes from this many chains. */
        private final int chains;
        private final double paretoKThreshold;
        /** -ll with its tail + 1 largest values sorted at the end, then smoothed; overwritten by every add. */
        private final double[] workLogRatios;
        /** The raw tail of workLogRatios; overwritten by every add. */
        private final double[] rawTail;
        private final double[] exceedances;
        /** Per draw terms of the log-sum-exps; overwritten by every add. */
        private final double[] terms;

        private final RunningMoments lpd = new RunningMoments();
        private final RunningMoments elpdWaic = new RunningMoments();
        private final RunningMoments pWaic = new RunningMoments();
        private final RunningMoments elpdLoo = new RunningMoments();
        private final RunningMoments pLoo = new RunningMoments();
        private final RunningMoments mcseSquared = new RunningMoments();
        private long pWaicAboveWarningLevel;
        private long good;
        private long bad;
        private long veryBad;
        private double maxK = Double.NEGATIVE_INFINITY;
        private long maxKIndex = -1;
        private double minEssGood = Double.POSITIVE_INFINITY;
        /** r_eff_i in the order added (chains only), for their median. */
        private double[] relativeEfficiencies = new double[0];
        private double lastElpdLoo = Double.NaN;
        private double lastElpdWaic = Double.NaN;
        private double lastLpd = Double.NaN;
        private double lastParetoK = Double.NaN;
        private double minRelativeEfficiency = Double.POSITIVE_INFINITY;
        private double maxRelativeEfficiency = Double.NEGATIVE_INFINITY;
        private long undefinedRelativeEfficiency;

        /**
         * An accumulator for S draws taken as independent: r_eff_i = 1 for every observation.
         *
         * @param draws S &gt;= 2 posterior draws per observation (PSIS fits a tail only for S &gt;= 21; with
         *     fewer every k-hat is +Infinity and LOO uses the raw importance ratios, as loo)
         */
        public Accumulator(int draws) {
            this(draws, 0);
        }

        /**
         * An accumulator for draws from MCMC chains of equal length, whose r_eff_i is estimated from the chains
         * ({@link RelativeEfficiency}); {@link #add} then takes the draws chain by chain.
         *
         * @param chains the number of chains, &gt;= 1
         * @param drawsPerChain the draws of each chain, &gt;= {@link RelativeEfficiency#MIN_DRAWS_PER_CHAIN}
         */
        public static Accumulator fromChains(int chains, int drawsPerChain) {
            if (chains < 1) {
                throw new IllegalArgumentException("need at least one chain, got " + chains);
            }
            if (drawsPerChain < RelativeEfficiency.MIN_DRAWS_PER_CHAIN) {
                throw new IllegalArgumentException("r_eff needs at least " + RelativeEfficiency.MIN_DRAWS_PER_CHAIN
                        + " draws per chain, got " + drawsPerChain);
            }
            if ((long) chains * drawsPerChain > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("too many draws: " + chains + " x " + drawsPerChain);
            }
            return new Accumulator(chains * drawsPerChain, chains);
        }

        private Accumulator(int draws, int chains) {
            if (draws < 2) {
                throw new IllegalArgumentException("WAIC and PSIS-LOO need at least 2 posterior draws, got " + draws);
            }
            this.draws = draws;
            this.chains = chains;
            this.paretoKThreshold = Psis.paretoKThreshold(draws);
            // the longest tail, reached for r_eff <= 225 / S
            int maxTail = (int) Math.ceil(0.2 * draws);
            this.workLogRatios = new double[draws];
            this.rawTail = new double[maxTail];
            this.exceedances = new double[maxTail];
            this.terms = new double[draws];
        }

        /** Observations added so far, merged ones included. */
        public long count() {
            return lpd.count();
        }

        /** elpd_loo_i of the observation {@link #add} took last (NaN before any): for pointwise comparisons. */
        public double lastElpdLoo() {
            return lastElpdLoo;
        }

        /** elpd_waic_i = lpd_i - p_waic_i of the observation {@link #add} took last (NaN before any). */
        public double lastElpdWaic() {
            return lastElpdWaic;
        }

        /** lpd_i of the observation {@link #add} took last (NaN before any). */
        public double lastLpd() {
            return lastLpd;
        }

        /** k-hat_i of the observation {@link #add} took last (NaN before any; +Infinity where no tail was fitted). */
        public double lastParetoK() {
            return lastParetoK;
        }

        /**
         * Adds the next observation i: its log-likelihood under each draw.
         *
         * <p>Every value must be finite. +Infinity (a degenerate density) would make lpd_i infinite. -Infinity
         * says draw s gives y_i zero density, which a draw from the posterior given y_i cannot: it comes from a
         * density that underflowed before its log was taken, and would make p_waic_i and the PSIS ratio 1/p
         * infinite. Compute such log-likelihoods in log space (log-sum-exp over experts).
         *
         * @param logLikDraws log p(y_i | theta_s) for s = 1..S, chain after chain (in each chain's order) for
         *     an accumulator {@link #fromChains}; not modified
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

            // r_eff needs the draws in chain order: before the ratios are rearranged
            double rEff = 1.0;
            boolean undefined = false;
            if (chains > 0) {
                rEff = RelativeEfficiency.of(logLikDraws, chains);
                undefined = Double.isNaN(rEff);
                if (undefined) {
                    rEff = 1.0;
                }
            }
            int tailLength = Psis.tailLength(draws, rEff);

            // PSIS-LOO with ratios r_s = 1 / p(y_i | theta_s)
            for (int s = 0; s < draws; s++) {
                workLogRatios[s] = -logLikDraws[s];
            }
            // PSIS needs only the tail and the cutoff below it in order
            Psis.sortLargest(workLogRatios, tailLength + 1);
            int first = draws - tailLength;
            System.arraycopy(workLogRatios, first, rawTail, 0, tailLength);
            double k = Psis.smoothTailInPlace(workLogRatios, tailLength, exceedances);
            // Below the tail the (unnormalised) log weight is the raw ratio -ll_s, so ll_s = -workLogRatios[j]
            // there; in the tail ll = -rawTail[j] and the log weight is the smoothed value. Sums are order-free,
            // so the rearranged draws serve as well as the input's order.
            double logNorm = Psis.logSumExp(workLogRatios);
            // log sum_s w_s p_s with unnormalised w: below the tail each term w_s p_s is exactly 1; in the tail
            // w_s p_s = exp(log w_s - log r_s), kept in log space because a smoothed weight can exceed its raw
            // ratio by more than exp(709). first >= 1: the tail is at most ceiling(S / 5) < S draws
            double logFirst = Math.log(first);
            double maxLogTerm = logFirst;
            for (int j = 0; j < tailLength; j++) {
                maxLogTerm = Math.max(maxLogTerm, workLogRatios[first + j] - rawTail[j]);
            }
            double scaledSum = Math.exp(logFirst - maxLogTerm);
            for (int j = 0; j < tailLength; j++) {
                scaledSum += Math.exp(workLogRatios[first + j] - rawTail[j] - maxLogTerm);
            }
            double elpdLooI = maxLogTerm + Math.log(scaledSum) - logNorm;

            // mcse_i^2 = log(1 + sum_s w_s^2 (p_s / E - 1)^2 / r_eff), E = exp(elpd_loo_i), w normalised: the terms
            // 2 log w_s + 2 log|expm1(ll_s - elpd_loo_i)| summed in log space, as a tail weight can be huge
            for (int j = 0; j < draws; j++) {
                double logLik = j < first ? -workLogRatios[j] : -rawTail[j - first];
                terms[j] = 2.0 * (workLogRatios[j] - logNorm + logAbsExpm1(logLik - elpdLooI));
            }
            double logRelativeVariance = logSumExp(terms) - Math.log(rEff);
            double mcseSquaredI = log1pExp(logRelativeVariance);
            // PSIS ESS r_eff / sum_s w_s^2
            for (int j = 0; j < draws; j++) {
                terms[j] = 2.0 * (workLogRatios[j] - logNorm);
            }
            double essI = rEff * Math.exp(-logSumExp(terms));

            lastElpdLoo = elpdLooI;
            lastElpdWaic = lpdI - pWaicI;
            lastLpd = lpdI;
            lastParetoK = k;
            lpd.add(lpdI);
            elpdWaic.add(lpdI - pWaicI);
            pWaic.add(pWaicI);
            elpdLoo.add(elpdLooI);
            pLoo.add(lpdI - elpdLooI);
            mcseSquared.add(mcseSquaredI);
            if (pWaicI > P_WAIC_WARNING_LEVEL) {
                pWaicAboveWarningLevel++;
            }
            if (k <= paretoKThreshold) {
                good++;
                minEssGood = Math.min(minEssGood, essI);
            } else if (k <= 1.0) {
                bad++;
            } else {
                veryBad++;
            }
            if (k > maxK || maxKIndex < 0) {
                maxK = k;
                maxKIndex = index;
            }
            if (chains > 0) {
                int at = Math.toIntExact(index);
                if (at == relativeEfficiencies.length) {
                    relativeEfficiencies = Arrays.copyOf(relativeEfficiencies, Math.max(16, 2 * at));
                }
                relativeEfficiencies[at] = rEff;
                minRelativeEfficiency = Math.min(minRelativeEfficiency, rEff);
                maxRelativeEfficiency = Math.max(maxRelativeEfficiency, rEff);
                if (undefined) {
                    undefinedRelativeEfficiency++;
                }
            }
        }

        /**
         * Appends other's observations after this one's: observation j of other becomes observation
         * count() + j here. Sums merge by Chan et al.'s pairwise formulas, so merging equals adding the same
         * observations to one accumulator up to rounding in the last digits.
         *
         * @param other an accumulator with the same S and chains, not this one; not modified
         */
        public void merge(Accumulator other) {
            if (other == this) {
                throw new IllegalArgumentException("an accumulator cannot be merged into itself");
            }
            if (other.draws != draws) {
                throw new IllegalArgumentException("cannot merge accumulators over different numbers of draws ("
                        + draws + " and " + other.draws + ")");
            }
            if (other.chains != chains) {
                throw new IllegalArgumentException("cannot merge accumulators over different chains (" + chains
                        + " and " + other.chains + "; 0 = independent draws)");
            }
            long offset = count();
            if (other.maxKIndex >= 0 && (other.maxK > maxK || maxKIndex < 0)) {
                maxK = other.maxK;
                maxKIndex = offset + other.maxKIndex;
            }
            if (chains > 0 && other.count() > 0) {
                int total = Math.addExact((int) offset, (int) other.count());
                if (total > relativeEfficiencies.length) {
                    relativeEfficiencies = Arrays.copyOf(relativeEfficiencies, total);
                }
                System.arraycopy(other.relativeEfficiencies, 0, relativeEfficiencies, (int) offset, (int) other.count());
                minRelativeEfficiency = Math.min(minRelativeEfficiency, other.minRelativeEfficiency);
                maxRelativeEfficiency = Math.max(maxRelativeEfficiency, other.maxRelativeEfficiency);
                undefinedRelativeEfficiency += other.undefinedRelativeEfficiency;
            }
            lpd.merge(other.lpd);
            elpdWaic.merge(other.elpdWaic);
            pWaic.merge(other.pWaic);
            elpdLoo.merge(other.elpdLoo);
            pLoo.merge(other.pLoo);
            mcseSquared.merge(other.mcseSquared);
            pWaicAboveWarningLevel += other.pWaicAboveWarningLevel;
            good += other.good;
            bad += other.bad;
            veryBad += other.veryBad;
            minEssGood = Math.min(minEssGood, other.minEssGood);
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
            double mcse = bad + veryBad > 0 ? Double.NaN : Math.sqrt(mcseSquared.sum());
            return new Result(
                    count(),
                    draws,
                    lpd.sum(),
                    elpdWaicEstimate,
                    estimate(pWaic),
                    elpdWaicEstimate.scaled(-2.0),
                    pWaicAboveWarningLevel,
                    elpdLooEstimate,
                    mcse,
                    estimate(pLoo),
                    elpdLooEstimate.scaled(-2.0),
                    new ParetoKSummary(paretoKThreshold, good, bad, veryBad, maxK, maxKIndex,
                            good > 0 ? minEssGood : Double.NaN),
                    relativeEfficiencySummary());
        }

        private RelativeEfficiencySummary relativeEfficiencySummary() {
            if (chains == 0) {
                return new RelativeEfficiencySummary(0, 0, 1.0, 1.0, 1.0, 0);
            }
            int n = (int) count();
            double[] sorted = Arrays.copyOf(relativeEfficiencies, n);
            Arrays.sort(sorted);
            // R's median: the middle value, or the mean of the two middle ones
            double median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
            return new RelativeEfficiencySummary(chains, draws / chains, minRelativeEfficiency, median,
                    maxRelativeEfficiency, undefinedRelativeEfficiency);
        }

        private static Estimate estimate(RunningMoments pointwise) {
            return new Estimate(pointwise.sum(), pointwise.standardErrorOfSum());
        }
    }

    /** log|e^d - 1|, -Infinity at d = 0, without overflow for large d. */
    static double logAbsExpm1(double d) {
        if (d > 0) {
            // log(e^d - 1) = d + log(1 - e^-d)
            return d + Math.log(-Math.expm1(-d));
        }
        return Math.log(-Math.expm1(d));
    }

    /** log(1 + e^a) without overflow. */
    static double log1pExp(double a) {
        return a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a));
    }

    /** log sum exp(v), -Infinity when every term is; terms may be -Infinity. */
    private static double logSumExp(double[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            max = Math.max(max, x);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double s = 0;
        for (double x : v) {
            s += Math.exp(x - max);
        }
        return max + Math.log(s);
    }
}
