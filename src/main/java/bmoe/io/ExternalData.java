package bmoe.io;

import bmoe.model.Dataset;
import java.nio.file.Path;
import java.util.List;

/**
 * A reader that an external backend brings (see {@code bmoe.backend.ExternalBackend}; bmoe-spark's reads with
 * Spark's own readers on the executors): an installed backend factory that also implements this reads a fit's data
 * (fit, and fit --resume) where its kernels run. It lives here, beside bmoe's own readers, rather than in the
 * factory's interface, because a backend sits below the readers and their dialects.
 */
public interface ExternalData {
    /**
     * Reads a fit's data with the checks and messages of bmoe's own reader, into a data set whose rows may be held
     * where the backend runs ({@link Dataset#elsewhere}); null: bmoe's own reader reads it in this JVM.
     *
     * @param xNames the x columns as given (--x), or null for every named column but y
     * @param blockSize --block-size, or null for the backend's default
     */
    DataRead read(Path file, Dialect dialect, String yName, List<String> xNames, boolean standardize,
                  Integer blockSize);

    /** A data set read by {@link #read}, and the rows --missing drop left out (the first: where, or null). */
    record DataRead(Dataset dataset, long dropped, String firstDropped) {}
}
