package bmoe.backend.cpu;

import bmoe.backend.Allocation;
import bmoe.backend.Backend;
import bmoe.backend.BatchedBackend;
import bmoe.backend.ExpertStats;
import bmoe.backend.GateGradient;
import bmoe.backend.GateStats;
import bmoe.model.Dataset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * The kernels on the CPU: observations split into fixed blocks of {@code blockSize}, blocks spread over
 * {@code threads} workers, each block's sums kept apart and added in block order. The result therefore
 * does not depend on the thread count, only on the block size.
 *
 * <p>Several chains in one pass ({@link #allocateAll} and its kin): the tasks are (block, chain) in block-major
 * order, so the chains of a block run one after another while its rows are in cache, and each chain's block sums are
 * added in block order as in a call of its own, so every chain gets the bits of its own call.
 */
public final class CpuBackend implements BatchedBackend {
    /** Rows per block: large enough to amortise task overhead, small enough to balance two cores. */
    public static final int DEFAULT_BLOCK_SIZE = 16384;

    /** Chains per pass over the data by default (see {@link #chainsPerPass}). */
    public static final int DEFAULT_CHAINS_PER_PASS = 1;

    private final int threads;
    private final int blockSize;
    private final int chainsPerPass;
    private final ForkJoinPool pool;

    public CpuBackend(int threads, int blockSize) {
        this(threads, blockSize, DEFAULT_CHAINS_PER_PASS);
    }

    /** @param chainsPerPass at most this many chains' kernels in one pass over the data (1: each on its own) */
    public CpuBackend(int threads, int blockSize, int chainsPerPass) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size must be >= 1, got " + blockSize);
        }
        if (chainsPerPass < 1) {
            throw new IllegalArgumentException("chains per pass must be >= 1, got " + chainsPerPass);
        }
        this.threads = threads;
        this.blockSize = blockSize;
        this.chainsPerPass = chainsPerPass;
        this.pool = threads > 1 ? new ForkJoinPool(threads) : null;
    }

    public CpuBackend(int threads) {
        this(threads, DEFAULT_BLOCK_SIZE);
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String describe() {
        return "cpu (" + threads + (threads == 1 ? " thread" : " threads") + ", blocks of " + blockSize + " rows)";
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public int chainsPerPass() {
        return chainsPerPass;
    }

    @Override
    public Resident upload(Dataset data) {
        // The CPU reads the data where it lies.
        return new HostData(data.x(), data.y(), data.n(), data.p());
    }

    @Override
    public Workspace workspace(Resident data, int experts) {
        HostData host = (HostData) data;
        int blocks = Math.max(1, (host.n() + blockSize - 1) / blockSize);
        return new HostWorkspace(host, experts, new byte[host.n()], blocks);
    }

    /**
     * Kernel (a) for every call in one pass: the tasks are (block, chain) in block-major order, so a worker runs the
     * chains of one block one after another while its rows are in cache, and each chain's block sums are added in
     * block order, as a call of its own adds them. Any K per call.
     */
    @Override
    public List<Outcome<Allocation>> allocateAll(List<AllocateCall> calls) {
        HostWorkspace[] ws = workspaces(calls.stream().map(AllocateCall::ws).toList());
        HostData d = ws[0].data();
        int chains = calls.size();
        double[][] logLik = new double[chains][ws[0].blocks()];
        double[][][] partial = new double[chains][ws[0].blocks()][];
        RuntimeException[] failed = forEachBlockOfEachChain(chains, ws[0].blocks(), (c, b) -> {
            AllocateCall call = calls.get(c);
            partial[c][b] = new double[ws[c].experts() * ExpertStats.stride(d.p() + 1)];
            logLik[c][b] = CpuKernels.allocate(d.x(), d.y(), d.p(), ws[c].z(), from(b), to(b, d.n()), call.params(),
                    call.key(), call.sweep(), partial[c][b]);
        });
        List<Outcome<Allocation>> out = new ArrayList<>(chains);
        for (int c = 0; c < chains; c++) {
            if (failed[c] != null) {
                out.add(Outcome.failed(failed[c]));
                continue;
            }
            double total = 0;
            for (double v : logLik[c]) {
                total += v;
            }
            ExpertStats stats = ExpertStats.zeros(ws[c].experts(), d.p() + 1);
            addInOrder(partial[c], stats.flat());
            out.add(Outcome.of(new Allocation(total, stats)));
        }
        return out;
    }

    /** Kernel (b) for every call in one pass, as {@link #allocateAll}; any K and metric per call. */
    @Override
    public List<Outcome<GateGradient>> gateGradientAll(List<GradientCall> calls) {
        HostWorkspace[] ws = workspaces(calls.stream().map(GradientCall::ws).toList());
        HostData d = ws[0].data();
        int chains = calls.size();
        double[][][] partial = new double[chains][ws[0].blocks()][];
        RuntimeException[] failed = forEachBlockOfEachChain(chains, ws[0].blocks(), (c, b) -> {
            GradientCall call = calls.get(c);
            partial[c][b] = new double[GateGradient.size(ws[c].experts(), d.p() + 1, call.metric())];
            CpuKernels.gateGradient(d.x(), d.y(), d.p(), from(b), to(b, d.n()), call.params(), call.referenceGates(),
                    call.metric(), partial[c][b]);
        });
        List<Outcome<GateGradient>> out = new ArrayList<>(chains);
        for (int c = 0; c < chains; c++) {
            if (failed[c] != null) {
                out.add(Outcome.failed(failed[c]));
                continue;
            }
            GateGradient g = GateGradient.zeros(ws[c].experts(), d.p() + 1, calls.get(c).metric());
            addInOrder(partial[c], g.flat());
            out.add(Outcome.of(g));
        }
        return out;
    }

    /** Kernel (c) for every call in one pass (each its own gate), as {@link #allocateAll}. */
    @Override
    public List<Outcome<GateStats>> gateStatsAll(List<GateStatsCall> calls) {
        HostWorkspace[] ws = workspaces(calls.stream().map(GateStatsCall::ws).toList());
        HostData d = ws[0].data();
        int chains = calls.size();
        double[][][] partial = new double[chains][ws[0].blocks()][];
        RuntimeException[] failed = forEachBlockOfEachChain(chains, ws[0].blocks(), (c, b) -> {
            GateStatsCall call = calls.get(c);
            partial[c][b] = new double[GateStats.size(d.p() + 1)];
            CpuKernels.gateStats(d.x(), d.p(), ws[c].z(), from(b), to(b, d.n()), call.params(), call.gate(),
                    call.key(), call.sweep(), partial[c][b]);
        });
        List<Outcome<GateStats>> out = new ArrayList<>(chains);
        for (int c = 0; c < chains; c++) {
            if (failed[c] != null) {
                out.add(Outcome.failed(failed[c]));
                continue;
            }
            GateStats g = GateStats.zeros(d.p() + 1);
            addInOrder(partial[c], g.flat());
            out.add(Outcome.of(g));
        }
        return out;
    }

    /** One chain's kernel over one block. */
    private interface BlockTask {
        void run(int chain, int block);
    }

    /**
     * Runs every (block, chain) task over the workers, block-major; per chain, the failure of its first block that
     * failed (as a call of its own meets it going through the blocks in order), or null.
     */
    private RuntimeException[] forEachBlockOfEachChain(int chains, int blocks, BlockTask task) {
        RuntimeException[][] failed = new RuntimeException[chains][blocks];
        forEachBlock(chains * blocks, i -> {
            int b = i / chains;
            int c = i % chains;
            try {
                task.run(c, b);
            } catch (RuntimeException e) {
                failed[c][b] = e;
            }
        });
        RuntimeException[] first = new RuntimeException[chains];
        for (int c = 0; c < chains; c++) {
            for (int b = 0; b < blocks && first[c] == null; b++) {
                first[c] = failed[c][b];
            }
        }
        return first;
    }

    /** The calls' workspaces: distinct, of this backend, over one resident data set. */
    private static HostWorkspace[] workspaces(List<Workspace> calls) {
        if (calls.isEmpty()) {
            throw new IllegalArgumentException("no calls");
        }
        HostWorkspace[] ws = new HostWorkspace[calls.size()];
        Set<Workspace> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int c = 0; c < ws.length; c++) {
            if (!(calls.get(c) instanceof HostWorkspace h)) {
                throw new IllegalArgumentException("not a workspace of the cpu backend: " + calls.get(c));
            }
            if (c > 0 && h.data() != ws[0].data()) {
                throw new IllegalArgumentException("the calls of one pass must share the resident data");
            }
            if (!seen.add(h)) {
                throw new IllegalArgumentException("one workspace twice in one pass");
            }
            ws[c] = h;
        }
        return ws;
    }

    @Override
    public byte[] allocations(Workspace ws) {
        return ((HostWorkspace) ws).z().clone();
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }

    private int from(int block) {
        return block * blockSize;
    }

    private int to(int block, int n) {
        return (int) Math.min((long) (block + 1) * blockSize, n);
    }

    /** body(0), ..., body(tasks - 1) over the workers (in order on one). */
    private void forEachBlock(int tasks, IntConsumer body) {
        if (pool == null || tasks == 1) {
            for (int b = 0; b < tasks; b++) {
                body.accept(b);
            }
            return;
        }
        // A parallel stream started inside the pool runs on that pool's workers.
        pool.submit(() -> IntStream.range(0, tasks).parallel().forEach(body)).join();
    }

    /** Fixed-order reduction: the same sums for any thread count. */
    private static void addInOrder(double[][] partial, double[] out) {
        for (double[] block : partial) {
            for (int j = 0; j < out.length; j++) {
                out[j] += block[j];
            }
        }
    }

    record HostData(float[] x, float[] y, int n, int p) implements Resident {}

    record HostWorkspace(HostData data, int experts, byte[] z, int blocks) implements Workspace {}
}
