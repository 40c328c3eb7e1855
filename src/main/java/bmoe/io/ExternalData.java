package bmoe.io;

import bmoe.model.Dataset;
import java.util.List;

/**
 * A reader that an external backend brings (see {@code bmoe.backend.ExternalBackend}; bmoe-spark's reads with
 * Spark's own readers on the executors): an installed backend factory that also implements this reads a fit's data
 * (fit, and fit --resume) where its kernels run, and may read data that this JVM cannot: a URI of a cluster file
 * system ({@code hdfs://}, {@code s3a://}). It lives here, beside bmoe's own readers, rather than in the factory's
 * interface, because a backend sits below the readers and their dialects.
 */
public interface ExternalData {
    /**
     * Reads a fit's data with the checks and messages of bmoe's own reader, into a data set whose rows may be held
     * where the backend runs ({@link Dataset#elsewhere}); null: bmoe's own reader reads it in this JVM (never for a
     * {@linkplain #isUri URI}).
     *
     * @param location the data: an absolute local path, or a URI that {@link #reads}
     * @param xNames the x columns as given (--x), or null for every named column but y
     * @param blockSize --block-size, or null for the backend's default
     */
    DataRead read(String location, Dialect dialect, String yName, List<String> xNames, boolean standardize,
                  Integer blockSize);

    /** Whether this reader reads data at {@code uri} (a {@linkplain #isUri URI}): its scheme is one it knows. */
    boolean reads(String uri);

    /** The data's fingerprint at {@code uri} (one {@link #reads}), as {@link DataFingerprint#of} makes a local one. */
    DataFingerprint fingerprint(String uri);

    /** A data set read by {@link #read}, and the rows --missing drop left out (the first: where, or null). */
    record DataRead(Dataset dataset, long dropped, String firstDropped) {}

    /**
     * Whether --data names a location on another file system (hdfs://nn/data.parquet, s3a://bucket/part/) rather
     * than a local path: scheme://..., the scheme as RFC 3986 spells one, two letters at least (so that C:/... is a
     * path); file:// URIs are local paths.
     */
    static boolean isUri(String data) {
        return data.matches("(?s)[A-Za-z][A-Za-z0-9+.-]+://.*") && !data.regionMatches(true, 0, "file://", 0, 7);
    }
}
