package bmoe.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.cli.Main;
import bmoe.io.Covariates;
import bmoe.io.DataSource;
import bmoe.io.Dialect;
import bmoe.io.ExternalData;
import bmoe.io.RawData;
import bmoe.io.UserError;
import bmoe.model.Dataset;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The data as Spark's readers read them on the executors ({@link SparkData}) against bmoe's own reader on the same
 * file (RawData, then Dataset.fromRaw, what fit on the cpu backend does): the same rows in the same order, every
 * float32 value of x and y and the standardisation bit for bit, for a CSV file read in many splits, a Parquet file,
 * and a folder of Parquet part files that Spark gives out by size (largest first) where bmoe reads them by name,
 * standardised and not, with rows dropped for missing values; and the reader's one-line errors.
 */
class SparkDataTest {
    @TempDir
    static Path dir;

    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkTesting.context();
    }

    /** Small splits: a 300 kB file is read by many tasks, and a task reads several files' splits in a row. */
    private static void smallSplits(boolean on) {
        SparkSession spark = SparkData.session(sc);
        if (on) {
            spark.conf().set("spark.sql.files.maxPartitionBytes", "20000");
            spark.conf().set("spark.sql.files.openCostInBytes", "1000");
        } else {
            spark.conf().unset("spark.sql.files.maxPartitionBytes");
            spark.conf().unset("spark.sql.files.openCostInBytes");
        }
    }

    @AfterEach
    void defaults() {
        smallSplits(false);
    }

    static int bmoe(String... args) {
        return Main.run(args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()));
    }

    static Path simulate(String name, int n, int seed) {
        Path out = dir.resolve(name);
        assertEquals(0, bmoe("simulate", "--preset", "wide7", "--n", "" + n, "--seed", "" + seed, "--out",
                out.toString()));
        return out;
    }

    /** bmoe's reader: the data set fit --backend cpu samples, and the rows it dropped. */
    static Object[] cpu(Path path, Dialect dialect, boolean standardize) {
        DataSource source = DataSource.open(path, dialect);
        List<String> xs = Covariates.of(source.columns(), "y", null);
        RawData raw = RawData.read(source, xs, "y", dialect.missing());
        return new Object[] {Dataset.fromRaw(raw.x(), raw.y(), raw.p(), raw.xShift(), raw.yShift(), xs, "y",
                standardize), raw.dropped(), raw.firstDropped()};
    }

    /** Spark's reader's rows, gathered from the cached blocks (the test's own collect). */
    static float[][] gathered(Dataset data) {
        SparkData.SparkRows rows = (SparkData.SparkRows) data.source();
        float[] x = new float[data.n() * data.p()];
        float[] y = new float[data.n()];
        int at = 0;
        for (RowBlock b : rows.blocks.collect()) {
            assertEquals(at, b.first, "blocks in row order");
            System.arraycopy(b.x, 0, x, at * data.p(), b.x.length);
            System.arraycopy(b.y, 0, y, at, b.y.length);
            at += b.rows;
        }
        assertEquals(data.n(), at);
        return new float[][] {x, y};
    }

    static void assertSameData(Path path, Dialect dialect, boolean standardize, int blockSize, int perPartition) {
        Object[] expected = cpu(path, dialect, standardize);
        Dataset cpu = (Dataset) expected[0];
        ExternalData.DataRead read = SparkData.read(sc, path.toString(), dialect, "y", null, standardize, blockSize,
                perPartition);
        Dataset spark = read.dataset();
        assertFalse(spark.isLocal(), "the rows stay on the executors");
        assertEquals(cpu.n(), spark.n());
        assertEquals(cpu.xNames(), spark.xNames());
        assertEquals(expected[1], read.dropped(), "rows dropped");
        assertEquals(expected[2], read.firstDropped(), "first dropped");
        assertArrayEquals(cpu.scaling().xMean(), spark.scaling().xMean(), 0.0, "x means");
        assertArrayEquals(cpu.scaling().xSd(), spark.scaling().xSd(), 0.0, "x sds");
        assertEquals(cpu.scaling().yMean(), spark.scaling().yMean(), 0.0, "y mean");
        assertEquals(cpu.scaling().ySd(), spark.scaling().ySd(), 0.0, "y sd");
        float[][] rows = gathered(spark);
        assertArrayEquals(cpu.x(), rows[0], "x, bit for bit");
        assertArrayEquals(cpu.y(), rows[1], "y, bit for bit");
        assertArrayEquals(cpu.yRange(), spark.yRange(), "y's range");
        // from the stored values' moments (the cpu: from the float32 sampler's values): not the same bits
        double[][] m = cpu.xMoments();
        assertArrayEquals(m[0], spark.xMoments()[0], 1e-6, "x means on the sampler's scale");
        assertArrayEquals(m[1], spark.xMoments()[1], 1e-6, "x sds on the sampler's scale");
        // the start's subsample: rows fetched by one job, in any order, repeats allowed
        int[] picked = {spark.n() - 1, 0, 17 % spark.n(), 0, spark.n() / 2};
        float[] px = new float[picked.length * spark.p()];
        float[] py = new float[picked.length];
        float[] cx = new float[picked.length * spark.p()];
        float[] cy = new float[picked.length];
        spark.rows(picked, px, py);
        cpu.rows(picked, cx, cy);
        assertArrayEquals(cx, px, "fetched x");
        assertArrayEquals(cy, py, "fetched y");
    }

    @ParameterizedTest(name = "standardise {0}, blocks of {1}, {2} a partition")
    @CsvSource({"true, 700, 1", "true, 16384, 1", "false, 1000, 3", "true, 70000, 1"})
    void aCsvFileInManySplitsGivesBmoesRows(boolean standardize, int blockSize, int perPartition) {
        Path csv = dir.resolve("wide7.csv");
        if (!Files.exists(csv)) {
            simulate("wide7.csv", 70000, 4); // two moment blocks of 65536 rows, the second short
        }
        smallSplits(true);
        assertSameData(csv, Dialect.DEFAULT, standardize, blockSize, perPartition);
    }

    @Test
    void aParquetFileGivesBmoesRows() {
        Path parquet = simulate("one.parquet", 3000, 5);
        assertSameData(parquet, Dialect.DEFAULT, true, 512, 2);
    }

    /**
     * Parts of 900, 5000 and 2500 rows (and a sub-folder's), which Spark gives out largest first and bmoe reads by
     * their names: the rows are in bmoe's order all the same.
     */
    @Test
    void aFolderOfParquetPartsGivesBmoesRowsInBmoesOrder() throws IOException {
        Path folder = dir.resolve("parts");
        Files.createDirectories(folder.resolve("sub"));
        int[] sizes = {900, 5000, 2500};
        for (int i = 0; i < sizes.length; i++) {
            Path part = simulate("part-" + i + ".parquet", sizes[i], 10 + i);
            Files.move(part, folder.resolve(i == 2 ? "sub/part-2.parquet" : "part-" + i + ".parquet"));
        }
        Files.writeString(folder.resolve("_SUCCESS"), "");
        Files.writeString(folder.resolve("notes.txt"), "not data");
        smallSplits(true);
        assertSameData(folder, Dialect.DEFAULT, true, 1000, 1);
    }

    /**
     * Part names that sort otherwise as URIs: "p b" before "p!" by their names (a space is 0x20, '!' 0x21), after it
     * as Spark's escaped file_path ("p%20b": '%' is 0x25).
     */
    @Test
    void partNamesThatAUriEscapesAreInBmoesOrder() throws IOException {
        Path folder = dir.resolve("escaped");
        Files.createDirectories(folder);
        Files.move(simulate("esc-0.parquet", 800, 30), folder.resolve("p b.parquet"));
        Files.move(simulate("esc-1.parquet", 1200, 31), folder.resolve("p!.parquet"));
        assertSameData(folder, Dialect.DEFAULT, true, 500, 1);
    }

    /** A CSV with NA, an empty cell and NULL: fail names the count, the first and the fix; drop leaves them out. */
    @Test
    void missingValuesFailWithTheirCountOrAreDropped() throws IOException {
        Path csv = dir.resolve("holes.csv");
        StringBuilder sb = new StringBuilder("x1,x2,y\n");
        for (int i = 0; i < 400; i++) {
            String x2 = i == 4 ? "NA" : i == 100 ? "" : String.format(Locale.ROOT, "%.4f", Math.sin(i));
            String y = i == 250 ? "NULL" : i == 4 ? "" : String.format(Locale.ROOT, "%.3f", Math.cos(0.3 * i) + i * 1e-3);
            sb.append(i * 0.25).append(',').append(x2).append(',').append(y).append('\n');
        }
        Files.writeString(csv, sb.toString());
        smallSplits(true);
        UserError e = org.junit.jupiter.api.Assertions.assertThrows(UserError.class, () -> SparkData.read(sc,
                csv.toString(), Dialect.DEFAULT, "y", null, true, 64, 1));
        assertEquals(csv + ": 3 rows have a missing value (NA, NaN, NULL or an empty cell) in a used column, the first "
                + "at data row 5 (line 6), column 'x2'; give --missing drop to leave them out", e.getMessage());
        Dialect drop = new Dialect(null, '.', Dialect.Missing.DROP);
        assertSameData(csv, drop, true, 64, 1);
        ExternalData.DataRead read = SparkData.read(sc, csv.toString(), drop, "y", null, true, 64, 1);
        assertEquals(3, read.dropped());
        assertEquals("data row 5 (line 6), column 'x2'", read.firstDropped());

        // through fit: exit 2 and the one line on stderr, no stack trace
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SparkMain.run(new String[] {"fit", "--data", csv.toString(), "--y", "y", "--experts", "2",
            "--out", dir.resolve("holes-run").toString(), "--quiet"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8), sc);
        String message = err.toString(StandardCharsets.UTF_8);
        assertEquals(Main.EXIT_USAGE, code, message);
        assertEquals(1, message.strip().lines().count(), message);
        assertTrue(message.contains("3 rows have a missing value") && message.contains("--missing drop"), message);
        assertFalse(Files.exists(dir.resolve("holes-run").resolve("run.json")), "no run folder for bad data");
    }

    @Test
    void badCellsAndColumnsAreOneLineErrors() throws IOException {
        Path csv = dir.resolve("words.csv");
        Files.writeString(csv, "a;b;y\n1;2;3\n4;five;6\n7;8;9\n1;1;1\n");
        UserError word = org.junit.jupiter.api.Assertions.assertThrows(UserError.class, () -> SparkData.read(sc,
                csv.toString(), Dialect.DEFAULT, "y", null, true, 64, 1));
        assertEquals(csv + ": data row 2 (line 3), column 'b': not a number: 'five'", word.getMessage());
        UserError column = org.junit.jupiter.api.Assertions.assertThrows(UserError.class, () -> SparkData.read(sc,
                csv.toString(), Dialect.DEFAULT, "z", null, true, 64, 1));
        assertEquals(csv + ": no column 'z' (columns: a, b, y)", column.getMessage());
        Path ragged = dir.resolve("ragged.csv");
        Files.writeString(ragged, "a,b,y\n1,2,3\n4,5\n7,8,9\n");
        UserError short_ = org.junit.jupiter.api.Assertions.assertThrows(UserError.class, () -> SparkData.read(sc,
                ragged.toString(), Dialect.DEFAULT, "y", null, true, 64, 1));
        assertTrue(short_.getMessage().startsWith(ragged + ": "), short_.getMessage());
        assertEquals(1, short_.getMessage().lines().count(), short_.getMessage());
        Path missing = dir.resolve("nowhere.csv");
        UserError none = org.junit.jupiter.api.Assertions.assertThrows(UserError.class, () -> SparkData.read(sc,
                missing.toString(), Dialect.DEFAULT, "y", null, true, 64, 1));
        assertEquals("data file not found: " + missing, none.getMessage());
    }

    /** The fallback, --read-on-driver: bmoe's reader on the driver, the same draws. */
    @Test
    void theDriverSideReaderIsTheFallbackWithTheSameDraws() throws IOException {
        Path data = simulate("small.csv", 3000, 7);
        List<String> fit = new ArrayList<>(List.of("fit", "--data", data.toString(), "--experts", "2", "--chains", "1",
                "--warmup", "10", "--draws", "10", "--init-starts", "1", "--init-sweeps", "0", "--seed", "3",
                "--block-size", "1000", "--quiet"));
        String[] spark = fitArgs(fit, dir.resolve("read-by-spark"));
        String[] driver = fitArgs(fit, dir.resolve("read-on-driver"));
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        assertEquals(0, SparkMain.run(spark, quiet, quiet, sc, 1, false, b -> { }));
        assertEquals(0, SparkMain.run(driver, quiet, quiet, sc, 1, true, b -> { }));
        assertEquals(SparkFitTest.draws(dir.resolve("read-on-driver")), SparkFitTest.draws(dir.resolve("read-by-spark")));
        // the analysis commands read the run as any other (run.json and draws.csv record the same data)
        assertEquals(0, bmoe("summary", "--run", dir.resolve("read-by-spark").toString()));
    }

    /**
     * A folder of Parquet parts that Spark orders otherwise, and a CSV with rows dropped (--missing drop): fit through
     * Spark's reader draws what fit --backend cpu draws, and run.json records the same (the data's path, size and
     * SHA-256, columns, dialect, rows dropped), but for the backend's name.
     */
    @Test
    void fitsOnSparksRowsDrawWhatTheCpuBackendDraws() throws IOException {
        Path folder = dir.resolve("fit-parts");
        Files.createDirectories(folder);
        int[] sizes = {700, 2600, 1500};
        for (int i = 0; i < sizes.length; i++) {
            Files.move(simulate("fit-part-" + i + ".parquet", sizes[i], 20 + i), folder.resolve("part-" + i + ".parquet"));
        }
        Path holes = dir.resolve("fit-holes.csv");
        StringBuilder sb = new StringBuilder("x1,y\n");
        for (int i = 0; i < 3000; i++) {
            sb.append(i % 97 == 3 ? "NA" : String.format(Locale.ROOT, "%.5f", Math.sin(0.01 * i) * 3)).append(',')
                    .append(String.format(Locale.ROOT, "%.4f", Math.cos(0.013 * i) + (i % 7) * 0.1)).append('\n');
        }
        Files.writeString(holes, sb.toString());
        smallSplits(true);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        for (Path data : List.of(folder, holes)) {
            List<String> fit = new ArrayList<>(List.of("fit", "--data", data.toString(), "--experts", "2", "--chains", "2",
                    "--warmup", "10", "--draws", "10", "--init-starts", "2", "--init-sweeps", "3", "--seed", "5",
                    "--block-size", "1000", "--missing", "drop", "--quiet"));
            Path spark = dir.resolve(data.getFileName() + "-spark");
            Path cpu = dir.resolve(data.getFileName() + "-cpu");
            assertEquals(0, SparkMain.run(fitArgs(fit, spark), quiet, quiet, sc));
            List<String> onCpu = new ArrayList<>(fit);
            onCpu.addAll(List.of("--backend", "cpu"));
            assertEquals(0, bmoe(fitArgs(onCpu, cpu)));
            assertEquals(SparkFitTest.draws(cpu), SparkFitTest.draws(spark), data.toString());
            assertEquals(Files.readString(cpu.resolve("run.json")).replace("\"cpu\"", "\"spark\""),
                    Files.readString(spark.resolve("run.json")), "run.json of " + data);
        }
        String run = Files.readString(dir.resolve("fit-holes.csv-spark").resolve("run.json"));
        assertTrue(run.matches("(?s).*\"rows_dropped\"\\s*:\\s*31\\b.*"), run);
    }

    private static String[] fitArgs(List<String> fit, Path out) {
        List<String> a = new ArrayList<>(fit);
        a.addAll(List.of("--out", out.toString()));
        return a.toArray(new String[0]);
    }
}
