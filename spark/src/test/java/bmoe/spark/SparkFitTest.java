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
import java.util.List;
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
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        long t0 = System.nanoTime();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = spark ? SparkMain.run(args, o, e, sc, opened != null ? opened : b -> { }) : Main.run(args, o, e);
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

    @Test
    void drawsAreThoseOfTheCpuBackend() throws IOException {
        Path cpu = dir.resolve("cpu");
        Path spark = dir.resolve("spark");
        run(false, null, fit(cpu, "--backend", "cpu", "--threads", "2"));
        run(true, null, fit(spark));
        String expected = draws(cpu);
        assertTrue(expected.lines().count() == 1 + 2 * 20, "a header row and 2 x 20 draws");
        assertEquals(expected, draws(spark));
        System.out.println(header(spark));
        assertTrue(Files.readString(spark.resolve("run.json")).contains("\"spark\""), "run.json names the backend");
    }

    @Test
    void polyaGammaDrawsAreThoseOfTheCpuBackend() throws IOException {
        Path cpu = dir.resolve("cpu-pg");
        Path spark = dir.resolve("spark-pg");
        run(false, null, fit(cpu, "--backend", "cpu", "--threads", "2", "--gates", "pg"));
        run(true, null, fit(spark, "--gates", "pg"));
        assertEquals(draws(cpu), draws(spark));
    }
}
