package bmoe.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.cli.Main;
import bmoe.io.DataFingerprint;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --data as a URI of a cluster file system (hdfs://, s3a://), here {@link ElsewhereFileSystem}'s elsewhere://,
 * which only Hadoop opens: the fit reads it with Spark's readers, draws what the cpu backend draws from a local
 * copy, records the URI and the same fingerprint as a local copy's, and resumes from it; a changed file is refused;
 * bmoe's own commands, which cannot read it, say so in one line.
 */
class SparkUriTest {
    @TempDir
    static Path dir;

    private static Path data;
    private static JavaSparkContext sc;

    private static final String[] FIT = {"--experts", "2", "--chains", "2", "--warmup", "10", "--draws", "10",
        "--init-starts", "1", "--init-sweeps", "0", "--seed", "5", "--block-size", "1000", "--checkpoint-every", "5",
        "--quiet"};

    @BeforeAll
    static void simulate() throws IOException {
        sc = SparkTesting.context();
        sc.hadoopConfiguration().set("fs." + ElsewhereFileSystem.SCHEME + ".impl", ElsewhereFileSystem.class.getName());
        data = dir.resolve("data.csv");
        assertEquals(0, run(false, "simulate", "--preset", "neurips23", "--n", "3000", "--seed", "2", "--out",
                data.toString()).code);
    }

    record Result(int code, String out, String err) {}

    static Result run(boolean spark, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = spark ? SparkMain.run(args, o, e, sc) : Main.run(args, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String uri(Path local) {
        return ElsewhereFileSystem.SCHEME + "://" + local.toAbsolutePath();
    }

    static String[] fit(String data, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("fit", "--data", data, "--out", out.toString()));
        a.addAll(List.of(FIT));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    @Test
    void aFitReadsAUriDrawsAsTheCpuBackendAndResumesFromIt() throws IOException {
        Path cpu = dir.resolve("cpu");
        Path spark = dir.resolve("spark");
        Result local = run(false, fit(data.toString(), cpu, "--backend", "cpu", "--threads", "2"));
        assertEquals(0, local.code, local.err);
        Result remote = run(true, fit(uri(data), spark));
        assertEquals(0, remote.code, remote.err);
        assertEquals(SparkFitTest.draws(cpu), SparkFitTest.draws(spark));
        assertTrue(SparkFitTest.header(spark).contains("# data = " + uri(data)), SparkFitTest.header(spark));

        JsonNode recorded = new ObjectMapper().readTree(spark.resolve("run.json").toFile()).path("data");
        assertEquals(uri(data), recorded.path("path").asText(), "run.json keeps the URI as it is");
        DataFingerprint copy = DataFingerprint.of(data);
        assertEquals(copy.sha256(), recorded.path("sha256").asText(), "the fingerprint of a local copy");
        assertEquals(copy.size(), recorded.path("size").asLong());

        // a driver lost after its last checkpoint: the outputs gone, the checkpoints and run.json left
        String expected = SparkFitTest.draws(spark);
        Files.delete(spark.resolve("summary.json"));
        Files.delete(spark.resolve("draws.csv"));
        Result resumed = run(true, "fit", "--resume", spark.toString(), "--quiet");
        assertEquals(0, resumed.code, resumed.err);
        assertEquals(expected, SparkFitTest.draws(spark));

        // the analysis commands run in this JVM, which cannot read elsewhere://: one line, and --data is the way
        Result criteria = run(false, "criteria", "--run", spark.toString());
        assertEquals(2, criteria.code, criteria.out + criteria.err);
        assertEquals(1, criteria.err.strip().lines().count(), criteria.err);
        assertTrue(criteria.err.contains("cluster file system") && criteria.err.contains("--data"), criteria.err);
        assertEquals(0, run(false, "criteria", "--run", spark.toString(), "--data", data.toString()).code);
    }

    @Test
    void aResumeRefusesAUriWhoseDataChanged() throws IOException {
        Path changing = dir.resolve("changing.csv");
        Files.copy(data, changing);
        Path spark = dir.resolve("spark-changed");
        assertEquals(0, run(true, fit(uri(changing), spark)).code);
        Files.delete(spark.resolve("summary.json"));
        List<String> lines = Files.readAllLines(changing);
        Files.writeString(changing, lines.get(lines.size() - 1) + "\n", StandardOpenOption.APPEND);
        Result resumed = run(true, "fit", "--resume", spark.toString(), "--quiet");
        assertEquals(2, resumed.code, resumed.err);
        assertTrue(resumed.err.contains("changed since the run started"), resumed.err);
        assertEquals(1, resumed.err.strip().lines().count(), resumed.err);
    }

    /** A Parquet folder as Spark writes one, with its _SUCCESS and .crc files: the fingerprint of the local folder. */
    @Test
    void aParquetFolderHasTheFingerprintOfItsLocalCopy() throws IOException {
        Path folder = dir.resolve("parts");
        Files.createDirectories(folder.resolve("year=2026"));
        for (int i = 0; i < 2; i++) {
            Path part = folder.resolve(i == 0 ? "part-00000.parquet" : "year=2026/part-00001.parquet");
            assertEquals(0, run(false, "simulate", "--preset", "neurips23", "--n", "500", "--seed", "" + (7 + i),
                    "--out", part.toString()).code);
            Files.deleteIfExists(Path.of(part.toString().replace(".parquet", ".truth.json")));
        }
        Files.writeString(folder.resolve("_SUCCESS"), "");
        Files.writeString(folder.resolve(".part-00000.parquet.crc"), "x");
        DataFingerprint local = DataFingerprint.of(folder);
        assertEquals(local, SparkData.fingerprint(sc, uri(folder)));
        Path spark = dir.resolve("spark-parts");
        Result fit = run(true, fit(uri(folder), spark));
        assertEquals(0, fit.code, fit.err);
        JsonNode recorded = new ObjectMapper().readTree(spark.resolve("run.json").toFile()).path("data");
        assertEquals(local.sha256(), recorded.path("sha256").asText());
    }

    /** bmoe's own fit reads local data only: a URI gets one line that names the engine that reads it. */
    @Test
    void bmoesOwnFitSaysWhichEngineReadsAUri() {
        Result r = run(false, fit("hdfs://namenode:8020/data/planes.parquet", dir.resolve("never")));
        assertEquals(2, r.code, r.err);
        assertEquals(1, r.err.strip().lines().count(), r.err);
        assertTrue(r.err.contains("hdfs://") && r.err.contains("spark engine"), r.err);
        assertTrue(!Files.exists(dir.resolve("never")), "no run folder");
    }

    /** A scheme no Hadoop file system has: one line. */
    @Test
    void anUnknownSchemeIsOneLine() {
        Result r = run(true, fit("nosuchfs://x/data.csv", dir.resolve("never2")));
        assertEquals(2, r.code, r.err);
        assertEquals(1, r.err.strip().lines().count(), r.err);
        assertTrue(r.err.contains("nosuchfs"), r.err);
        assertTrue(!Files.exists(dir.resolve("never2")), "no run folder");
    }
}
