package bmoe.bench;

import static org.jocl.CL.CL_MEM_READ_WRITE;

import bmoe.backend.Allocation;
import bmoe.backend.Backend;
import bmoe.backend.GateGradient;
import bmoe.backend.GateStats;
import bmoe.backend.ParamsBlock;
import bmoe.backend.cpu.CpuBackend;
import bmoe.backend.cuda.CudaBackend;
import bmoe.backend.opencl.OpenClBackend;
import bmoe.backend.opencl.OpenClDevices;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.RngKey;
import bmoe.sampler.GibbsSweep;
import bmoe.sampler.SweepInfo;
import bmoe.sampler.SweepState;
import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_mem;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The CPU backend against the OpenCL backend on the same data: both sweeps, each per-observation kernel,
 * and the copy bandwidth of the device the kernels run on, the ceiling for a memory-bound kernel.
 *
 * <pre>
 *   sweepCollapsed   GibbsSweep.collapsed (the default, --gates mala): gateGradient + host MALA move +
 *                    gateGradientProposal + allocate + K host draws: 3 passes, n (12p + 13) bytes
 *   sweepPolyaGamma  GibbsSweep.polyaGamma (--gates pg): allocate + K host draws + (K-1) x (gateStats + gate
 *                    draw): K passes, n (4p + 5) + (K-1) n (4p + 1) bytes
 *   allocate               kernel (a): reads x, y, writes z, sums the experts' statistics   n (4p + 4 + 1) bytes
 *   gateGradient           kernel (b), metric, no reference gates (the move's 1st pass)     n (4p + 4) bytes
 *   gateGradientProposal   kernel (b), metric, reference gates (the move's 2nd pass)        n (4p + 4) bytes
 *   gateGradientNoMetric   kernel (b) without metric or reference                           n (4p + 4) bytes
 *   gateStats              kernel (c) for ONE gate: reads x, z                              n (4p + 1) bytes
 *   copyBandwidth    cpu: System.arraycopy of 256 MiB in blocks spread over the backend's threads;
 *                    opencl: clEnqueueCopyBuffer of 256 MiB on the device, then clFinish
 *   copyOneThread    one System.arraycopy of 256 MiB on one thread (no backend parameter)
 * </pre>
 *
 * Both copies move 2 x 256 MiB per op (read + write); bench/summarize_backends.py turns the times into GB/s.
 * Every OpenCL call above ends with a blocking read of the reduced sums, so an op is complete when it returns.
 *
 * <p>A backend without kernel (b) (an OpenCL build from before kernels/gate_gradient.cl) fails the benchmarks
 * that need it in their setup, before any data are simulated, with one line that says so; JMH goes on with
 * the others.
 *
 * <p>Parameters: {@code backend} (cpu, opencl), {@code n}, {@code experts}; any subset with JMH's
 * {@code -p name=v1,v2}. The OpenCL device is {@code -Dbmoe.device=N} (numbered as {@code bmoe
 * devices} numbers them; default: the first GPU with fp64, else device 0); the forks inherit it from the launching JVM. The CPU backend uses all available
 * processors. Both use their default blocks ({@link CpuBackend#DEFAULT_BLOCK_SIZE},
 * {@link OpenClBackend#DEFAULT_CHUNK}).
 *
 * <p>The iterations below suit n up to 1e6. At n = 1e7 one op of the sweep takes seconds, so
 * bench/run-backends.sh passes {@code -wi 1 -i 3}, one op per iteration: single-shot in all but name.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g"})
@Warmup(iterations = 2, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public class BackendBenchmark {

    /** Bytes each copy op reads, and again writes. */
    static final long COPY_BYTES = 256L << 20;

    /** Which backend, on which OpenCL device: a name only; {@link Chain} and {@link DeviceCopy} open what they need. */
    @State(Scope.Benchmark)
    public static class Target {
        /** cuda too with -p backend=cuda (not by default: most machines have no CUDA device). */
        @Param({"cpu", "opencl"})
        public String backend;

        int device;
        int threads;

        @Setup(Level.Trial)
        public void setUp() {
            if (!backend.equals("cpu") && !backend.equals("opencl") && !backend.equals("cuda")) {
                throw new IllegalArgumentException("backend must be cpu, opencl or cuda, got " + backend);
            }
            String chosen = System.getProperty("bmoe.device");
            // as --backend auto chooses: the first GPU with fp64, so one command serves any machine
            device = chosen != null ? Integer.parseInt(chosen.strip())
                    : backend.equals("opencl") ? OpenClBackend.firstGpu().map(OpenClDevices.Device::index).orElse(0) : 0;
            threads = Runtime.getRuntime().availableProcessors();
        }

        Backend open() {
            return switch (backend) {
                case "cpu" -> new CpuBackend(threads, CpuBackend.DEFAULT_BLOCK_SIZE);
                // the CUDA device of the same number (0 unless -Dbmoe.device says otherwise)
                case "cuda" -> CudaBackend.open(System.getProperty("bmoe.device") != null ? device : 0,
                        CudaBackend.DEFAULT_CHUNK);
                default -> OpenClBackend.open(device, OpenClBackend.DEFAULT_CHUNK);
            };
        }
    }

    /**
     * One chain on n rows: the backend, the resident data, a workspace, and a state warmed up by
     * {@link Fixture#warmState} (the same parameters at every n); z is drawn once at those parameters, so
     * gateStats finds the allocations a sweep would leave.
     */
    @State(Scope.Benchmark)
    public static class Chain {
        @Param({"100000", "1000000", "10000000"})
        public int n;

        @Param({"4", "8"})
        public int experts;

        final RngKey key = new RngKey(Fixture.SEED, 0);
        final Priors priors = Priors.DEFAULT;
        Backend backend;
        Backend.Resident resident;
        Backend.Workspace ws;
        /** The chain's state; the sweep benchmarks advance it. */
        SweepState state;
        /** The warmed-up parameters, as the kernel benchmarks read them. */
        ParamsBlock block;
        /** The same experts at gates near the warmed-up ones: where the move's second pass evaluates. */
        ParamsBlock proposal;
        /** Sweep counter of the kernel benchmarks: each call draws from fresh streams. */
        int sweepCounter;

        @Setup(Level.Trial)
        public void setUp(Target target, BenchmarkParams benchmark) {
            backend = target.open();
            String method = benchmark.getBenchmark().substring(benchmark.getBenchmark().lastIndexOf('.') + 1);
            if (method.startsWith("gateGradient") || method.equals("sweepCollapsed")) {
                requireGateGradient(backend, experts);
            }
            state = Fixture.warmState(backend, experts, key, priors);
            Dataset data = Fixture.data(n);
            resident = backend.upload(data);
            ws = backend.workspace(resident, experts);
            block = ParamsBlock.of(state.params());
            proposal = block.withGates(Fixture.nearbyGates(block.w()));
            sweepCounter = state.sweep() + 1;
            backend.allocate(ws, block, key, sweepCounter);
            System.out.println("# bmoe: n = " + n + ", p = " + data.p() + ", K = " + experts + ", "
                    + backend.describe());
        }

        /**
         * Fails at once, in one line, where the backend has no kernel (b): probed on a few rows, so a benchmark
         * that cannot run does not first simulate and upload n rows (minutes of a lent device at n = 1e8).
         */
        static void requireGateGradient(Backend backend, int experts) {
            Dataset few = Fixture.data(4 * experts);
            try (Backend.Resident r = backend.upload(few); Backend.Workspace w = backend.workspace(r, experts)) {
                double[] unitVariances = new double[experts];
                Arrays.fill(unitVariances, 1.0);
                Params flat = new Params(new double[experts - 1][few.dim()], new double[experts][few.dim()],
                        unitVariances);
                backend.gateGradient(w, ParamsBlock.of(flat), null, false);
            } catch (UnsupportedOperationException e) {
                backend.close();
                throw new IllegalStateException("skipped: " + backend.name() + " has no gateGradient: " + e.getMessage());
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            backend.close();
        }
    }

    /** 2 x 256 MiB where the kernels run: Java arrays and a pool for cpu, two device buffers for opencl. */
    @State(Scope.Benchmark)
    public static class DeviceCopy {
        byte[] from;
        byte[] to;
        ForkJoinPool pool;
        cl_context context;
        cl_command_queue queue;
        cl_mem source;
        cl_mem destination;

        @Setup(Level.Trial)
        public void setUp(Target target) {
            if (target.backend.equals("cpu")) {
                from = filled(COPY_BYTES);
                to = filled(COPY_BYTES);
                pool = new ForkJoinPool(target.threads);
                System.out.println("# bmoe: copy on the CPU, " + target.threads + " threads");
                return;
            }
            if (target.backend.equals("cuda")) {
                throw new IllegalStateException("skipped: the copy benchmark has no cuda version (nvidia-smi gives the bandwidth)");
            }
            OpenClDevices.Device device = OpenClDevices.list().get(target.device);
            cl_device_id id = device.deviceId();
            context = CL.clCreateContext(null, 1, new cl_device_id[] {id}, null, null, null);
            queue = CL.clCreateCommandQueue(context, id, 0, null);
            source = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, COPY_BYTES, null, null);
            destination = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, COPY_BYTES, null, null);
            // touch both buffers so the first copy does not pay for the device's first-use allocation
            byte[] pattern = {1};
            CL.clEnqueueFillBuffer(queue, source, Pointer.to(pattern), 1, 0, COPY_BYTES, 0, null, null);
            CL.clEnqueueFillBuffer(queue, destination, Pointer.to(pattern), 1, 0, COPY_BYTES, 0, null, null);
            CL.clFinish(queue);
            System.out.println("# bmoe: copy on OpenCL device " + target.device + ": " + device.describe());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (pool != null) {
                pool.shutdown();
            }
            if (context != null) {
                CL.clReleaseMemObject(source);
                CL.clReleaseMemObject(destination);
                CL.clReleaseCommandQueue(queue);
                CL.clReleaseContext(context);
            }
        }
    }

    /** 2 x 256 MiB of Java arrays for the one-thread copy. */
    @State(Scope.Benchmark)
    public static class HostCopy {
        byte[] from;
        byte[] to;

        @Setup(Level.Trial)
        public void setUp() {
            from = filled(COPY_BYTES);
            to = filled(COPY_BYTES);
        }
    }

    /** A byte array of the given size with every page written, so no copy pays for first touch. */
    static byte[] filled(long bytes) {
        byte[] a = new byte[Math.toIntExact(bytes)];
        Arrays.fill(a, (byte) 1);
        return a;
    }

    /** One collapsed sweep (the default); the chain's state advances with every op. */
    @Benchmark
    public SweepInfo sweepCollapsed(Target t, Chain c) {
        GibbsSweep.Result r = GibbsSweep.collapsed(c.backend, c.ws, c.state, c.key, c.priors);
        c.state = r.state();
        return r.info();
    }

    /** One Polya-Gamma sweep; the chain's state advances with every op. */
    @Benchmark
    public SweepInfo sweepPolyaGamma(Target t, Chain c) {
        GibbsSweep.Result r = GibbsSweep.polyaGamma(c.backend, c.ws, c.state, c.key, c.priors);
        c.state = r.state();
        return r.info();
    }

    /** Kernel (a) with its fused expert statistics, at the warmed-up parameters, fresh streams each op. */
    @Benchmark
    public Allocation allocate(Target t, Chain c) {
        return c.backend.allocate(c.ws, c.block, c.key, ++c.sweepCounter);
    }

    /** Kernel (b) as the gate move's first pass: metric, no reference gates. */
    @Benchmark
    public GateGradient gateGradient(Target t, Chain c) {
        return c.backend.gateGradient(c.ws, c.block, null, true);
    }

    /** Kernel (b) as the gate move's second pass: at nearby gates, the current ones as reference, metric. */
    @Benchmark
    public GateGradient gateGradientProposal(Target t, Chain c) {
        return c.backend.gateGradient(c.ws, c.proposal, c.block.w(), true);
    }

    /** Kernel (b) with neither metric nor reference gates. */
    @Benchmark
    public GateGradient gateGradientNoMetric(Target t, Chain c) {
        return c.backend.gateGradient(c.ws, c.block, null, false);
    }

    /** Kernel (c) for ONE gate, cycling through 0..K-2 from op to op: the score is their average. */
    @Benchmark
    public GateStats gateStats(Target t, Chain c) {
        int sweep = ++c.sweepCounter;
        return c.backend.gateStats(c.ws, c.block, sweep % (c.experts - 1), c.key, sweep);
    }

    /**
     * Reads and writes {@link #COPY_BYTES} where the backend computes: on the OpenCL device with one
     * clEnqueueCopyBuffer (blocking on clFinish), on the CPU as 1 MiB System.arraycopy blocks over a pool
     * of the backend's size.
     */
    @Benchmark
    public int copyBandwidth(Target t, DeviceCopy c) {
        if (c.pool == null) {
            CL.clEnqueueCopyBuffer(c.queue, c.source, c.destination, 0, 0, COPY_BYTES, 0, null, null);
            CL.clFinish(c.queue);
            return 0;
        }
        int block = 1 << 20;
        int blocks = Math.toIntExact(COPY_BYTES / block);
        c.pool.submit(() -> IntStream.range(0, blocks).parallel()
                .forEach(b -> System.arraycopy(c.from, b * block, c.to, b * block, block))).join();
        return c.to[c.to.length - 1];
    }

    /** Reads and writes {@link #COPY_BYTES} with one System.arraycopy on the benchmark thread. */
    @Benchmark
    public int copyOneThread(HostCopy c) {
        System.arraycopy(c.from, 0, c.to, 0, c.from.length);
        return c.to[c.to.length - 1];
    }
}
