package bmoe.spark;

import bmoe.backend.Allocation;
import bmoe.backend.Backend;
import bmoe.backend.BatchedBackend;
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
 * jobs from several threads side by side. With {@code chainsPerPass} above 1 the sampler's {@link
 * bmoe.backend.ChainBatch} hands it one call of each of several chains at once ({@link #allocateAll} and its kin),
 * and they are one job: each task runs every chain's kernel on its blocks, each chain with its own parameters,
 * random-number key and workspace, so each chain's sums are those of its own call. That saves a job's fixed cost
 * (scheduling, task launch, the driver's wait for the slowest task) per chain but one.
 */
public final class SparkBackend implements BatchedBackend {
    /** The name run.json and draws.csv record. */
    public static final String NAME = "spark";

    private final JavaSparkContext sc;
    private final int blockSize;
    private final int blocksPerPartition;
    private final int chainsPerPass;
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
        this(sc, blockSize, blocksPerPartition, 1);
    }

    /**
     * The same, advancing up to {@code chainsPerPass} chains' calls of one kernel in one job ({@link #allocateAll}
     * and its kin, through {@link bmoe.backend.ChainBatch}; 1: a job per call). Speed only: the draws do not depend
     * on it.
     */
    public SparkBackend(JavaSparkContext sc, int blockSize, int blocksPerPartition, int chainsPerPass) {
        if (chainsPerPass < 1) {
            throw new IllegalArgumentException("chains per pass must be >= 1, got " + chainsPerPass);
        }
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size must be >= 1, got " + blockSize);
        }
        if (blocksPerPartition < 1) {
            throw new IllegalArgumentException("blocks per partition must be >= 1, got " + blocksPerPartition);
        }
        this.sc = sc;
        this.blockSize = blockSize;
        this.blocksPerPartition = blocksPerPartition;
        this.chainsPerPass = chainsPerPass;
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
                + blockSize + " rows, " + (blocksPerPartition == 1 ? "one" : "" + blocksPerPartition) + " per partition"
                + (chainsPerPass > 1 ? ", up to " + chainsPerPass + " chains a job" : "") + ")";
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
     * Tests only: before the {@code nth} call (1-based) of {@code kernel}, every cached row block is dropped (as when
     * every executor is lost), so that call's job rebuilds them from their lineage (their broadcasts, or Spark's
     * read of the file) and every chain's z are drawn again.
     */
    public void loseBlocksBefore(Kernel kernel, long nth) {
        faults.put(kernel + "#" + nth + "#lose", -1);
    }

    /**
     * Tests only: every block forgets every workspace's z, as blocks rebuilt on other executors would; the next
     * call that needs them draws them again.
     */
    void forgetAllocations(Resident data) {
        ((Data) data).rows.foreach(RowBlock::forgetAll);
    }

    /** Partitions of n rows in blocks of blockSize, perPartition blocks a partition (one when n = 0). */
    static int partitions(int n, int blockSize, int perPartition) {
        int blocks = Math.max(1, (int) ((n + (long) blockSize - 1) / blockSize));
        return (blocks + perPartition - 1) / perPartition;
    }

    /**
     * The data as resident row blocks: a data set that Spark read ({@link SparkData}: its row blocks are cached on
     * the executors already, for this block size and blocks per partition), else the driver's rows shipped in one
     * broadcast per partition.
     */
    @Override
    public Resident upload(Dataset data) {
        if (data.source() instanceof SparkData.SparkRows rows) {
            if (rows.blockSize != blockSize || rows.perPartition != blocksPerPartition) {
                throw new IllegalArgumentException("the data were cut into blocks of " + rows.blockSize + " rows, "
                        + rows.perPartition + " a partition; this backend has " + blockSize + " and " + blocksPerPartition);
            }
            Data d = new Data(rows.n, rows.p, rows.blocks.getNumPartitions(), rows.blocks, List.of());
            uploads.add(d);
            return d;
        }
        int n = data.n();
        int p = data.p();
        int blocks = Math.max(1, (int) ((n + (long) blockSize - 1) / blockSize));
        int partitions = partitions(n, blockSize, blocksPerPartition);
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
    public int chainsPerPass() {
        return chainsPerPass;
    }

    /**
     * Kernel (a) of every call in one job: each task runs the chains one after another on each of its blocks (its
     * rows in cache), and each chain's block sums are added in block order, as a call of its own adds them. Any K
     * per call; the workspaces must be distinct and on the same upload.
     */
    @Override
    public List<Outcome<Allocation>> allocateAll(List<AllocateCall> calls) {
        Space[] w = spaces(calls.stream().map(AllocateCall::ws).toList());
        Draw[] draws = new Draw[calls.size()];
        long[] ids = new long[calls.size()];
        int[] sizes = new int[calls.size()];
        for (int c = 0; c < calls.size(); c++) {
            AllocateCall call = calls.get(c);
            synchronized (w[c]) {
                draws[c] = new Draw(w[c].version + 1, Shipped.of(call.params()), call.key().seed(), call.key().chain(),
                        call.sweep());
            }
            ids[c] = w[c].id;
            sizes[c] = 1 + w[c].experts() * ExpertStats.stride(w[c].data.p + 1);
        }
        List<ChainSums[]> parts = w[0].data.rows.map(new AllocateTask(failHere(Kernel.ALLOCATE, w[0].data), ids, draws, sizes))
                .collect();
        List<Outcome<Allocation>> out = new ArrayList<>(calls.size());
        for (int c = 0; c < calls.size(); c++) {
            RuntimeException failed = firstFailure(parts, c);
            if (failed != null) {
                out.add(Outcome.failed(failed));
                continue;
            }
            synchronized (w[c]) {
                w[c].version = draws[c].version();
                w[c].last = draws[c];
            }
            double total = 0;
            for (ChainSums[] part : parts) {
                double[] sums = part[c].sums();
                for (int at = 0; at < sums.length; at += sizes[c]) {
                    total += sums[at];
                }
            }
            ExpertStats stats = ExpertStats.zeros(w[c].experts(), w[c].data.p + 1);
            addInOrder(parts, c, sizes[c], 1, stats.flat());
            out.add(Outcome.of(new Allocation(total, stats)));
        }
        return out;
    }

    /** Kernel (b) of every call in one job, as {@link #allocateAll}; any K and metric per call. */
    @Override
    public List<Outcome<GateGradient>> gateGradientAll(List<GradientCall> calls) {
        Space[] w = spaces(calls.stream().map(GradientCall::ws).toList());
        Shipped[] params = new Shipped[calls.size()];
        double[][] references = new double[calls.size()][];
        boolean[] metrics = new boolean[calls.size()];
        int[] sizes = new int[calls.size()];
        for (int c = 0; c < calls.size(); c++) {
            GradientCall call = calls.get(c);
            params[c] = Shipped.of(call.params());
            references[c] = call.referenceGates() == null ? null : call.referenceGates().clone();
            metrics[c] = call.metric();
            sizes[c] = GateGradient.size(w[c].experts(), w[c].data.p + 1, call.metric());
        }
        List<ChainSums[]> parts = w[0].data.rows.map(new GradientTask(failHere(Kernel.GATE_GRADIENT, w[0].data), params,
                references, metrics, sizes)).collect();
        List<Outcome<GateGradient>> out = new ArrayList<>(calls.size());
        for (int c = 0; c < calls.size(); c++) {
            RuntimeException failed = firstFailure(parts, c);
            if (failed != null) {
                out.add(Outcome.failed(failed));
                continue;
            }
            GateGradient g = GateGradient.zeros(w[c].experts(), w[c].data.p + 1, metrics[c]);
            addInOrder(parts, c, sizes[c], 0, g.flat());
            out.add(Outcome.of(g));
        }
        return out;
    }

    /** Kernel (c) of every call in one job (each its own gate), as {@link #allocateAll}. */
    @Override
    public List<Outcome<GateStats>> gateStatsAll(List<GateStatsCall> calls) {
        Space[] w = spaces(calls.stream().map(GateStatsCall::ws).toList());
        long[] ids = new long[calls.size()];
        Draw[] lasts = new Draw[calls.size()];
        Shipped[] params = new Shipped[calls.size()];
        int[] gates = new int[calls.size()];
        long[] seeds = new long[calls.size()];
        int[] chains = new int[calls.size()];
        int[] sweeps = new int[calls.size()];
        int size = GateStats.size(w[0].data.p + 1);
        for (int c = 0; c < calls.size(); c++) {
            GateStatsCall call = calls.get(c);
            ids[c] = w[c].id;
            lasts[c] = w[c].last();
            params[c] = Shipped.of(call.params());
            gates[c] = call.gate();
            seeds[c] = call.key().seed();
            chains[c] = call.key().chain();
            sweeps[c] = call.sweep();
        }
        List<ChainSums[]> parts = w[0].data.rows.map(new GateStatsTask(failHere(Kernel.GATE_STATS, w[0].data), ids, lasts, params,
                gates, seeds, chains, sweeps, size)).collect();
        List<Outcome<GateStats>> out = new ArrayList<>(calls.size());
        for (int c = 0; c < calls.size(); c++) {
            RuntimeException failed = firstFailure(parts, c);
            if (failed != null) {
                out.add(Outcome.failed(failed));
                continue;
            }
            GateStats g = GateStats.zeros(w[c].data.p + 1);
            addInOrder(parts, c, size, 0, g.flat());
            out.add(Outcome.of(g));
        }
        return out;
    }

    /** The calls' workspaces: distinct, and on one upload (one job reads one RDD). */
    private static Space[] spaces(List<Workspace> list) {
        if (list.isEmpty()) {
            throw new IllegalArgumentException("no calls");
        }
        Space[] w = new Space[list.size()];
        for (int c = 0; c < w.length; c++) {
            w[c] = (Space) list.get(c);
            if (w[c].data != w[0].data) {
                throw new IllegalArgumentException("a pass's workspaces must share one upload");
            }
            for (int e = 0; e < c; e++) {
                if (w[e] == w[c]) {
                    throw new IllegalArgumentException("a pass's workspaces must be distinct");
                }
            }
        }
        return w;
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
    private int failHere(Kernel kernel, Data data) {
        jobs.incrementAndGet();
        long nth = calls[kernel.ordinal()].incrementAndGet();
        if (faults.isEmpty()) {
            return -1;
        }
        if (faults.remove(kernel + "#" + nth + "#lose") != null) {
            // every cached block gone, as with every executor lost: the job rebuilds them from their lineage
            data.rows.unpersist(true);
            data.rows.persist(StorageLevel.MEMORY_ONLY());
        }
        Integer partition = faults.remove(kernel + "#" + nth);
        return partition == null ? -1 : partition;
    }

    /**
     * Adds chain c's block sums in block order, as CpuBackend does: partitions in order, and in each its blocks'
     * sums, {@code stride} doubles a block, the sums from offset {@code skip}.
     */
    private static void addInOrder(List<ChainSums[]> parts, int c, int stride, int skip, double[] out) {
        for (ChainSums[] part : parts) {
            double[] sums = part[c].sums();
            for (int at = 0; at < sums.length; at += stride) {
                for (int j = 0; j < out.length; j++) {
                    out[j] += sums[at + skip + j];
                }
            }
        }
    }

    /** Chain c's failure on its first block that failed (block order, as a call of its own meets it), or null. */
    private static RuntimeException firstFailure(List<ChainSums[]> parts, int c) {
        for (ChainSums[] part : parts) {
            if (part[c].failure() != null) {
                return part[c].failure();
            }
        }
        return null;
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

    /** One chain's sums from one task: {@code sums} per block in block order, or the kernel's failure. */
    record ChainSums(double[] sums, RuntimeException failure) implements Serializable {}

    /**
     * A kernel of several chains over a partition's blocks: block-major (every chain on a block while its rows are in
     * cache), each chain its own {@code sizes[c]} sums per block; a chain whose kernel throws on a block stops there
     * with that failure (as its own call would), the others go on.
     *
     * @param <S> what the task prepares once for its partition (the parameters unpacked, the new z)
     */
    abstract static class ChainsTask<S> extends Task<ChainSums[]> {
        private static final long serialVersionUID = 1L;
        private final int[] sizes;

        ChainsTask(int failPartition, int[] sizes) {
            super(failPartition);
            this.sizes = sizes;
        }

        abstract S begin(RowBlock b);

        /** Chain c's kernel on block j of b, its sums into {@code sums} (zeros, {@code sizes[c]} long). */
        abstract void kernel(S state, int c, RowBlock b, int j, double[] sums);

        /** After chain c's kernel ran on every block of b without failing. */
        void finish(S state, int c, RowBlock b) {}

        @Override
        final ChainSums[] run(RowBlock b) {
            int chains = sizes.length;
            int blocks = b.blocks();
            S state = begin(b);
            double[][] sums = new double[chains][];
            RuntimeException[] failed = new RuntimeException[chains];
            for (int c = 0; c < chains; c++) {
                sums[c] = new double[blocks * sizes[c]];
            }
            for (int j = 0; j < blocks; j++) {
                for (int c = 0; c < chains; c++) {
                    if (failed[c] != null) {
                        continue;
                    }
                    double[] one = new double[sizes[c]];
                    try {
                        kernel(state, c, b, j, one);
                    } catch (RuntimeException e) {
                        failed[c] = e;
                        continue;
                    }
                    System.arraycopy(one, 0, sums[c], j * sizes[c], sizes[c]);
                }
            }
            ChainSums[] out = new ChainSums[chains];
            for (int c = 0; c < chains; c++) {
                if (failed[c] == null) {
                    finish(state, c, b);
                }
                out[c] = failed[c] == null ? new ChainSums(sums[c], null) : new ChainSums(null, failed[c]);
            }
            return out;
        }
    }

    /** Kernel (a) of each chain: per block its log-likelihood, then its experts' statistics. */
    static final class AllocateTask extends ChainsTask<AllocateTask.State> {
        private static final long serialVersionUID = 1L;
        private final long[] ws;
        private final Draw[] calls;

        record State(ParamsBlock[] params, RngKey[] keys, byte[][] z) {}

        AllocateTask(int failPartition, long[] ws, Draw[] calls, int[] sizes) {
            super(failPartition, sizes);
            this.ws = ws;
            this.calls = calls;
        }

        @Override
        State begin(RowBlock b) {
            int chains = calls.length;
            State s = new State(new ParamsBlock[chains], new RngKey[chains], new byte[chains][]);
            for (int c = 0; c < chains; c++) {
                s.params()[c] = calls[c].params().block();
                s.keys()[c] = new RngKey(calls[c].seed(), calls[c].chain());
                s.z()[c] = new byte[b.rows];
            }
            return s;
        }

        @Override
        void kernel(State s, int c, RowBlock b, int j, double[] sums) {
            double[] stats = new double[sums.length - 1];
            sums[0] = CpuKernels.allocate(b.x, b.y, b.p, s.z()[c], b.first, b.from(j), b.to(j), s.params()[c],
                    s.keys()[c], calls[c].sweep(), stats);
            System.arraycopy(stats, 0, sums, 1, stats.length);
        }

        @Override
        void finish(State s, int c, RowBlock b) {
            b.keep(ws[c], calls[c].version(), s.z()[c]);
        }
    }

    /** Kernel (b) of each chain. */
    static final class GradientTask extends ChainsTask<ParamsBlock[]> {
        private static final long serialVersionUID = 1L;
        private final Shipped[] params;
        private final double[][] references;
        private final boolean[] metrics;

        GradientTask(int failPartition, Shipped[] params, double[][] references, boolean[] metrics, int[] sizes) {
            super(failPartition, sizes);
            this.params = params;
            this.references = references;
            this.metrics = metrics;
        }

        @Override
        ParamsBlock[] begin(RowBlock b) {
            return Arrays.stream(params).map(Shipped::block).toArray(ParamsBlock[]::new);
        }

        @Override
        void kernel(ParamsBlock[] blocks, int c, RowBlock b, int j, double[] sums) {
            // kernel (b) draws nothing: the partition's own row numbering serves
            CpuKernels.gateGradient(b.x, b.y, b.p, b.from(j) - b.first, b.to(j) - b.first, blocks[c], references[c],
                    metrics[c], sums);
        }
    }

    /** Kernel (c) of each chain, on the z of its last kernel (a) call (kept, or drawn again). */
    static final class GateStatsTask extends ChainsTask<GateStatsTask.State> {
        private static final long serialVersionUID = 1L;
        private final long[] ws;
        private final Draw[] lasts;
        private final Shipped[] params;
        private final int[] gates;
        private final long[] seeds;
        private final int[] chains;
        private final int[] sweeps;

        record State(ParamsBlock[] params, RngKey[] keys, byte[][] z) {}

        GateStatsTask(int failPartition, long[] ws, Draw[] lasts, Shipped[] params, int[] gates, long[] seeds,
                      int[] chains, int[] sweeps, int size) {
            super(failPartition, filled(ws.length, size));
            this.ws = ws;
            this.lasts = lasts;
            this.params = params;
            this.gates = gates;
            this.seeds = seeds;
            this.chains = chains;
            this.sweeps = sweeps;
        }

        private static int[] filled(int length, int value) {
            int[] a = new int[length];
            Arrays.fill(a, value);
            return a;
        }

        @Override
        State begin(RowBlock b) {
            int n = ws.length;
            State s = new State(new ParamsBlock[n], new RngKey[n], new byte[n][]);
            for (int c = 0; c < n; c++) {
                s.params()[c] = params[c].block();
                s.keys()[c] = new RngKey(seeds[c], chains[c]);
                s.z()[c] = allocationsOf(b, ws[c], lasts[c]);
            }
            return s;
        }

        @Override
        void kernel(State s, int c, RowBlock b, int j, double[] sums) {
            CpuKernels.gateStats(b.x, b.p, s.z()[c], b.first, b.from(j), b.to(j), s.params()[c], gates[c], s.keys()[c],
                    sweeps[c], sums);
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
