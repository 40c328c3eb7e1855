package bmoe.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import bmoe.backend.Backend;
import bmoe.backend.cpu.CpuBackend;
import bmoe.backend.opencl.OpenClBackend;
import bmoe.backend.opencl.OpenClTesting;
import bmoe.model.Dataset;
import bmoe.model.ExpertsPrior;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.sim.Preset;
import bmoe.sim.Simulator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Several chains per pass over the data ({@link Backend#chainsPerPass} > 1: {@link Sampler} runs the chains through
 * a {@link bmoe.backend.ChainBatch}) make the draws of the chains run apart, bit for bit, on the CPU and on the
 * OpenCL device: both gate sweeps, K = 1, a start search, K a parameter (chains at different K), chains resumed at
 * different sweeps; and a chain that fails stops the others without a hang.
 */
@Timeout(300)
class ChainsPerPassTest {
    private static final Preset PRESET = Preset.PLANES3;
    private static final Dataset DATA = dataset(700);

    private static Dataset dataset(int n) {
        Simulator.Sample s = Simulator.simulate(PRESET.truth(), PRESET.lower(), PRESET.upper(), n, 3);
        return Dataset.fromColumns(s.xColumns(), s.y(), PRESET.xNames(), "y", true);
    }

    static Stream<Arguments> runs() {
        return Stream.of(
                Arguments.of("mala", new RunConfig(3, 3, 12, 12, 2, 5, Priors.DEFAULT)),
                Arguments.of("mala fisher, 2 moves", new RunConfig(2, 3, 10, 8, 1, 6, Priors.DEFAULT, GateMethod.MALA,
                        GateMetric.FISHER, 2)),
                Arguments.of("pg", new RunConfig(3, 3, 10, 10, 1, 7, Priors.DEFAULT, GateMethod.PG, GateMetric.FROZEN,
                        RunConfig.AUTO_MOVES)),
                Arguments.of("K = 1", new RunConfig(1, 2, 5, 5, 1, 8, Priors.DEFAULT)),
                Arguments.of("start search", new RunConfig(2, 2, 6, 6, 1, 9, Priors.DEFAULT, GateMethod.MALA,
                        GateMetric.FROZEN, RunConfig.AUTO_MOVES, new StartSearch.Plan(3, 2))),
                // K a parameter: the chains move between K = 1..4 apart, so their rounds mix shapes
                Arguments.of("K a parameter, mala", new RunConfig(4, 3, 15, 15, 1, 10, Priors.DEFAULT, GateMethod.MALA,
                        GateMetric.FISHER, RunConfig.AUTO_MOVES, StartSearch.Plan.SINGLE,
                        ExpertsPrior.parse("poisson:1", 4))),
                Arguments.of("K a parameter, pg", new RunConfig(4, 3, 15, 15, 1, 13, Priors.DEFAULT, GateMethod.PG,
                        GateMetric.FISHER, RunConfig.AUTO_MOVES, StartSearch.Plan.SINGLE,
                        ExpertsPrior.parse("poisson:1", 4))));
    }

    private static List<Chain.Result> run(Backend backend, RunConfig cfg, List<ChainState> starts, Chain.Listener l) {
        try (backend) {
            return Sampler.run(backend, DATA, cfg, 2, starts, l);
        }
    }

    private static List<Chain.Result> run(Backend backend, RunConfig cfg) {
        return run(backend, cfg, Collections.nCopies(cfg.chains(), null), null);
    }

    static void assertSameChains(List<Chain.Result> a, List<Chain.Result> b) {
        assertEquals(a.size(), b.size());
        for (int c = 0; c < a.size(); c++) {
            Chain.Result x = a.get(c);
            Chain.Result y = b.get(c);
            assertEquals(x.chain(), y.chain());
            assertArrayEquals(x.iterations(), y.iterations(), "chain " + c);
            assertArrayEquals(x.logLikelihood(), y.logLikelihood(), 0.0, "chain " + c);
            assertArrayEquals(x.nonEmpty(), y.nonEmpty(), "chain " + c);
            assertEquals(x.draws().length, y.draws().length);
            for (int r = 0; r < x.draws().length; r++) {
                assertArrayEquals(x.draws()[r], y.draws()[r], 0.0, "chain " + c + " draw " + r);
            }
            assertEquals(x.last().sweep(), y.last().sweep());
            assertParamsEqual(x.last().params(), y.last().params());
            assertEquals(x.clampedResiduals(), y.clampedResiduals());
            assertEquals(x.acceptance(), y.acceptance());
            assertEquals(x.stepSize(), y.stepSize(), 0.0);
        }
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

    @ParameterizedTest(name = "cpu, {0}")
    @MethodSource("runs")
    void cpuDrawsAreTheSameWithAndWithoutBatches(String name, RunConfig cfg) {
        List<Chain.Result> apart = run(new CpuBackend(2, 64, 1), cfg);
        assertSameChains(apart, run(new CpuBackend(2, 64, 8), cfg));
        assertSameChains(apart, run(new CpuBackend(1, 64, 2), cfg));
    }

    @ParameterizedTest(name = "opencl, {0}")
    @MethodSource("runs")
    void openClDrawsAreTheSameWithAndWithoutBatches(String name, RunConfig cfg) {
        int device = OpenClTesting.deviceIndex();
        List<Chain.Result> apart = run(OpenClBackend.open(device, 128, 1), cfg);
        assertSameChains(apart, run(OpenClBackend.open(device, 128, 8), cfg));
        assertSameChains(apart, run(OpenClBackend.open(device, 128, 2), cfg));
    }

    /** Chains resumed at different sweeps (so their calls are out of step at first) give the same draws too. */
    @Test
    void chainsResumedAtDifferentSweepsMakeTheSameDraws() {
        assertResumedAtDifferentSweeps(perPass -> new CpuBackend(2, 64, perPass));
    }

    @Test
    void openClChainsResumedAtDifferentSweepsMakeTheSameDraws() {
        int device = OpenClTesting.deviceIndex();
        assertResumedAtDifferentSweeps(perPass -> OpenClBackend.open(device, 128, perPass));
    }

    private static void assertResumedAtDifferentSweeps(IntFunction<Backend> backend) {
        RunConfig cfg = new RunConfig(3, 3, 10, 10, 1, 11, Priors.DEFAULT);
        ChainState[] at = new ChainState[cfg.chains()];
        int[] sweeps = {0, 7, 13};
        run(backend.apply(1), cfg, Collections.nCopies(cfg.chains(), null), new Chain.Listener() {
            @Override
            public void sweepDone(int chain, ChainState state) {
                if (state.sweep() == sweeps[chain]) {
                    at[chain] = state;
                }
            }
        });
        List<ChainState> starts = Arrays.asList(at);
        assertSameChains(run(backend.apply(1), cfg, starts, null), run(backend.apply(3), cfg, starts, null));
    }

    /**
     * As ResumableChainTest's test of the same name, with the chains in one batch: chain 2 blocks in its listener
     * at sweep 3 (it makes no kernel calls while it waits), chain 1 goes on without it (each call after the
     * batch's straggler wait) and fails at sweep 5; the sampler stops chain 2 and throws chain 1's exception.
     */
    @Test
    void oneChainFailingStopsTheOthers() {
        RuntimeException boom = new IllegalStateException("chain 1 fails");
        CountDownLatch never = new CountDownLatch(1);
        CountDownLatch chain2Waits = new CountDownLatch(1);
        List<Integer> lastSweepOfChain2 = Collections.synchronizedList(new ArrayList<>());
        Chain.Listener listener = new Chain.Listener() {
            @Override
            public void sweepDone(int chain, ChainState state) {
                if (chain == 1) {
                    lastSweepOfChain2.add(state.sweep());
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
        RunConfig cfg = new RunConfig(3, 2, 20, 30, 3, 42, Priors.DEFAULT);
        RuntimeException thrown = assertThrows(RuntimeException.class,
                () -> run(new CpuBackend(2, 64, 2), cfg, Collections.nCopies(2, null), listener));
        assertSame(boom, thrown);
        assertEquals(3, lastSweepOfChain2.get(lastSweepOfChain2.size() - 1));
    }
}
