package bmoe.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import bmoe.backend.Allocation;
import bmoe.backend.Backend;
import bmoe.backend.GateGradient;
import bmoe.backend.ParamsBlock;
import bmoe.backend.cpu.CpuBackend;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import bmoe.sampler.PriorSampler;
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
}
