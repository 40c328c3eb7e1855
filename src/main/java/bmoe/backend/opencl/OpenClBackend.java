package bmoe.backend.opencl;

import static org.jocl.CL.CL_MEM_COPY_HOST_PTR;
import static org.jocl.CL.CL_MEM_READ_ONLY;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_TRUE;

import bmoe.backend.Allocation;
import bmoe.backend.Backend;
import bmoe.backend.BackendUnavailableException;
import bmoe.backend.ExpertStats;
import bmoe.backend.GateGradient;
import bmoe.backend.GateStats;
import bmoe.backend.ParamsBlock;
import bmoe.model.Dataset;
import bmoe.rng.RngKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;

/**
 * The kernels of kernels/*.cl on one OpenCL device, in the shape of a task graph with explicit transfers:
 * {@link #upload} copies x and y to the device once per run; a workspace holds a chain's allocations and
 * partial sums there; each kernel call writes the {@link ParamsBlock} (a few hundred bytes, and kernel (b)'s
 * reference gates) up and reads only the reduced sums down: 1 + K (1 + d(d+1)/2 + d + 1) doubles for
 * {@link #allocate}, 2 + D + D(D+1)/2 with D = (K-1) d for {@link #gateGradient} with the metric.
 * Per-observation arrays never cross the bus, except z when {@link #allocations} is asked for.
 *
 * <p>Every per-observation kernel splits the rows into groups of {@code chunk}; a group's work-items reduce
 * by a fixed tree, then {@code reducePartials} adds the groups in a fixed tree. The sums therefore depend on
 * (chunk, work-group size), not on scheduling, and a run repeats bit for bit on the same device.
 *
 * <p>Chains may share one backend from several threads: each workspace has its own command queue and
 * kernel objects; the data and the programs are shared read-only.
 */
public final class OpenClBackend implements Backend {
    /** Work-items per group: a power of two that every OpenCL 1.2 device accepts. */
    public static final int DEFAULT_LOCAL_SIZE = 64;
    /** Rows per work group: enough groups to fill a GPU at n = 1e5, few enough partial sums at n = 1e8. */
    public static final int DEFAULT_CHUNK = 4096;
    /** Chains per launch by default: all of a run's (see {@link #chainsPerPass}). */
    public static final int DEFAULT_CHAINS_PER_PASS = Integer.MAX_VALUE;
    /** Local memory the reduction scratch may use, in bytes: well under any device's 32 KiB minimum. */
    private static final int SCRATCH_BUDGET = 16 * 1024;

    private final OpenClDevices.Device device;
    private final cl_context context;
    private final int local;
    private final int chunk;
    private final int chainsPerPass;
    private final Map<List<Integer>, cl_program> programs = new HashMap<>();
    /** Device objects still held, freed in reverse order by {@link #close()} unless closed before. */
    private final List<AutoCloseable> held = new ArrayList<>();

    private OpenClBackend(OpenClDevices.Device device, int chunk, int local, int chainsPerPass) {
        if (chunk < 1) {
            throw new IllegalArgumentException("block size must be >= 1, got " + chunk);
        }
        if (chainsPerPass < 1) {
            throw new IllegalArgumentException("chains per pass must be >= 1, got " + chainsPerPass);
        }
        this.chainsPerPass = chainsPerPass;
        if (!device.fp64()) {
            throw new BackendUnavailableException("OpenCL device " + device.index() + " (" + device.name()
                    + ") has no double precision (cl_khr_fp64), which the kernels need");
        }
        this.device = device;
        this.chunk = chunk;
        this.local = local;
        this.context = CL.clCreateContext(null, 1, new cl_device_id[] {device.deviceId()}, null, null, null);
    }

    /**
     * The backend on device {@code index} as numbered by {@link OpenClDevices#list()}.
     *
     * @throws BackendUnavailableException when there is no OpenCL, no such device, or it lacks fp64
     */
    public static OpenClBackend open(int index, int chunk) {
        return open(index, chunk, DEFAULT_CHAINS_PER_PASS);
    }

    /** {@link #open(int, int)} with at most {@code chainsPerPass} chains in one launch. */
    public static OpenClBackend open(int index, int chunk, int chainsPerPass) {
        List<OpenClDevices.Device> devices = OpenClDevices.list();
        if (devices.isEmpty()) {
            throw new BackendUnavailableException("no OpenCL device: the OpenCL library loads but lists no platform"
                    + " (is a vendor driver or pocl-opencl-icd installed?)");
        }
        if (index < 0 || index >= devices.size()) {
            throw new BackendUnavailableException("no OpenCL device " + index + "; there "
                    + (devices.size() == 1 ? "is 1 device (0)" : "are " + devices.size() + " devices (0.."
                    + (devices.size() - 1) + ")") + ", see 'bmoe devices'");
        }
        return new OpenClBackend(devices.get(index), chunk, DEFAULT_LOCAL_SIZE, chainsPerPass);
    }

    /** The first GPU that can run the kernels (fp64), if any; empty without OpenCL. */
    public static Optional<OpenClDevices.Device> firstGpu() {
        try {
            return OpenClDevices.list().stream().filter(d -> d.isGpu() && d.fp64()).findFirst();
        } catch (BackendUnavailableException e) {
            return Optional.empty();
        }
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "opencl (device %d: %s; groups of %d rows x %d work-items)",
                device.index(), device.describe(), chunk, local);
    }

    @Override
    public int blockSize() {
        return chunk;
    }

    @Override
    public int chainsPerPass() {
        return chainsPerPass;
    }

    public OpenClDevices.Device device() {
        return device;
    }

    @Override
    public Resident upload(Dataset data) {
        long xBytes = 4L * data.n() * data.p();
        long needed = xBytes + 4L * data.n() + data.n();
        if (xBytes > device.maxAllocation()) {
            throw new BackendUnavailableException(String.format(Locale.ROOT,
                    "x needs %.2f GiB on the device but its largest buffer is %.2f GiB", xBytes / GIB,
                    device.maxAllocation() / GIB));
        }
        if (needed > device.globalMemory()) {
            throw new BackendUnavailableException(String.format(Locale.ROOT,
                    "the data need %.2f GiB on the device, which has %.2f GiB", needed / GIB, device.globalMemory() / GIB));
        }
        cl_mem x = data.p() == 0 ? buffer(CL_MEM_READ_ONLY, 4)
                : CL.clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, xBytes, Pointer.to(data.x()), null);
        cl_mem y = CL.clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, 4L * data.n(),
                Pointer.to(data.y()), null);
        return hold(new DeviceData(this, x, y, data.n(), data.p()));
    }

    @Override
    public Workspace workspace(Resident data, int experts) {
        DeviceData dd = (DeviceData) data;
        int dim = dd.p() + 1;
        // the largest reduction of any kernel sizes the partial sums, the totals and the batch per pass
        int largest = Math.max(allocationSize(experts, dim),
                Math.max(GateStats.size(dim), GateGradient.size(experts, dim, true)));
        int batch = Math.max(1, Math.min(largest, SCRATCH_BUDGET / (local * Sizeof.cl_double)));
        cl_program program = program(dim, experts, batch);
        int groups = (int) ((dd.n() + (long) chunk - 1) / chunk);
        cl_command_queue queue = CL.clCreateCommandQueue(context, device.deviceId(), 0, null);
        DeviceWorkspace ws = new DeviceWorkspace(this, dd, experts, groups, batch, queue,
                CL.clCreateKernel(program, "allocate", null), CL.clCreateKernel(program, "gateGradient", null),
                CL.clCreateKernel(program, "gateStats", null), CL.clCreateKernel(program, "reducePartials", null),
                buffer(CL_MEM_READ_WRITE, Math.max(1, dd.n())),
                buffer(CL_MEM_READ_WRITE, (long) groups * largest * Sizeof.cl_double),
                buffer(CL_MEM_READ_WRITE, (long) largest * Sizeof.cl_double),
                buffer(CL_MEM_READ_ONLY, (long) paramsSize(experts, dim) * Sizeof.cl_double),
                buffer(CL_MEM_READ_ONLY, (long) (experts - 1) * dim * Sizeof.cl_double));
        ws.bindStaticArguments(chunk, local);
        return hold(ws);
    }

    @Override
    public Allocation allocate(Workspace workspace, ParamsBlock params, RngKey key, int sweep) {
        DeviceWorkspace ws = (DeviceWorkspace) workspace;
        int dim = ws.data.p() + 1;
        ws.writeParams(params);
        arg(ws.allocate, 5, key.k0());
        arg(ws.allocate, 6, key.k1());
        arg(ws.allocate, 7, sweep);
        ws.run(ws.allocate, new long[] {(long) ws.groups * local}, new long[] {local});
        // one reduction for [logLik, expert 0, ..., expert K-1], the kernel's partial layout
        double[] sums = ws.reduce(allocationSize(ws.experts, dim), local);
        double[] stats = new double[ws.experts * ExpertStats.stride(dim)];
        System.arraycopy(sums, 1, stats, 0, stats.length);
        return new Allocation(sums[0], new ExpertStats(ws.experts, dim, stats));
    }

    @Override
    public GateGradient gateGradient(Workspace workspace, ParamsBlock params, double[] referenceGates, boolean metric) {
        DeviceWorkspace ws = (DeviceWorkspace) workspace;
        int dim = ws.data.p() + 1;
        ws.writeParams(params);
        if (referenceGates != null) {
            ws.writeReferenceGates(referenceGates);
        }
        arg(ws.gateGradient, 6, referenceGates != null ? 1 : 0);
        arg(ws.gateGradient, 7, metric ? 1 : 0);
        ws.run(ws.gateGradient, new long[] {(long) ws.groups * local}, new long[] {local});
        // without the metric the kernel sums and the host reads only [logLik, logLikDiff, gradient]
        // non-finite sums (gates so large that the logits overflow) come back as they are, as on the CPU:
        // GateMove rejects such a proposal and refuses such a current point
        double[] sums = ws.reduce(GateGradient.size(ws.experts, dim, metric), local);
        return new GateGradient(ws.experts - 1, dim, metric, sums);
    }

    @Override
    public GateStats gateStats(Workspace workspace, ParamsBlock params, int gate, RngKey key, int sweep) {
        DeviceWorkspace ws = (DeviceWorkspace) workspace;
        int dim = ws.data.p() + 1;
        ws.writeParams(params);
        arg(ws.gateStats, 5, gate);
        arg(ws.gateStats, 6, key.k0());
        arg(ws.gateStats, 7, key.k1());
        arg(ws.gateStats, 8, sweep);
        ws.run(ws.gateStats, new long[] {(long) ws.groups * local}, new long[] {local});
        double[] sums = ws.reduce(GateStats.size(dim), local);
        for (double v : sums) {
            if (!Double.isFinite(v)) {
                // the kernel's Polya-Gamma draw returns NaN for a non-finite argument instead of looping
                throw new IllegalStateException("Polya-Gamma argument is not finite for gate " + (gate + 1)
                        + " in sweep " + sweep);
            }
        }
        return new GateStats(dim, sums);
    }

    @Override
    public byte[] allocations(Workspace workspace) {
        DeviceWorkspace ws = (DeviceWorkspace) workspace;
        byte[] z = new byte[ws.data.n()];
        CL.clEnqueueReadBuffer(ws.queue, ws.z, CL_TRUE, 0, z.length, Pointer.to(z), 0, null, null);
        return z;
    }

    @Override
    public void close() {
        List<AutoCloseable> all;
        synchronized (held) {
            all = new ArrayList<>(held);
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                all.get(i).close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        synchronized (programs) {
            programs.values().forEach(CL::clReleaseProgram);
            programs.clear();
        }
        CL.clReleaseContext(context);
    }

    private <T extends AutoCloseable> T hold(T resource) {
        synchronized (held) {
            held.add(resource);
        }
        return resource;
    }

    /** Forgets a resource that closed itself; true the first time, so nothing is released twice. */
    private boolean release(AutoCloseable resource) {
        synchronized (held) {
            return held.remove(resource);
        }
    }

    private cl_program program(int dim, int experts, int batch) {
        synchronized (programs) {
            return programs.computeIfAbsent(List.of(dim, experts, batch), k -> OpenClProgram.build(context,
                    device.deviceId(), OpenClProgram.options(dim, experts, local, batch)));
        }
    }

    private cl_mem buffer(long flags, long bytes) {
        try {
            return CL.clCreateBuffer(context, flags, Math.max(bytes, 1), null, null);
        } catch (CLException e) {
            throw new BackendUnavailableException(String.format(Locale.ROOT,
                    "the OpenCL device could not allocate %.2f GiB: %s", bytes / GIB, e.getMessage()), e);
        }
    }

    static int paramsSize(int experts, int dim) {
        return (2 * experts - 1) * dim + 2 * experts;
    }

    /** Kernel (a)'s sums: the log-likelihood, then every expert's statistics (ALLOCATE_SIZE in common.clh). */
    static int allocationSize(int experts, int dim) {
        return 1 + experts * ExpertStats.stride(dim);
    }

    private static void arg(cl_kernel kernel, int index, int value) {
        CL.clSetKernelArg(kernel, index, Sizeof.cl_uint, Pointer.to(new int[] {value}));
    }

    private static void arg(cl_kernel kernel, int index, cl_mem value) {
        CL.clSetKernelArg(kernel, index, Sizeof.cl_mem, Pointer.to(value));
    }

    private static void localArg(cl_kernel kernel, int index, long bytes) {
        CL.clSetKernelArg(kernel, index, bytes, null);
    }

    private static final double GIB = 1024.0 * 1024.0 * 1024.0;

    /** x and y on the device. */
    static final class DeviceData implements Resident {
        private final OpenClBackend owner;
        final cl_mem x;
        final cl_mem y;
        private final int n;
        private final int p;

        DeviceData(OpenClBackend owner, cl_mem x, cl_mem y, int n, int p) {
            this.owner = owner;
            this.x = x;
            this.y = y;
            this.n = n;
            this.p = p;
        }

        @Override
        public int n() {
            return n;
        }

        @Override
        public int p() {
            return p;
        }

        @Override
        public void close() {
            if (owner.release(this)) {
                CL.clReleaseMemObject(x);
                CL.clReleaseMemObject(y);
            }
        }
    }

    /** One chain's buffers, queue and kernel objects (kernel arguments are per object, so never shared). */
    static final class DeviceWorkspace implements Workspace {
        private final OpenClBackend owner;
        final DeviceData data;
        final int experts;
        final int groups;
        final int batch;
        final cl_command_queue queue;
        final cl_kernel allocate;
        final cl_kernel gateGradient;
        final cl_kernel gateStats;
        final cl_kernel reducePartials;
        final cl_mem z;
        final cl_mem partial;
        final cl_mem out;
        final cl_mem params;
        /** The reference gates of kernel (b), (K-1) d doubles as ParamsBlock.w. */
        final cl_mem referenceGates;

        DeviceWorkspace(OpenClBackend owner, DeviceData data, int experts, int groups, int batch,
                        cl_command_queue queue, cl_kernel allocate, cl_kernel gateGradient, cl_kernel gateStats,
                        cl_kernel reducePartials, cl_mem z, cl_mem partial, cl_mem out, cl_mem params,
                        cl_mem referenceGates) {
            this.owner = owner;
            this.data = data;
            this.experts = experts;
            this.groups = groups;
            this.batch = batch;
            this.queue = queue;
            this.allocate = allocate;
            this.gateGradient = gateGradient;
            this.gateStats = gateStats;
            this.reducePartials = reducePartials;
            this.z = z;
            this.partial = partial;
            this.out = out;
            this.params = params;
            this.referenceGates = referenceGates;
        }

        @Override
        public Resident data() {
            return data;
        }

        @Override
        public int experts() {
            return experts;
        }

        /** The arguments that stay put for the whole run: the resident data and this chain's buffers. */
        void bindStaticArguments(int chunk, int local) {
            long scratch = (long) batch * local * Sizeof.cl_double;
            arg(allocate, 0, data.x);
            arg(allocate, 1, data.y);
            arg(allocate, 2, data.n);
            arg(allocate, 3, chunk);
            arg(allocate, 4, params);
            arg(allocate, 8, z);
            arg(allocate, 9, partial);
            localArg(allocate, 10, scratch);
            arg(gateGradient, 0, data.x);
            arg(gateGradient, 1, data.y);
            arg(gateGradient, 2, data.n);
            arg(gateGradient, 3, chunk);
            arg(gateGradient, 4, params);
            arg(gateGradient, 5, referenceGates);
            arg(gateGradient, 8, partial);
            localArg(gateGradient, 9, scratch);
            arg(gateStats, 0, data.x);
            arg(gateStats, 1, data.n);
            arg(gateStats, 2, chunk);
            arg(gateStats, 3, z);
            arg(gateStats, 4, params);
            arg(gateStats, 9, partial);
            localArg(gateStats, 10, scratch);
            arg(reducePartials, 0, partial);
            arg(reducePartials, 1, groups);
            arg(reducePartials, 3, out);
            localArg(reducePartials, 4, scratch);
        }

        /** Host to device: the parameters, flat as [w | beta | logNorm | halfPrecision]. Blocking. */
        void writeParams(ParamsBlock p) {
            double[] flat = new double[paramsSize(p.experts(), p.dim())];
            int at = 0;
            System.arraycopy(p.w(), 0, flat, at, p.w().length);
            at += p.w().length;
            System.arraycopy(p.beta(), 0, flat, at, p.beta().length);
            at += p.beta().length;
            System.arraycopy(p.logNorm(), 0, flat, at, p.logNorm().length);
            at += p.logNorm().length;
            System.arraycopy(p.halfPrecision(), 0, flat, at, p.halfPrecision().length);
            CL.clEnqueueWriteBuffer(queue, params, CL_TRUE, 0, (long) flat.length * Sizeof.cl_double,
                    Pointer.to(flat), 0, null, null);
        }

        /** Host to device: kernel (b)'s reference gates, flat as ParamsBlock.w. Blocking. */
        void writeReferenceGates(double[] gates) {
            int expected = (experts - 1) * (data.p + 1);
            if (gates.length != expected) {
                throw new IllegalArgumentException("need " + expected + " reference gate coefficients, got "
                        + gates.length);
            }
            if (expected > 0) {
                CL.clEnqueueWriteBuffer(queue, referenceGates, CL_TRUE, 0, (long) expected * Sizeof.cl_double,
                        Pointer.to(gates), 0, null, null);
            }
        }

        void run(cl_kernel kernel, long[] global, long[] localSize) {
            CL.clEnqueueNDRangeKernel(queue, kernel, global.length, null, global, localSize, 0, null, null);
        }

        /** Adds the groups' partial sums of m components on the device and reads the m totals (blocking). */
        double[] reduce(int m, int local) {
            arg(reducePartials, 2, m);
            run(reducePartials, new long[] {(long) m * local}, new long[] {local});
            double[] sums = new double[m];
            CL.clEnqueueReadBuffer(queue, out, CL_TRUE, 0, (long) m * Sizeof.cl_double, Pointer.to(sums), 0, null, null);
            return sums;
        }

        @Override
        public void close() {
            if (!owner.release(this)) {
                return;
            }
            for (cl_mem m : new cl_mem[] {z, partial, out, params, referenceGates}) {
                CL.clReleaseMemObject(m);
            }
            for (cl_kernel k : new cl_kernel[] {allocate, gateGradient, gateStats, reducePartials}) {
                CL.clReleaseKernel(k);
            }
            CL.clReleaseCommandQueue(queue);
        }
    }
}
