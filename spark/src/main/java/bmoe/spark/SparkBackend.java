package bmoe.spark;

import bmoe.backend.Allocation;
import bmoe.backend.Backend;
import bmoe.backend.ExpertStats;
import bmoe.backend.GateGradient;
import bmoe.backend.GateStats;
import bmoe.backend.ParamsBlock;
import bmoe.backend.cpu.CpuBackend;
import bmoe.backend.cpu.CpuKernels;
import bmoe.model.Dataset;
import bmoe.rng.RngKey;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;

/**
 * The kernels as Spark jobs. The data are an RDD of {@link RowBlock}s cached deserialized in executor memory, one
 * per partition, each holding whole blocks of the CPU backend (block b: rows [b B, (b + 1) B) for the block size
 * B): one block per partition by default, or several ({@code blocksPerPartition}, fewer and larger tasks).
 * Each kernel call is one job: the driver ships the small {@link ParamsBlock} in the task closure, each task runs
 * {@link CpuKernels}' code on each of its blocks (the rows' own indices key their random numbers, so a block draws
 * what it draws on the CPU) and returns one partial sum per block, and the driver adds them in block order, as
 * {@link CpuBackend} adds its block sums. The sums, and so the draws, are bit-identical to the cpu backend's with
 * the same block size, whatever the executors, their cores or the order tasks finish in.
 *
 * <p>Faults: a task is a pure function of its block and the call's parameters, so Spark's retry of a failed or
 * lost task returns the same sums. The partitions' lineage is one broadcast per partition (from the driver's
 * {@link Dataset}), so a lost cached block is rebuilt. Allocations z are needed across calls only by the
 * Polya-Gamma sweep (kernel (c) reads the z of the last kernel (a) call): each block keeps its z beside its rows,
 * tagged with the call's number, and a task of kernel (c) that finds them missing or stale draws them again from
 * that call's parameters, which the driver ships with every kernel (c) call (about K (d + 2) doubles). The default
 * sweep (collapsed gates) reads no z between calls.
 *
 * <p>One backend serves several chains from several threads at once: each call is its own job, and Spark runs
 * jobs from several threads side by side.
 */
public final class SparkBackend implements Backend {
    /** The name run.json and draws.csv record. */
    public static final String NAME = "spark";

    private final JavaSparkContext sc;
    private final int blockSize;
    private final int blocksPerPartition;
    private final AtomicLong workspaceIds = new AtomicLong();
    private final AtomicLong jobs = new AtomicLong();
    private final AtomicLong[] calls = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
    private final Map<String, Integer> faults = new ConcurrentHashMap<>();
    private final List<Data> uploads = new CopyOnWriteArrayList<>();

    /**
     * A backend on {@code sc} with blocks of {@code blockSize} rows (the CPU backend's default: 16384), which define
     * the draws, and {@code blocksPerPartition} of them in each partition (speed only: the draws do not depend on it).
     */
    public SparkBackend(JavaSparkContext sc, int blockSize, int blocksPerPartition) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size must be >= 1, got " + blockSize);
        }
        if (blocksPerPartition < 1) {
            throw new IllegalArgumentException("blocks per partition must be >= 1, got " + blocksPerPartition);
        }
        this.sc = sc;
        this.blockSize = blockSize;
        this.blocksPerPartition = blocksPerPartition;
    }

    /** One block a partition. */
    public SparkBackend(JavaSparkContext sc, int blockSize) {
        this(sc, blockSize, 1);
    }

    public SparkBackend(JavaSparkContext sc) {
        this(sc, CpuBackend.DEFAULT_BLOCK_SIZE);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String describe() {
        return "spark (master " + sc.master() + ", default parallelism " + sc.defaultParallelism() + ", blocks of "
                + blockSize + " rows, " + (blocksPerPartition == 1 ? "one" : "" + blocksPerPartition) + " per partition)";
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    /** Kernel jobs this backend has run (the upload's and workspace clean-ups not counted). */
    public long jobs() {
        return jobs.get();
    }

    /** The kernels, as {@link #failOnce} names them. */
    public enum Kernel { ALLOCATE, GATE_GRADIENT, GATE_STATS }

    /**
     * Tests only: in the {@code nth} call (1-based) of {@code kernel} on this backend, the first attempt of partition
     * {@code partition}'s task fails after its kernel ran, so Spark retries it (a master such as {@code local[2,3]}
     * allows retries; plain {@code local[N]} does not, and the fit then fails).
     */
    public void failOnce(Kernel kernel, long nth, int partition) {
        faults.put(kernel + "#" + nth, partition);
    }

    /**
     * Tests only: every block forgets every workspace's z, as blocks rebuilt on other executors would; the next
     * call that needs them draws them again.
     */
    void forgetAllocations(Resident data) {
        ((Data) data).rows.foreach(RowBlock::forgetAll);
    }

    @Override
    public Resident upload(Dataset data) {
        int n = data.n();
        int p = data.p();
        int blocks = Math.max(1, (int) ((n + (long) blockSize - 1) / blockSize));
        int partitions = (blocks + blocksPerPartition - 1) / blocksPerPartition;
        long rowsPerPartition = (long) blockSize * blocksPerPartition;
        List<Broadcast<RowBlock>> shipped = new ArrayList<>(partitions);
        for (int q = 0; q < partitions; q++) {
            int from = (int) Math.min(q * rowsPerPartition, n);
            int to = (int) Math.min((q + 1) * rowsPerPartition, n);
            float[] x = Arrays.copyOfRange(data.x(), from * p, to * p);
            float[] y = Arrays.copyOfRange(data.y(), from, to);
            shipped.add(sc.broadcast(new RowBlock(q, from, to - from, blockSize, p, x, y)));
        }
        JavaRDD<RowBlock> rdd = new JavaRDD<>(new BlocksRdd(sc.sc(), shipped), BlocksRdd.tag())
                .setName("bmoe rows (n = " + n + ", p = " + p + ", " + blocks + " blocks of " + blockSize + " rows, "
                        + partitions + " partitions)")
                .persist(StorageLevel.MEMORY_ONLY());
        long cached = rdd.count();
        if (cached != partitions || rdd.getNumPartitions() != partitions) {
            throw new IllegalStateException("expected " + partitions + " partitions, got " + cached + " in "
                    + rdd.getNumPartitions());
        }
        Data d = new Data(n, p, partitions, rdd, shipped);
        uploads.add(d);
        return d;
    }

    @Override
    public Workspace workspace(Resident data, int experts) {
        return new Space((Data) data, experts, workspaceIds.incrementAndGet());
    }

    @Override
    public Allocation allocate(Workspace ws, ParamsBlock params, RngKey key, int sweep) {
        Space w = (Space) ws;
        int size = w.experts() * ExpertStats.stride(w.data.p + 1);
        Draw call;
        synchronized (w) {
            call = new Draw(w.version + 1, Shipped.of(params), key.seed(), key.chain(), sweep);
        }
        List<double[]> parts = w.data.rows.map(new AllocateTask(failHere(Kernel.ALLOCATE), w.id, call, size)).collect();
        synchronized (w) {
            w.version = call.version;
            w.last = call;
        }
        double total = 0;
        for (double[] part : parts) {
            for (int at = 0; at < part.length; at += 1 + size) {
                total += part[at];
            }
        }
        ExpertStats stats = ExpertStats.zeros(w.experts(), w.data.p + 1);
        addInOrder(parts, 1 + size, 1, stats.flat());
        return new Allocation(total, stats);
    }

    @Override
    public GateGradient gateGradient(Workspace ws, ParamsBlock params, double[] referenceGates, boolean metric) {
        Space w = (Space) ws;
        GateGradient out = GateGradient.zeros(w.experts(), w.data.p + 1, metric);
        List<double[]> parts = w.data.rows.map(new GradientTask(failHere(Kernel.GATE_GRADIENT), Shipped.of(params),
                referenceGates == null ? null : referenceGates.clone(), metric, out.flat().length)).collect();
        addInOrder(parts, out.flat().length, 0, out.flat());
        return out;
    }

    @Override
    public GateStats gateStats(Workspace ws, ParamsBlock params, int gate, RngKey key, int sweep) {
        Space w = (Space) ws;
        GateStats out = GateStats.zeros(w.data.p + 1);
        List<double[]> parts = w.data.rows.map(new GateStatsTask(failHere(Kernel.GATE_STATS), w.id, w.last(), Shipped.of(params), gate,
                key.seed(), key.chain(), sweep, out.flat().length)).collect();
        addInOrder(parts, out.flat().length, 0, out.flat());
        return out;
    }

    @Override
    public byte[] allocations(Workspace ws) {
        Space w = (Space) ws;
        List<byte[]> parts = w.data.rows.map(new AllocationsTask(w.id, w.last())).collect();
        byte[] z = new byte[w.data.n];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, z, at, part.length);
            at += part.length;
        }
        return z;
    }

    @Override
    public void close() {
        for (Data d : uploads) {
            d.close();
        }
        uploads.clear();
    }

    /** Counts a kernel call (one job); the partition {@link #failOnce} made fail in it, or -1. */
    private int failHere(Kernel kernel) {
        jobs.incrementAndGet();
        long nth = calls[kernel.ordinal()].incrementAndGet();
        if (faults.isEmpty()) {
            return -1;
        }
        Integer partition = faults.remove(kernel + "#" + nth);
        return partition == null ? -1 : partition;
    }

    /**
     * Adds the blocks' sums in block order, as CpuBackend does: partitions in order, and in each its blocks' sums,
     * {@code stride} doubles a block, the sums from offset {@code skip}.
     */
    private static void addInOrder(List<double[]> parts, int stride, int skip, double[] out) {
        for (double[] part : parts) {
            for (int at = 0; at < part.length; at += stride) {
                for (int j = 0; j < out.length; j++) {
                    out[j] += part[at + skip + j];
                }
            }
        }
    }

    /** The resident data: the cached blocks and the broadcasts they are rebuilt from. */
    final class Data implements Resident {
        final int n;
        final int p;
        final int partitions;
        final JavaRDD<RowBlock> rows;
        private final List<Broadcast<RowBlock>> shipped;
        private boolean closed;

        Data(int n, int p, int partitions, JavaRDD<RowBlock> rows, List<Broadcast<RowBlock>> shipped) {
            this.n = n;
            this.p = p;
            this.partitions = partitions;
            this.rows = rows;
            this.shipped = shipped;
        }

        @Override
        public int n() {
            return n;
        }

        @Override
        public int p() {
            return p;
        }

        /** Partitions of the cached RDD. */
        public int partitions() {
            return partitions;
        }

        @Override
        public synchronized void close() {
            if (closed || sc.sc().isStopped()) {
                closed = true;
                return;
            }
            closed = true;
            rows.unpersist(false);
            for (Broadcast<RowBlock> b : shipped) {
                b.destroy();
            }
            uploads.remove(this);
        }
    }

    /** A chain's workspace: its id, and its last kernel (a) call (what its z are). */
    final class Space implements Workspace {
        final Data data;
        final int experts;
        final long id;
        long version;
        Draw last;

        Space(Data data, int experts, long id) {
            this.data = data;
            this.experts = experts;
            this.id = id;
        }

        @Override
        public Resident data() {
            return data;
        }

        @Override
        public int experts() {
            return experts;
        }

        synchronized Draw last() {
            return last;
        }

        /** Drops this workspace's z from the blocks (one small job). */
        @Override
        public void close() {
            if (last() == null || data.closed || sc.sc().isStopped()) {
                return;
            }
            data.rows.foreach(new DropTask(id));
        }
    }

    /** ParamsBlock as a task ships it (ParamsBlock is not Serializable). */
    record Shipped(int experts, int dim, double[] w, double[] beta, double[] logNorm, double[] halfPrecision)
            implements Serializable {
        static Shipped of(ParamsBlock b) {
            return new Shipped(b.experts(), b.dim(), b.w(), b.beta(), b.logNorm(), b.halfPrecision());
        }

        ParamsBlock block() {
            return new ParamsBlock(experts, dim, w, beta, logNorm, halfPrecision);
        }
    }

    /** A kernel (a) call: what its z are a function of, and its number among the workspace's calls. */
    record Draw(long version, Shipped params, long seed, int chain, int sweep) implements Serializable {
        /** Block b's z of this call, drawn again (the sums are discarded). */
        byte[] redraw(RowBlock b) {
            byte[] z = new byte[b.rows];
            ParamsBlock block = params.block();
            RngKey key = new RngKey(seed, chain);
            for (int j = 0; j < b.blocks(); j++) {
                double[] scratch = new double[params.experts() * ExpertStats.stride(b.p + 1)];
                CpuKernels.allocate(b.x, b.y, b.p, z, b.first, b.from(j), b.to(j), block, key, sweep, scratch);
            }
            return z;
        }
    }

    /** The z a workspace's last call drew on block b: kept, else drawn again; zeros before any call, as on the CPU. */
    static byte[] allocationsOf(RowBlock b, long ws, Draw last) {
        if (last == null) {
            return new byte[b.rows];
        }
        byte[] z = b.allocations(ws, last.version());
        if (z == null) {
            z = last.redraw(b);
            b.keep(ws, last.version(), z);
        }
        return z;
    }

    /** A kernel's task: checks it runs on its own block, and fails when a test asked it to. */
    abstract static class Task<R> implements Function<RowBlock, R> {
        private static final long serialVersionUID = 1L;
        private final int failPartition;

        Task(int failPartition) {
            this.failPartition = failPartition;
        }

        abstract R run(RowBlock b);

        @Override
        public final R call(RowBlock b) {
            TaskContext ctx = TaskContext.get();
            if (ctx != null && ctx.partitionId() != b.index) {
                throw new IllegalStateException("partition " + ctx.partitionId() + " holds block " + b.index);
            }
            R out = run(b);
            if (ctx != null && ctx.partitionId() == failPartition && ctx.attemptNumber() == 0) {
                throw new InjectedFailure("bmoe test: injected failure of partition " + failPartition + ", stage "
                        + ctx.stageId() + ", attempt 0");
            }
            return out;
        }
    }

    /** What {@link #failOnce} throws in a task. */
    public static final class InjectedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFailure(String message) {
            super(message);
        }
    }

    static final class AllocateTask extends Task<double[]> {
        private static final long serialVersionUID = 1L;
        private final long ws;
        private final Draw call;
        private final int size;

        AllocateTask(int failPartition, long ws, Draw call, int size) {
            super(failPartition);
            this.ws = ws;
            this.call = call;
            this.size = size;
        }

        @Override
        double[] run(RowBlock b) {
            byte[] z = new byte[b.rows];
            ParamsBlock block = call.params().block();
            RngKey key = new RngKey(call.seed(), call.chain());
            double[] out = new double[b.blocks() * (1 + size)];
            for (int j = 0; j < b.blocks(); j++) {
                double[] stats = new double[size];
                out[j * (1 + size)] = CpuKernels.allocate(b.x, b.y, b.p, z, b.first, b.from(j), b.to(j), block, key,
                        call.sweep(), stats);
                System.arraycopy(stats, 0, out, j * (1 + size) + 1, size);
            }
            b.keep(ws, call.version(), z);
            return out;
        }
    }

    static final class GradientTask extends Task<double[]> {
        private static final long serialVersionUID = 1L;
        private final Shipped params;
        private final double[] reference;
        private final boolean metric;
        private final int size;

        GradientTask(int failPartition, Shipped params, double[] reference, boolean metric, int size) {
            super(failPartition);
            this.params = params;
            this.reference = reference;
            this.metric = metric;
            this.size = size;
        }

        @Override
        double[] run(RowBlock b) {
            ParamsBlock block = params.block();
            double[] out = new double[b.blocks() * size];
            for (int j = 0; j < b.blocks(); j++) {
                double[] sums = new double[size];
                // kernel (b) draws nothing: the partition's own row numbering serves
                CpuKernels.gateGradient(b.x, b.y, b.p, b.from(j) - b.first, b.to(j) - b.first, block, reference, metric,
                        sums);
                System.arraycopy(sums, 0, out, j * size, size);
            }
            return out;
        }
    }

    static final class GateStatsTask extends Task<double[]> {
        private static final long serialVersionUID = 1L;
        private final long ws;
        private final Draw last;
        private final Shipped params;
        private final int gate;
        private final long seed;
        private final int chain;
        private final int sweep;
        private final int size;

        GateStatsTask(int failPartition, long ws, Draw last, Shipped params, int gate, long seed, int chain, int sweep,
                      int size) {
            super(failPartition);
            this.ws = ws;
            this.last = last;
            this.params = params;
            this.gate = gate;
            this.seed = seed;
            this.chain = chain;
            this.sweep = sweep;
            this.size = size;
        }

        @Override
        double[] run(RowBlock b) {
            byte[] z = allocationsOf(b, ws, last);
            ParamsBlock block = params.block();
            RngKey key = new RngKey(seed, chain);
            double[] out = new double[b.blocks() * size];
            for (int j = 0; j < b.blocks(); j++) {
                double[] sums = new double[size];
                CpuKernels.gateStats(b.x, b.p, z, b.first, b.from(j), b.to(j), block, gate, key, sweep, sums);
                System.arraycopy(sums, 0, out, j * size, size);
            }
            return out;
        }
    }

    static final class AllocationsTask implements Function<RowBlock, byte[]> {
        private static final long serialVersionUID = 1L;
        private final long ws;
        private final Draw last;

        AllocationsTask(long ws, Draw last) {
            this.ws = ws;
            this.last = last;
        }

        @Override
        public byte[] call(RowBlock b) {
            return allocationsOf(b, ws, last);
        }
    }

    static final class DropTask implements org.apache.spark.api.java.function.VoidFunction<RowBlock> {
        private static final long serialVersionUID = 1L;
        private final long ws;

        DropTask(long ws) {
            this.ws = ws;
        }

        @Override
        public void call(RowBlock b) {
            b.drop(ws);
        }
    }
}
