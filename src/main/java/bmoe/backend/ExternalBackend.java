package bmoe.backend;

/**
 * A backend that a module outside this jar brings (the spark module's {@code bmoe.spark.SparkMain} installs
 * one before it runs {@code fit}): while one is installed, fit and demo open it in place of --backend's choice,
 * and {@code fit --resume} of a run it made (run.json names it) opens it again. A factory that also implements
 * {@code bmoe.io.ExternalData} reads the fit's data too, where its kernels run.
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
    }

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
