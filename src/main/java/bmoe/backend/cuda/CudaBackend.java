package bmoe.backend.cuda;

import bmoe.backend.Allocation;
import bmoe.backend.Backend;
import bmoe.backend.BatchedBackend;
import bmoe.backend.BackendUnavailableException;
import bmoe.backend.ExpertStats;
import bmoe.backend.GateGradient;
import bmoe.backend.GateStats;
import bmoe.backend.ParamsBlock;
import bmoe.model.Dataset;
import com.sun.jna.Memory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * The kernels of kernels/*.cl on one CUDA device through the driver API, built by nvcc at build time
 * (scripts/build-ptx) and carried in the jar as one fatbin per (d, K). The structure is OpenClBackend's:
 * {@link #upload} copies x and y once per run; a workspace is a chain's slot for its z in a slab (with the slab's
 * stream, partial sums and parameter buffers); each kernel call writes the {@link ParamsBlock} up and reads only
 * the reduced sums down.
 *
 * <p>The same work decomposition as OpenCL, so the same sums: block g owns rows [g chunk, (g+1) chunk), its
 * {@value CudaKernels#LOCAL} threads reduce by the fixed tree of group_sum in shared memory, and
 * reducePartials adds the blocks in a fixed tree on the device. A run therefore repeats bit for bit on the
 * same device and matches the OpenCL backend's sums up to the devices' exp and log.
 *
 * <p>Several chains in one launch, as on OpenCL: the same kernels with a chain index, one launch per slab (the z of
 * workspaces of one K in one buffer, shared by K on data uploaded with {@link #upload(Dataset, int)}, grown by
 * doubling; else one per workspace), each chain's sums bit-identical to a launch of its own.
 *
 * <p>Chains may share one backend from several threads: each slab has its own stream, argument blocks and buffers,
 * used under the slab's monitor (a workspace of its own slab is a chain's own stream, as before slabs), and every
 * call makes the device's primary context current on the calling thread first.
 */
public final class CudaBackend implements BatchedBackend {
    /** Rows per block, as OpenCL's work groups. */
    public static final int DEFAULT_CHUNK = 4096;
    /** Chains per launch by default: all of a run's (see {@link #chainsPerPass}). */
    public static final int DEFAULT_CHAINS_PER_PASS = Integer.MAX_VALUE;
    /** The one line when the jar was built without nvcc. */
    public static final String NO_KERNELS = "this build has no CUDA kernels (nvcc was not on the PATH at build time)";
    private static final int SCRATCH_BYTES = CudaKernels.BATCH * CudaKernels.LOCAL * Double.BYTES;
    private static final double GIB = 1024.0 * 1024.0 * 1024.0;

    private final CudaDriver driver;
    private final CudaDevices.Device device;
    private final long context;
    private final int chunk;
    private final int chainsPerPass;
    private final Map<List<Integer>, Module> modules = new HashMap<>();
    /** Device objects still held, freed in reverse order by {@link #close()} unless closed before. */
    private final List<AutoCloseable> held = new ArrayList<>();
    private boolean closed;

    private CudaBackend(CudaDriver driver, CudaDevices.Device device, int chunk, int chainsPerPass) {
        if (chunk < 1) {
            throw new IllegalArgumentException("block size must be >= 1, got " + chunk);
        }
        if (chainsPerPass < 1) {
            throw new IllegalArgumentException("chains per pass must be >= 1, got " + chainsPerPass);
        }
        this.chainsPerPass = chainsPerPass;
        this.driver = driver;
        this.device = device;
        this.chunk = chunk;
        this.context = driver.retainPrimaryContext(device.handle());
    }

    /**
     * The backend on CUDA device {@code index} as numbered by {@link CudaDevices#list()}.
     *
     * @throws BackendUnavailableException without a driver, without such a device, or without kernels in the jar
     */
    public static CudaBackend open(int index, int chunk) {
        return open(index, chunk, DEFAULT_CHAINS_PER_PASS);
    }

    /** {@link #open(int, int)} with at most {@code chainsPerPass} chains in one launch. */
    public static CudaBackend open(int index, int chunk, int chainsPerPass) {
        String missing = kernelsMissing();
        if (missing != null) {
            throw new BackendUnavailableException(missing);
        }
        List<CudaDevices.Device> devices = CudaDevices.list();
        if (devices.isEmpty()) {
            throw new BackendUnavailableException("no CUDA device: the driver loads but lists none");
        }
        if (index < 0 || index >= devices.size()) {
            throw new BackendUnavailableException("no CUDA device " + index + "; there "
                    + (devices.size() == 1 ? "is 1 device (0)" : "are " + devices.size() + " devices (0.."
                    + (devices.size() - 1) + ")") + ", see 'bmoe devices'");
        }
        return new CudaBackend(CudaDriver.load(), devices.get(index), chunk, chainsPerPass);
    }

    /** Null when the jar carries the CUDA modules, else why not (one line). Loads nothing. */
    public static String kernelsMissing() {
        return CudaBackend.class.getClassLoader().getResource("cuda/BUILD-KEY") == null ? NO_KERNELS : null;
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String describe() {
        boolean native90 = device.major() == CudaKernels.CUBIN_MAJOR && device.minor() == CudaKernels.CUBIN_MINOR;
        return String.format(Locale.ROOT, "cuda (device %d: %s; driver %s; %s; groups of %d rows x %d threads)",
                device.index(), device.describe(), driver.version(),
                native90 ? "sm_90 code from the jar" : "compute_75 PTX compiled by the driver", chunk, CudaKernels.LOCAL);
    }

    @Override
    public int blockSize() {
        return chunk;
    }

    @Override
    public int chainsPerPass() {
        return chainsPerPass;
    }

    public CudaDevices.Device device() {
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
        if (needed > device.globalMemory()) {
            throw new BackendUnavailableException(String.format(Locale.ROOT,
                    "the data need %.2f GiB on the device, which has %.2f GiB", needed / GIB, device.globalMemory() / GIB));
        }
        current();
        long x = driver.alloc(Math.max(4, xBytes));
        long y;
        try {
            y = driver.alloc(4L * data.n());
        } catch (RuntimeException e) {
            driver.free(x);
            throw e;
        }
        DeviceData dd = hold(new DeviceData(this, x, y, data.n(), data.p(), chains));
        if (xBytes > 0) {
            try (Memory host = new Memory(xBytes)) {
                host.write(0, data.x(), 0, data.x().length);
                driver.copyToDevice(x, host, xBytes);
                // a copy from pageable memory may return before its DMA ends; the chains' streams do not
                // wait for the default stream, so wait here once
                driver.synchronize();
            }
        }
        try (Memory host = new Memory(4L * data.n())) {
            host.write(0, data.y(), 0, data.n());
            driver.copyToDevice(y, host, 4L * data.n());
            driver.synchronize();
        }
        return dd;
    }

    /** A slot of the data's slab of this K (data uploaded with room for chains), else a slab of its own. */
    @Override
    public Workspace workspace(Resident data, int experts) {
        DeviceData dd = (DeviceData) data;
        int dim = dd.p() + 1;
        if (!CudaKernels.inGrid(dim, experts)) {
            throw new BackendUnavailableException(String.format(Locale.ROOT,
                    "this build has CUDA kernels for p = %d..%d and K = %d..%d (one module per shape, compiled by "
                            + "nvcc at build time); p = %d, K = %d needs --backend opencl or cpu",
                    CudaKernels.MIN_DIM - 1, CudaKernels.MAX_DIM - 1, CudaKernels.MIN_EXPERTS,
                    CudaKernels.MAX_EXPERTS, dd.p(), experts));
        }
        current();
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
        current();
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
     * Kernel (b): one launch per slab, K and metric flag; as on OpenCL, non-finite sums come back as they are, for
     * GateMove to reject.
     */
    @Override
    public List<Outcome<GateGradient>> gateGradientAll(List<GradientCall> calls) {
        current();
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
            // without the metric only [logLik, logLikDiff, gradient] is summed and read
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
        current();
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

    /** The calls' indices by launch, in the calls' order; refuses a workspace of another backend, or one twice. */
    private Map<Launch, List<Integer>> launches(List<Workspace> ws, IntPredicate metric) {
        Map<Launch, List<Integer>> out = new LinkedHashMap<>();
        Set<Workspace> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < ws.size(); i++) {
            if (!(ws.get(i) instanceof DeviceWorkspace w) || w.owner != this) {
                throw new IllegalArgumentException("not a workspace of this CUDA backend: " + ws.get(i));
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
        current();
        int n = ws.data.n();
        byte[] z = new byte[n];
        if (n > 0) {
            try (Memory host = new Memory(n)) {
                synchronized (ws.slab) {
                    driver.copyToHostAsync(host, ws.slab.z + (long) ws.slot * n, n, ws.slab.stream);
                    driver.synchronize(ws.slab.stream);
                }
                host.read(0, z, 0, n);
            }
        }
        return z;
    }

    @Override
    public void close() {
        List<AutoCloseable> all;
        synchronized (held) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(held);
        }
        current();
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                all.get(i).close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        synchronized (modules) {
            modules.values().forEach(m -> driver.unloadModule(m.handle));
            modules.clear();
        }
        driver.releasePrimaryContext(device.handle());
    }

    private void current() {
        driver.setCurrent(context);
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

    private Module module(int dim, int experts) {
        synchronized (modules) {
            return modules.computeIfAbsent(List.of(dim, experts), k -> {
                String resource = CudaKernels.moduleResource(dim, experts);
                long handle = driver.loadModule(readResource(resource), resource);
                return new Module(handle, driver.function(handle, "allocate"), driver.function(handle, "gateGradient"),
                        driver.function(handle, "gateStats"), driver.function(handle, "reducePartials"));
            });
        }
    }

    static byte[] readResource(String path) {
        try (InputStream in = CudaBackend.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new BackendUnavailableException("the CUDA module " + path + " is missing from the jar ("
                        + NO_KERNELS.replace("this build has no CUDA kernels ", "") + "?)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int paramsSize(int experts, int dim) {
        return (2 * experts - 1) * dim + 2 * experts;
    }

    /** Kernel (a)'s sums: the log-likelihood, then every expert's statistics (ALLOCATE_SIZE in common.clh). */
    static int allocationSize(int experts, int dim) {
        return 1 + experts * ExpertStats.stride(dim);
    }

    /** The largest reduction of any kernel at this shape: it sizes the partial sums and the totals. */
    static int largestReduction(int experts, int dim) {
        return Math.max(allocationSize(experts, dim),
                Math.max(GateStats.size(dim), GateGradient.size(experts, dim, true)));
    }

    /** One chain's arguments of a launch, CHAIN_ARGS uints as common.clh lays them out (as OpenClBackend's). */
    static final int CHAIN_ARGS = 5;
    static final int CHAIN_KEY0 = 0;
    static final int CHAIN_KEY1 = 1;
    static final int CHAIN_SWEEP = 2;
    static final int CHAIN_SLOT = 3;
    static final int CHAIN_GATE = 4;
    static final int CHAIN_WITH_REFERENCE = 4;

    /** One (d, K) module and its four kernels; functions are launched with per-launch arguments, so shared. */
    private record Module(long handle, long allocate, long gateGradient, long gateStats, long reducePartials) {}

    /** x and y on the device, and (uploaded with room for chains) the slabs its workspaces share, one per K. */
    static final class DeviceData implements Resident {
        private final CudaBackend owner;
        final long x;
        final long y;
        private final int n;
        private final int p;
        /** The first slots of each shared slab; 0: no sharing, a slab per workspace. */
        final int share;
        private final Map<Integer, Slab> shared = new HashMap<>();

        DeviceData(CudaBackend owner, long x, long y, int n, int p, int share) {
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
                owner.current();
                synchronized (this) {
                    shared.values().forEach(Slab::close);
                    shared.clear();
                }
                owner.driver.free(x);
                owner.driver.free(y);
            }
        }
    }

    /**
     * The allocations of workspaces of one K in one buffer of slots (slot s at z + s n), with the stream every launch
     * over them goes to and the {@link Launcher} of those launches. Launches are made holding its monitor (as
     * OpenClBackend.Slab); a slot taken when all are taken doubles the buffer, the allocations copied on the device.
     */
    final class Slab implements AutoCloseable {
        final DeviceData data;
        final int experts;
        final long stream;
        final Launcher launcher;
        long z;
        private boolean[] taken;

        Slab(DeviceData data, int experts, int slots) {
            this.data = data;
            this.experts = experts;
            this.taken = new boolean[Math.max(1, slots)];
            this.z = driver.alloc(Math.max(1, (long) taken.length * data.n));
            long s;
            try {
                s = driver.createStream();
            } catch (RuntimeException e) {
                driver.free(z);
                throw e;
            }
            this.stream = s;
            try {
                // loads the module of this shape now, so a module the GPU cannot load says so at the workspace
                this.launcher = new Launcher(this, experts);
            } catch (RuntimeException e) {
                driver.free(z);
                driver.destroyStream(stream);
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
            current();
            int slot = taken.length;
            long bytes = (long) slot * data.n;
            long grown = driver.alloc(Math.max(1, 2 * bytes));
            if (bytes > 0) {
                driver.copyOnDeviceAsync(grown, z, bytes, stream);
                driver.synchronize(stream);
            }
            driver.free(z);
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
            current();
            driver.synchronize(stream);
            launcher.close();
            driver.free(z);
            driver.destroyStream(stream);
        }
    }

    /**
     * The launches over one slab: argument blocks, device buffers (parameters, reference gates, per-chain arguments,
     * partial sums, totals) and their host staging for as many chains at once as launched so far, grown when a
     * launch has more. Used under the slab's monitor.
     */
    final class Launcher {
        final Slab slab;
        final int experts;
        final int dim;
        final int groups;
        final Module module;
        final CudaDriver.KernelArgs allocateArgs = new CudaDriver.KernelArgs(10);
        final CudaDriver.KernelArgs gradientArgs = new CudaDriver.KernelArgs(11);
        final CudaDriver.KernelArgs statsArgs = new CudaDriver.KernelArgs(9);
        final CudaDriver.KernelArgs reduceArgs = new CudaDriver.KernelArgs(6);
        private final int largest;
        private int capacity;
        private long params;
        private long refs;
        private long chainArgs;
        private long partial;
        private long out;
        private Memory paramsHost;
        private Memory refsHost;
        private Memory argsHost;
        private Memory outHost;

        Launcher(Slab slab, int experts) {
            this.slab = slab;
            this.experts = experts;
            this.dim = slab.data.p + 1;
            this.largest = largestReduction(experts, dim);
            this.module = module(dim, experts);
            this.groups = (int) ((slab.data.n + (long) chunk - 1) / chunk);
            DeviceData d = slab.data;
            // the arguments that stay put, at the positions of kernels/*.cl's signatures. The last (OpenCL's __local
            // scratch) is a null placeholder: CUDA's scratch is the launch's dynamic shared memory (LOCAL_MEMORY)
            // allocate(x, y, n, chunk, chains, params, chainArgs, zs, partial, scratch)
            allocateArgs.setPointer(0, d.x).setPointer(1, d.y).setInt(2, d.n).setInt(3, chunk).setPointer(9, 0);
            // gateGradient(x, y, n, chunk, chains, params, refs, chainArgs, withMetric, partial, scratch)
            gradientArgs.setPointer(0, d.x).setPointer(1, d.y).setInt(2, d.n).setInt(3, chunk).setPointer(10, 0);
            // gateStats(x, n, chunk, chains, zs, params, chainArgs, partial, scratch)
            statsArgs.setPointer(0, d.x).setInt(1, d.n).setInt(2, chunk).setPointer(8, 0);
            // reducePartials(partial, groups, m, chains, out, scratch)
            reduceArgs.setInt(1, groups).setPointer(5, 0);
            bindAllocations();
            ensure(1);
        }

        /** Points the kernels at the slab's buffer of allocations (again after it grew). */
        void bindAllocations() {
            allocateArgs.setPointer(7, slab.z);
            statsArgs.setPointer(4, slab.z);
        }

        /** Buffers for {@code chains} chains in one launch, grown (and bound) when they hold fewer. */
        private void ensure(int chains) {
            if (chains <= capacity) {
                return;
            }
            long paramsBytes = (long) chains * paramsSize(experts, dim) * Double.BYTES;
            long refsBytes = (long) chains * Math.max(1, (experts - 1) * dim) * Double.BYTES;
            long argsBytes = (long) chains * CHAIN_ARGS * Integer.BYTES;
            long outBytes = (long) chains * largest * Double.BYTES;
            List<Long> buffers = new ArrayList<>();
            long[] p = new long[5];
            try {
                p[0] = alloc(buffers, paramsBytes);
                p[1] = alloc(buffers, refsBytes);
                p[2] = alloc(buffers, argsBytes);
                p[3] = alloc(buffers, (long) chains * groups * largest * Double.BYTES);
                p[4] = alloc(buffers, outBytes);
            } catch (RuntimeException e) {
                buffers.forEach(driver::free);
                throw e;
            }
            if (capacity > 0) {
                release();
            }
            params = p[0];
            refs = p[1];
            chainArgs = p[2];
            partial = p[3];
            out = p[4];
            paramsHost = new Memory(paramsBytes);
            refsHost = new Memory(refsBytes);
            argsHost = new Memory(argsBytes);
            outHost = new Memory(outBytes);
            capacity = chains;
            allocateArgs.setPointer(5, params).setPointer(6, chainArgs).setPointer(8, partial);
            gradientArgs.setPointer(5, params).setPointer(6, refs).setPointer(7, chainArgs).setPointer(9, partial);
            statsArgs.setPointer(5, params).setPointer(6, chainArgs).setPointer(7, partial);
            reduceArgs.setPointer(0, partial).setPointer(4, out);
        }

        private long alloc(List<Long> buffers, long bytes) {
            long ptr = driver.alloc(Math.max(1, bytes));
            buffers.add(ptr);
            return ptr;
        }

        private void release() {
            driver.synchronize(slab.stream);
            for (long m : new long[] {params, refs, chainArgs, partial, out}) {
                driver.free(m);
            }
            paramsHost.close();
            refsHost.close();
            argsHost.close();
            outHost.close();
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
            allocateArgs.setInt(4, chains);
            run(module.allocate, allocateArgs, chains * groups, "allocate");
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
                refsHost.write(0, gates, 0, gates.length);
                driver.copyToDeviceAsync(refs, refsHost, (long) gates.length * Double.BYTES, slab.stream);
            }
            writeArgs(args);
            gradientArgs.setInt(4, chains).setInt(8, metric ? 1 : 0);
            run(module.gateGradient, gradientArgs, chains * groups, "gateGradient");
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
            statsArgs.setInt(3, chains);
            run(module.gateStats, statsArgs, chains * groups, "gateStats");
            return reduce(GateStats.size(dim), chains);
        }

        /**
         * Host to device on the slab's stream: each chain's parameters, flat as [w | beta | logNorm | halfPrecision],
         * one after another. From pageable memory the copy returns once the bytes are staged, so the staging buffer
         * may be reused after.
         */
        private void writeParams(List<ParamsBlock> blocks) {
            ensure(blocks.size());
            long size = (long) paramsSize(experts, dim) * Double.BYTES;
            for (int c = 0; c < blocks.size(); c++) {
                ParamsBlock p = blocks.get(c);
                if (p.experts() != experts || p.dim() != dim) {
                    throw new IllegalArgumentException("parameters of K = " + p.experts() + ", d = " + p.dim()
                            + " for a workspace of K = " + experts + ", d = " + dim);
                }
                long at = c * size;
                for (double[] part : new double[][] {p.w(), p.beta(), p.logNorm(), p.halfPrecision()}) {
                    paramsHost.write(at, part, 0, part.length);
                    at += (long) part.length * Double.BYTES;
                }
            }
            driver.copyToDeviceAsync(params, paramsHost, blocks.size() * size, slab.stream);
        }

        private void writeArgs(int[] args) {
            argsHost.write(0, args, 0, args.length);
            driver.copyToDeviceAsync(chainArgs, argsHost, (long) args.length * Integer.BYTES, slab.stream);
        }

        private void run(long function, CudaDriver.KernelArgs args, int blocks, String name) {
            driver.launch(function, blocks, CudaKernels.LOCAL, SCRATCH_BYTES, slab.stream, args, name);
        }

        /** Adds the blocks' partial sums of m components per chain on the device and reads the totals (waits). */
        private double[] reduce(int m, int chains) {
            reduceArgs.setInt(2, m).setInt(3, chains);
            run(module.reducePartials, reduceArgs, chains * m, "reducePartials");
            driver.copyToHostAsync(outHost, out, (long) chains * m * Double.BYTES, slab.stream);
            // into pageable memory the copy has ended when the call returns; the sync also surfaces a kernel fault
            driver.synchronize(slab.stream);
            double[] sums = new double[chains * m];
            outHost.read(0, sums, 0, sums.length);
            return sums;
        }

        void close() {
            release();
        }
    }

    /** One chain's slot of a slab of its K (its own slab on data uploaded without room for chains). */
    static final class DeviceWorkspace implements Workspace {
        private final CudaBackend owner;
        final DeviceData data;
        final Slab slab;
        final int slot;
        final int experts;
        /** Whether the slab is this workspace's alone (freed with it). */
        private final boolean ownsSlab;
        private boolean closed;

        DeviceWorkspace(CudaBackend owner, DeviceData data, Slab slab, int slot, int experts, boolean ownsSlab) {
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
    }
}
