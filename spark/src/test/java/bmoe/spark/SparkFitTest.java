package bmoe.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bmoe fit through SparkMain against bmoe fit on the cpu backend with the same data, seed and block size: draws.csv
 * byte-identical after its '#' lines (n = 20000, K = 3, 2 chains, blocks of 5000 rows, so 4 partitions), for the
 * default sweep and the Polya-Gamma one, and again when a task fails once and Spark retries it.
 */
class SparkFitTest {
    @TempDir
    static Path dir;

    private static Path data;
    private static JavaSparkContext sc;

    /** A short fit: enough sweeps for every kind of call (start search, warm-up with its metric frozen, draws). */
    static final String[] FIT = {"--y", "y", "--experts", "3", "--chains", "2", "--warmup", "30", "--draws", "20",
        "--init-starts", "2", "--init-sweeps", "5", "--seed", "11", "--block-size", "5000", "--quiet"};

    @BeforeAll
    static void simulate() {
        sc = SparkTesting.context();
        data = dir.resolve("planes3.csv");
        run(false, null, "simulate", "--preset", "planes3", "--n", "20000", "--seed", "3", "--out", data.toString());
    }

    /** Runs a command line with bmoe's Main (spark false) or SparkMain; fails the test unless it exits 0. */
    static String run(boolean spark, Consumer<SparkBackend> opened, String... args) {
        return run(spark, 1, opened, args);
    }

    /** The same with {@code perPartition} blocks in each partition on spark. */
    static String run(boolean spark, int perPartition, Consumer<SparkBackend> opened, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        long t0 = System.nanoTime();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = spark ? SparkMain.run(args, o, e, sc, perPartition, opened != null ? opened : b -> { })
                    : Main.run(args, o, e);
        }
        System.out.printf("%s %.1f s%n", spark ? "spark" : "bmoe", (System.nanoTime() - t0) * 1e-9);
        assertEquals(0, code, String.join(" ", args) + ": " + err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    static String[] fit(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("fit", "--data", data.toString(), "--out", out.toString()));
        a.addAll(List.of(FIT));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    /** draws.csv without its '#' lines (the configuration, which names the backend). */
    static String draws(Path run) throws IOException {
        return Files.readAllLines(run.resolve("draws.csv")).stream().filter(l -> !l.startsWith("#"))
                .collect(Collectors.joining("\n"));
    }

    static String header(Path run) throws IOException {
        return Files.readAllLines(run.resolve("draws.csv")).stream().filter(l -> l.startsWith("#"))
                .collect(Collectors.joining("\n"));
    }

    private static final Map<String, String> CPU = new HashMap<>();

    /** draws.csv of the cpu backend's fit with these extra options (each fit once per class). */
    static synchronized String cpuDraws(String... extra) throws IOException {
        String key = String.join(" ", extra);
        if (!CPU.containsKey(key)) {
            Path out = dir.resolve("cpu" + CPU.size());
            List<String> a = new ArrayList<>(List.of(extra));
            a.addAll(List.of("--backend", "cpu", "--threads", "2"));
            run(false, null, fit(out, a.toArray(new String[0])));
            CPU.put(key, draws(out));
        }
        return CPU.get(key);
    }

    @Test
    void drawsAreThoseOfTheCpuBackend() throws IOException {
        Path spark = dir.resolve("spark");
        run(true, null, fit(spark));
        String expected = cpuDraws();
        assertEquals(1 + 2 * 20, expected.lines().count(), "a header row and 2 x 20 draws");
        assertEquals(expected, draws(spark));
        assertTrue(header(spark).contains("# backend = spark"), header(spark));
        assertTrue(header(spark).contains("# block_size = 5000"), header(spark));
        assertTrue(Files.readString(spark.resolve("run.json")).contains("\"spark\""), "run.json names the backend");
    }

    @Test
    void polyaGammaDrawsAreThoseOfTheCpuBackend() throws IOException {
        Path spark = dir.resolve("spark-pg");
        run(true, null, fit(spark, "--gates", "pg"));
        assertEquals(cpuDraws("--gates", "pg"), draws(spark));
    }

    /**
     * Three blocks in the first partition and one in the second: the same draws (each task returns its blocks' sums
     * apart, and the driver adds them in block order). The Polya-Gamma sweep, so kernel (c) reads z over several
     * blocks too.
     */
    @Test
    void severalBlocksPerPartitionGiveTheSameDraws() throws IOException {
        Path spark = dir.resolve("spark-pg-3");
        List<SparkBackend> opened = new ArrayList<>();
        run(true, 3, opened::add, fit(spark, "--gates", "pg"));
        assertTrue(opened.get(0).describe().contains("blocks of 5000 rows, 3 per partition"), opened.get(0).describe());
        assertEquals(cpuDraws("--gates", "pg"), draws(spark));
    }

    /**
     * --chains-per-pass 2: one job serves both chains' calls of a kernel (ChainBatch's passes), with the draws of
     * the cpu backend and of a job per call; the Polya-Gamma sweep, so kernel (c) reads each chain's z in the
     * shared jobs. Fewer jobs than a job per call (ChainBatch lets a chain that lags go alone, so not half).
     */
    @Test
    void chainsInTheSameJobsGiveTheSameDraws() throws IOException {
        Path alone = dir.resolve("spark-pg-alone");
        Path together = dir.resolve("spark-pg-together");
        List<SparkBackend> opened = new ArrayList<>();
        run(true, opened::add, fit(alone, "--gates", "pg"));
        run(true, opened::add, fit(together, "--gates", "pg", "--chains-per-pass", "2"));
        assertEquals(2, opened.size());
        assertEquals(1, opened.get(0).chainsPerPass());
        assertEquals(2, opened.get(1).chainsPerPass());
        assertTrue(opened.get(1).describe().contains("up to 2 chains a job"), opened.get(1).describe());
        assertEquals(cpuDraws("--gates", "pg"), draws(together));
        assertEquals(draws(alone), draws(together));
        long jobsAlone = opened.get(0).jobs();
        long jobsTogether = opened.get(1).jobs();
        System.out.println("jobs: " + jobsAlone + " a job per call, " + jobsTogether + " with 2 chains a job");
        assertTrue(jobsTogether < 0.75 * jobsAlone, jobsTogether + " jobs with 2 chains a job, " + jobsAlone + " alone");
    }

    /**
     * Tasks that fail once (after their kernel ran: its sums are lost, and for kernel (a) its z were already kept)
     * and are retried by Spark (master local[2,3]: 3 attempts a task) leave the draws as they were. Each kind of
     * kernel fails once, in the start search and during warm-up; Spark's listener sees each failure and a
     * successful second attempt.
     */
    @Test
    void tasksThatFailOnceAreRetriedWithTheSameDraws() throws Exception {
        int failed = SparkTesting.INJECTED_FAILURES.get();
        int retried = SparkTesting.RETRIED_SUCCESSES.get();
        Path spark = dir.resolve("spark-faults");
        List<SparkBackend> opened = new ArrayList<>();
        run(true, b -> {
            opened.add(b);
            b.failOnce(SparkBackend.Kernel.ALLOCATE, 3, 1);
            b.failOnce(SparkBackend.Kernel.GATE_GRADIENT, 40, 3);
            b.failOnce(SparkBackend.Kernel.ALLOCATE, 70, 0);
        }, fit(spark));
        assertEquals(1, opened.size());
        assertEquals(cpuDraws(), draws(spark));
        assertEquals(failed + 3, SparkTesting.await(SparkTesting.INJECTED_FAILURES, failed + 3), "failed tasks");
        assertTrue(SparkTesting.await(SparkTesting.RETRIED_SUCCESSES, retried + 3) >= retried + 3, "retried tasks");
    }

    /** The same with the Polya-Gamma sweep, whose kernel (c) reads the z that kernel (a) kept (or draws them again). */
    @Test
    void polyaGammaTasksThatFailOnceAreRetriedWithTheSameDraws() throws Exception {
        int failed = SparkTesting.INJECTED_FAILURES.get();
        Path spark = dir.resolve("spark-pg-faults");
        run(true, b -> {
            b.failOnce(SparkBackend.Kernel.GATE_STATS, 5, 2);
            b.failOnce(SparkBackend.Kernel.ALLOCATE, 30, 3);
        }, fit(spark, "--gates", "pg"));
        assertEquals(cpuDraws("--gates", "pg"), draws(spark));
        assertEquals(failed + 2, SparkTesting.await(SparkTesting.INJECTED_FAILURES, failed + 2), "failed tasks");
    }


    /**
     * Every cached row block lost twice mid-fit (as when every executor is lost): the next job rebuilds them from their
     * lineage, the Spark-read blocks from the shuffle's output and the driver-read ones from their broadcasts, and
     * kernel (c) draws the z again; the draws are as they were. The Polya-Gamma sweep, whose kernel (c) reads z.
     */
    @Test
    void lostBlocksAreRebuiltWithTheSameDraws() throws IOException {
        for (boolean onDriver : new boolean[] {false, true}) {
            Path spark = dir.resolve("spark-pg-lost-" + onDriver);
            List<SparkBackend> opened = new ArrayList<>();
            String[] args = fit(spark, "--gates", "pg");
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
            long built = RowBlock.BUILT.get();
            int code = SparkMain.run(args, quiet, new PrintStream(err, true, StandardCharsets.UTF_8), sc, 1, onDriver, b -> {
                opened.add(b);
                b.loseBlocksBefore(SparkBackend.Kernel.GATE_STATS, 25);
                b.loseBlocksBefore(SparkBackend.Kernel.ALLOCATE, 60);
            });
            assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
            assertEquals(cpuDraws("--gates", "pg"), draws(spark), "read on the driver: " + onDriver);
            // 4 partitions built when cached, and again after each loss
            assertEquals(3 * 4, RowBlock.BUILT.get() - built, "row blocks built, read on the driver: " + onDriver);
        }
    }

    /**
     * A driver killed mid-run (SIGKILL of a separate JVM running SparkMain, once a checkpoint is on disk) and the fit
     * resumed with fit --resume on this JVM's SparkContext: the draws of a fit that never stopped.
     */
    @Test
    void aKilledDriverResumesToTheSameDraws() throws Exception {
        Path spark = dir.resolve("spark-killed");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(Files.readAllLines(Path.of("conf", "java-options")));
        command.add("-Dlog4j2.configurationFile=" + Path.of("src", "test", "resources", "log4j2-test.properties").toAbsolutePath());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), SparkMain.class.getName(), "--master", "local[2]"));
        command.addAll(List.of(fit(spark, "--checkpoint-every", "5")));
        Process driver = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("killed.log").toFile()).start();
        Path checkpoint = spark.resolve("checkpoint").resolve("chain-2.json");
        long end = System.nanoTime() + 120_000_000_000L;
        while (!Files.exists(checkpoint) && driver.isAlive() && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        driver.destroyForcibly().waitFor();
        assertTrue(Files.exists(checkpoint), "a checkpoint before the kill: " + Files.readString(dir.resolve("killed.log")));
        assertTrue(!Files.exists(spark.resolve("summary.json")), "killed before the end");
        run(true, null, "fit", "--resume", spark.toString());
        assertEquals(cpuDraws(), draws(spark));
        assertTrue(Files.readString(spark.resolve("run.json")).contains("\"spark\""));
    }
}
