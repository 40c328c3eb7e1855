package bmoe.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.backend.Backend;
import bmoe.backend.cpu.CpuBackend;
import bmoe.model.Dataset;
import bmoe.model.Priors;
import bmoe.rng.RngKey;
import bmoe.sim.Preset;
import bmoe.sim.Simulator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StartSearchTest {
    private static final Dataset DATA;

    static {
        Preset preset = Preset.NEURIPS23;
        Simulator.Sample s = Simulator.simulate(preset.truth(), preset.lower(), preset.upper(), 400, 3);
        DATA = Dataset.fromColumns(s.xColumns(), s.y(), preset.xNames(), "y", true);
    }

    private static RunConfig config(StartSearch.Plan plan) {
        return config(plan, Priors.sampledScale(5, 5, 2, 0.2, Priors.defaultScaleRate(DATA.y())));
    }

    private static RunConfig config(StartSearch.Plan plan, Priors priors) {
        return new RunConfig(2, 2, 10, 10, 1, 9, priors, GateMethod.MALA, GateMetric.FROZEN, RunConfig.AUTO_MOVES, plan);
    }

    private static StartSearch.Choice choose(RunConfig cfg, int chain) {
        try (Backend backend = new CpuBackend(1);
             Backend.Resident resident = backend.upload(DATA);
             Backend.Workspace ws = backend.workspace(resident, cfg.experts())) {
            return StartSearch.choose(backend, ws, DATA, cfg, new RngKey(cfg.seed(), chain));
        }
    }

    @Test
    void theChainStartsFromTheBestCandidateAtSweepZero() {
        StartSearch.Choice c = choose(config(new StartSearch.Plan(4, 10)), 0);
        assertEquals(4, c.logPosteriors().length);
        int best = 0;
        for (int j = 1; j < 4; j++) {
            if (c.logPosteriors()[j] > c.logPosteriors()[best]) {
                best = j;
            }
        }
        assertEquals(best, c.chosen());
        assertEquals(0, c.state().sweep());
        assertTrue(c.state().sigmaScale() > 0, "a sampled b0 comes with the start");
        assertEquals(StepSize.initial(), c.state().stepSize());
        // the candidates differ: their best log posteriors are not all the same number
        assertTrue(new HashSet<>(java.util.Arrays.stream(c.logPosteriors()).boxed().toList()).size() > 1);
    }

    @Test
    void theSearchIsReproducibleAndChainsStartApart() {
        RunConfig cfg = config(new StartSearch.Plan(3, 5));
        assertEquals(choose(cfg, 0).state().params(), choose(cfg, 0).state().params());
        assertNotEquals(choose(cfg, 0).state().params(), choose(cfg, 1).state().params());
    }

    @Test
    void withoutASearchTheStartIsTheChainsOwnKMeansStart() {
        RunConfig cfg = config(StartSearch.Plan.SINGLE);
        RngKey key = new RngKey(cfg.seed(), 1);
        assertEquals(Initializer.initialState(DATA, 2, cfg.priors(), key).params(), choose(cfg, 1).state().params());
    }

    @Test
    void candidateKeysNeverMeetAChainsKey() {
        Set<Long> words = new HashSet<>();
        for (int chain = 0; chain < 64; chain++) {
            RngKey key = new RngKey(5, chain);
            assertTrue(words.add((long) key.k1()));
            for (int j = 0; j < RngKey.MAX_START_CANDIDATES; j++) {
                assertTrue(words.add((long) key.startCandidate(j).k1()), "chain " + chain + ", candidate " + j);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new RngKey(5, 0).startCandidate(RngKey.MAX_START_CANDIDATES));
    }

    @Test
    void searchRowsAreDistinctIncreasingAndEveryRowAsLikely() {
        int[] rows = StartSearch.searchRows(100_000, 1000, new RngKey(3, 0));
        assertEquals(1000, rows.length);
        for (int s = 0; s < rows.length; s++) {
            assertTrue(rows[s] >= 0 && rows[s] < 100_000 && (s == 0 || rows[s] > rows[s - 1]), "row " + s);
        }
        assertArrayEquals(rows, StartSearch.searchRows(100_000, 1000, new RngKey(3, 0)));
        assertFalse(Arrays.equals(rows, StartSearch.searchRows(100_000, 1000, new RngKey(3, 1))));
        assertArrayEquals(new int[] {0, 1, 2, 3}, StartSearch.searchRows(4, 4, new RngKey(3, 0)));
        // every 3-subset of 10 rows equally likely: over 24000 keys each of the 120 subsets is Binomial(24000,
        // 1/120), mean 200; Pearson's statistic has 119 degrees of freedom (mean 119, sd 15.4) and 220 is its
        // 1 - 1e-11 quantile roughly, so the test is stable, while a sampler that favoured rows (with replacement,
        // say, or the first rows) is far off
        int[] counts = new int[1 << 10];
        int keys = 24_000;
        for (int chain = 0; chain < keys; chain++) {
            int[] r = StartSearch.searchRows(10, 3, new RngKey(11, chain));
            assertEquals(3, r.length);
            counts[(1 << r[0]) | (1 << r[1]) | (1 << r[2])]++;
        }
        double chi2 = 0;
        int subsets = 0;
        for (int mask = 0; mask < counts.length; mask++) {
            if (Integer.bitCount(mask) == 3) {
                subsets++;
                double e = keys / 120.0;
                chi2 += (counts[mask] - e) * (counts[mask] - e) / e;
            } else {
                assertEquals(0, counts[mask]);
            }
        }
        assertEquals(120, subsets);
        assertTrue(chi2 < 220, "chi2 " + chi2 + " over 119 df");
    }

    @Test
    void onMoreRowsThanThePlansTheSearchNeverTouchesTheFullData() {
        Preset preset = Preset.NEURIPS23;
        Simulator.Sample s = Simulator.simulate(preset.truth(), preset.lower(), preset.upper(), 3000, 4);
        Dataset big = Dataset.fromColumns(s.xColumns(), s.y(), preset.xNames(), "y", true);
        Priors priors = Priors.sampledScale(5, 5, 2, 0.2, Priors.defaultScaleRate(big.y()));
        RunConfig sub = config(new StartSearch.Plan(3, 5, 1000), priors);
        RunConfig all = config(new StartSearch.Plan(3, 5, 0), priors);
        RngKey key = new RngKey(9, 0);
        try (Backend backend = new CpuBackend(1)) {
            // no workspace on the full data: a search that used it would fail
            StartSearch.Choice a = StartSearch.choose(backend, null, big, sub, key);
            StartSearch.Choice b = StartSearch.choose(backend, null, big, sub, key);
            assertEquals(a.state().params(), b.state().params());
            assertEquals(3, a.logPosteriors().length);
            assertThrows(IllegalArgumentException.class, () -> StartSearch.choose(backend, null, big, all, key));
            // one sweep a candidate scores its k-means++ start: on the plan's rows (those searchRows draws), its
            // log-likelihood there scaled by n / m = 3, plus its log prior
            RunConfig once = config(new StartSearch.Plan(3, 1, 1000), priors);
            RunConfig onceOnAll = config(new StartSearch.Plan(3, 1, 0), priors);
            Dataset rows = big.ofRows(StartSearch.searchRows(3000, 1000, key));
            double[] scaled = StartSearch.choose(backend, null, big, once, key).logPosteriors();
            try (Backend.Resident resident = backend.upload(rows);
                 Backend.Workspace ws = backend.workspace(resident, 2)) {
                double[] own = StartSearch.choose(backend, ws, rows, onceOnAll, key).logPosteriors();
                for (int j = 0; j < 3; j++) {
                    double prior = StartSearch.logPrior(
                            Initializer.initialState(rows, 2, priors, key.startCandidate(j)), priors);
                    assertEquals(3 * (own[j] - prior), scaled[j] - prior, 1e-9 * Math.abs(scaled[j]), "candidate " + j);
                }
            }
        }
        // as many rows as the plan's, or fewer: the search is on all of them, as before
        assertFalse(new StartSearch.Plan(3, 5, 3000).subsamples(big));
        assertTrue(new StartSearch.Plan(3, 5, 2999).subsamples(big));
    }

    @Test
    void aChainsListenerHearsOfItsStartBeforeItsFirstSweepAndNotWhenContinued() {
        RunConfig cfg = new RunConfig(2, 1, 2, 1, 1, 9, Priors.sampledScale(5, 5, 2, 0.2,
                Priors.defaultScaleRate(DATA.y())), GateMethod.MALA, GateMetric.FROZEN, RunConfig.AUTO_MOVES,
                new StartSearch.Plan(2, 2));
        List<String> events = new ArrayList<>();
        List<ChainState> states = new ArrayList<>();
        Chain.Listener listener = new Chain.Listener() {
            @Override
            public void startChosen(int chain) {
                events.add("start " + chain);
            }

            @Override
            public void sweepDone(int chain, ChainState state) {
                events.add("sweep");
                states.add(state);
            }
        };
        try (Backend backend = new CpuBackend(1);
             Backend.Resident resident = backend.upload(DATA)) {
            Chain.run(backend, resident, DATA, cfg, 0, listener);
            assertEquals(List.of("start 0", "sweep", "sweep", "sweep"), events);
            events.clear();
            Chain.run(backend, resident, DATA, cfg, 0, states.get(0), listener);
            assertEquals(List.of("sweep", "sweep"), events);
        }
    }

    @Test
    void plansAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new StartSearch.Plan(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new StartSearch.Plan(2, 0));
        assertThrows(IllegalArgumentException.class, () -> new StartSearch.Plan(1, -1));
        assertThrows(IllegalArgumentException.class, () -> new StartSearch.Plan(8, 50, 999));
        assertThrows(IllegalArgumentException.class, () -> new StartSearch.Plan(8, 50, -1));
        assertEquals(0, new StartSearch.Plan(8, 50).rows());
        assertEquals(400, new StartSearch.Plan(8, 50).cost());
        assertEquals(0, StartSearch.Plan.SINGLE.cost());
    }
}
