package bmoe.spark;

import java.util.List;
import org.apache.spark.Dependency;
import org.apache.spark.Partition;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import scala.collection.immutable.Seq;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The row blocks as an RDD with no parent: partition b is block b, computed from its own broadcast. Each task
 * carries only its partition's broadcast handle (a map over a parallelized list of indices would ship every
 * block's handle in every task: 30 ms more per job at 62 blocks, measured), and a block lost from the cache
 * is rebuilt from its broadcast, which the driver keeps.
 */
final class BlocksRdd extends RDD<RowBlock> {
    private static final long serialVersionUID = 1L;
    private static final ClassTag<RowBlock> TAG = ClassTag$.MODULE$.apply(RowBlock.class);

    private final transient List<Broadcast<RowBlock>> shipped;

    @SuppressWarnings("unchecked")
    BlocksRdd(SparkContext sc, List<Broadcast<RowBlock>> shipped) {
        super(sc, (Seq<Dependency<?>>) (Seq<?>) scala.collection.immutable.Nil$.MODULE$, TAG);
        this.shipped = List.copyOf(shipped);
    }

    static ClassTag<RowBlock> tag() {
        return TAG;
    }

    @Override
    public Partition[] getPartitions() {
        Partition[] parts = new Partition[shipped.size()];
        for (int b = 0; b < parts.length; b++) {
            parts[b] = new Block(b, shipped.get(b));
        }
        return parts;
    }

    @Override
    public scala.collection.Iterator<RowBlock> compute(Partition split, TaskContext context) {
        RowBlock block = ((Block) split).rows.value();
        RowBlock.BUILT.incrementAndGet();
        return scala.jdk.javaapi.CollectionConverters.asScala(List.of(block).iterator());
    }

    /** Partition b: its broadcast. */
    static final class Block implements Partition {
        private static final long serialVersionUID = 1L;
        private final int index;
        private final Broadcast<RowBlock> rows;

        Block(int index, Broadcast<RowBlock> rows) {
            this.index = index;
            this.rows = rows;
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
            return this == other;
        }
    }
}
