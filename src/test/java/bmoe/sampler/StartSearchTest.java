package bmoe.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.HashSet;
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
        Priors priors = Priors.sampledScale(5, 5, 2, 0.2, Priors.defaultScaleRate(DATA.y()));
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
    void plansAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new StartSearch.Plan(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new StartSearch.Plan(2, 0));
        assertThrows(IllegalArgumentException.class, () -> new StartSearch.Plan(1, -1));
        assertEquals(400, new StartSearch.Plan(8, 50).cost());
        assertEquals(0, StartSearch.Plan.SINGLE.cost());
    }
}
