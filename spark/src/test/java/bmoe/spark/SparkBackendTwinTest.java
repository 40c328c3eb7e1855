package bmoe.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.backend.Allocation;
import bmoe.backend.Backend;
import bmoe.backend.GateGradient;
import bmoe.backend.GateStats;
import bmoe.backend.ParamsBlock;
import bmoe.backend.cpu.CpuBackend;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import bmoe.sampler.PriorSampler;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The spark backend against the CPU backend, its oracle, with the same block size: every kernel's sums
 * bit for bit (the CPU backend itself is checked against MODEL.md's formulas by the main project's
 * BackendContractTest, so this carries the contract over), and the allocations, on the contract test's awkward
 * shapes: n = 1, n just off a multiple of the block size, K = 1 (no gates), p = 0 (intercept only), K = 8, with one
 * block a partition and with several (a partition's last block short, a partition short of blocks).
 * Kernel (c) reads the allocations of the last kernel (a) call: kept beside each block, or drawn again when a
 * block has lost them (as one rebuilt on another executor has); both give the CPU's sums.
 */
class SparkBackendTwinTest {
    static final int BLOCK = 64;
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkTesting.context();
    }

    /** (n, p, K, blocks per partition). */
    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(1, 1, 2, 1),
                Arguments.of(BLOCK + 1, 2, 3, 1),
                Arguments.of(3 * BLOCK - 1, 7, 4, 1),
                Arguments.of(153, 0, 3, 1),
                Arguments.of(100, 3, 1, 1),
                Arguments.of(257, 1, 8, 1),
                Arguments.of(1, 1, 2, 3),
                Arguments.of(3 * BLOCK - 1, 7, 4, 2),
                Arguments.of(5 * BLOCK + 1, 2, 3, 3),
                Arguments.of(257, 1, 8, 4));
    }

    /** Data on awkward scales (x in [-2, 2], y in [-3, 3]), as BackendContractTest's. */
    static Dataset data(int n, int p, long seed) {
        RngStream rng = new RngKey(seed, 0).stream(0, 0, 0);
        float[] x = new float[n * p];
        float[] y = new float[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (4 * rng.uniform() - 2);
        }
        for (int i = 0; i < n; i++) {
            y[i] = (float) (6 * rng.uniform() - 3);
        }
        return Dataset.standardizedView(x, y, p);
    }

    static Params params(int experts, int d, long seed) {
        return PriorSampler.draw(new Priors(1.5, 1.0, 3.0, 2.0), experts, d, new RngKey(seed, 9).stream(0, 0, 0));
    }

    private static double[] flat(Allocation a) {
        double[] s = a.stats().flat();
        double[] out = new double[1 + s.length];
        out[0] = a.logLikelihood();
        System.arraycopy(s, 0, out, 1, s.length);
        return out;
    }

    @ParameterizedTest(name = "n = {0}, p = {1}, K = {2}, {3} blocks a partition")
    @MethodSource("shapes")
    void everyKernelIsBitIdenticalToTheCpuBackend(int n, int p, int experts, int perPartition) {
        Dataset data = data(n, p, 1 + n);
        Params theta = params(experts, p + 1, 2 + n);
        Params other = params(experts, p + 1, 3 + n);
        ParamsBlock block = ParamsBlock.of(theta);
        ParamsBlock ref = ParamsBlock.of(other);
        RngKey key = new RngKey(10, 2);
        try (Backend cpu = new CpuBackend(2, BLOCK); SparkBackend spark = new SparkBackend(sc, BLOCK, perPartition)) {
            Backend.Resident cpuData = cpu.upload(data);
            Backend.Resident sparkData = spark.upload(data);
            Backend.Workspace c = cpu.workspace(cpuData, experts);
            Backend.Workspace s = spark.workspace(sparkData, experts);
            int blocks = (n + BLOCK - 1) / BLOCK;
            assertEquals((blocks + perPartition - 1) / perPartition, ((SparkBackend.Data) sparkData).partitions(),
                    "partitions");
            // before any allocation both hold z = 0
            assertArrayEquals(cpu.allocations(c), spark.allocations(s), "initial z");
            for (int sweep = 1; sweep <= 2; sweep++) {
                assertArrayEquals(flat(cpu.allocate(c, block, key, sweep)), flat(spark.allocate(s, block, key, sweep)),
                        "kernel (a), sweep " + sweep);
                assertArrayEquals(cpu.allocations(c), spark.allocations(s), "z, sweep " + sweep);
                for (int gate = 0; gate < experts - 1; gate++) {
                    assertArrayEquals(cpu.gateStats(c, block, gate, key, sweep).flat(),
                            spark.gateStats(s, block, gate, key, sweep).flat(), "kernel (c), gate " + gate);
                }
            }
            spark.forgetAllocations(sparkData);
            for (int gate = 0; gate < experts - 1; gate++) {
                assertArrayEquals(cpu.gateStats(c, ref, gate, key, 2).flat(), spark.gateStats(s, ref, gate, key, 2).flat(),
                        "kernel (c) on z drawn again, gate " + gate);
            }
            spark.forgetAllocations(sparkData);
            assertArrayEquals(cpu.allocations(c), spark.allocations(s), "z drawn again");
            for (boolean metric : new boolean[] {true, false}) {
                GateGradient g = cpu.gateGradient(c, block, ref.w(), metric);
                assertArrayEquals(g.flat(), spark.gateGradient(s, block, ref.w(), metric).flat(),
                        "kernel (b), metric " + metric);
                assertArrayEquals(cpu.gateGradient(c, block, null, metric).flat(),
                        spark.gateGradient(s, block, null, metric).flat(), "kernel (b) without reference, metric " + metric);
            }
        }
    }

    /** Two workspaces on one upload keep their own allocations (two chains on the same cached blocks). */
    @Test
    void workspacesKeepTheirOwnAllocations() {
        Dataset data = data(300, 2, 5);
        ParamsBlock a = ParamsBlock.of(params(3, 3, 6));
        ParamsBlock b = ParamsBlock.of(params(3, 3, 7));
        try (Backend cpu = new CpuBackend(1, BLOCK); SparkBackend spark = new SparkBackend(sc, BLOCK)) {
            Backend.Resident cd = cpu.upload(data);
            Backend.Resident sd = spark.upload(data);
            Backend.Workspace c1 = cpu.workspace(cd, 3);
            Backend.Workspace c2 = cpu.workspace(cd, 3);
            Backend.Workspace s1 = spark.workspace(sd, 3);
            Backend.Workspace s2 = spark.workspace(sd, 3);
            cpu.allocate(c1, a, new RngKey(1, 0), 1);
            cpu.allocate(c2, b, new RngKey(1, 1), 1);
            spark.allocate(s1, a, new RngKey(1, 0), 1);
            spark.allocate(s2, b, new RngKey(1, 1), 1);
            assertArrayEquals(cpu.allocations(c1), spark.allocations(s1));
            assertArrayEquals(cpu.allocations(c2), spark.allocations(s2));
            assertArrayEquals(cpu.gateStats(c1, a, 1, new RngKey(1, 0), 1).flat(),
                    spark.gateStats(s1, a, 1, new RngKey(1, 0), 1).flat());
            s2.close();
            assertArrayEquals(cpu.allocations(c2), spark.allocations(s2), "a closed workspace's z are drawn again");
        }
    }

    /**
     * Several chains' calls in one job (allocateAll, gateStatsAll, gateGradientAll: what ChainBatch issues with
     * --chains-per-pass): each chain's sums and z bit-identical to the CPU backend's call of that chain alone,
     * chains of different K (1 among them: no gates) in one job, with one block a partition and with several, and
     * one job per batched call.
     */
    @ParameterizedTest(name = "{0} blocks a partition")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2})
    void chainsInOneJobGetTheSumsOfTheirOwnCalls(int perPartition) {
        int n = 3 * BLOCK + 5;
        int p = 2;
        Dataset data = data(n, p, 31);
        int[] ks = {3, 3, 1, 2, 4};
        int chains = ks.length;
        ParamsBlock[] params = new ParamsBlock[chains];
        RngKey[] keys = new RngKey[chains];
        for (int c = 0; c < chains; c++) {
            params[c] = ParamsBlock.of(params(ks[c], p + 1, 40 + c));
            keys[c] = new RngKey(32, c);
        }
        try (Backend cpu = new CpuBackend(2, BLOCK, 1); SparkBackend spark = new SparkBackend(sc, BLOCK, perPartition, 4)) {
            assertEquals(4, spark.chainsPerPass());
            Backend.Resident cd = cpu.upload(data);
            Backend.Resident sd = spark.upload(data, chains);
            Backend.Workspace[] one = new Backend.Workspace[chains];
            Backend.Workspace[] all = new Backend.Workspace[chains];
            for (int c = 0; c < chains; c++) {
                one[c] = cpu.workspace(cd, ks[c]);
                all[c] = spark.workspace(sd, ks[c]);
            }
            for (int sweep = 1; sweep <= 2; sweep++) {
                List<Backend.AllocateCall> allocate = new ArrayList<>();
                for (int c = 0; c < chains; c++) {
                    allocate.add(new Backend.AllocateCall(all[c], params[c], keys[c], sweep + c));
                }
                long jobs = spark.jobs();
                List<Backend.Outcome<Allocation>> a = spark.allocateAll(allocate);
                assertEquals(jobs + 1, spark.jobs(), "one job for every chain's kernel (a)");
                for (int c = 0; c < chains; c++) {
                    assertArrayEquals(flat(cpu.allocate(one[c], params[c], keys[c], sweep + c)), flat(a.get(c).get()),
                            "kernel (a) of chain " + c + ", sweep " + sweep);
                    assertArrayEquals(cpu.allocations(one[c]), spark.allocations(all[c]), "z of chain " + c);
                }
                List<Backend.GateStatsCall> stats = new ArrayList<>();
                List<Integer> withGates = new ArrayList<>();
                for (int c = 0; c < chains; c++) {
                    if (ks[c] > 1) {
                        stats.add(new Backend.GateStatsCall(all[c], params[c], c % (ks[c] - 1), keys[c], sweep + c));
                        withGates.add(c);
                    }
                }
                if (sweep == 2) {
                    spark.forgetAllocations(sd); // kernel (c) then draws each chain's z again, in the same job
                }
                List<Backend.Outcome<GateStats>> g = spark.gateStatsAll(stats);
                for (int i = 0; i < withGates.size(); i++) {
                    int c = withGates.get(i);
                    assertArrayEquals(cpu.gateStats(one[c], params[c], c % (ks[c] - 1), keys[c], sweep + c).flat(),
                            g.get(i).get().flat(), "kernel (c) of chain " + c + ", sweep " + sweep);
                }
            }
            for (boolean metric : new boolean[] {true, false}) {
                List<Backend.GradientCall> gradient = new ArrayList<>();
                double[][] refs = new double[chains][];
                for (int c = 0; c < chains; c++) {
                    refs[c] = c % 2 == 0 ? null : ParamsBlock.of(params(ks[c], p + 1, 60 + c)).w();
                    gradient.add(new Backend.GradientCall(all[c], params[c], refs[c], metric));
                }
                List<Backend.Outcome<GateGradient>> b = spark.gateGradientAll(gradient);
                for (int c = 0; c < chains; c++) {
                    assertArrayEquals(cpu.gateGradient(one[c], params[c], refs[c], metric).flat(), b.get(c).get().flat(),
                            "kernel (b) of chain " + c + ", metric " + metric);
                }
            }
        }
    }

    /** A chain whose Polya-Gamma argument is not finite fails alone, with the kernel's own exception. */
    @Test
    void aFailingChainInAJobFailsAlone() {
        Dataset data = data(2 * BLOCK, 1, 33);
        Params fine = params(2, 2, 34);
        Params overflowing = new Params(new double[][] {{0.0, Double.MAX_VALUE}}, fine.beta(), fine.s2());
        RngKey key = new RngKey(35, 0);
        try (Backend cpu = new CpuBackend(1, BLOCK); SparkBackend spark = new SparkBackend(sc, BLOCK, 1, 2)) {
            Backend.Resident cd = cpu.upload(data);
            Backend.Resident sd = spark.upload(data, 2);
            Backend.Workspace c = cpu.workspace(cd, 2);
            Backend.Workspace a = spark.workspace(sd, 2);
            Backend.Workspace b = spark.workspace(sd, 2);
            cpu.allocate(c, ParamsBlock.of(fine), key, 1);
            spark.allocateAll(List.of(new Backend.AllocateCall(a, ParamsBlock.of(fine), key, 1),
                    new Backend.AllocateCall(b, ParamsBlock.of(fine), key, 1)));
            List<Backend.Outcome<GateStats>> out = spark.gateStatsAll(List.of(
                    new Backend.GateStatsCall(a, ParamsBlock.of(overflowing), 0, key, 1),
                    new Backend.GateStatsCall(b, ParamsBlock.of(fine), 0, key, 1)));
            assertTrue(out.get(0).failure() instanceof IllegalStateException, String.valueOf(out.get(0)));
            assertTrue(out.get(0).failure().getMessage().contains("Polya-Gamma argument is not finite"),
                    out.get(0).failure().getMessage());
            assertNull(out.get(1).failure());
            assertArrayEquals(cpu.gateStats(c, ParamsBlock.of(fine), 0, key, 1).flat(), out.get(1).get().flat());
        }
    }
}
