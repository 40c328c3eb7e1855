package bmoe.bench;

import bmoe.backend.Backend;
import bmoe.backend.ChainBatch;
import bmoe.backend.cpu.CpuBackend;
import bmoe.backend.cuda.CudaBackend;
import bmoe.backend.opencl.OpenClBackend;
import bmoe.backend.opencl.OpenClDevices;
import bmoe.model.Dataset;
import bmoe.model.Priors;
import bmoe.rng.RngKey;
import bmoe.sampler.GateMethod;
import bmoe.sampler.GibbsSweep;
import bmoe.sampler.SweepState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Several chains per pass over the data: one op is one sweep of each of {@code chains} chains, each in its own
 * thread as {@code Sampler} runs them, so the score divided by {@code chains} is the time per chain and sweep.
 *
 * <pre>
 *   mode = pass    the chains' calls go through one ChainBatch: each round's calls of one kernel are one pass
 *                  over the data (one launch on a device), backend opened with chainsPerPass = chains
 *   mode = apart   the same chains side by side, each kernel call a pass of its own (chainsPerPass = 1): what
 *                  the sampler did before, the baseline; at chains = 1 both are one chain alone
 * </pre>
 *
 * <p>The sweep is the default sweep as a fit makes it after warm-up: gates by MALA with the metric frozen
 * ({@code --gate-metric frozen}) and K - 1 moves per sweep ({@code --gate-moves auto}), so K + 1 passes: K of
 * kernel (b) without the metric, then kernel (a). With {@code gates = pg} the Polya-Gamma sweep (kernel (a), then
 * K - 1 of kernel (c)). Every chain starts from the state {@link Fixture#warmState} reaches (the metric frozen at
 * its gates), each on its own key.
 *
 * <p>Parameters: {@code backend} (cpu, opencl, cuda), {@code chains}, {@code mode}, {@code n}, {@code experts},
 * {@code gates}; p = 7. The OpenCL device is {@code -Dbmoe.device=N} or the first GPU with fp64, else device 0, as
 * in {@link BackendBenchmark}. bench/run-chains.sh runs it and bench/summarize_chains.py makes the table.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g"})
@Warmup(iterations = 2, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
public class ChainsBenchmark {

    @State(Scope.Benchmark)
    public static class Run {
        @Param({"cpu", "opencl"})
        public String backend;

        @Param({"1", "2", "4", "8"})
        public int chains;

        @Param({"pass", "apart"})
        public String mode;

        @Param({"100000"})
        public int n;

        @Param({"8"})
        public int experts;

        @Param({"mala"})
        public String gates;

        final Priors priors = Priors.DEFAULT;
        Backend opened;
        Backend calls;
        GateMethod method;
        int moves;
        ExecutorService[] threads;
        Backend.Workspace[] ws;
        SweepState[] states;
        RngKey[] keys;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            boolean pass = switch (mode) {
                case "pass" -> true;
                case "apart" -> false;
                default -> throw new IllegalArgumentException("mode must be pass or apart, got " + mode);
            };
            method = switch (gates) {
                case "mala" -> GateMethod.MALA;
                case "pg" -> GateMethod.PG;
                default -> throw new IllegalArgumentException("gates must be mala or pg, got " + gates);
            };
            moves = experts - 1;
            opened = open(backend, pass ? chains : 1);
            calls = pass && chains > 1 ? new ChainBatch(opened) : opened;
            RngKey first = new RngKey(Fixture.SEED, 0);
            SweepState warm = Fixture.warmState(opened, experts, first, priors);
            if (method == GateMethod.MALA) {
                warm = freezeMetric(opened, warm, first);
            }
            Dataset data = Fixture.data(n);
            Backend.Resident resident = pass ? calls.upload(data, chains) : calls.upload(data);
            threads = new ExecutorService[chains];
            ws = new Backend.Workspace[chains];
            states = new SweepState[chains];
            keys = new RngKey[chains];
            for (int c = 0; c < chains; c++) {
                threads[c] = Executors.newSingleThreadExecutor();
                // a chain takes part in the batch's rounds from the thread that opened its workspace
                ws[c] = threads[c].submit(() -> calls.workspace(resident, experts)).get();
                states[c] = warm;
                keys[c] = new RngKey(Fixture.SEED, c);
            }
            System.out.println("# bmoe: " + chains + " chains, " + mode + ", n = " + n + ", p = " + data.p() + ", K = "
                    + experts + ", " + gates + ", " + opened.describe());
        }

        /** The Fisher metric at the warmed-up gates, frozen there, as a chain does half way through warm-up. */
        private SweepState freezeMetric(Backend b, SweepState state, RngKey key) {
            Dataset warmRows = Fixture.data(Fixture.WARM_ROWS);
            try (Backend.Resident r = b.upload(warmRows); Backend.Workspace w = b.workspace(r, experts)) {
                GibbsSweep.Result step = GibbsSweep.step(GateMethod.MALA, 1, b, w, state, key, priors);
                return state.withFrozenMetric(step.info().gateMetric());
            }
        }

        static Backend open(String name, int perPass) {
            String chosen = System.getProperty("bmoe.device");
            return switch (name) {
                case "cpu" -> new CpuBackend(Runtime.getRuntime().availableProcessors(), CpuBackend.DEFAULT_BLOCK_SIZE,
                        perPass);
                case "opencl" -> OpenClBackend.open(chosen != null ? Integer.parseInt(chosen.strip())
                        : OpenClBackend.firstGpu().map(OpenClDevices.Device::index).orElse(0),
                        OpenClBackend.DEFAULT_CHUNK, perPass);
                case "cuda" -> CudaBackend.open(chosen != null ? Integer.parseInt(chosen.strip()) : 0,
                        CudaBackend.DEFAULT_CHUNK, perPass);
                default -> throw new IllegalArgumentException("backend must be cpu, opencl or cuda, got " + name);
            };
        }

        /** One sweep of every chain, each in its thread; returns when all are done. */
        void sweepAll() throws InterruptedException, ExecutionException {
            List<Future<SweepState>> done = new ArrayList<>(chains);
            for (int c = 0; c < chains; c++) {
                int chain = c;
                done.add(threads[c].submit(() -> GibbsSweep.step(method, moves, calls, ws[chain], states[chain],
                        keys[chain], priors).state()));
            }
            for (int c = 0; c < chains; c++) {
                states[c] = done.get(c).get();
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            for (int c = 0; c < chains; c++) {
                int chain = c;
                threads[c].submit(() -> ws[chain].close()).get();
                threads[c].shutdown();
            }
            opened.close();
        }
    }

    /** One sweep of each chain (the score / chains is the time per chain and sweep). */
    @Benchmark
    public SweepState sweep(Run r) throws InterruptedException, ExecutionException {
        r.sweepAll();
        return r.states[0];
    }
}
