package bmoe.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.backend.cpu.CpuBackend;
import bmoe.backend.cpu.CpuKernels;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.Philox4x32;
import bmoe.rng.PolyaGamma;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import bmoe.rng.Step;
import bmoe.sampler.GibbsSweep;
import bmoe.sampler.Initializer;
import bmoe.sampler.SweepState;
import bmoe.sim.Preset;
import bmoe.sim.Simulator;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.numbers.gamma.Erfcx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A GPU backend's twin test, written once for every such backend: the device functions against their Java twins
 * value by value (Philox words, Polya-Gamma draws, erfcx, through the probe kernels of src/test/kernels/probes.cl),
 * kernels (a) and (b) against the CPU backend on awkward shapes, and whole chains of both sweeps on the device
 * against the same chains on the CPU. A subclass opens its backend and runs the probes; how a test skips without a
 * device is its backend's testing helper's rule.
 */
public abstract class DeviceTwinTest {
    /** The backend's name in messages ("OpenCL", "CUDA"). */
    protected abstract String name();

    /** The device backend under test with {@code blockSize} rows per work group. */
    protected abstract Backend device(int blockSize);

    /** The philoxProbe kernel over n work-items: Philox4x32-10 block (i, sweep, step, 7) under key (k0, k1), 4 words each. */
    protected abstract int[] philoxProbe(int n, int k0, int k1, int sweep, int step);

    /** The pgProbe kernel: PG(1, c_i) from stream (i, sweep, step) under key (k0, k1). */
    protected abstract double[] pgProbe(double[] c, int k0, int k1, int sweep, int step);

    /** The erfcxProbe kernel: erfcx(x_i). */
    protected abstract double[] erfcxProbe(double[] x);

    /** Rows per work group in the kernel twins: not a multiple of LOCAL = 64, so work-items get 1 or 2 rows. */
    static final int CHUNK = 100;
    /**
     * Kernel sums against the CPU's, per component, relative to the sum of the terms' magnitudes: the two add
     * the same per-row terms (equal up to the device's exp and log, a few ulps) in another order, which moves a
     * sum of n terms by at most about n 1e-16 of that magnitude (n &lt;= 301 here).
     */
    static final double TERM_TOL = 1e-12;

    @Test
    void philoxWordsAreTheSameOnTheDevice() {
        int n = 4096;
        int[] device = philoxProbe(n, 0x89ABCDEF, 3, 17, Step.ALLOCATE);
        int[] words = new int[4];
        for (int i = 0; i < n; i++) {
            Philox4x32.block(i, 17, Step.ALLOCATE, 7, 0x89ABCDEF, 3, words);
            for (int j = 0; j < 4; j++) {
                assertEquals(words[j], device[4 * i + j], "block " + i + " word " + j);
            }
        }
    }

    /**
     * PG(1, c) draws from the same streams over c from 0 to 2000 in both signs, every branch of the sampler
     * included (both proposals, both inverse-Gaussian regimes, erfcx's two formulas). A draw may differ only
     * where an accept/reject comparison falls within rounding of its threshold; at double precision that
     * has probability ~1e-15 per comparison, so over 2e5 draws the count must be 0 and the rest agree to
     * rounding (1e-12 relative).
     */
    @Test
    void polyaGammaDrawsMatchTheJavaSampler() {
        int n = 200_000;
        double[] c = new double[n];
        RngStream rng = new RngKey(5, 0).stream(0, 0, 0);
        for (int i = 0; i < n; i++) {
            double magnitude = i % 10 == 0 ? 0.0 : Math.exp(rng.uniform() * Math.log(2001.0)) - 1.0;
            c[i] = rng.uniform() < 0.5 ? -magnitude : magnitude;
        }
        RngKey key = new RngKey(77, 2);
        int sweep = 9;
        int step = Step.pg(1);
        double[] device = pgProbe(c, key.k0(), key.k1(), sweep, step);
        int mismatches = 0;
        for (int i = 0; i < n; i++) {
            double expected = PolyaGamma.draw(key.stream(i, sweep, step), c[i]);
            if (Math.abs(device[i] - expected) > 1e-12 * expected) {
                mismatches++;
            }
        }
        assertEquals(0, mismatches, "PG draws that differ between the device and Java");
    }

    /** The hand-written erfcx of polya_gamma.clh under the device's erfc and exp, against commons-numbers' on [0, 60], both formulas. */
    @Test
    void erfcxMatchesCommonsNumbers() {
        int n = 6001;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i * 0.01;
        }
        double[] device = erfcxProbe(x);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            worst = Math.max(worst, Math.abs(device[i] / Erfcx.value(x[i]) - 1.0));
        }
        // Boost's and the device's erfc are good to a few ulps; the split exp(x^2) keeps it there
        assertTrue(worst < 1e-13, "largest relative error " + worst);
    }

    /**
     * The criterion for "same seed, same draws": one chain on each backend from the same state and
     * key, allocations compared after every sweep. Sums are added in another order on the device, so the
     * parameters differ in their last bits; an allocation may then differ only where its uniform falls within
     * rounding of a boundary. The measured rate must stay below 1e-5 (here 0 in 4e5 draws).
     */
    @Test
    void aWholeChainOnTheDeviceMakesTheSameAllocationsAsOnTheCpu() {
        int n = 2000;
        int experts = 3;
        int sweeps = 200;
        Simulator.Sample s = Simulator.simulate(Preset.PLANES3.truth(), -1, 1, n, 4);
        Dataset data = Dataset.fromColumns(s.xColumns(), s.y(), List.of("x1", "x2"), "y", true);
        RngKey key = new RngKey(2024, 0);
        SweepState start = Initializer.initialState(data, experts, Priors.DEFAULT, key);
        long differing = 0;
        Params cpuLast;
        Params deviceLast;
        try (Backend cpu = new CpuBackend(2, 256); Backend device = device(256)) {
            Backend.Workspace cpuWs = cpu.workspace(cpu.upload(data), experts);
            Backend.Workspace deviceWs = device.workspace(device.upload(data), experts);
            SweepState a = start;
            SweepState b = start;
            for (int t = 0; t < sweeps; t++) {
                a = GibbsSweep.polyaGamma(cpu, cpuWs, a, key, Priors.DEFAULT).state();
                b = GibbsSweep.polyaGamma(device, deviceWs, b, key, Priors.DEFAULT).state();
                byte[] za = cpu.allocations(cpuWs);
                byte[] zb = device.allocations(deviceWs);
                for (int i = 0; i < n; i++) {
                    differing += za[i] != zb[i] ? 1 : 0;
                }
            }
            cpuLast = a.params();
            deviceLast = b.params();
        }
        double rate = differing / ((double) n * sweeps);
        System.out.printf("%s vs CPU over %d sweeps: %d of %d allocations differ%n", name(), sweeps, differing,
                n * sweeps);
        assertTrue(rate < 1e-5, "allocations differ at rate " + rate + " (" + differing + " of " + n * sweeps + ")");
        for (int k = 0; k < experts; k++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(cpuLast.beta()[k][j], deviceLast.beta()[k][j], 1e-9 * (1 + Math.abs(cpuLast.beta()[k][j])),
                        "beta after " + sweeps + " sweeps");
            }
        }
    }

    /** (n, p, K): n = 1, n = CHUNK - 1, CHUNK, CHUNK + 1 and several chunks; p = 0, 1, 3, 7; K = 1..4. */
    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(1, 1, 2),
                Arguments.of(CHUNK - 1, 0, 3),
                Arguments.of(CHUNK, 1, 2),
                Arguments.of(CHUNK + 1, 3, 4),
                Arguments.of(2 * CHUNK + 50, 3, 3),
                Arguments.of(3 * CHUNK + 1, 7, 4),
                Arguments.of(50, 2, 1));
    }

    /**
     * Kernel (b) on the device against the CPU backend, with and without reference gates and metric. The
     * largest shape has D = 24 free gate coefficients, so 326 sums per work-item and 11 passes of group_sum.
     */
    @ParameterizedTest(name = "n = {0}, p = {1}, K = {2}")
    @MethodSource("shapes")
    void gateGradientMatchesTheCpuBackend(int n, int p, int experts) {
        Dataset data = BackendContractTest.data(n, p, 21);
        ParamsBlock block = ParamsBlock.of(BackendContractTest.params(experts, p + 1, 22));
        double[] reference = block.w().clone();
        RngStream jitter = new RngKey(23, 0).stream(0, 0, 0);
        for (int j = 0; j < reference.length; j++) {
            reference[j] += 0.2 * (jitter.uniform() - 0.5);
        }
        double worst = 0;
        try (Backend cpu = new CpuBackend(2, CHUNK); Backend device = device(CHUNK)) {
            Backend.Workspace cpuWs = cpu.workspace(cpu.upload(data), experts);
            Backend.Workspace deviceWs = device.workspace(device.upload(data), experts);
            for (double[] ref : Arrays.asList(null, reference)) {
                for (boolean metric : new boolean[] {false, true}) {
                    String what = (ref == null ? "without" : "with") + " reference, "
                            + (metric ? "with" : "without") + " metric";
                    GateGradient expected = cpu.gateGradient(cpuWs, block, ref, metric);
                    GateGradient actual = device.gateGradient(deviceWs, block, ref, metric);
                    assertEquals(expected.flat().length, actual.flat().length, what + ": size");
                    assertEquals(metric, actual.hasMetric(), what);
                    double[] magnitude = new double[expected.flat().length];
                    double[] row = new double[magnitude.length];
                    for (int i = 0; i < n; i++) {
                        Arrays.fill(row, 0.0);
                        CpuKernels.gateGradient(data.x(), data.y(), p, i, i + 1, block, ref, metric, row);
                        for (int j = 0; j < row.length; j++) {
                            magnitude[j] += Math.abs(row[j]);
                        }
                    }
                    worst = Math.max(worst, assertTermsClose(expected.flat(), actual.flat(), magnitude, what));
                    if (ref == null) {
                        assertEquals(0.0, actual.logLikelihoodDiff(), 0.0, what + ": logLikDiff");
                    }
                }
            }
        }
        System.out.printf("gateGradient n = %d, p = %d, K = %d: largest |device - cpu| / sum |terms| = %.2e%n",
                n, p, experts, worst);
    }

    /**
     * Kernel (a), fused: the same allocations as the CPU backend and the same statistics of them, in one launch.
     * An allocation may differ only where its uniform falls within rounding of a boundary (~1e-16 per row).
     */
    @ParameterizedTest(name = "n = {0}, p = {1}, K = {2}")
    @MethodSource("shapes")
    void fusedAllocateMatchesTheCpuBackend(int n, int p, int experts) {
        Dataset data = BackendContractTest.data(n, p, 31);
        ParamsBlock block = ParamsBlock.of(BackendContractTest.params(experts, p + 1, 32));
        RngKey key = new RngKey(33, 4);
        int d = p + 1;
        double worst = 0;
        try (Backend cpu = new CpuBackend(2, CHUNK); Backend device = device(CHUNK)) {
            Backend.Workspace cpuWs = cpu.workspace(cpu.upload(data), experts);
            Backend.Workspace deviceWs = device.workspace(device.upload(data), experts);
            for (int sweep = 1; sweep <= 3; sweep++) {
                Allocation expected = cpu.allocate(cpuWs, block, key, sweep);
                Allocation actual = device.allocate(deviceWs, block, key, sweep);
                byte[] z = cpu.allocations(cpuWs);
                assertArrayEquals(z, device.allocations(deviceWs), "allocations in sweep " + sweep);
                // magnitudes: per-row log-likelihoods and each expert's (1, |x~| |x~|', |x~| |y|, y^2)
                double logLikMagnitude = 0;
                double[] statsMagnitude = new double[experts * ExpertStats.stride(d)];
                double[] row = new double[d];
                for (int i = 0; i < n; i++) {
                    double rowLogLik = CpuKernels.allocate(data.x(), data.y(), p, new byte[n], i, i + 1, block, key,
                            sweep, new double[statsMagnitude.length]);
                    logLikMagnitude += Math.abs(rowLogLik);
                    data.designRow(i, row);
                    for (int a = 0; a < d; a++) {
                        row[a] = Math.abs(row[a]);
                    }
                    CpuKernels.addExpertRow(row, Math.abs(data.y()[i]), z[i], statsMagnitude);
                }
                String what = "sweep " + sweep;
                worst = Math.max(worst, assertTermsClose(new double[] {expected.logLikelihood()},
                        new double[] {actual.logLikelihood()}, new double[] {logLikMagnitude}, what + ": log-likelihood"));
                worst = Math.max(worst, assertTermsClose(expected.stats().flat(), actual.stats().flat(), statsMagnitude,
                        what + ": expert statistics"));
                for (int k = 0; k < experts; k++) {
                    assertEquals(expected.stats().count(k), actual.stats().count(k), 0.0, what + ": n_" + k);
                }
            }
        }
        System.out.printf("allocate n = %d, p = %d, K = %d: same z; largest |device - cpu| / sum |terms| = %.2e%n",
                n, p, experts, worst);
    }

    /**
     * The default sweep (collapsed gate move, then z and the experts) as a whole chain on each backend from the
     * same state and key, the step size adapted on the first half as Chain's warm-up does and frozen after. Sums
     * differ in their last bits, so an allocation or an accept/reject decision may differ only where its
     * uniform falls within rounding of its threshold; a difference would then carry the chains apart.
     */
    @Test
    void aWholeCollapsedChainOnTheDeviceMakesTheSameDrawsAsOnTheCpu() {
        int n = 2000;
        int experts = 3;
        int sweeps = 200;
        int warmup = sweeps / 2;
        Simulator.Sample s = Simulator.simulate(Preset.PLANES3.truth(), -1, 1, n, 4);
        Dataset data = Dataset.fromColumns(s.xColumns(), s.y(), List.of("x1", "x2"), "y", true);
        RngKey key = new RngKey(2025, 0);
        SweepState start = Initializer.initialState(data, experts, Priors.DEFAULT, key);
        long differingAllocations = 0;
        int differingDecisions = 0;
        int differingGateChanges = 0;
        int accepted = 0;
        long cpuNanos = 0;
        long deviceNanos = 0;
        Params cpuLast;
        Params deviceLast;
        try (Backend cpu = new CpuBackend(2, 256); Backend device = device(256)) {
            Backend.Workspace cpuWs = cpu.workspace(cpu.upload(data), experts);
            Backend.Workspace deviceWs = device.workspace(device.upload(data), experts);
            SweepState a = start;
            SweepState b = start;
            for (int t = 0; t < sweeps; t++) {
                long t0 = System.nanoTime();
                GibbsSweep.Result ra = GibbsSweep.collapsed(cpu, cpuWs, a, key, Priors.DEFAULT);
                long t1 = System.nanoTime();
                GibbsSweep.Result rb = GibbsSweep.collapsed(device, deviceWs, b, key, Priors.DEFAULT);
                long t2 = System.nanoTime();
                cpuNanos += t1 - t0;
                deviceNanos += t2 - t1;
                differingDecisions += ra.info().gateAccepted() != rb.info().gateAccepted() ? 1 : 0;
                boolean cpuMoved = !Arrays.deepEquals(a.params().w(), ra.state().params().w());
                boolean deviceMoved = !Arrays.deepEquals(b.params().w(), rb.state().params().w());
                differingGateChanges += cpuMoved != deviceMoved ? 1 : 0;
                accepted += ra.info().gateAccepted();
                a = ra.state();
                b = rb.state();
                if (t < warmup) {
                    a = a.withStepSize(a.stepSize().adapt(ra.info().gateAcceptProb()));
                    b = b.withStepSize(b.stepSize().adapt(rb.info().gateAcceptProb()));
                } else if (t == warmup) {
                    a = a.withStepSize(a.stepSize().freeze());
                    b = b.withStepSize(b.stepSize().freeze());
                }
                byte[] za = cpu.allocations(cpuWs);
                byte[] zb = device.allocations(deviceWs);
                for (int i = 0; i < n; i++) {
                    differingAllocations += za[i] != zb[i] ? 1 : 0;
                }
            }
            cpuLast = a.params();
            deviceLast = b.params();
            System.out.printf("collapsed sweep, %s vs CPU over %d sweeps: %d of %d allocations differ, %d of %d"
                            + " gate decisions (%d by whether the gates moved); CPU accepted %d; step size %.4g vs %.4g;"
                            + " %.2f ms vs %.2f ms per sweep%n", name(), sweeps, differingAllocations, (long) n * sweeps,
                    differingDecisions, sweeps, differingGateChanges, accepted, a.stepSize().eps(), b.stepSize().eps(),
                    cpuNanos / 1e6 / sweeps, deviceNanos / 1e6 / sweeps);
        }
        double rate = differingAllocations / ((double) n * sweeps);
        assertTrue(rate < 1e-5, "allocations differ at rate " + rate + " (" + differingAllocations + " of "
                + (long) n * sweeps + ")");
        assertEquals(0, differingDecisions, "gate accept/reject decisions that differ");
        assertEquals(0, differingGateChanges, "sweeps where the gates moved on one backend only");
        for (int k = 0; k < experts; k++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(cpuLast.beta()[k][j], deviceLast.beta()[k][j], 1e-9 * (1 + Math.abs(cpuLast.beta()[k][j])),
                        "beta after " + sweeps + " sweeps");
                if (k < experts - 1) {
                    assertEquals(cpuLast.w()[k][j], deviceLast.w()[k][j], 1e-9 * (1 + Math.abs(cpuLast.w()[k][j])),
                            "w after " + sweeps + " sweeps");
                }
            }
            assertEquals(cpuLast.s2()[k], deviceLast.s2()[k], 1e-9 * cpuLast.s2()[k], "s2 after " + sweeps + " sweeps");
        }
    }

    /** Asserts |actual - expected| &lt;= TERM_TOL magnitude per component; returns the largest such ratio. */
    private static double assertTermsClose(double[] expected, double[] actual, double[] magnitude, String what) {
        double worst = 0;
        for (int j = 0; j < expected.length; j++) {
            double error = Math.abs(actual[j] - expected[j]);
            double allowed = TERM_TOL * magnitude[j];
            assertTrue(error <= allowed, what + ", component " + j + ": device " + actual[j] + ", cpu " + expected[j]
                    + " (sum of |terms| " + magnitude[j] + ")");
            if (magnitude[j] > 0) {
                worst = Math.max(worst, error / magnitude[j]);
            }
        }
        return worst;
    }

}
