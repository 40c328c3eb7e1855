package bmoe.backend.opencl;

import static org.jocl.CL.CL_MEM_COPY_HOST_PTR;
import static org.jocl.CL.CL_MEM_READ_ONLY;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_TRUE;

import bmoe.backend.Allocation;
import bmoe.backend.Backend;
import bmoe.backend.BatchedBackend;
import bmoe.backend.BackendUnavailableException;
import bmoe.backend.ExpertStats;
import bmoe.backend.GateGradient;
import bmoe.backend.GateStats;
import bmoe.backend.ParamsBlock;
import bmoe.model.Dataset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntPredicate;
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
 * {@link #upload} copies x and y to the device once per run; a workspace is a chain's slot for its allocations in
 * a slab there (with the slab's queue, partial sums and parameter buffers); each kernel call writes the
 * {@link ParamsBlock} (a few hundred bytes, and kernel (b)'s reference gates) and the chain's key, sweep and slot
 * up and reads only the reduced sums down: 1 + K (1 + d(d+1)/2 + d + 1) doubles for
 * {@link #allocate}, 2 + D + D(D+1)/2 with D = (K-1) d for {@link #gateGradient} with the metric.
 * Per-observation arrays never cross the bus, except z when {@link #allocations} is asked for.
 *
 * <p>Every per-observation kernel splits the rows into groups of {@code chunk}; a group's work-items reduce
 * by a fixed tree, then {@code reducePartials} adds the groups in a fixed tree. The sums therefore depend on
 * (chunk, work-group size), not on scheduling, and a run repeats bit for bit on the same device.
 *
 * <p>Several chains in one launch ({@link #allocateAll} and its kin): the kernels take a chain index (work group q
 * is chain q % chains over row group q / chains), each chain its parameters, key, sweep and z slot, and the same
 * fixed trees, so each chain's sums are bit-identical to those of a launch of its own. A launch advances the chains
 * of one slab: the allocations of workspaces of one K in one buffer of slots, with one queue, kernel objects and
 * launch buffers. On data uploaded with {@link #upload(Dataset, int)} the workspaces of one K share a slab (a
 * chain whose K changes has a workspace in each K's slab), which grows by doubling as workspaces come (its z copied
 * on the device), and its launch buffers grow to the most chains launched at once; otherwise every workspace has a
 * slab of its own.
 *
 * <p>Chains may share one backend from several threads: launches over a slab are made holding its monitor; a
 * workspace of its own slab is thus a chain's own queue and kernel objects, as before slabs.
 * The data and the programs are shared read-only.
 */
public final class OpenClBackend implements BatchedBackend {
    /** Work-items per group: a power of two that every OpenCL 1.2 device accepts. */
    public static final int DEFAULT_LOCAL_SIZE = 64;
    /** Rows per work group: enough groups to fill a GPU at n = 1e5, few enough partial sums at n = 1e8. */
    public static final int DEFAULT_CHUNK = 4096;
    /**
     * Chains per launch by default on a GPU: all of a run's (see {@link #chainsPerPass}). On another device (a CPU
     * one, PoCL's) 1: there the kernels are bound by arithmetic, not by reading x, and shared launches measured no
     * faster (bench/RESULTS.md, "Several chains per pass").
     */
    public static final int GPU_CHAINS_PER_PASS = Integer.MAX_VALUE;
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
        return open(index, chunk, null);
    }

    /**
     * {@link #open(int, int)} with at most {@code chainsPerPass} chains in one launch (null: the default, all on a
     * GPU, else 1).
     */
    public static OpenClBackend open(int index, int chunk, Integer chainsPerPass) {
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
        OpenClDevices.Device device = devices.get(index);
        return new OpenClBackend(device, chunk, DEFAULT_LOCAL_SIZE,
                chainsPerPass != null ? chainsPerPass : device.isGpu() ? GPU_CHAINS_PER_PASS : 1);
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
        return upload(data, 0);
    }

    /**
     * With the workspaces of each K sharing one slab (first sized for {@code chains} of them), so that one launch
     * advances them together; 0: every workspace a slab of its own, as {@link #upload(Dataset)}.
     */
    @Override
    public Resident upload(Dataset data, int chains) {
        if (chains < 0) {
            throw new IllegalArgumentException("chains must be >= 0, got " + chains);
        }
        long xBytes = 4L * data.n() * data.p();
        long needed = xBytes + 4L * data.n() + (long) Math.max(1, chains) * data.n();
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
        return hold(new DeviceData(this, x, y, data.n(), data.p(), chains));
    }

    /** A slot of the data's slab of this K (data uploaded with room for chains), else a slab of its own. */
    @Override
    public Workspace workspace(Resident data, int experts) {
        DeviceData dd = (DeviceData) data;
        if (dd.share > 0) {
            Slab slab = dd.sharedSlab(experts);
            return hold(new DeviceWorkspace(this, dd, slab, slab.take(), experts, false));
        }
        Slab own = new Slab(dd, experts, 1);
        return hold(new DeviceWorkspace(this, dd, own, own.take(), experts, true));
    }

    /** Kernel (a): one launch per slab and K, each chain's sums bit-identical to a launch of its own. */
    @Override
    public List<Outcome<Allocation>> allocateAll(List<AllocateCall> calls) {
        List<Outcome<Allocation>> out = new ArrayList<>(Collections.nCopies(calls.size(), null));
        for (Map.Entry<Launch, List<Integer>> group : launches(calls.stream().map(AllocateCall::ws).toList(),
                i -> false).entrySet()) {
            List<AllocateCall> those = group.getValue().stream().map(calls::get).toList();
            Slab slab = group.getKey().slab();
            int dim = slab.data.p + 1;
            int experts = group.getKey().experts();
            int m = allocationSize(experts, dim);
            double[] sums;
            synchronized (slab) {
                sums = slab.launcher.allocate(those);
            }
            for (int c = 0; c < those.size(); c++) {
                double[] stats = new double[experts * ExpertStats.stride(dim)];
                System.arraycopy(sums, c * m + 1, stats, 0, stats.length);
                out.set(group.getValue().get(c),
                        Outcome.of(new Allocation(sums[c * m], new ExpertStats(experts, dim, stats))));
            }
        }
        return out;
    }

    /**
     * Kernel (b): one launch per slab, K and metric flag. Non-finite sums (gates so large that the logits overflow)
     * come back as they are, as on the CPU: GateMove rejects such a proposal and refuses such a current point.
     */
    @Override
    public List<Outcome<GateGradient>> gateGradientAll(List<GradientCall> calls) {
        List<Outcome<GateGradient>> out = new ArrayList<>(Collections.nCopies(calls.size(), null));
        List<Integer> valid = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            GradientCall c = calls.get(i);
            int expected = (c.ws().experts() - 1) * (c.ws().data().p() + 1);
            if (c.referenceGates() != null && c.referenceGates().length != expected) {
                out.set(i, Outcome.failed(new IllegalArgumentException("need " + expected
                        + " reference gate coefficients, got " + c.referenceGates().length)));
            } else {
                valid.add(i);
            }
        }
        List<Workspace> ws = valid.stream().map(i -> calls.get(i).ws()).toList();
        for (Map.Entry<Launch, List<Integer>> group : launches(ws, j -> calls.get(valid.get(j)).metric()).entrySet()) {
            List<Integer> indices = group.getValue().stream().map(valid::get).toList();
            List<GradientCall> those = indices.stream().map(calls::get).toList();
            Slab slab = group.getKey().slab();
            int dim = slab.data.p + 1;
            int experts = group.getKey().experts();
            boolean metric = group.getKey().metric();
            // without the metric the kernel sums and the host reads only [logLik, logLikDiff, gradient]
            int m = GateGradient.size(experts, dim, metric);
            double[] sums;
            synchronized (slab) {
                sums = slab.launcher.gateGradient(those, metric);
            }
            for (int c = 0; c < those.size(); c++) {
                out.set(indices.get(c), Outcome.of(new GateGradient(experts - 1, dim, metric,
                        Arrays.copyOfRange(sums, c * m, (c + 1) * m))));
            }
        }
        return out;
    }

    /** Kernel (c), each chain its own gate: one launch per slab and K. */
    @Override
    public List<Outcome<GateStats>> gateStatsAll(List<GateStatsCall> calls) {
        List<Outcome<GateStats>> out = new ArrayList<>(Collections.nCopies(calls.size(), null));
        for (Map.Entry<Launch, List<Integer>> group : launches(calls.stream().map(GateStatsCall::ws).toList(),
                i -> false).entrySet()) {
            List<GateStatsCall> those = group.getValue().stream().map(calls::get).toList();
            Slab slab = group.getKey().slab();
            int dim = slab.data.p + 1;
            int m = GateStats.size(dim);
            double[] sums;
            synchronized (slab) {
                sums = slab.launcher.gateStats(those);
            }
            for (int c = 0; c < those.size(); c++) {
                double[] mine = Arrays.copyOfRange(sums, c * m, (c + 1) * m);
                out.set(group.getValue().get(c), finite(mine) ? Outcome.of(new GateStats(dim, mine))
                        // the kernel's Polya-Gamma draw returns NaN for a non-finite argument instead of looping
                        : Outcome.failed(new IllegalStateException("Polya-Gamma argument is not finite for gate "
                                + (those.get(c).gate() + 1) + " in sweep " + those.get(c).sweep())));
            }
        }
        return out;
    }

    private static boolean finite(double[] sums) {
        for (double v : sums) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /** What one launch shares: the slab of allocations, the shape K and (kernel b) the metric flag. */
    private record Launch(Slab slab, int experts, boolean metric) {}

    /**
     * The calls' indices by launch, in the calls' order. Refuses a workspace of another backend, or one twice (two
     * calls would write one z).
     */
    private Map<Launch, List<Integer>> launches(List<Workspace> ws, IntPredicate metric) {
        Map<Launch, List<Integer>> out = new LinkedHashMap<>();
        Set<Workspace> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < ws.size(); i++) {
            if (!(ws.get(i) instanceof DeviceWorkspace w) || w.owner != this) {
                throw new IllegalArgumentException("not a workspace of this OpenCL backend: " + ws.get(i));
            }
            if (!seen.add(w)) {
                throw new IllegalArgumentException("one workspace twice in one launch");
            }
            out.computeIfAbsent(new Launch(w.slab, w.experts, metric.test(i)), k -> new ArrayList<>()).add(i);
        }
        return out;
    }

    @Override
    public byte[] allocations(Workspace workspace) {
        DeviceWorkspace ws = (DeviceWorkspace) workspace;
        byte[] z = new byte[ws.data.n()];
        if (z.length > 0) {
            synchronized (ws.slab) {
                CL.clEnqueueReadBuffer(ws.slab.queue, ws.slab.z, CL_TRUE, (long) ws.slot * ws.data.n(), z.length,
                        Pointer.to(z), 0, null, null);
            }
        }
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

    /** The largest reduction of any kernel at this shape: it sizes the partial sums, the totals and the scratch. */
    static int largestReduction(int experts, int dim) {
        return Math.max(allocationSize(experts, dim),
                Math.max(GateStats.size(dim), GateGradient.size(experts, dim, true)));
    }

    /** One chain's arguments of a launch, CHAIN_ARGS uints as common.clh lays them out. */
    static final int CHAIN_ARGS = 5;
    static final int CHAIN_KEY0 = 0;
    static final int CHAIN_KEY1 = 1;
    static final int CHAIN_SWEEP = 2;
    static final int CHAIN_SLOT = 3;
    static final int CHAIN_GATE = 4;
    static final int CHAIN_WITH_REFERENCE = 4;

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

    /** x and y on the device, and (uploaded with room for chains) the slabs its workspaces share, one per K. */
    static final class DeviceData implements Resident {
        private final OpenClBackend owner;
        final cl_mem x;
        final cl_mem y;
        private final int n;
        private final int p;
        /** The first slots of each shared slab; 0: no sharing, a slab per workspace. */
        final int share;
        private final Map<Integer, Slab> shared = new HashMap<>();

        DeviceData(OpenClBackend owner, cl_mem x, cl_mem y, int n, int p, int share) {
            this.owner = owner;
            this.x = x;
            this.y = y;
            this.n = n;
            this.p = p;
            this.share = share;
        }

        /** The slab the workspaces of K share, made on first use. */
        synchronized Slab sharedSlab(int experts) {
            Slab slab = shared.get(experts);
            if (slab == null) {
                slab = owner.new Slab(this, experts, share);
                shared.put(experts, slab);
            }
            return slab;
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
                synchronized (this) {
                    shared.values().forEach(Slab::close);
                    shared.clear();
                }
                CL.clReleaseMemObject(x);
                CL.clReleaseMemObject(y);
            }
        }
    }

    /**
     * The allocations of workspaces of one K in one buffer of slots (slot s at z[s n ...]), with the command queue
     * every launch over them goes to and the {@link Launcher} of those launches. Launches are made holding its monitor
     * (kernel arguments are per kernel object, so they are never set from two threads); a slot taken when all are
     * taken doubles the buffer, the allocations copied over on the device.
     */
    final class Slab implements AutoCloseable {
        final DeviceData data;
        final int experts;
        final cl_command_queue queue;
        final Launcher launcher;
        cl_mem z;
        private boolean[] taken;

        Slab(DeviceData data, int experts, int slots) {
            this.data = data;
            this.experts = experts;
            this.taken = new boolean[Math.max(1, slots)];
            this.z = buffer(CL_MEM_READ_WRITE, Math.max(1, (long) taken.length * data.n));
            this.queue = CL.clCreateCommandQueue(context, device.deviceId(), 0, null);
            try {
                // builds the program of this shape now, so a build error surfaces at the workspace
                this.launcher = new Launcher(this, experts);
            } catch (RuntimeException e) {
                CL.clReleaseMemObject(z);
                CL.clReleaseCommandQueue(queue);
                throw e;
            }
        }

        /** A free slot; the buffer doubles when none is. */
        synchronized int take() {
            for (int s = 0; s < taken.length; s++) {
                if (!taken[s]) {
                    taken[s] = true;
                    return s;
                }
            }
            int slot = taken.length;
            long bytes = (long) slot * data.n;
            cl_mem grown = buffer(CL_MEM_READ_WRITE, Math.max(1, 2 * bytes));
            if (bytes > 0) {
                CL.clEnqueueCopyBuffer(queue, z, grown, 0, 0, bytes, 0, null, null);
                CL.clFinish(queue);
            }
            CL.clReleaseMemObject(z);
            z = grown;
            taken = Arrays.copyOf(taken, 2 * slot);
            taken[slot] = true;
            launcher.bindAllocations();
            return slot;
        }

        synchronized void give(int slot) {
            taken[slot] = false;
        }

        @Override
        public synchronized void close() {
            launcher.close();
            CL.clReleaseMemObject(z);
            CL.clReleaseCommandQueue(queue);
        }
    }

    /**
     * The launches over one slab: kernel objects and buffers (parameters, reference gates, per-chain arguments,
     * partial sums, totals) for as many chains at once as launched so far, grown when a launch has more. Used under
     * the slab's monitor.
     */
    final class Launcher {
        final Slab slab;
        final int experts;
        final int dim;
        final int groups;
        final cl_kernel allocate;
        final cl_kernel gateGradient;
        final cl_kernel gateStats;
        final cl_kernel reducePartials;
        private final int largest;
        private int capacity;
        private cl_mem params;
        private cl_mem refs;
        private cl_mem chainArgs;
        private cl_mem partial;
        private cl_mem out;

        Launcher(Slab slab, int experts) {
            this.slab = slab;
            this.experts = experts;
            this.dim = slab.data.p + 1;
            int n = slab.data.n;
            this.largest = largestReduction(experts, dim);
            // the largest reduction of any kernel sizes the batch of components per pass through local memory
            int batch = Math.max(1, Math.min(largest, SCRATCH_BUDGET / (local * Sizeof.cl_double)));
            cl_program program = program(dim, experts, batch);
            this.groups = (int) ((n + (long) chunk - 1) / chunk);
            this.allocate = CL.clCreateKernel(program, "allocate", null);
            this.gateGradient = CL.clCreateKernel(program, "gateGradient", null);
            this.gateStats = CL.clCreateKernel(program, "gateStats", null);
            this.reducePartials = CL.clCreateKernel(program, "reducePartials", null);
            long scratch = (long) batch * local * Sizeof.cl_double;
            DeviceData d = slab.data;
            // the arguments that stay put: the resident data and the scratch (kernels/*.cl's signatures)
            // allocate(x, y, n, chunk, chains, params, chainArgs, zs, partial, scratch)
            arg(allocate, 0, d.x);
            arg(allocate, 1, d.y);
            arg(allocate, 2, d.n);
            arg(allocate, 3, chunk);
            localArg(allocate, 9, scratch);
            // gateGradient(x, y, n, chunk, chains, params, refs, chainArgs, withMetric, partial, scratch)
            arg(gateGradient, 0, d.x);
            arg(gateGradient, 1, d.y);
            arg(gateGradient, 2, d.n);
            arg(gateGradient, 3, chunk);
            localArg(gateGradient, 10, scratch);
            // gateStats(x, n, chunk, chains, zs, params, chainArgs, partial, scratch)
            arg(gateStats, 0, d.x);
            arg(gateStats, 1, d.n);
            arg(gateStats, 2, chunk);
            localArg(gateStats, 8, scratch);
            // reducePartials(partial, groups, m, chains, out, scratch)
            arg(reducePartials, 1, groups);
            localArg(reducePartials, 5, scratch);
            bindAllocations();
            ensure(1);
        }

        /** Binds the slab's buffer of allocations (again after it grew). */
        void bindAllocations() {
            arg(allocate, 7, slab.z);
            arg(gateStats, 4, slab.z);
        }

        /** Buffers for {@code chains} chains in one launch, grown (and bound) when they hold fewer. */
        private void ensure(int chains) {
            if (chains <= capacity) {
                return;
            }
            if (capacity > 0) {
                release();
            }
            params = buffer(CL_MEM_READ_ONLY, (long) chains * paramsSize(experts, dim) * Sizeof.cl_double);
            refs = buffer(CL_MEM_READ_ONLY, (long) chains * Math.max(1, (experts - 1) * dim) * Sizeof.cl_double);
            chainArgs = buffer(CL_MEM_READ_ONLY, (long) chains * CHAIN_ARGS * Sizeof.cl_uint);
            partial = buffer(CL_MEM_READ_WRITE, (long) chains * groups * largest * Sizeof.cl_double);
            out = buffer(CL_MEM_READ_WRITE, (long) chains * largest * Sizeof.cl_double);
            capacity = chains;
            arg(allocate, 5, params);
            arg(allocate, 6, chainArgs);
            arg(allocate, 8, partial);
            arg(gateGradient, 5, params);
            arg(gateGradient, 6, refs);
            arg(gateGradient, 7, chainArgs);
            arg(gateGradient, 9, partial);
            arg(gateStats, 5, params);
            arg(gateStats, 6, chainArgs);
            arg(gateStats, 7, partial);
            arg(reducePartials, 0, partial);
            arg(reducePartials, 4, out);
        }

        private void release() {
            for (cl_mem m : new cl_mem[] {params, refs, chainArgs, partial, out}) {
                CL.clReleaseMemObject(m);
            }
        }

        /** Kernel (a) for the calls' chains; their ALLOCATE_SIZE totals, chain after chain. */
        double[] allocate(List<AllocateCall> calls) {
            int chains = calls.size();
            writeParams(calls.stream().map(AllocateCall::params).toList());
            int[] args = new int[chains * CHAIN_ARGS];
            for (int c = 0; c < chains; c++) {
                AllocateCall call = calls.get(c);
                args[c * CHAIN_ARGS + CHAIN_KEY0] = call.key().k0();
                args[c * CHAIN_ARGS + CHAIN_KEY1] = call.key().k1();
                args[c * CHAIN_ARGS + CHAIN_SWEEP] = call.sweep();
                args[c * CHAIN_ARGS + CHAIN_SLOT] = ((DeviceWorkspace) call.ws()).slot;
            }
            writeArgs(args);
            arg(allocate, 4, chains);
            run(allocate, (long) chains * groups);
            // one reduction for [logLik, expert 0, ..., expert K-1] per chain, the kernel's partial layout
            return reduce(allocationSize(experts, dim), chains);
        }

        /** Kernel (b) for the calls' chains, all with or all without the metric; their totals, chain after chain. */
        double[] gateGradient(List<GradientCall> calls, boolean metric) {
            int chains = calls.size();
            writeParams(calls.stream().map(GradientCall::params).toList());
            int free = (experts - 1) * dim;
            int[] args = new int[chains * CHAIN_ARGS];
            double[] gates = null;
            for (int c = 0; c < chains; c++) {
                double[] ref = calls.get(c).referenceGates();
                args[c * CHAIN_ARGS + CHAIN_SLOT] = ((DeviceWorkspace) calls.get(c).ws()).slot;
                if (ref != null) {
                    args[c * CHAIN_ARGS + CHAIN_WITH_REFERENCE] = 1;
                    gates = gates != null ? gates : new double[chains * free];
                    System.arraycopy(ref, 0, gates, c * free, free);
                }
            }
            if (gates != null && gates.length > 0) {
                CL.clEnqueueWriteBuffer(slab.queue, refs, CL_TRUE, 0, (long) gates.length * Sizeof.cl_double,
                        Pointer.to(gates), 0, null, null);
            }
            writeArgs(args);
            arg(gateGradient, 4, chains);
            arg(gateGradient, 8, metric ? 1 : 0);
            run(gateGradient, (long) chains * groups);
            return reduce(GateGradient.size(experts, dim, metric), chains);
        }

        /** Kernel (c) for the calls' chains (each its gate); their GATE_SIZE totals, chain after chain. */
        double[] gateStats(List<GateStatsCall> calls) {
            int chains = calls.size();
            writeParams(calls.stream().map(GateStatsCall::params).toList());
            int[] args = new int[chains * CHAIN_ARGS];
            for (int c = 0; c < chains; c++) {
                GateStatsCall call = calls.get(c);
                args[c * CHAIN_ARGS + CHAIN_KEY0] = call.key().k0();
                args[c * CHAIN_ARGS + CHAIN_KEY1] = call.key().k1();
                args[c * CHAIN_ARGS + CHAIN_SWEEP] = call.sweep();
                args[c * CHAIN_ARGS + CHAIN_SLOT] = ((DeviceWorkspace) call.ws()).slot;
                args[c * CHAIN_ARGS + CHAIN_GATE] = call.gate();
            }
            writeArgs(args);
            arg(gateStats, 3, chains);
            run(gateStats, (long) chains * groups);
            return reduce(GateStats.size(dim), chains);
        }

        /** Host to device: each chain's parameters, flat as [w | beta | logNorm | halfPrecision], one after another. */
        private void writeParams(List<ParamsBlock> blocks) {
            ensure(blocks.size());
            int size = paramsSize(experts, dim);
            double[] flat = new double[blocks.size() * size];
            for (int c = 0; c < blocks.size(); c++) {
                ParamsBlock p = blocks.get(c);
                if (p.experts() != experts || p.dim() != dim) {
                    throw new IllegalArgumentException("parameters of K = " + p.experts() + ", d = " + p.dim()
                            + " for a workspace of K = " + experts + ", d = " + dim);
                }
                int at = c * size;
                for (double[] part : new double[][] {p.w(), p.beta(), p.logNorm(), p.halfPrecision()}) {
                    System.arraycopy(part, 0, flat, at, part.length);
                    at += part.length;
                }
            }
            CL.clEnqueueWriteBuffer(slab.queue, params, CL_TRUE, 0, (long) flat.length * Sizeof.cl_double,
                    Pointer.to(flat), 0, null, null);
        }

        private void writeArgs(int[] args) {
            CL.clEnqueueWriteBuffer(slab.queue, chainArgs, CL_TRUE, 0, (long) args.length * Sizeof.cl_uint,
                    Pointer.to(args), 0, null, null);
        }

        private void run(cl_kernel kernel, long groupsInAll) {
            CL.clEnqueueNDRangeKernel(slab.queue, kernel, 1, null, new long[] {groupsInAll * local}, new long[] {local},
                    0, null, null);
        }

        /** Adds the groups' partial sums of m components per chain on the device and reads the totals (blocking). */
        private double[] reduce(int m, int chains) {
            arg(reducePartials, 2, m);
            arg(reducePartials, 3, chains);
            run(reducePartials, (long) chains * m);
            double[] sums = new double[chains * m];
            CL.clEnqueueReadBuffer(slab.queue, out, CL_TRUE, 0, (long) sums.length * Sizeof.cl_double, Pointer.to(sums),
                    0, null, null);
            return sums;
        }

        void close() {
            release();
            for (cl_kernel k : new cl_kernel[] {allocate, gateGradient, gateStats, reducePartials}) {
                CL.clReleaseKernel(k);
            }
        }
    }

    /** One chain's slot of a slab of its K (its own slab on data uploaded without room for chains). */
    static final class DeviceWorkspace implements Workspace {
        private final OpenClBackend owner;
        final DeviceData data;
        final Slab slab;
        final int slot;
        final int experts;
        /** Whether the slab is this workspace's alone (freed with it). */
        private final boolean ownsSlab;

        DeviceWorkspace(OpenClBackend owner, DeviceData data, Slab slab, int slot, int experts, boolean ownsSlab) {
            this.owner = owner;
            this.data = data;
            this.slab = slab;
            this.slot = slot;
            this.experts = experts;
            this.ownsSlab = ownsSlab;
        }

        @Override
        public Resident data() {
            return data;
        }

        @Override
        public int experts() {
            return experts;
        }

        @Override
        public void close() {
            owner.release(this);
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            if (ownsSlab) {
                slab.close();
            } else {
                slab.give(slot);
            }
        }

        private boolean closed;
    }
}
