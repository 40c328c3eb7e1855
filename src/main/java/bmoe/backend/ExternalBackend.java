package bmoe.backend;

import bmoe.io.Dialect;
import bmoe.model.Dataset;
import java.nio.file.Path;
import java.util.List;

/**
 * A backend that a module outside this jar brings (the spark module's {@code bmoe.spark.SparkMain} installs
 * one before it runs {@code fit}): while one is installed, fit and demo open it in place of --backend's choice,
 * and {@code fit --resume} of a run it made (run.json names it) opens it again.
 */
public final class ExternalBackend {
    private ExternalBackend() {}

    /** Opens the external backend. */
    public interface Factory {
        /** The backend's short name, as {@link Backend#name()} and run.json give it. */
        String name();

        /** A new backend; {@code blockSize} null for its default. */
        Backend open(int threads, Integer blockSize);

        /**
         * A new backend that advances at most {@code chainsPerPass} chains' calls of one kernel in one pass over the
         * data (--chains-per-pass; null for its default; see {@link Backend#chainsPerPass}). Default: the option is
         * not the backend's to use, and it opens as {@link #open(int, Integer)}.
         */
        default Backend open(int threads, Integer blockSize, Integer chainsPerPass) {
            return open(threads, blockSize);
        }

        /**
         * Reads a fit's data (fit, and fit --resume) where this backend's kernels run, with the checks and messages of
         * bmoe's own reader, into a data set whose rows may be held there ({@link Dataset#elsewhere}); null: bmoe's
         * own reader reads it in this JVM (the default).
         *
         * @param xNames the x columns as given (--x), or null for every named column but y
         * @param blockSize --block-size, or null for the backend's default
         */
        default DataRead read(Path file, Dialect dialect, String yName, List<String> xNames, boolean standardize,
                              Integer blockSize) {
            return null;
        }
    }

    /** A data set read by {@link Factory#read}, and the rows --missing drop left out (the first: where, or null). */
    public record DataRead(Dataset dataset, long dropped, String firstDropped) {}

    private static volatile Factory installed;

    /** Installs {@code factory} (null: none); returns the one it replaces. */
    public static Factory install(Factory factory) {
        Factory before = installed;
        installed = factory;
        return before;
    }

    /** The installed factory, or null. */
    public static Factory installed() {
        return installed;
    }

    /** Whether the installed factory makes the backend called {@code name}. */
    public static boolean provides(String name) {
        Factory f = installed;
        return f != null && f.name().equals(name);
    }
}
