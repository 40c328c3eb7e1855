package bmoe.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.rng.Draws;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import java.util.function.Consumer;
import org.apache.commons.math3.distribution.NormalDistribution;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** WAIC and PSIS-LOO: hand calculations, the numpy reference, an exact LOO answer, and merging. */
class CriteriaTest {
    /** Hand and reference values are evaluated from the same formulas in double precision. */
    private static final double EXACT_TOL = 1e-12;

    /**
     * 3 observations x 5 draws. S = 5 gives a Pareto tail of ceiling(min(1, 6.7)) = 1 &lt; 5 draws, so, as in
     * loo, nothing is smoothed, every k-hat is +Infinity and LOO is plain importance sampling:
     * elpd_loo_i = -log((1/S) sum_s exp(-ll_s)).
     */
    private static final double[][] HAND = {
        {-1.0, -1.0, -1.0, -1.0, -1.0},
        {-2.0, -1.0, 0.0, -1.0, -2.0},
        {-0.5, -1.5, -0.5, -1.5, -1.0},
    };

    @Test
    void waicAndLooOnAHandMatrix() {
        Criteria.Accumulator acc = new Criteria.Accumulator(5);
        for (double[] row : HAND) {
            double[] copy = row.clone();
            acc.add(copy);
            assertArrayEquals(row, copy, 0.0, "input not modified");
        }
        Criteria.Result r = acc.result();

        // lpd_i = log mean_s exp(ll_s)
        double lpd0 = -1.0;
        double lpd1 = Math.log((2 * Math.exp(-2) + 2 * Math.exp(-1) + 1) / 5);
        double lpd2 = Math.log((2 * Math.exp(-0.5) + 2 * Math.exp(-1.5) + Math.exp(-1)) / 5);
        // p_waic_i = sample variance: row 1 has mean -1.2 and squared deviations .64 .04 1.44 .04 .64, sum 2.8;
        // row 2 has mean -1 and squared deviations .25 .25 .25 .25 0, sum 1
        double pw0 = 0.0;
        double pw1 = 2.8 / 4;
        double pw2 = 1.0 / 4;
        double e0 = lpd0 - pw0;
        double e1 = lpd1 - pw1;
        double e2 = lpd2 - pw2;
        double eMean = (e0 + e1 + e2) / 3;
        double eVar = ((e0 - eMean) * (e0 - eMean) + (e1 - eMean) * (e1 - eMean) + (e2 - eMean) * (e2 - eMean)) / 2;
        double pMean = (pw0 + pw1 + pw2) / 3;
        double pVar = ((pw0 - pMean) * (pw0 - pMean) + (pw1 - pMean) * (pw1 - pMean) + (pw2 - pMean) * (pw2 - pMean)) / 2;

        assertEquals(3, r.n());
        assertEquals(5, r.draws());
        assertClose(lpd0 + lpd1 + lpd2, r.lppd(), "lppd");
        assertClose(e0 + e1 + e2, r.elpdWaic().estimate(), "elpd_waic");
        assertClose(Math.sqrt(3 * eVar), r.elpdWaic().se(), "se(elpd_waic)");
        assertClose(pw0 + pw1 + pw2, r.pWaic().estimate(), "p_waic");
        assertClose(Math.sqrt(3 * pVar), r.pWaic().se(), "se(p_waic)");
        assertClose(-2 * (e0 + e1 + e2), r.waic().estimate(), "waic");
        assertClose(2 * Math.sqrt(3 * eVar), r.waic().se(), "se(waic)");
        assertEquals(1, r.pWaicAboveWarningLevel(), "only row 1 has p_waic > 0.4");

        double l0 = -1.0;
        double l1 = -Math.log((2 * Math.exp(2) + 2 * Math.exp(1) + 1) / 5);
        double l2 = -Math.log((2 * Math.exp(0.5) + 2 * Math.exp(1.5) + Math.exp(1)) / 5);
        double lMean = (l0 + l1 + l2) / 3;
        double lVar = ((l0 - lMean) * (l0 - lMean) + (l1 - lMean) * (l1 - lMean) + (l2 - lMean) * (l2 - lMean)) / 2;
        assertClose(l0 + l1 + l2, r.elpdLoo().estimate(), "elpd_loo");
        assertClose(Math.sqrt(3 * lVar), r.elpdLoo().se(), "se(elpd_loo)");
        assertClose(lpd0 + lpd1 + lpd2 - (l0 + l1 + l2), r.pLoo().estimate(), "p_loo");
        assertClose(-2 * (l0 + l1 + l2), r.looic().estimate(), "looic");

        Criteria.ParetoKSummary k = r.paretoK();
        assertClose(1 - 1 / Math.log10(5), k.threshold(), "threshold");
        assertEquals(0, k.good());
        assertEquals(0, k.bad());
        assertEquals(3, k.veryBad());
        assertEquals(Double.POSITIVE_INFINITY, k.maxK());
        assertEquals(0, k.maxKIndex(), "the first of tied maxima");
    }

    /** psis_reference.pareto_quantile_loglik: ratios 1/p are the exact Pareto(k0) quantiles, strided. */
    static double[] paretoQuantileLogLik(int draws, double k0, int stride) {
        double[] out = new double[draws];
        for (int i = 0; i < draws; i++) {
            int j = (int) ((long) i * stride % draws);
            out[i] = k0 * Math.log1p(-(j + 0.5) / draws);
        }
        return out;
    }

    /**
     * Observations whose ratios 1/p(y_i | theta_s) have Pareto tails of shape 0.2, 0.85 and 1.5 land in the
     * good, bad and very bad bins of S = 4000 (threshold 0.7), with k-hat, elpd_loo_i, lpd_i and p_waic_i as
     * in psis_reference.py.
     */
    @Test
    void heavyTailedRatiosAreDiagnosedAndCounted() {
        double[] k0 = {0.2, 0.85, 1.5};
        double[][] reference = {
            // k-hat, elpd_loo, lpd, p_waic
            {0.2193107505496422, -0.22318878609088877, -0.18231897240665162, 0.03994428560523626},
            {0.8238230621279778, -1.635324226775957, -0.6151856233238648, 0.7214936587445798},
            {1.4281651893655225, -5.426049748829898, -0.9162907415990782, 2.24686606529454},
        };
        Criteria.Accumulator all = new Criteria.Accumulator(4000);
        for (int i = 0; i < k0.length; i++) {
            double[] ll = paretoQuantileLogLik(4000, k0[i], 1031);
            all.add(ll);
            Criteria.Accumulator one = new Criteria.Accumulator(4000);
            one.add(ll);
            Criteria.Result r = one.result();
            assertClose(reference[i][0], r.paretoK().maxK(), "k-hat at k0 = " + k0[i]);
            assertClose(reference[i][1], r.elpdLoo().estimate(), "elpd_loo at k0 = " + k0[i]);
            assertClose(reference[i][2], r.lppd(), "lpd at k0 = " + k0[i]);
            assertClose(reference[i][3], r.pWaic().estimate(), "p_waic at k0 = " + k0[i]);
        }
        Criteria.ParetoKSummary k = all.result().paretoK();
        assertEquals(0.7, k.threshold(), 0.0);
        assertEquals(1, k.good());
        assertEquals(1, k.bad());
        assertEquals(1, k.veryBad());
        assertEquals(2, k.maxKIndex());
        assertEquals(2, all.result().pWaicAboveWarningLevel());
    }

    /**
     * The conjugate normal model y_i ~ N(mu, 1), mu ~ N(0, 10^2), has an exact LOO predictive density:
     * mu | y_-i ~ N(m_-i, v_-i) with precision P - 1, P = n + 1/100, and y_i | y_-i ~ N(m_-i, 1 + v_-i); and an
     * exact lpd_i = log N(y_i | m, 1 + v). PSIS-LOO from S = 4000 exact posterior draws mu_s = m + sqrt(v) z_s
     * (Philox) must match both.
     *
     * <p>Error budget. Without smoothing, elpd_loo_i = -log(mean_s r_is) with r_is = 1 / N(y_i | mu_s, 1), and
     * lpd_i = log(mean_s p_is) with p_is = N(y_i | mu_s, 1). By the delta method a sum over i of either has sd
     * sqrt(sum_ij C_ij / S), C_ij = E[r_i r_j] / (E r_i E r_j) - 1 (p for r in lpd), and bias at most
     * sum_i C_ii / (2S) in size. All are closed-form Gaussian integrals, see {@link MonteCarloBudget}. Pareto
     * smoothing replaces only 190 of the 4000 ratios, and with k-hat &lt; 0.5 (finite variance; asserted) it
     * lowers the error (Vehtari et al. 2024, Section 3), so the importance sampling budget bounds it.
     * Tolerance: 4 sd + bias, a false alarm rate of 6e-5 per check under normality; p_loo = lppd - elpd_loo
     * gets the sum of both budgets.
     */
    @Tag("statistical")
    @Test
    void psisLooMatchesTheExactLooOfAConjugateNormalModel() {
        int n = 40;
        int draws = 4000;
        double priorPrecision = 1.0 / 100.0;
        RngStream rng = new RngKey(777L, 0).stream(0, 0, 0);
        double[] y = new double[n];
        double sumY = 0;
        for (int i = 0; i < n; i++) {
            y[i] = 0.3 + Draws.normal(rng);
            sumY += y[i];
        }
        double precision = n + priorPrecision;
        double m = sumY / precision;
        double v = 1.0 / precision;
        double[] mu = new double[draws];
        rng.reset(1, 0, 0);
        for (int s = 0; s < draws; s++) {
            mu[s] = m + Math.sqrt(v) * Draws.normal(rng);
        }

        Criteria.Accumulator acc = new Criteria.Accumulator(draws);
        double exactElpdLoo = 0;
        double exactLppd = 0;
        double[] ll = new double[draws];
        for (int i = 0; i < n; i++) {
            for (int s = 0; s < draws; s++) {
                ll[s] = normalLogDensity(y[i], mu[s], 1.0);
            }
            acc.add(ll);
            double looMean = (sumY - y[i]) / (precision - 1);
            double looVar = 1.0 / (precision - 1);
            exactElpdLoo += normalLogDensity(y[i], looMean, 1 + looVar);
            exactLppd += normalLogDensity(y[i], m, 1 + v);
        }
        MonteCarloBudget loo = MonteCarloBudget.of(0.5, y, m, v, draws);
        MonteCarloBudget lpd = MonteCarloBudget.of(-0.5, y, m, v, draws);
        // the identity p(y_i | y_-i) = 1 / E_post[1 / p(y_i | mu)] that PSIS-LOO relies on, in closed form
        assertEquals(exactElpdLoo, -loo.sumLogMean(), 1e-10, "closed forms agree");
        assertEquals(exactLppd, lpd.sumLogMean(), 1e-10, "closed forms agree");

        Criteria.Result r = acc.result();
        assertEquals(n, r.paretoK().good(), "all k-hat at or below " + r.paretoK().threshold());
        assertTrue(r.paretoK().maxK() < 0.5, "max k-hat " + r.paretoK().maxK());
        assertEquals(exactElpdLoo, r.elpdLoo().estimate(), loo.tolerance(), "elpd_loo (MC sd " + loo.sd() + ")");
        assertEquals(exactLppd, r.lppd(), lpd.tolerance(), "lppd (MC sd " + lpd.sd() + ")");
        assertEquals(exactLppd - exactElpdLoo, r.pLoo().estimate(), loo.tolerance() + lpd.tolerance(), "p_loo");
    }

    /**
     * Delta-method Monte Carlo error of sum_i log(mean_s exp(a (mu_s - y_i)^2)) for S independent draws
     * mu_s ~ N(m, v): a = 1/2 gives the ratios of LOO (up to the constant sqrt(2 pi)), a = -1/2 the
     * likelihoods of lpd. With g_i = exp(a (mu - y_i)^2), g_i g_j = exp(2a (mu - (y_i + y_j)/2)^2 +
     * a (y_i - y_j)^2 / 2), and E[exp(b (mu - c)^2)] = (1 - 2 b v)^(-1/2) exp(b (m - c)^2 / (1 - 2 b v)).
     *
     * @param sumLogMean sum_i log E[g_i] plus n log of the constant, the exact value the estimate targets
     */
    private record MonteCarloBudget(double sumLogMean, double sd, double bias) {
        static MonteCarloBudget of(double a, double[] y, double m, double v, int draws) {
            int n = y.length;
            double[] logMean = new double[n];
            // the density's constant: r = sqrt(2 pi) g for a = 1/2, p = g / sqrt(2 pi) for a = -1/2
            double logConstant = Math.signum(a) * 0.5 * Math.log(2 * Math.PI);
            double sumLogMean = 0;
            for (int i = 0; i < n; i++) {
                logMean[i] = logGaussianMoment(a, m, v, y[i]);
                sumLogMean += logConstant + logMean[i];
            }
            double covarianceSum = 0;
            double bias = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double logCross = a * (y[i] - y[j]) * (y[i] - y[j]) / 2
                            + logGaussianMoment(2 * a, m, v, (y[i] + y[j]) / 2);
                    double c = Math.expm1(logCross - logMean[i] - logMean[j]);
                    covarianceSum += c;
                    if (i == j) {
                        bias += c / (2.0 * draws);
                    }
                }
            }
            return new MonteCarloBudget(sumLogMean, Math.sqrt(covarianceSum / draws), bias);
        }

        double tolerance() {
            return 4 * sd + bias;
        }
    }

    /** log E[exp(b (mu - c)^2)] for mu ~ N(m, v), 2 b v &lt; 1. */
    private static double logGaussianMoment(double b, double m, double v, double c) {
        double shrink = 1 - 2 * b * v;
        return -0.5 * Math.log(shrink) + b * (m - c) * (m - c) / shrink;
    }

    private static double normalLogDensity(double x, double mean, double variance) {
        return -0.5 * Math.log(2 * Math.PI * variance) - (x - mean) * (x - mean) / (2 * variance);
    }

    /**
     * Log-likelihood draws of varied spread (some p_waic_i above 0.4, some k-hat in each bin): observation i
     * has ll_s = log N(0 | a_i + b_i z_s, 1), z_s standard normal from Philox.
     */
    private static double[][] variedLogLik(int n, int draws) {
        double[][] ll = new double[n][draws];
        RngStream rng = new RngKey(99L, 1).stream(0, 0, 0);
        for (int i = 0; i < n; i++) {
            double a = -3 + 6.0 * i / n;
            double b = 0.1 + 1.5 * ((i * 7) % n) / n;
            rng.reset(i, 0, 0);
            for (int s = 0; s < draws; s++) {
                ll[i][s] = normalLogDensity(0, a + b * Draws.normal(rng), 1.0);
            }
        }
        return ll;
    }

    @Test
    void mergeEqualsOneAccumulatorOverAllObservations() {
        int n = 37;
        int draws = 400;
        double[][] ll = variedLogLik(n, draws);
        Criteria.Accumulator whole = new Criteria.Accumulator(draws);
        for (double[] row : ll) {
            whole.add(row);
        }
        int[] cuts = {0, 4, 4, 21, n}; // the second block is empty
        Criteria.Accumulator merged = new Criteria.Accumulator(draws);
        for (int b = 0; b + 1 < cuts.length; b++) {
            Criteria.Accumulator block = new Criteria.Accumulator(draws);
            for (int i = cuts[b]; i < cuts[b + 1]; i++) {
                block.add(ll[i]);
            }
            merged.merge(block);
        }
        Criteria.Result expected = whole.result();
        Criteria.Result actual = merged.result();
        assertEquals(expected.n(), actual.n());
        assertEquals(expected.draws(), actual.draws());
        assertClose(expected.lppd(), actual.lppd(), "lppd");
        assertEstimate(expected.elpdWaic(), actual.elpdWaic(), "elpd_waic");
        assertEstimate(expected.pWaic(), actual.pWaic(), "p_waic");
        assertEstimate(expected.waic(), actual.waic(), "waic");
        assertEstimate(expected.elpdLoo(), actual.elpdLoo(), "elpd_loo");
        assertEstimate(expected.pLoo(), actual.pLoo(), "p_loo");
        assertEstimate(expected.looic(), actual.looic(), "looic");
        assertEquals(expected.pWaicAboveWarningLevel(), actual.pWaicAboveWarningLevel());
        assertEquals(expected.paretoK(), actual.paretoK(), "Pareto k table, max k and its observation");
        // the data exercise what is merged: several p_waic warnings, k-hat in more than one bin
        assertTrue(expected.pWaicAboveWarningLevel() > 0 && expected.pWaicAboveWarningLevel() < n);
        assertTrue(expected.paretoK().good() > 0 && expected.paretoK().good() < n, expected.paretoK().toString());
        assertTrue(expected.paretoK().maxKIndex() >= cuts[1], "max k outside the first block tests the index offset");
    }

    /**
     * The accumulator's LOO term (computed on sorted ratios, tail-only) against the textbook form from the
     * smoothed weights of {@link Psis#smooth}: elpd_loo_i = log sum_s w_s p(y_i | theta_s).
     */
    @Test
    void looTermEqualsTheWeightedSumOverDraws() {
        double[][] ll = variedLogLik(37, 400);
        for (int i = 0; i < ll.length; i++) {
            double[] negated = new double[ll[i].length];
            for (int s = 0; s < negated.length; s++) {
                negated[s] = -ll[i][s];
            }
            Psis.Result psis = Psis.smooth(negated);
            double[] terms = new double[negated.length];
            for (int s = 0; s < terms.length; s++) {
                terms[s] = psis.logWeights()[s] + ll[i][s];
            }
            Criteria.Accumulator one = new Criteria.Accumulator(400);
            one.add(ll[i]);
            Criteria.Result r = one.result();
            assertClose(Psis.logSumExp(terms), r.elpdLoo().estimate(), "elpd_loo of observation " + i);
            assertEquals(psis.paretoK(), r.paretoK().maxK(), "k-hat of observation " + i);
            assertEquals(Double.NaN, r.elpdLoo().se(), "a single observation has no standard error");
        }
    }

    /**
     * The bug report's case: an observation whose k-hat is good with r_eff = 1 but bad with the chains' r_eff.
     * Its log likelihoods are sigma = 2 times the S = 4000 normal quantiles (lognormal ratios, whose fitted
     * k-hat grows as the tail reaches further into the body), placed in 4 chains of 1000 in the order of an
     * AR(0.9) sequence, so that the draws are strongly autocorrelated: r_eff ~ 0.1, and loo fits a tail of
     * ceiling(3 sqrt(S / r_eff)) ~ 590 instead of 190 ratios. Deterministic values: no Monte Carlo tolerance.
     */
    @Test
    void autocorrelatedChainsLengthenTheTailAndChangeTheVerdict() {
        int chains = 4;
        int n = 1000;
        double[] ll = ar1OrderedNormalQuantiles(chains, n, 0.9, 2.0);
        double rEff = RelativeEfficiency.of(ll, chains);
        assertTrue(rEff > 0.05 && rEff < 0.2, "r_eff " + rEff);

        Criteria.Accumulator independent = new Criteria.Accumulator(chains * n);
        independent.add(ll);
        Criteria.Result asIfIndependent = independent.result();
        Criteria.Accumulator fromChains = Criteria.Accumulator.fromChains(chains, n);
        fromChains.add(ll);
        Criteria.Result withChains = fromChains.result();

        assertEquals(0.7, withChains.paretoK().threshold(), 0.0);
        assertEquals(1, asIfIndependent.paretoK().good(), "k-hat " + asIfIndependent.paretoK().maxK());
        assertEquals(1, withChains.paretoK().bad(), "k-hat " + withChains.paretoK().maxK());
        double[] negated = new double[ll.length];
        for (int s = 0; s < ll.length; s++) {
            negated[s] = -ll[s];
        }
        assertClose(Psis.smooth(negated, 1.0).paretoK(), asIfIndependent.paretoK().maxK(), "k-hat, r_eff = 1");
        assertClose(Psis.smooth(negated, rEff).paretoK(), withChains.paretoK().maxK(), "k-hat, chains' r_eff");
        assertTrue(asIfIndependent.paretoK().maxK() < 0.65 && withChains.paretoK().maxK() > 0.72,
                asIfIndependent.paretoK().maxK() + " -> " + withChains.paretoK().maxK());
        // a bad k-hat makes loo's Monte Carlo SE of elpd_loo unavailable
        assertTrue(Double.isFinite(asIfIndependent.mcseElpdLoo()));
        assertTrue(Double.isNaN(withChains.mcseElpdLoo()));
        assertEquals(new Criteria.RelativeEfficiencySummary(0, 0, 1, 1, 1, 0), asIfIndependent.relativeEfficiency());
        Criteria.RelativeEfficiencySummary e = withChains.relativeEfficiency();
        assertEquals(chains, e.chains());
        assertEquals(n, e.drawsPerChain());
        assertEquals(rEff, e.min(), 0.0);
        assertEquals(rEff, e.max(), 0.0);
        assertEquals(rEff, e.median(), 0.0);
    }

    /**
     * sigma times the normal quantiles qnorm((j + 1/2) / S), j = 0..S-1, in the rank order of `chains` AR(phi)
     * chains of length n (Philox normals): chain by chain, as {@link Criteria.Accumulator#fromChains} takes them.
     */
    static double[] ar1OrderedNormalQuantiles(int chains, int n, double phi, double sigma) {
        int draws = chains * n;
        double[] latent = new double[draws];
        RngStream rng = new RngKey(11L, 0).stream(0, 0, 0);
        for (int c = 0; c < chains; c++) {
            double x = Draws.normal(rng);
            for (int t = 0; t < n; t++) {
                x = phi * x + Math.sqrt(1 - phi * phi) * Draws.normal(rng);
                latent[c * n + t] = x;
            }
        }
        Integer[] order = new Integer[draws];
        for (int s = 0; s < draws; s++) {
            order[s] = s;
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparingDouble(s -> latent[s]));
        NormalDistribution normal = new NormalDistribution(0, 1);
        double[] ll = new double[draws];
        for (int rank = 0; rank < draws; rank++) {
            ll[order[rank]] = sigma * normal.inverseCumulativeProbability((rank + 0.5) / draws);
        }
        return ll;
    }

    /**
     * loo's per-observation Monte Carlo error and PSIS ESS written as in R (loo 2.10 {@code mcse_elpd} and
     * {@code psis_n_eff}) from the normalised smoothed weights of {@link Psis#smooth} with the same r_eff:
     * mcse_i = sqrt(log(1 + sum_s w_s^2 (p_s - E)^2 / r_eff / E^2)), E = sum_s w_s p_s, and ess_i = r_eff / sum_s
     * w_s^2; the total MCSE is sqrt(sum_i mcse_i^2). Autocorrelated AR(0.7) draws in 2 chains of 200, added to
     * two accumulators that are then merged.
     */
    @Test
    void monteCarloErrorAndEssFollowLooWithTheChainsRelativeEfficiency() {
        int chains = 2;
        int n = 200;
        int obs = 12;
        RngStream rng = new RngKey(31L, 0).stream(0, 0, 0);
        Criteria.Accumulator acc = Criteria.Accumulator.fromChains(chains, n);
        Criteria.Accumulator second = Criteria.Accumulator.fromChains(chains, n);
        double mcseSquaredSum = 0;
        double minEss = Double.POSITIVE_INFINITY;
        double minREff = Double.POSITIVE_INFINITY;
        for (int i = 0; i < obs; i++) {
            double[] ll = new double[chains * n];
            for (int c = 0; c < chains; c++) {
                double x = Draws.normal(rng);
                for (int t = 0; t < n; t++) {
                    x = 0.7 * x + Math.sqrt(1 - 0.49) * Draws.normal(rng);
                    ll[c * n + t] = normalLogDensity(0.3 * i - 1.5, 0.4 * x, 1.0);
                }
            }
            (i < 5 ? acc : second).add(ll);
            double rEff = RelativeEfficiency.of(ll, chains);
            minREff = Math.min(minREff, rEff);
            double[] negated = new double[ll.length];
            for (int s = 0; s < ll.length; s++) {
                negated[s] = -ll[s];
            }
            Psis.Result psis = Psis.smooth(negated, rEff);
            double epd = 0;
            double sumW2 = 0;
            for (int s = 0; s < ll.length; s++) {
                double w = Math.exp(psis.logWeights()[s]);
                epd += w * Math.exp(ll[s]);
                sumW2 += w * w;
            }
            double varEpd = 0;
            for (int s = 0; s < ll.length; s++) {
                double w = Math.exp(psis.logWeights()[s]);
                varEpd += w * w * (Math.exp(ll[s]) - epd) * (Math.exp(ll[s]) - epd) / rEff;
            }
            mcseSquaredSum += Math.log(1 + varEpd / (epd * epd));
            assertTrue(psis.paretoK() <= 1 - 1 / Math.log10(400), "all good here: k-hat " + psis.paretoK());
            minEss = Math.min(minEss, rEff / sumW2);
        }
        acc.merge(second);
        Criteria.Result r = acc.result();
        assertEquals(obs, r.paretoK().good());
        assertClose(Math.sqrt(mcseSquaredSum), r.mcseElpdLoo(), "mcse of elpd_loo");
        assertClose(minEss, r.paretoK().minEssGood(), "smallest PSIS ESS");
        assertClose(minREff, r.relativeEfficiency().min(), "smallest r_eff");
        assertTrue(minREff < 0.5, "the draws are autocorrelated: r_eff " + minREff);
    }

    @Test
    void mergeKeepsTheRelativeEfficienciesInOrder() {
        int chains = 2;
        int n = 200;
        double[][] ll = variedLogLik(37, chains * n);
        Criteria.Accumulator whole = Criteria.Accumulator.fromChains(chains, n);
        for (double[] row : ll) {
            whole.add(row);
        }
        int[] cuts = {0, 10, 10, 30, 37};
        Criteria.Accumulator merged = Criteria.Accumulator.fromChains(chains, n);
        for (int b = 0; b + 1 < cuts.length; b++) {
            Criteria.Accumulator block = Criteria.Accumulator.fromChains(chains, n);
            for (int i = cuts[b]; i < cuts[b + 1]; i++) {
                block.add(ll[i]);
            }
            merged.merge(block);
        }
        Criteria.Result expected = whole.result();
        Criteria.Result actual = merged.result();
        assertEquals(expected.relativeEfficiency(), actual.relativeEfficiency());
        assertEquals(expected.paretoK(), actual.paretoK());
        assertTrue(Double.isNaN(expected.mcseElpdLoo()) && Double.isNaN(actual.mcseElpdLoo()), "some k-hat are bad");
        assertEstimate(expected.elpdLoo(), actual.elpdLoo(), "elpd_loo");
        assertThrows(IllegalArgumentException.class, () -> merged.merge(new Criteria.Accumulator(chains * n)),
                "chains and independent draws do not mix");
        assertThrows(IllegalArgumentException.class, () -> Criteria.Accumulator.fromChains(2, 5));
        assertThrows(IllegalArgumentException.class, () -> Criteria.Accumulator.fromChains(0, 100));
    }

    static Stream<Arguments> badInput() {
        return Stream.of(
                Arguments.of("one draw", (Consumer<Criteria.Accumulator>) a -> new Criteria.Accumulator(1),
                        "at least 2 posterior draws"),
                Arguments.of("null", (Consumer<Criteria.Accumulator>) a -> a.add(null), "observation 1 has no"),
                Arguments.of("too short", (Consumer<Criteria.Accumulator>) a -> a.add(new double[] {-1.0, -2.0}),
                        "observation 1 has 2 log-likelihood draws, expected 3"),
                Arguments.of("NaN", (Consumer<Criteria.Accumulator>) a -> a.add(new double[] {-1.0, Double.NaN, -1.0}),
                        "at draw 1 is NaN"),
                Arguments.of("+Inf", (Consumer<Criteria.Accumulator>) a ->
                        a.add(new double[] {Double.POSITIVE_INFINITY, -1.0, -1.0}), "at draw 0 is Infinity"),
                Arguments.of("-Inf", (Consumer<Criteria.Accumulator>) a ->
                        a.add(new double[] {-1.0, -1.0, Double.NEGATIVE_INFINITY}), "at draw 2 is -Infinity"),
                Arguments.of("merge other S", (Consumer<Criteria.Accumulator>) a -> a.merge(new Criteria.Accumulator(4)),
                        "different numbers of draws (3 and 4)"),
                Arguments.of("merge itself", (Consumer<Criteria.Accumulator>) a -> a.merge(a), "into itself"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInput")
    void badInputIsRejectedAndLeavesTheAccumulatorUnchanged(String name, Consumer<Criteria.Accumulator> action,
            String message) {
        Criteria.Accumulator acc = new Criteria.Accumulator(3);
        acc.add(new double[] {-1.0, -2.0, -1.5});
        Criteria.Result before = acc.result();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> action.accept(acc));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertEquals(before, acc.result());
    }

    @Test
    void resultNeedsAnObservation() {
        assertThrows(IllegalStateException.class, () -> new Criteria.Accumulator(10).result());
    }

    private static void assertEstimate(Criteria.Estimate expected, Criteria.Estimate actual, String what) {
        assertClose(expected.estimate(), actual.estimate(), what);
        assertClose(expected.se(), actual.se(), "se(" + what + ")");
    }

    private static void assertClose(double expected, double actual, String what) {
        assertEquals(expected, actual, EXACT_TOL * Math.max(1.0, Math.abs(expected)), what);
    }
}
