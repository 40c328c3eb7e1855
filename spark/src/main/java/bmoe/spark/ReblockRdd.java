package bmoe.spark;

import bmoe.model.Dataset;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.Dependency;
import org.apache.spark.NarrowDependency;
import org.apache.spark.Partition;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The sampler's row blocks cut from the moment blocks that {@link SparkData} reads into (rows in blocks of {@link
 * Dataset#MOMENT_BLOCK}, stored minus their shift): partition q holds rows [q R, min(n, (q + 1) R)) for R =
 * blockSize x blocksPerPartition, copied from the moment blocks it overlaps (a narrow dependency: no shuffle) and
 * standardised as {@link Dataset#standardise} does. Two layouts because the moments must be summed over bmoe's
 * moment blocks (for its bits) while the kernels' partitions follow the block size.
 */
final class ReblockRdd extends RDD<RowBlock> {
    private static final long serialVersionUID = 1L;

    private final RDD<SparkData.MomentBlock> parent;
    private final int n;
    private final int p;
    private final int blockSize;
    private final int rowsPerPartition;
    private final double[] centre;
    private final double[] scale;

    ReblockRdd(RDD<SparkData.MomentBlock> parent, int n, int p, int blockSize, int perPartition, double[] centre,
               double[] scale) {
        super(parent.sparkContext(), dependencies(parent, n, (long) blockSize * perPartition), BlocksRdd.tag());
        this.parent = parent;
        this.n = n;
        this.p = p;
        this.blockSize = blockSize;
        this.rowsPerPartition = (int) Math.min(Integer.MAX_VALUE, (long) blockSize * perPartition);
        this.centre = centre.clone();
        this.scale = scale.clone();
    }

    /** The moment blocks that partition q's rows lie in. */
    private static List<Object> parents(int q, int n, long rowsPerPartition) {
        long from = q * rowsPerPartition;
        long to = Math.min(n, from + rowsPerPartition);
        List<Object> out = new ArrayList<>();
        for (long m = from / Dataset.MOMENT_BLOCK; m * Dataset.MOMENT_BLOCK < to; m++) {
            out.add((int) m);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Seq<Dependency<?>> dependencies(RDD<SparkData.MomentBlock> parent, int n, long rowsPerPartition) {
        Dependency<?> d = new NarrowDependency<SparkData.MomentBlock>(parent) {
            private static final long serialVersionUID = 1L;

            @Override
            public scala.collection.immutable.Seq<Object> getParents(int partitionId) {
                return CollectionConverters.asScala(parents(partitionId, n, rowsPerPartition)).toList();
            }
        };
        return (Seq<Dependency<?>>) (Seq<?>) CollectionConverters.asScala(List.<Dependency<?>>of(d)).toList();
    }

    @Override
    public Partition[] getPartitions() {
        int partitions = SparkBackend.partitions(n, blockSize, rowsPerPartition / blockSize);
        Partition[] parts = new Partition[partitions];
        for (int q = 0; q < partitions; q++) {
            parts[q] = new Cut(q);
        }
        return parts;
    }

    @Override
    public scala.collection.Iterator<RowBlock> compute(Partition split, TaskContext context) {
        int q = split.index();
        int from = (int) Math.min(n, (long) q * rowsPerPartition);
        int to = (int) Math.min(n, (long) from + rowsPerPartition);
        float[] x = new float[(to - from) * p];
        float[] y = new float[to - from];
        Partition[] moments = parent.partitions();
        for (Object m : parents(q, n, rowsPerPartition)) {
            scala.collection.Iterator<SparkData.MomentBlock> it = parent.iterator(moments[(Integer) m], context);
            SparkData.MomentBlock b = it.next();
            int bFrom = b.index() * Dataset.MOMENT_BLOCK;
            int lo = Math.max(from, bFrom);
            int hi = Math.min(to, bFrom + b.y().length);
            System.arraycopy(b.x(), (lo - bFrom) * p, x, (lo - from) * p, (hi - lo) * p);
            System.arraycopy(b.y(), lo - bFrom, y, lo - from, hi - lo);
        }
        Dataset.standardise(x, y, p, 0, to - from, centre, scale);
        RowBlock block = new RowBlock(q, from, to - from, blockSize, p, x, y);
        RowBlock.BUILT.incrementAndGet();
        return CollectionConverters.asScala(List.of(block).iterator());
    }

    /** Partition q. */
    static final class Cut implements Partition {
        private static final long serialVersionUID = 1L;
        private final int index;

        Cut(int index) {
            this.index = index;
        }

        @Override
        public int index() {
            return index;
        }

        @Override
        public int hashCode() {
            return index;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Cut c && c.index == index;
        }
    }
}
