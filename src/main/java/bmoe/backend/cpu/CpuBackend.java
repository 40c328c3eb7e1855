package bmoe.backend.cpu;

import bmoe.backend.Allocation;
import bmoe.backend.Backend;
import bmoe.backend.ExpertStats;
import bmoe.backend.GateGradient;
import bmoe.backend.GateStats;
import bmoe.backend.ParamsBlock;
import bmoe.model.Dataset;
import bmoe.rng.RngKey;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * The kernels on the CPU: observations split into fixed blocks of {@code blockSize}, blocks spread over
 * {@code threads} workers, each block's sums kept apart and added in block order. The result therefore
 * does not depend on the thread count, only on the block size.
 */
public final class CpuBackend implements Backend {
    /** Rows per block: large enough to amortise task overhead, small enough to balance two cores. */
    public static final int DEFAULT_BLOCK_SIZE = 16384;

    private final int threads;
    private final int blockSize;
    private final ForkJoinPool pool;

    public CpuBackend(int threads, int blockSize) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size must be >= 1, got " + blockSize);
        }
        this.threads = threads;
        this.blockSize = blockSize;
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

    @Override
    public Allocation allocate(Workspace ws, ParamsBlock params, RngKey key, int sweep) {
        HostWorkspace w = (HostWorkspace) ws;
        HostData d = w.data();
        int size = w.experts() * ExpertStats.stride(d.p() + 1);
        double[] logLik = new double[w.blocks()];
        double[][] partial = new double[w.blocks()][size];
        forEachBlock(w.blocks(), b -> logLik[b] = CpuKernels.allocate(d.x(), d.y(), d.p(), w.z(), from(b),
                to(b, d.n()), params, key, sweep, partial[b]));
        double total = 0;
        for (double v : logLik) {
            total += v;
        }
        ExpertStats stats = ExpertStats.zeros(w.experts(), d.p() + 1);
        addInOrder(partial, stats.flat());
        return new Allocation(total, stats);
    }

    @Override
    public GateGradient gateGradient(Workspace ws, ParamsBlock params, double[] referenceGates, boolean metric) {
        HostWorkspace w = (HostWorkspace) ws;
        HostData d = w.data();
        GateGradient out = GateGradient.zeros(w.experts(), d.p() + 1, metric);
        double[][] partial = new double[w.blocks()][out.flat().length];
        forEachBlock(w.blocks(), b -> CpuKernels.gateGradient(d.x(), d.y(), d.p(), from(b), to(b, d.n()), params,
                referenceGates, metric, partial[b]));
        addInOrder(partial, out.flat());
        return out;
    }

    @Override
    public GateStats gateStats(Workspace ws, ParamsBlock params, int gate, RngKey key, int sweep) {
        HostWorkspace w = (HostWorkspace) ws;
        HostData d = w.data();
        double[][] partial = new double[w.blocks()][GateStats.size(d.p() + 1)];
        forEachBlock(w.blocks(), b -> CpuKernels.gateStats(d.x(), d.p(), w.z(), from(b), to(b, d.n()), params,
                gate, key, sweep, partial[b]));
        GateStats out = GateStats.zeros(d.p() + 1);
        addInOrder(partial, out.flat());
        return out;
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

    private void forEachBlock(int blocks, IntConsumer body) {
        if (pool == null || blocks == 1) {
            for (int b = 0; b < blocks; b++) {
                body.accept(b);
            }
            return;
        }
        // A parallel stream started inside the pool runs on that pool's workers.
        pool.submit(() -> IntStream.range(0, blocks).parallel().forEach(body)).join();
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
