package bmoe.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.backend.cpu.CpuBackend;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.sim.Preset;
import bmoe.sim.Simulator;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A chain continued from a saved {@link ChainState} is the chain that never stopped; the sampler stops cleanly. */
class ResumableChainTest {
    private static final Preset PRESET = Preset.PLANES3;
    private static final Simulator.Sample SAMPLE =
            Simulator.simulate(PRESET.truth(), PRESET.lower(), PRESET.upper(), 600, 3);
    private static final Dataset DATA = Dataset.fromColumns(SAMPLE.xColumns(), SAMPLE.y(), PRESET.xNames(), "y", true);
    private static final RunConfig CFG = new RunConfig(3, 2, 20, 30, 3, 42, Priors.DEFAULT);
    private static final double LOG_LIK_TOLERANCE = 1e-4;
    private static final List<ChainState> FROM_THE_START = Collections.nCopies(CFG.chains(), null);

    /** Keeps each chain's state after the given sweep. */
    private static final class Snapshot implements Chain.Listener {
        final int sweep;
        final ChainState[] states = new ChainState[CFG.chains()];

        Snapshot(int sweep) {
            this.sweep = sweep;
        }

        @Override
        public void sweepDone(int chain, ChainState state) {
            if (state.sweep() == sweep) {
                states[chain] = state;
            }
        }
    }

    private static List<Chain.Result> run(List<ChainState> starts, Chain.Listener listener) {
        try (CpuBackend backend = new CpuBackend(2, 64)) {
            return Sampler.run(backend, DATA, CFG, 2, starts, listener);
        }
    }

    @Test
    void continuedChainsMakeTheSameDrawsBitForBit() {
        // sweep 17 is in the warm-up, 34 between kept sweeps (kept: 23, 26, ..., 50)
        for (int at : new int[] {17, 34}) {
            Snapshot snap = new Snapshot(at);
            List<Chain.Result> whole = run(FROM_THE_START, snap);
            List<Chain.Result> rest = run(Arrays.asList(snap.states), null);
            for (int c = 0; c < CFG.chains(); c++) {
                Chain.Result w = whole.get(c);
                Chain.Result r = rest.get(c);
                int skip = CFG.keptThrough(at);
                assertEquals(w.draws().length - skip, r.draws().length, "draws after sweep " + at);
                for (int i = 0; i < r.draws().length; i++) {
                    assertArrayEquals(w.draws()[skip + i], r.draws()[i], 0.0, "chain " + c + " draw " + (skip + i));
                    assertEquals(w.iterations()[skip + i], r.iterations()[i]);
                    assertEquals(w.logLikelihood()[skip + i], r.logLikelihood()[i], 0.0);
                    assertEquals(w.nonEmpty()[skip + i], r.nonEmpty()[i]);
                }
                assertEquals(CFG.sweepsPerChain(), r.last().sweep());
                assertParamsEqual(w.last().params(), r.last().params());
                assertEquals(w.clampedResiduals(), r.clampedResiduals());
            }
        }
    }

    @Test
    void aChainAtItsLastSweepDoesNothing() {
        Snapshot end = new Snapshot(CFG.sweepsPerChain());
        run(FROM_THE_START, end);
        AtomicInteger calls = new AtomicInteger();
        List<Chain.Result> again = run(Arrays.asList(end.states), new Chain.Listener() {
            @Override
            public void sweepDone(int chain, ChainState state) {
                calls.incrementAndGet();
            }
        });
        assertEquals(0, calls.get());
        for (int c = 0; c < CFG.chains(); c++) {
            assertEquals(0, again.get(c).draws().length);
            assertSame(end.states[c], again.get(c).last());
        }
    }

    @Test
    void keptThroughCountsTheSweepsAChainKeeps() {
        int[] iterations = run(FROM_THE_START, null).get(0).iterations();
        for (int s = 0; s <= CFG.sweepsPerChain(); s++) {
            int sweep = s;
            long kept = Arrays.stream(iterations).filter(i -> CFG.warmup() + i <= sweep).count();
            assertEquals(kept, CFG.keptThrough(s), "sweep " + s);
        }
        assertThrows(IllegalArgumentException.class, () -> CFG.keptThrough(CFG.sweepsPerChain() + 1));
    }

    /**
     * The log-likelihood entering kept sweep r is that of the parameters after sweep r - 1, which (thin 1) is
     * the previous kept draw: recomputed here from that draw on the original-scale data, by
     * {@link Params#logDensity}. The sampler sees float32 standardised data, whose rounding (relative 6e-8 per
     * value) moves the sum over 600 rows by a few 1e-6 (2.3e-6 seen for draw 1); LOG_LIK_TOLERANCE = 1e-4 leaves a
     * margin of 40, while the scale's Jacobian n log(s_y) is in the hundreds here.
     */
    @Test
    void logLikelihoodIsOnTheOriginalScale() {
        RunConfig cfg = new RunConfig(3, 1, 10, 5, 1, 9, Priors.DEFAULT);
        Chain.Result r;
        try (CpuBackend backend = new CpuBackend(1, 64)) {
            r = Sampler.run(backend, DATA, cfg, 1, null).get(0);
        }
        double jacobian = DATA.n() * Math.log(DATA.scaling().ySd());
        assertTrue(Math.abs(jacobian) > 100, "the test needs a scale that matters: " + jacobian);
        for (int k = 1; k < r.draws().length; k++) {
            Params previous = DrawColumns.unflatten(r.draws()[k - 1], 3, PRESET.p());
            double expected = 0;
            double[] row = new double[PRESET.p() + 1];
            for (int i = 0; i < DATA.n(); i++) {
                row[0] = 1;
                for (int j = 0; j < PRESET.p(); j++) {
                    row[j + 1] = SAMPLE.xColumns()[j][i];
                }
                expected += previous.logDensity(row, SAMPLE.y()[i]);
            }
            assertEquals(expected, r.logLikelihood()[k], LOG_LIK_TOLERANCE, "draw " + k);
        }
    }

    /**
     * When one chain fails, the sampler stops the others and returns only once they have stopped. Chain 2 waits
     * at sweep 3 until it is interrupted, and chain 1 fails at sweep 5 once chain 2 waits; if the sampler did not
     * interrupt chain 2, the test would hang (hence the timeout, which only turns a hang into a failure).
     */
    @Test
    @Timeout(60)
    void oneChainFailingStopsTheOthers() {
        RuntimeException boom = new IllegalStateException("chain 1 fails");
        CountDownLatch never = new CountDownLatch(1);
        CountDownLatch chain2Waits = new CountDownLatch(1);
        AtomicInteger lastSweepOfChain2 = new AtomicInteger();
        Chain.Listener listener = new Chain.Listener() {
            @Override
            public void sweepDone(int chain, ChainState state) {
                if (chain == 1) {
                    lastSweepOfChain2.set(state.sweep());
                    if (state.sweep() == 3) {
                        chain2Waits.countDown();
                        try {
                            never.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                } else if (state.sweep() == 5) {
                    try {
                        chain2Waits.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    throw boom;
                }
            }
        };
        RuntimeException thrown = assertThrows(RuntimeException.class,
                () -> run(FROM_THE_START, listener));
        assertSame(boom, thrown);
        assertEquals(3, lastSweepOfChain2.get(), "chain 2 stops at the sweep boundary after its interrupt");
    }

    private static void assertParamsEqual(Params a, Params b) {
        assertArrayEquals(a.s2(), b.s2(), 0.0);
        for (int k = 0; k < a.beta().length; k++) {
            assertArrayEquals(a.beta()[k], b.beta()[k], 0.0);
        }
        for (int k = 0; k < a.w().length; k++) {
            assertArrayEquals(a.w()[k], b.w()[k], 0.0);
        }
    }
}
