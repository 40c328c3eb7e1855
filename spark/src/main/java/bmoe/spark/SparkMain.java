package bmoe.spark;

import bmoe.backend.Backend;
import bmoe.backend.ExternalBackend;
import bmoe.backend.cpu.CpuBackend;
import bmoe.cli.Main;
import bmoe.io.DataFingerprint;
import bmoe.io.Dialect;
import bmoe.io.ExternalData;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * {@code bmoe fit} with its kernels as Spark jobs: the same options, outputs and run folder (on the driver's file
 * system) as {@code bmoe fit}; only the backend differs ({@link SparkBackend}, recorded as {@code spark}).
 *
 * <pre>
 *   spark-submit --class bmoe.spark.SparkMain bmoe-spark.jar fit --data hdfs://nn/data.parquet --experts 3 --out run/
 *   scripts/bmoe fit --engine spark --master local[2] --data data.csv --experts 3 --out run/
 * </pre>
 *
 * Options of its own: {@code --master M} (else spark-submit's, else {@code local[*]}), {@code --blocks-per-partition
 * N} (1: one block of --block-size rows a partition; more: fewer, larger tasks, the same draws),
 * {@code --read-on-driver} (the fallback for local data: bmoe's own reader on the driver, the rows shipped to the
 * executors in broadcasts; by default Spark's readers read the data on the executors, see {@link SparkData}) and
 * {@code --engine spark} (what scripts/bmoe passes; ignored). bmoe's {@code --chains-per-pass N} (default 1) runs
 * one call of each of up to N chains as one Spark job. {@code --backend} and {@code --device} are refused. Any command but fit is bmoe's own, without Spark.
 */
public final class SparkMain {
    private SparkMain() {}

    /** Options that pick another backend: they do not apply here. */
    private static final Set<String> REFUSED = Set.of("--backend", "--device");

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> rest = new ArrayList<>();
        String master = null;
        int blocksPerPartition = 1;
        boolean readOnDriver = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--blocks-per-partition=")) {
                args = splice(args, i, "--blocks-per-partition", a.substring(a.indexOf('=') + 1));
                a = args[i];
            }
            if (a.equals("--read-on-driver")) {
                readOnDriver = true;
                continue;
            }
            if (a.equals("--master") || a.equals("--engine") || a.equals("--blocks-per-partition")) {
                if (i + 1 >= args.length) {
                    err.println("bmoe: " + a + " needs a value");
                    return Main.EXIT_USAGE;
                }
                String v = args[++i];
                if (a.equals("--master")) {
                    master = v;
                } else if (a.equals("--blocks-per-partition")) {
                    try {
                        blocksPerPartition = Integer.parseInt(v.strip());
                    } catch (NumberFormatException e) {
                        blocksPerPartition = 0;
                    }
                    if (blocksPerPartition < 1) {
                        err.println("bmoe: --blocks-per-partition must be an integer >= 1, got '" + v + "'");
                        return Main.EXIT_USAGE;
                    }
                } else if (!v.equals("spark")) {
                    err.println("bmoe: this is the spark engine's entry point; --engine " + v + " does not apply");
                    return Main.EXIT_USAGE;
                }
            } else if (a.startsWith("--master=")) {
                master = a.substring("--master=".length());
            } else if (a.startsWith("--engine=")) {
                if (!a.equals("--engine=spark")) {
                    err.println("bmoe: this is the spark engine's entry point; " + a + " does not apply");
                    return Main.EXIT_USAGE;
                }
            } else {
                rest.add(a);
            }
        }
        String[] command = rest.toArray(new String[0]);
        if (command.length == 0 || !command[0].equals("fit") || rest.contains("--help") || rest.contains("-h")) {
            return Main.run(command, out, err); // nothing to sample: bmoe's own command, no Spark
        }
        for (String a : rest) {
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (REFUSED.contains(name)) {
                err.println("bmoe: " + name + " does not apply to the spark engine (its kernels run on the Spark "
                        + "executors; --block-size sets the rows per partition)");
                return Main.EXIT_USAGE;
            }
        }
        SparkConf conf = new SparkConf().setAppName("bmoe fit");
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            return run(command, out, err, sc, blocksPerPartition, readOnDriver, backend -> { });
        }
    }

    /** args with element i replaced by two. */
    private static String[] splice(String[] args, int i, String first, String second) {
        List<String> a = new ArrayList<>(List.of(args));
        a.set(i, first);
        a.add(i + 1, second);
        return a.toArray(new String[0]);
    }

    /** Runs a bmoe command line with the spark backend on {@code sc} (left open); returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err, JavaSparkContext sc) {
        return run(args, out, err, sc, 1, false, backend -> { });
    }

    /**
     * The same with {@code blocksPerPartition} blocks in each partition, telling {@code opened} of each backend it
     * opens (tests: to inject a task failure).
     */
    static int run(String[] args, PrintStream out, PrintStream err, JavaSparkContext sc, int blocksPerPartition,
                   Consumer<SparkBackend> opened) {
        return run(args, out, err, sc, blocksPerPartition, false, opened);
    }

    /** The same; with {@code readOnDriver}, bmoe's own reader reads the data on the driver and ships the rows. */
    static int run(String[] args, PrintStream out, PrintStream err, JavaSparkContext sc, int blocksPerPartition,
                   boolean readOnDriver, Consumer<SparkBackend> opened) {
        ExternalBackend.Factory before = ExternalBackend.install(factory(sc, blocksPerPartition, readOnDriver, opened));
        try {
            return Main.run(args, out, err);
        } finally {
            ExternalBackend.install(before);
        }
    }

    /** A backend factory that reads the data too (Spark's readers on the executors). */
    private interface SparkFactory extends ExternalBackend.Factory, ExternalData {}

    /** What {@code fit} opens: a {@link SparkBackend} on {@code sc}. */
    static ExternalBackend.Factory factory(JavaSparkContext sc, int blocksPerPartition, boolean readOnDriver,
                                           Consumer<SparkBackend> opened) {
        return new SparkFactory() {
            @Override
            public String name() {
                return SparkBackend.NAME;
            }

            @Override
            public Backend open(int threads, Integer blockSize) {
                return open(threads, blockSize, null);
            }

            /**
             * Spark's readers on the executors ({@link SparkData}); null (bmoe's reader on the driver) when asked,
             * except for a URI, which only Hadoop's file systems read.
             */
            @Override
            public ExternalData.DataRead read(String location, Dialect dialect, String yName, List<String> xNames,
                                              boolean standardize, Integer blockSize) {
                if (readOnDriver && !ExternalData.isUri(location)) {
                    return null;
                }
                return SparkData.read(sc, location, dialect, yName, xNames, standardize,
                        blockSize == null ? CpuBackend.DEFAULT_BLOCK_SIZE : blockSize, blocksPerPartition);
            }

            /** Any URI: Hadoop's file systems take it, or say in one line that none has its scheme. */
            @Override
            public boolean reads(String uri) {
                return true;
            }

            @Override
            public DataFingerprint fingerprint(String uri) {
                return SparkData.fingerprint(sc, uri);
            }

            @Override
            public Backend open(int threads, Integer blockSize, Integer chainsPerPass) {
                SparkBackend backend = new SparkBackend(sc, blockSize == null ? CpuBackend.DEFAULT_BLOCK_SIZE : blockSize,
                        blocksPerPartition, chainsPerPass == null ? 1 : chainsPerPass);
                opened.accept(backend);
                return backend;
            }
        };
    }
}
