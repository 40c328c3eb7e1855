package bmoe.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.rng.Draws;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * loo's relative_eff: against a reference written here from the R sources (loo 2.10 {@code relative_eff.array}
 * calling posterior's {@code ess_mean} = {@code .ess(.split_chains(x))}), and against the known ESS of AR(1)
 * chains.
 */
class RelativeEfficiencyTest {
    /** Same formulas in double precision; only the autocovariances are summed differently (FFT against direct). */
    private static final double REFERENCE_TOL = 1e-12;

    @Test
    void matchesLoosDefinitionOnSmallChains() {
        // 3 chains of 21 draws (odd: the split drops the middle draw), AR(0.6) log likelihoods, and a chain
        // set with a strong trend, which ends Geyer's sequence early and makes the split matter
        for (double trend : new double[] {0.0, 0.3}) {
            int chains = 3;
            int n = 21;
            double[] ll = new double[chains * n];
            RngStream rng = new RngKey(21L, 0).stream(0, 0, 0);
            for (int c = 0; c < chains; c++) {
                double x = Draws.normal(rng);
                for (int t = 0; t < n; t++) {
                    x = 0.6 * x + 0.8 * Draws.normal(rng);
                    ll[c * n + t] = -1.5 + 0.7 * x + trend * t - 0.2 * c;
                }
            }
            double expected = referenceRelativeEff(ll, chains);
            double actual = RelativeEfficiency.of(ll, chains);
            assertTrue(Double.isFinite(expected), "reference defined");
            assertEquals(expected, actual, REFERENCE_TOL * expected, "trend " + trend);
        }
    }

    /** One chain is split in two as well, so r_eff exists for a single chain (loo's behaviour). */
    @Test
    void aSingleChainIsSplitInHalves() {
        double[] ll = new double[40];
        RngStream rng = new RngKey(22L, 0).stream(0, 0, 0);
        for (int t = 0; t < ll.length; t++) {
            ll[t] = -2 + 0.5 * Draws.normal(rng);
        }
        double expected = referenceRelativeEff(ll, 1);
        assertEquals(expected, RelativeEfficiency.of(ll, 1), REFERENCE_TOL * expected);
    }

    /**
     * Likelihoods far in the tail (log likelihood near -2000, where exp underflows to 0) get the r_eff of the
     * same draws shifted to a sane scale: the ESS is scale-free and computed on p / max p.
     */
    @Test
    void logLikelihoodsThatUnderflowKeepTheirRelativeEfficiency() {
        double[] ll = new double[60];
        double[] shifted = new double[60];
        RngStream rng = new RngKey(23L, 0).stream(0, 0, 0);
        for (int s = 0; s < ll.length; s++) {
            shifted[s] = 0.4 * Draws.normal(rng);
            ll[s] = shifted[s] - 2000;
        }
        double expected = referenceRelativeEff(shifted, 2);
        assertEquals(expected, RelativeEfficiency.of(ll, 2), 1e-9 * expected);
    }

    @Test
    void undefinedWithoutSpreadOrForShortChains() {
        assertTrue(Double.isNaN(RelativeEfficiency.of(new double[] {-1, -1, -1, -1, -1, -1, -1, -1}, 1)), "constant");
        assertTrue(Double.isNaN(RelativeEfficiency.of(new double[] {-1, -2, -3, -1, -2, -1, -2, -3, -1, -2}, 2)),
                "5 draws per chain: half chains of 2");
        assertThrows(IllegalArgumentException.class, () -> RelativeEfficiency.of(new double[10], 3));
    }

    /**
     * AR(1) chains x_t = phi x_{t-1} + sqrt(1 - phi^2) e_t have integrated autocorrelation time
     * tau = (1 + phi) / (1 - phi), so likelihoods p = 10 + x (affine in x: the same ESS) have r_eff = 1 / tau = 1/3
     * at phi = 1/2.
     *
     * <p>Error budget: Geyer's estimator sums about M = 10 autocorrelations (those of AR(0.5) fall below the
     * noise level 1 / sqrt(n) after 6 lags); by Bartlett's formula a sum of 2M + 1 estimated autocorrelations
     * has relative sd sqrt(2 (2M + 1) / S), 4.6% at S = 20000 (300 replicates gave 4.1%, and a bias of -1%).
     * Tolerance: 4 sd.
     */
    @Tag("statistical")
    @Test
    void ar1ChainsHaveTheirKnownRelativeEfficiency() {
        int chains = 4;
        int n = 5000;
        double phi = 0.5;
        double[] ll = new double[chains * n];
        RngStream rng = new RngKey(24L, 0).stream(0, 0, 0);
        for (int c = 0; c < chains; c++) {
            double x = Draws.normal(rng);
            for (int t = 0; t < n; t++) {
                x = phi * x + Math.sqrt(1 - phi * phi) * Draws.normal(rng);
                ll[c * n + t] = Math.log(10 + x);
            }
        }
        double expected = (1 - phi) / (1 + phi);
        double relativeSd = Math.sqrt(2.0 * (2 * 10 + 1) / (chains * n));
        assertEquals(expected, RelativeEfficiency.of(ll, chains), 4 * relativeSd * expected);
    }

    /**
     * r_eff = ess_mean(exp(ll)) / S with R's arrays: loo's {@code relative_eff.array} over chains, posterior's
     * {@code .split_chains} (first floor(n/2) and last floor(n/2) draws of each chain) and {@code .ess}, with the
     * biased autocovariances of {@code autocovariance} summed directly. Indices follow the R code, 1-based.
     */
    static double referenceRelativeEff(double[] logLik, int chains) {
        int n = logLik.length / chains;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logLik) {
            max = Math.max(max, v);
        }
        int half = n / 2;
        int m = 2 * chains;
        double[][] x = new double[m][half];
        for (int c = 0; c < chains; c++) {
            for (int t = 0; t < half; t++) {
                x[2 * c][t] = Math.exp(logLik[c * n + t] - max);
                // x[ceiling(half + 1):niter, ]
                x[2 * c + 1][t] = Math.exp(logLik[c * n + (n - half) + t] - max);
            }
        }
        int niter = half;
        double[] acovMeans = new double[niter + 1]; // 1-based
        double[] chainMeans = new double[m];
        for (int c = 0; c < m; c++) {
            double mean = 0;
            for (double v : x[c]) {
                mean += v;
            }
            mean /= niter;
            chainMeans[c] = mean;
            for (int lag = 0; lag < niter; lag++) {
                double s = 0;
                for (int t = 0; t + lag < niter; t++) {
                    s += (x[c][t] - mean) * (x[c][t + lag] - mean);
                }
                acovMeans[lag + 1] += s / niter / m;
            }
        }
        double meanVar = acovMeans[1] * niter / (niter - 1);
        double varPlus = meanVar * (niter - 1) / niter;
        if (m > 1) {
            double grand = 0;
            for (double v : chainMeans) {
                grand += v;
            }
            grand /= m;
            double ss = 0;
            for (double v : chainMeans) {
                ss += (v - grand) * (v - grand);
            }
            varPlus += ss / (m - 1);
        }
        double[] rho = new double[niter + 2]; // rho_hat_t, 1-based
        int t = 0;
        double even = 1;
        rho[t + 1] = even;
        double odd = 1 - (meanVar - acovMeans[t + 2]) / varPlus;
        rho[t + 2] = odd;
        while (t < niter - 5 && !Double.isNaN(even + odd) && even + odd > 0) {
            t += 2;
            even = 1 - (meanVar - acovMeans[t + 1]) / varPlus;
            odd = 1 - (meanVar - acovMeans[t + 2]) / varPlus;
            if (even + odd >= 0) {
                rho[t + 1] = even;
                rho[t + 2] = odd;
            }
        }
        int maxT = t;
        if (even > 0) {
            rho[maxT + 1] = even;
        }
        t = 0;
        while (t <= maxT - 4) {
            t += 2;
            if (rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]) {
                rho[t + 1] = (rho[t - 1] + rho[t]) / 2;
                rho[t + 2] = rho[t + 1];
            }
        }
        // sum(rho_hat_t[1:max_t]); R's 1:0 is c(1, 0), i.e. rho_hat_t[1] alone
        double sum = 0;
        if (maxT == 0) {
            sum = rho[1];
        } else {
            for (int j = 1; j <= maxT; j++) {
                sum += rho[j];
            }
        }
        double draws = (double) m * niter;
        double tau = -1 + 2 * sum + rho[maxT + 1];
        tau = Math.max(tau, 1 / Math.log10(draws));
        return draws / tau / logLik.length;
    }
}
