package bmoe.backend.cuda;

import bmoe.backend.Allocation;
import bmoe.backend.Backend;
import bmoe.backend.BackendUnavailableException;
import bmoe.backend.ExpertStats;
import bmoe.backend.GateGradient;
import bmoe.backend.GateStats;
import bmoe.backend.ParamsBlock;
import bmoe.model.Dataset;
import bmoe.rng.RngKey;
import com.sun.jna.Memory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The kernels of kernels/*.cl on one CUDA device through the driver API, built by nvcc at build time
 * (scripts/build-ptx) and carried in the jar as one fatbin per (d, K). The structure is OpenClBackend's:
 * {@link #upload} copies x and y once per run; a workspace holds a chain's z, partial sums, parameter buffers
 * and its own stream; each kernel call writes the {@link ParamsBlock} up and reads only the reduced sums down.
 *
 * <p>The same work decomposition as OpenCL, so the same sums: block g owns rows [g chunk, (g+1) chunk), its
 * {@value CudaKernels#LOCAL} threads reduce by the fixed tree of group_sum in shared memory, and
 * reducePartials adds the blocks in a fixed tree on the device. A run therefore repeats bit for bit on the
 * same device and matches the OpenCL backend's sums up to the devices' exp and log.
 *
 * <p>Chains may share one backend from several threads: each workspace has its own stream and argument
 * buffers, and every call makes the device's primary context current on the calling thread first.
 */
public final class CudaBackend implements Backend {
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
        long xBytes = 4L * data.n() * data.p();
        long needed = xBytes + 4L * data.n() + data.n();
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
        DeviceData dd = hold(new DeviceData(this, x, y, data.n(), data.p()));
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
        Module module = module(dim, experts);
        int largest = Math.max(allocationSize(experts, dim),
                Math.max(GateStats.size(dim), GateGradient.size(experts, dim, true)));
        int groups = (int) ((dd.n() + (long) chunk - 1) / chunk);
        List<Long> buffers = new ArrayList<>();
        long stream = driver.createStream();
        try {
            long z = alloc(buffers, Math.max(1, dd.n()));
            long partial = alloc(buffers, (long) groups * largest * Double.BYTES);
            long out = alloc(buffers, (long) largest * Double.BYTES);
            long params = alloc(buffers, (long) paramsSize(experts, dim) * Double.BYTES);
            long reference = alloc(buffers, (long) Math.max(1, (experts - 1) * dim) * Double.BYTES);
            DeviceWorkspace ws = new DeviceWorkspace(this, dd, experts, groups, largest, module, stream, z, partial,
                    out, params, reference);
            ws.bindStaticArguments(chunk);
            return hold(ws);
        } catch (RuntimeException e) {
            buffers.forEach(driver::free);
            driver.destroyStream(stream);
            throw e;
        }
    }

    private long alloc(List<Long> buffers, long bytes) {
        long p = driver.alloc(bytes);
        buffers.add(p);
        return p;
    }

    @Override
    public Allocation allocate(Workspace workspace, ParamsBlock params, RngKey key, int sweep) {
        DeviceWorkspace ws = (DeviceWorkspace) workspace;
        current();
        int dim = ws.data.p() + 1;
        ws.writeParams(params);
        ws.allocateArgs.setInt(5, key.k0()).setInt(6, key.k1()).setInt(7, sweep);
        ws.run(ws.module.allocate, ws.allocateArgs, ws.groups, "allocate");
        // one reduction for [logLik, expert 0, ..., expert K-1], the kernel's partial layout
        double[] sums = ws.reduce(allocationSize(ws.experts, dim));
        double[] stats = new double[ws.experts * ExpertStats.stride(dim)];
        System.arraycopy(sums, 1, stats, 0, stats.length);
        return new Allocation(sums[0], new ExpertStats(ws.experts, dim, stats));
    }

    @Override
    public GateGradient gateGradient(Workspace workspace, ParamsBlock params, double[] referenceGates, boolean metric) {
        DeviceWorkspace ws = (DeviceWorkspace) workspace;
        current();
        int dim = ws.data.p() + 1;
        ws.writeParams(params);
        if (referenceGates != null) {
            ws.writeReferenceGates(referenceGates);
        }
        ws.gradientArgs.setInt(6, referenceGates != null ? 1 : 0).setInt(7, metric ? 1 : 0);
        ws.run(ws.module.gateGradient, ws.gradientArgs, ws.groups, "gateGradient");
        // as on OpenCL: without the metric only [logLik, logLikDiff, gradient] is summed and read; non-finite sums
        // come back as they are, for GateMove to reject
        double[] sums = ws.reduce(GateGradient.size(ws.experts, dim, metric));
        return new GateGradient(ws.experts - 1, dim, metric, sums);
    }

    @Override
    public GateStats gateStats(Workspace workspace, ParamsBlock params, int gate, RngKey key, int sweep) {
        DeviceWorkspace ws = (DeviceWorkspace) workspace;
        current();
        int dim = ws.data.p() + 1;
        ws.writeParams(params);
        ws.statsArgs.setInt(5, gate).setInt(6, key.k0()).setInt(7, key.k1()).setInt(8, sweep);
        ws.run(ws.module.gateStats, ws.statsArgs, ws.groups, "gateStats");
        double[] sums = ws.reduce(GateStats.size(dim));
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
        current();
        int n = ws.data.n();
        byte[] z = new byte[n];
        if (n > 0) {
            try (Memory host = new Memory(n)) {
                driver.copyToHostAsync(host, ws.z, n, ws.stream);
                driver.synchronize(ws.stream);
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

    /** One (d, K) module and its four kernels; functions are launched with per-launch arguments, so shared. */
    private record Module(long handle, long allocate, long gateGradient, long gateStats, long reducePartials) {}

    /** x and y on the device. */
    static final class DeviceData implements Resident {
        private final CudaBackend owner;
        final long x;
        final long y;
        private final int n;
        private final int p;

        DeviceData(CudaBackend owner, long x, long y, int n, int p) {
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
                owner.current();
                owner.driver.free(x);
                owner.driver.free(y);
            }
        }
    }

    /** One chain's buffers, stream and argument blocks (never shared between threads). */
    static final class DeviceWorkspace implements Workspace {
        private final CudaBackend owner;
        final DeviceData data;
        final int experts;
        final int groups;
        final Module module;
        final long stream;
        final long z;
        final long partial;
        final long out;
        final long params;
        /** The reference gates of kernel (b), (K-1) d doubles as ParamsBlock.w. */
        final long referenceGates;
        final CudaDriver.KernelArgs allocateArgs = new CudaDriver.KernelArgs(11);
        final CudaDriver.KernelArgs gradientArgs = new CudaDriver.KernelArgs(10);
        final CudaDriver.KernelArgs statsArgs = new CudaDriver.KernelArgs(11);
        final CudaDriver.KernelArgs reduceArgs = new CudaDriver.KernelArgs(5);
        private final Memory paramsHost;
        private final Memory referenceHost;
        private final Memory outHost;

        DeviceWorkspace(CudaBackend owner, DeviceData data, int experts, int groups, int largest, Module module,
                        long stream, long z, long partial, long out, long params, long referenceGates) {
            this.owner = owner;
            this.data = data;
            this.experts = experts;
            this.groups = groups;
            this.module = module;
            this.stream = stream;
            this.z = z;
            this.partial = partial;
            this.out = out;
            this.params = params;
            this.referenceGates = referenceGates;
            int dim = data.p + 1;
            this.paramsHost = new Memory((long) paramsSize(experts, dim) * Double.BYTES);
            this.referenceHost = new Memory((long) Math.max(1, (experts - 1) * dim) * Double.BYTES);
            this.outHost = new Memory((long) largest * Double.BYTES);
        }

        @Override
        public Resident data() {
            return data;
        }

        @Override
        public int experts() {
            return experts;
        }

        /**
         * The arguments that stay put for the whole run, at the positions of the kernels' signatures in
         * kernels/*.cl. The last (OpenCL's __local scratch) is a null placeholder: CUDA's scratch is the
         * launch's dynamic shared memory (LOCAL_MEMORY in cuda.cuh).
         */
        void bindStaticArguments(int chunk) {
            // allocate(x, y, n, chunk, prm, k0, k1, sweep, z, partial, scratch)
            allocateArgs.setPointer(0, data.x).setPointer(1, data.y).setInt(2, data.n).setInt(3, chunk)
                    .setPointer(4, params).setPointer(8, z).setPointer(9, partial).setPointer(10, 0);
            // gateGradient(x, y, n, chunk, prm, ref, withReference, withMetric, partial, scratch)
            gradientArgs.setPointer(0, data.x).setPointer(1, data.y).setInt(2, data.n).setInt(3, chunk)
                    .setPointer(4, params).setPointer(5, referenceGates).setPointer(8, partial).setPointer(9, 0);
            // gateStats(x, n, chunk, z, prm, gate, k0, k1, sweep, partial, scratch)
            statsArgs.setPointer(0, data.x).setInt(1, data.n).setInt(2, chunk).setPointer(3, z)
                    .setPointer(4, params).setPointer(9, partial).setPointer(10, 0);
            // reducePartials(partial, groups, m, out, scratch)
            reduceArgs.setPointer(0, partial).setInt(1, groups).setPointer(3, out).setPointer(4, 0);
        }

        /** Host to device: the parameters, flat as [w | beta | logNorm | halfPrecision], on this chain's stream. */
        void writeParams(ParamsBlock p) {
            long at = 0;
            for (double[] part : new double[][] {p.w(), p.beta(), p.logNorm(), p.halfPrecision()}) {
                paramsHost.write(at, part, 0, part.length);
                at += (long) part.length * Double.BYTES;
            }
            // from pageable memory the call returns once the bytes are staged, so paramsHost may be reused after
            owner.driver.copyToDeviceAsync(params, paramsHost, at, stream);
        }

        /** Host to device: kernel (b)'s reference gates, flat as ParamsBlock.w. */
        void writeReferenceGates(double[] gates) {
            int expected = (experts - 1) * (data.p + 1);
            if (gates.length != expected) {
                throw new IllegalArgumentException("need " + expected + " reference gate coefficients, got "
                        + gates.length);
            }
            if (expected > 0) {
                referenceHost.write(0, gates, 0, expected);
                owner.driver.copyToDeviceAsync(referenceGates, referenceHost, (long) expected * Double.BYTES, stream);
            }
        }

        void run(long function, CudaDriver.KernelArgs args, int blocks, String name) {
            owner.driver.launch(function, blocks, CudaKernels.LOCAL, SCRATCH_BYTES, stream, args, name);
        }

        /** Adds the blocks' partial sums of m components on the device and reads the m totals (waits). */
        double[] reduce(int m) {
            reduceArgs.setInt(2, m);
            run(module.reducePartials, reduceArgs, m, "reducePartials");
            owner.driver.copyToHostAsync(outHost, out, (long) m * Double.BYTES, stream);
            // into pageable memory the copy has ended when the call returns; the sync also surfaces a kernel fault
            owner.driver.synchronize(stream);
            double[] sums = new double[m];
            outHost.read(0, sums, 0, m);
            return sums;
        }

        @Override
        public void close() {
            if (!owner.release(this)) {
                return;
            }
            owner.current();
            owner.driver.synchronize(stream);
            for (long m : new long[] {z, partial, out, params, referenceGates}) {
                owner.driver.free(m);
            }
            owner.driver.destroyStream(stream);
            paramsHost.close();
            referenceHost.close();
            outHost.close();
        }
    }
}
