package bmoe.bench;

import bmoe.backend.Allocation;
import bmoe.backend.Backend;
import bmoe.backend.ExpertStats;
import bmoe.backend.GateGradient;
import bmoe.backend.GateStats;
import bmoe.backend.ParamsBlock;
import bmoe.backend.cpu.CpuBackend;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import bmoe.rng.Step;
import bmoe.rng.PolyaGamma;
import bmoe.sampler.ExpertUpdate;
import bmoe.sampler.GateMove;
import bmoe.sampler.GateUpdate;
import bmoe.sampler.GibbsSweep;
import bmoe.sampler.Initializer;
import bmoe.sampler.StepSize;
import bmoe.sampler.SweepInfo;
import bmoe.sampler.SweepState;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The two sweeps on the CPU backend, their per-step breakdown, and the memory-bandwidth floor.
 *
 * <pre>
 *   sweepCollapsed   = GibbsSweep.collapsed, the default (--gates mala): 3 passes over the data
 *                   ~= gateGradient + gateGradientProposal + allocate + hostMove
 *   sweepPolyaGamma  = GibbsSweep.polyaGamma (--gates pg): K passes
 *                   ~= allocate + (K-1) * gateStats + hostDraws
 *   pgDraws          = the Polya-Gamma draws alone of one gateStats call (psi precomputed)
 *   readX            = one parallel pass that only reads x and y (the floor for any kernel over the data)
 * </pre>
 *
 * Bytes each pass reads and writes, with p covariates, float32 x and y and one byte per allocation:
 * <pre>
 *   allocate               kernel (a): reads x, y, writes z; sums the experts' statistics   n (4p + 4 + 1)
 *   gateGradient           kernel (b), metric, no reference gates (the move's 1st pass)     n (4p + 4)
 *   gateGradientProposal   kernel (b), metric, reference gates (the move's 2nd pass)        n (4p + 4)
 *   gateGradientNoMetric   kernel (b) without metric or reference: what the metric costs    n (4p + 4)
 *   gateStats              kernel (c) for ONE gate: reads x, z                              n (4p + 1)
 *   readX                  reads x, y                                                       n (4p + 4)
 * </pre>
 *
 * All data are built once per trial ({@link Level#Trial}); every benchmark forks its own JVM, so one
 * benchmark's writes to the allocations never reach another's measurement. The chain is warmed up by
 * {@link Fixture#WARM_SWEEPS} Polya-Gamma sweeps, so both sweeps and every kernel start from the same
 * parameters; the collapsed sweep then keeps the initial step size (the cost of a sweep does not depend on
 * it: the move makes its two passes whether or not the proposal is accepted).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgs = {"-Xmx6g"})
@Warmup(iterations = 3, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
public class SweepBenchmark {

    /** The data, the CPU backend and a pool for the read-only floor pass; no sampler state. */
    @State(Scope.Benchmark)
    public static class Data {
        @Param("1000000")
        public int n;

        Dataset data;
        int threads;
        CpuBackend backend;
        Backend.Resident resident;
        /** A pool of the backend's size for {@link #readX} and {@link #pgDraws}; the backend's pool is private. */
        ForkJoinPool pool;
        int blocks;

        @Setup(Level.Trial)
        public void setUp() {
            data = Fixture.data(n);
            threads = Runtime.getRuntime().availableProcessors();
            backend = new CpuBackend(threads);
            resident = backend.upload(data);
            pool = threads > 1 ? new ForkJoinPool(threads) : null;
            blocks = Math.max(1, (n + CpuBackend.DEFAULT_BLOCK_SIZE - 1) / CpuBackend.DEFAULT_BLOCK_SIZE);
            System.out.println("# bmoe: n = " + n + ", p = " + data.p() + ", " + backend.describe());
        }

        /** Runs body(b) for every block b on the pool, as CpuBackend spreads its kernels. */
        void forEachBlock(IntConsumer body) {
            if (pool == null || blocks == 1) {
                for (int b = 0; b < blocks; b++) {
                    body.accept(b);
                }
                return;
            }
            pool.submit(() -> IntStream.range(0, blocks).parallel().forEach(body)).join();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            backend.close();
            if (pool != null) {
                pool.shutdown();
            }
        }
    }

    /** One chain on {@link Data}: its workspace, a warmed-up state, and precomputed kernel outputs. */
    @State(Scope.Benchmark)
    public static class Chain {
        @Param("4")
        public int experts;

        final RngKey key = new RngKey(Fixture.SEED, 0);
        final Priors priors = Priors.DEFAULT;
        Backend.Workspace ws;
        /** The chain's state; the sweep benchmarks advance it. */
        SweepState state;
        /** Sweep counter of the kernel benchmarks: each call draws from fresh streams. */
        int sweepCounter;
        /** The parameters after warm-up, as the kernels read them. */
        ParamsBlock block;
        /** The same experts at gates near the warmed-up ones, for the move's second pass. */
        ParamsBlock proposal;
        /** Kernel (a), (b) and (c) outputs at the warmed-up state, the inputs of {@link #hostDraws} and {@link #hostMove}. */
        ExpertStats expertStats;
        GateStats[] gateStats;
        GateGradient here;
        GateGradient there;
        /** psi_ik = eta_ik - C_ik for every gate k and row i at the warmed-up parameters, for {@link #pgDraws}. */
        double[][] psi;

        @Setup(Level.Trial)
        public void setUp(Data d) {
            ws = d.backend.workspace(d.resident, experts);
            state = Initializer.initialState(d.data, experts, priors, key);
            SweepInfo info = null;
            for (int s = 0; s < Fixture.WARM_SWEEPS; s++) {
                GibbsSweep.Result r = GibbsSweep.step(Fixture.WARM_METHOD, d.backend, ws, state, key, priors);
                state = r.state();
                info = r.info();
            }
            // leave the workspace as a sweep would find it: allocations drawn at the current parameters
            block = ParamsBlock.of(state.params());
            proposal = block.withGates(Fixture.nearbyGates(block.w()));
            sweepCounter = state.sweep() + 1;
            expertStats = d.backend.allocate(ws, block, key, sweepCounter).stats();
            gateStats = new GateStats[experts - 1];
            for (int k = 0; k < experts - 1; k++) {
                gateStats[k] = d.backend.gateStats(ws, block, k, key, sweepCounter);
            }
            here = d.backend.gateGradient(ws, block, null, true);
            there = d.backend.gateGradient(ws, proposal, block.w(), true);
            psi = psi(d.data, block);
            StringBuilder gates = new StringBuilder();
            for (double[] wk : state.params().w()) {
                double max = 0;
                for (double v : wk) {
                    max = Math.max(max, Math.abs(v));
                }
                gates.append(gates.length() == 0 ? "" : ", ").append(String.format("%.3f", max));
            }
            System.out.println("# bmoe: K = " + experts + ", after " + state.sweep() + " " + Fixture.WARM_METHOD.cliName()
                    + " sweeps: counts " + java.util.Arrays.toString(info.counts()) + ", max |w_k| [" + gates + "]");
        }
    }

    /** psi_ik = eta_ik - log sum_{j != k} exp(eta_ij), as kernel (c) computes it, for all K-1 gates. */
    static double[][] psi(Dataset data, ParamsBlock prm) {
        int experts = prm.experts();
        int n = data.n();
        int d = data.dim();
        double[][] out = new double[experts - 1][n];
        double[] row = new double[d];
        double[] eta = new double[experts];
        for (int i = 0; i < n; i++) {
            data.designRow(i, row);
            for (int k = 0; k < experts - 1; k++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += prm.w()[k * d + j] * row[j];
                }
                eta[k] = s;
            }
            eta[experts - 1] = 0.0;
            for (int g = 0; g < experts - 1; g++) {
                double max = 0.0;
                for (int k = 0; k < experts - 1; k++) {
                    if (k != g) {
                        max = Math.max(max, eta[k]);
                    }
                }
                double sum = 0;
                for (int k = 0; k < experts; k++) {
                    if (k != g) {
                        sum += Math.exp(eta[k] - max);
                    }
                }
                out[g][i] = eta[g] - (max + Math.log(sum));
            }
        }
        return out;
    }

    /**
     * One collapsed sweep (the default): kernel (b) at the gates, the host's MALA move, kernel (b) at the
     * proposal, kernel (a), K host NIG draws. A sweep at n = 1e6 takes a sizeable share of one 2 s iteration, so
     * it gets twice the iterations of the kernels to make its median worth quoting.
     */
    @Benchmark
    @Measurement(iterations = 10, time = 2, timeUnit = TimeUnit.SECONDS)
    public SweepInfo sweepCollapsed(Data d, Chain c) {
        GibbsSweep.Result r = GibbsSweep.collapsed(d.backend, c.ws, c.state, c.key, c.priors);
        c.state = r.state();
        return r.info();
    }

    /**
     * One Polya-Gamma sweep: kernel (a), K host NIG draws, then K-1 times kernel (c) and a gate draw. A sweep
     * at n = 1e6 takes about as long as one 2 s iteration, hence the extra iterations.
     */
    @Benchmark
    @Measurement(iterations = 10, time = 2, timeUnit = TimeUnit.SECONDS)
    public SweepInfo sweepPolyaGamma(Data d, Chain c) {
        GibbsSweep.Result r = GibbsSweep.polyaGamma(d.backend, c.ws, c.state, c.key, c.priors);
        c.state = r.state();
        return r.info();
    }

    /**
     * Kernel (a): gate probabilities, expert likelihoods, the allocation draw for every row and, in the same
     * pass, the experts' sufficient statistics of the new allocations (one pass in both sweeps).
     */
    @Benchmark
    public Allocation allocate(Data d, Chain c) {
        return d.backend.allocate(c.ws, c.block, c.key, ++c.sweepCounter);
    }

    /** Kernel (b) as the gate move's first pass: log-likelihood, gradient and Fisher metric at the gates. */
    @Benchmark
    public GateGradient gateGradient(Data d, Chain c) {
        return d.backend.gateGradient(c.ws, c.block, null, true);
    }

    /**
     * Kernel (b) as the gate move's second pass: at the proposed gates, with the current ones as reference
     * gates (so every row also evaluates its log-likelihood at those), metric included.
     */
    @Benchmark
    public GateGradient gateGradientProposal(Data d, Chain c) {
        return d.backend.gateGradient(c.ws, c.proposal, c.block.w(), true);
    }

    /** Kernel (b) with neither metric nor reference gates: gateGradient minus this is what the metric costs. */
    @Benchmark
    public GateGradient gateGradientNoMetric(Data d, Chain c) {
        return d.backend.gateGradient(c.ws, c.block, null, false);
    }

    /**
     * Kernel (c) for ONE gate (K-1 of these run per sweep): offsets, one Polya-Gamma draw per row, the
     * weighted sums. The gate cycles through 0..K-2 from call to call, so the score is their average.
     */
    @Benchmark
    public GateStats gateStats(Data d, Chain c) {
        int sweep = ++c.sweepCounter;
        return d.backend.gateStats(c.ws, c.block, sweep % (c.experts - 1), c.key, sweep);
    }

    /**
     * Only the Polya-Gamma draws of kernel (c) for ONE gate: n draws omega_i ~ PG(1, psi_i) from the same
     * streams, with psi precomputed, blocked and threaded as the backend does; no offsets, no sums. The gate
     * cycles as in {@link #gateStats}. gateStats - pgDraws is the rest of kernel (c).
     */
    @Benchmark
    public double pgDraws(Data d, Chain c) {
        int sweep = ++c.sweepCounter;
        int gate = sweep % (c.experts - 1);
        double[] psi = c.psi[gate];
        int step = Step.pg(gate);
        int n = d.n;
        int bs = CpuBackend.DEFAULT_BLOCK_SIZE;
        double[] partial = new double[d.blocks];
        IntConsumer body = b -> {
            int from = b * bs;
            int to = (int) Math.min((long) (b + 1) * bs, n);
            RngStream rng = new RngStream(c.key);
            double s = 0;
            for (int i = from; i < to; i++) {
                s += PolyaGamma.draw(rng.reset(i, sweep, step), psi[i]);
            }
            partial[b] = s;
        };
        d.forEachBlock(body);
        double total = 0;
        for (double v : partial) {
            total += v;
        }
        return total;
    }

    /**
     * The Polya-Gamma sweep's host work from precomputed sums: K normal-inverse-gamma posteriors and draws,
     * K-1 gate draws, and the parameter blocks sent to the kernels (1 + (K-1) of them).
     */
    @Benchmark
    public Params hostDraws(Chain c, Blackhole bh) {
        int sweep = ++c.sweepCounter;
        Params params = c.state.params();
        bh.consume(ParamsBlock.of(params));
        ExpertStats stats = c.expertStats;
        for (int k = 0; k < c.experts; k++) {
            ExpertUpdate.Posterior post = ExpertUpdate.posterior(stats.count(k), stats.gram(k),
                    stats.crossProduct(k), stats.sumSquares(k), c.priors);
            ExpertUpdate.Draw draw = ExpertUpdate.draw(post, c.key.stream(k, sweep, Step.EXPERT));
            params = params.withExpert(k, draw.beta(), draw.s2());
        }
        for (int k = 0; k < c.experts - 1; k++) {
            bh.consume(ParamsBlock.of(params));
            GateStats g = c.gateStats[k];
            double[] wk = GateUpdate.draw(g.weightedGram(), g.weightedResponse(), c.priors,
                    c.key.stream(0, sweep, Step.gate(k)));
            params = params.withGate(k, wk);
        }
        return params;
    }

    /**
     * The collapsed sweep's host work from precomputed kernel (a) and (b) sums: the MALA move (prior terms,
     * two Cholesky factorisations of the (K-1) d square metric, the proposal draw, the acceptance ratio), K
     * normal-inverse-gamma posteriors and draws, and the parameter blocks sent to the kernels (3 of them).
     * The second pass's sums are those at {@link Chain#proposal}, whatever the move proposes: the host's
     * arithmetic does not depend on the values.
     */
    @Benchmark
    public Params hostMove(Chain c, Blackhole bh) {
        int sweep = ++c.sweepCounter;
        Params params = c.state.params();
        ParamsBlock block = ParamsBlock.of(params);
        GateMove.Result move = GateMove.step(block.w(), c.here, StepSize.INITIAL, c.priors, proposal -> {
            bh.consume(block.withGates(proposal));
            return c.there;
        }, c.key.stream(0, sweep, Step.GATE_MOVE));
        bh.consume(block.withGates(move.gates()));
        params = params.withGates(move.gates());
        ExpertStats stats = c.expertStats;
        for (int k = 0; k < c.experts; k++) {
            ExpertUpdate.Posterior post = ExpertUpdate.posterior(stats.count(k), stats.gram(k),
                    stats.crossProduct(k), stats.sumSquares(k), c.priors);
            ExpertUpdate.Draw draw = ExpertUpdate.draw(post, c.key.stream(k, sweep, Step.EXPERT));
            params = params.withExpert(k, draw.beta(), draw.s2());
        }
        return params;
    }

    /**
     * The floor: one pass that only reads x (n x p floats) and y (n floats), blocked exactly as the CPU
     * backend blocks its kernels and spread over the same number of threads, each block summed with four
     * independent accumulators so the pass is bound by memory, not by the latency of one add chain.
     */
    @Benchmark
    public double readX(Data d) {
        float[] x = d.data.x();
        float[] y = d.data.y();
        int p = d.data.p();
        int n = d.n;
        int bs = CpuBackend.DEFAULT_BLOCK_SIZE;
        double[] partial = new double[d.blocks];
        IntConsumer body = b -> {
            int from = b * bs;
            int to = (int) Math.min((long) (b + 1) * bs, n);
            partial[b] = sum(x, from * p, to * p) + sum(y, from, to);
        };
        d.forEachBlock(body);
        double total = 0;
        for (double v : partial) {
            total += v;
        }
        return total;
    }

    private static double sum(float[] a, int from, int to) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = from;
        for (; i + 3 < to; i += 4) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }
        for (; i < to; i++) {
            s0 += a[i];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
