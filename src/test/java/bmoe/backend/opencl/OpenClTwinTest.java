package bmoe.backend.opencl;

import static org.jocl.CL.CL_MEM_COPY_HOST_PTR;
import static org.jocl.CL.CL_MEM_READ_ONLY;
import static org.jocl.CL.CL_MEM_WRITE_ONLY;
import static org.jocl.CL.CL_TRUE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.backend.Backend;
import bmoe.backend.cpu.CpuBackend;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.Philox4x32;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import bmoe.rng.Step;
import bmoe.sampler.GibbsSweep;
import bmoe.sampler.Initializer;
import bmoe.rng.PolyaGamma;
import bmoe.sampler.SweepState;
import bmoe.sim.Preset;
import bmoe.sim.Simulator;
import java.util.List;
import org.apache.commons.numbers.gamma.Erfcx;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.junit.jupiter.api.Test;

/**
 * The device functions against their Java twins, value by value (Philox words, Polya-Gamma draws, erfcx),
 * and a whole chain on OpenCL against the same chain on the CPU.
 */
class OpenClTwinTest {
    /** Test-only kernels over the shared headers: one Philox block, one PG draw, one erfcx per work-item. */
    private static final String PROBES = """
            __kernel void philoxProbe(uint k0, uint k1, uint sweep, uint step, __global uint *out) {
                uint i = get_global_id(0);
                uint4 w = philox4x32_10((uint4)(i, sweep, step, 7u), (uint2)(k0, k1));
                vstore4(w, i, out);
            }
            __kernel void pgProbe(__global const double *c, uint k0, uint k1, uint sweep, uint step,
                                  __global double *out) {
                uint i = get_global_id(0);
                rng_stream rng;
                rng_reset(&rng, (uint2)(k0, k1), i, sweep, step);
                out[i] = pg_draw(&rng, c[i]);
            }
            __kernel void erfcxProbe(__global const double *x, __global double *out) {
                uint i = get_global_id(0);
                out[i] = erfcx_nonnegative(x[i]);
            }
            """;

    @Test
    void philoxWordsAreTheSameOnTheDevice() {
        int n = 4096;
        int[] device = new int[4 * n];
        try (Probe probe = new Probe()) {
            cl_mem out = probe.output(4L * n * Sizeof.cl_uint);
            probe.run("philoxProbe", n, List.of(0x89ABCDEF, 3, 17, Step.ALLOCATE), List.of(out));
            probe.read(out, Pointer.to(device), 4L * n * Sizeof.cl_uint);
        }
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
        double[] device = new double[n];
        RngKey key = new RngKey(77, 2);
        int sweep = 9;
        int step = Step.pg(1);
        try (Probe probe = new Probe()) {
            cl_mem in = probe.input(c);
            cl_mem out = probe.output((long) n * Sizeof.cl_double);
            probe.run("pgProbe", n, List.of(in, key.k0(), key.k1(), sweep, step), List.of(out));
            probe.read(out, Pointer.to(device), (long) n * Sizeof.cl_double);
        }
        int mismatches = 0;
        for (int i = 0; i < n; i++) {
            double expected = PolyaGamma.draw(key.stream(i, sweep, step), c[i]);
            if (Math.abs(device[i] - expected) > 1e-12 * expected) {
                mismatches++;
            }
        }
        assertEquals(0, mismatches, "PG draws that differ between the device and Java");
    }

    /** The hand-written erfcx of polya_gamma.clh against commons-numbers' on [0, 60], both formulas. */
    @Test
    void erfcxMatchesCommonsNumbers() {
        int n = 6001;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i * 0.01;
        }
        double[] device = new double[n];
        try (Probe probe = new Probe()) {
            cl_mem in = probe.input(x);
            cl_mem out = probe.output((long) n * Sizeof.cl_double);
            probe.run("erfcxProbe", n, List.of(in), List.of(out));
            probe.read(out, Pointer.to(device), (long) n * Sizeof.cl_double);
        }
        double worst = 0;
        for (int i = 0; i < n; i++) {
            worst = Math.max(worst, Math.abs(device[i] / Erfcx.value(x[i]) - 1.0));
        }
        // Boost's and OpenCL's erfc are good to a few ulps; the split exp(x^2) keeps it there
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
        try (Backend cpu = new CpuBackend(2, 256); Backend device = OpenClTesting.backend(256)) {
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
        System.out.printf("OpenCL vs CPU over %d sweeps: %d of %d allocations differ%n", sweeps, differing, n * sweeps);
        assertTrue(rate < 1e-5, "allocations differ at rate " + rate + " (" + differing + " of " + n * sweeps + ")");
        for (int k = 0; k < experts; k++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(cpuLast.beta()[k][j], deviceLast.beta()[k][j], 1e-9 * (1 + Math.abs(cpuLast.beta()[k][j])),
                        "beta after " + sweeps + " sweeps");
            }
        }
    }

    /** A context, queue and program with the probe kernels on the test device. */
    private static final class Probe implements AutoCloseable {
        private final cl_context context;
        private final cl_command_queue queue;
        private final cl_program program;
        private final List<cl_mem> buffers = new java.util.ArrayList<>();

        Probe() {
            OpenClDevices.Device device = OpenClDevices.list().get(OpenClTesting.deviceIndex());
            cl_device_id id = device.deviceId();
            context = CL.clCreateContext(null, 1, new cl_device_id[] {id}, null, null, null);
            queue = CL.clCreateCommandQueue(context, id, 0, null);
            cl_program p = CL.clCreateProgramWithSource(context, 1,
                    new String[] {OpenClProgram.source() + PROBES}, null, null);
            CL.clBuildProgram(p, 0, null, OpenClProgram.options(2, 2, 64, 1), null, null);
            program = p;
        }

        cl_mem input(double[] values) {
            cl_mem m = CL.clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                    (long) values.length * Sizeof.cl_double, Pointer.to(values), null);
            buffers.add(m);
            return m;
        }

        cl_mem output(long bytes) {
            cl_mem m = CL.clCreateBuffer(context, CL_MEM_WRITE_ONLY, bytes, null, null);
            buffers.add(m);
            return m;
        }

        /** Runs kernel over n work-items with arguments: the leading ones, then the outputs. */
        void run(String name, int n, List<Object> leading, List<cl_mem> outputs) {
            cl_kernel kernel = CL.clCreateKernel(program, name, null);
            int a = 0;
            for (Object v : leading) {
                if (v instanceof cl_mem m) {
                    CL.clSetKernelArg(kernel, a++, Sizeof.cl_mem, Pointer.to(m));
                } else {
                    CL.clSetKernelArg(kernel, a++, Sizeof.cl_uint, Pointer.to(new int[] {(Integer) v}));
                }
            }
            for (cl_mem m : outputs) {
                CL.clSetKernelArg(kernel, a++, Sizeof.cl_mem, Pointer.to(m));
            }
            CL.clEnqueueNDRangeKernel(queue, kernel, 1, null, new long[] {n}, null, 0, null, null);
            CL.clFinish(queue);
            CL.clReleaseKernel(kernel);
        }

        void read(cl_mem buffer, Pointer target, long bytes) {
            CL.clEnqueueReadBuffer(queue, buffer, CL_TRUE, 0, bytes, target, 0, null, null);
        }

        @Override
        public void close() {
            buffers.forEach(CL::clReleaseMemObject);
            CL.clReleaseProgram(program);
            CL.clReleaseCommandQueue(queue);
            CL.clReleaseContext(context);
        }
    }
}
