package bmoe.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import bmoe.backend.cpu.CpuBackend;
import bmoe.model.Dataset;
import bmoe.model.Priors;
import bmoe.sim.Preset;
import bmoe.sim.Simulator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Same seed, same draws: whatever the thread count, the parallel chains or the run. */
class DeterminismTest {
    private static final Preset PRESET = Preset.PLANES3;

    private static List<Chain.Result> fit(int threads, int parallelChains, long seed) {
        Simulator.Sample s = Simulator.simulate(PRESET.truth(), PRESET.lower(), PRESET.upper(), 1500, 3);
        Dataset data = Dataset.fromColumns(s.xColumns(), s.y(), PRESET.xNames(), "y", true);
        RunConfig cfg = new RunConfig(3, 2, 20, 30, 3, seed, Priors.DEFAULT);
        // blocks of 64 rows: many blocks, so two threads really split the work
        try (CpuBackend backend = new CpuBackend(threads, 64)) {
            return Sampler.run(backend, data, cfg, parallelChains, null);
        }
    }

    private static void assertSameDraws(List<Chain.Result> a, List<Chain.Result> b) {
        assertEquals(a.size(), b.size());
        for (int c = 0; c < a.size(); c++) {
            assertEquals(a.get(c).chain(), b.get(c).chain());
            assertArrayEquals(a.get(c).iterations(), b.get(c).iterations());
            assertArrayEquals(a.get(c).logLikelihood(), b.get(c).logLikelihood(), 0.0);
            for (int r = 0; r < a.get(c).draws().length; r++) {
                assertArrayEquals(a.get(c).draws()[r], b.get(c).draws()[r], 0.0, "chain " + c + " draw " + r);
            }
        }
    }

    @Test
    void oneAndTwoThreadsGiveBitIdenticalDraws() {
        assertSameDraws(fit(1, 1, 42), fit(2, 2, 42));
    }

    @Test
    void sameSeedRepeats() {
        assertSameDraws(fit(2, 1, 7), fit(2, 1, 7));
    }

    @Test
    void differentSeedsAndChainsDiffer() {
        List<Chain.Result> a = fit(1, 1, 1);
        List<Chain.Result> b = fit(1, 1, 2);
        assertFalse(java.util.Arrays.equals(a.get(0).draws()[0], b.get(0).draws()[0]));
        assertFalse(java.util.Arrays.equals(a.get(0).draws()[0], a.get(1).draws()[0]));
        assertEquals(10, a.get(0).draws().length);
        assertArrayEquals(new int[] {3, 6, 9, 12, 15, 18, 21, 24, 27, 30}, a.get(0).iterations());
    }
}
