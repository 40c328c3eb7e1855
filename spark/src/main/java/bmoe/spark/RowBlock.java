package bmoe.spark;

import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One partition's data: rows [first, first + rows) of x (row-major, p floats a row) and y, float32 on the
 * sampler's scale: one or more whole blocks of the CPU backend ({@code blockSize} rows each, the last one maybe
 * shorter), first being a multiple of blockSize. Held deserialized in executor memory (the cached RDD's element),
 * so every kernel job reads it in place.
 *
 * <p>Beside the data, each workspace's allocations z of this block from its latest kernel (a) call, tagged with
 * that call's number. They are a cache, not state: a task that finds them missing (an executor lost, the block
 * recomputed from its broadcast) or older than the call it needs recomputes them from that call's parameters,
 * which draws the same z (see {@link SparkBackend}). Transient: never shipped.
 */
final class RowBlock implements Serializable {
    private static final long serialVersionUID = 1L;

    final int index;
    final int first;
    final int rows;
    final int blockSize;
    final int p;
    final float[] x;
    final float[] y;
    private transient volatile Map<Long, Allocations> z;

    /** Row blocks that tasks of this JVM have built (computed a partition of their RDD): tests, in local mode. */
    static final java.util.concurrent.atomic.AtomicLong BUILT = new java.util.concurrent.atomic.AtomicLong();

    RowBlock(int index, int first, int rows, int blockSize, int p, float[] x, float[] y) {
        this.index = index;
        this.first = first;
        this.rows = rows;
        this.blockSize = blockSize;
        this.p = p;
        this.x = x;
        this.y = y;
    }

    /** The CPU backend's blocks in this partition (1 when it has no rows: n = 0). */
    int blocks() {
        return Math.max(1, (int) ((rows + (long) blockSize - 1) / blockSize));
    }

    /** Global index of the first row of block j of this partition. */
    int from(int j) {
        return first + j * blockSize;
    }

    /** Global index one past the last row of block j of this partition. */
    int to(int j) {
        return (int) Math.min((long) from(j) + blockSize, (long) first + rows);
    }

    /** z of this block drawn by a workspace's kernel (a) call number {@code version}. */
    record Allocations(long version, byte[] z) {}

    private Map<Long, Allocations> zMap() {
        Map<Long, Allocations> m = z;
        if (m == null) {
            synchronized (this) {
                m = z;
                if (m == null) {
                    m = new ConcurrentHashMap<>();
                    z = m;
                }
            }
        }
        return m;
    }

    /** The z of workspace {@code ws} drawn by call {@code version}, or null when this block does not hold them. */
    byte[] allocations(long ws, long version) {
        Allocations a = zMap().get(ws);
        return a != null && a.version() == version ? a.z() : null;
    }

    /** Keeps z of workspace {@code ws} from call {@code version}, unless newer ones are already here. */
    void keep(long ws, long version, byte[] values) {
        zMap().merge(ws, new Allocations(version, values), (old, now) -> now.version() >= old.version() ? now : old);
    }

    /** Drops workspace {@code ws}'s z. */
    void drop(long ws) {
        zMap().remove(ws);
    }

    /** Tests only: forgets every workspace's z, as a block rebuilt on another executor would. */
    void forgetAll() {
        zMap().clear();
    }
}
