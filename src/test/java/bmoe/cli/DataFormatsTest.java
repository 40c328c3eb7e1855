package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.io.ParquetColumnsWriter;
import bmoe.io.ParquetColumnsWriter.Column;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The data catalogue, through the real entry point {@link Main#run}: files as R, pandas, spreadsheets, Spark
 * and plain tools write them, each with its expected outcome. An accepted file must fit and read the number
 * of rows it holds (checked in draws.csv); a refused one must end with exit code 2 and one line on stderr
 * naming the problem, where it is and, where there is one, the fix.
 */
class DataFormatsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int N = 40;

    @TempDir
    Path dir;

    /** x on [0, 1], y a noisy line, row i: the same numbers in every format. */
    static double x(int i) {
        return (i + 0.5) / N;
    }

    static double y(int i) {
        return 3 * x(i) + 0.25 * Math.sin(7.0 * i);
    }

    /** A text file of the rows, each line made by {@code row}, after a header. */
    private Path text(String name, String header, Function<Integer, String> row, String eol, Charset charset) {
        StringBuilder sb = new StringBuilder(header).append(eol);
        for (int i = 0; i < N; i++) {
            sb.append(row.apply(i)).append(eol);
        }
        return write(name, sb.toString().getBytes(charset));
    }

    private Path write(String name, byte[] bytes) {
        try {
            Path f = dir.resolve(name);
            Files.createDirectories(f.getParent());
            Files.write(f, bytes);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String num(double v) {
        return Double.toString(v);
    }

    private static String comma(double v) {
        return Double.toString(v).replace('.', ',');
    }

    /** A Parquet file of x (as the given type, scaled by 100 for integers), y and a text-free id column. */
    private Path parquet(Path file, PrimitiveTypeName xType, PrimitiveTypeName yType, int from, int to,
                         int nullEvery) {
        return parquet(file, xType, yType, from, to, nullEvery, false);
    }

    /** @param dictionary dictionary-encoded pages (read by Parquet's column reader) or PLAIN ones (read in bulk) */
    private Path parquet(Path file, PrimitiveTypeName xType, PrimitiveTypeName yType, int from, int to,
                         int nullEvery, boolean dictionary) {
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int n = to - from;
        double[] id = new double[n];
        double[] xs = new double[n];
        double[] ys = new double[n];
        boolean integer = xType == PrimitiveTypeName.INT32 || xType == PrimitiveTypeName.INT64;
        for (int i = 0; i < n; i++) {
            id[i] = from + i;
            xs[i] = integer ? Math.round(100 * x(from + i)) : x(from + i);
            ys[i] = nullEvery > 0 && (from + i) % nullEvery == nullEvery - 1 ? Double.NaN : y(from + i);
        }
        List<Column> columns = List.of(new Column("id", PrimitiveTypeName.INT64, false),
                new Column("x1", xType, false), new Column("y", yType, nullEvery > 0));
        try (ParquetColumnsWriter w = new ParquetColumnsWriter(file, columns, 1024, dictionary)) {
            w.write(new double[][] {id, xs, ys}, n);
        }
        return file;
    }

    private CliRun fit(Path data, String... extra) {
        List<String> args = new ArrayList<>(List.of("fit", "--data", data.toString(), "-K", "2", "--chains", "1",
                "--warmup", "10", "--draws", "5", "--seed", "3", "--threads", "1", "--backend", "cpu",
                "--out", dir.resolve("run-" + data.getFileName()).toString()));
        args.addAll(Arrays.asList(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    private String config(Path data, String key) throws IOException {
        for (String line : Files.readAllLines(dir.resolve("run-" + data.getFileName()).resolve("draws.csv"))) {
            if (line.startsWith("# " + key + " = ")) {
                return line.substring(key.length() + 5);
            }
        }
        return null;
    }

    private void accepted(CliRun r, Path data, int rows, String xColumns) throws IOException {
        assertEquals(0, r.code(), () -> data.getFileName() + " refused: " + r.err());
        assertEquals(Integer.toString(rows), config(data, "n"), data.getFileName() + ": rows read");
        assertEquals(xColumns, config(data, "x_columns"), data.getFileName() + ": the covariates");
        assertFalse(r.err().contains("Exception"), r.err());
    }

    private static void refused(CliRun r, Path data, String... mention) {
        assertEquals(2, r.code(), () -> data.getFileName() + " accepted, or failed otherwise: " + r.out() + r.err());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), () -> "one line on stderr: " + r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
        for (String m : mention) {
            assertTrue(r.err().contains(m), () -> "stderr should mention \"" + m + "\": " + r.err());
        }
    }

    // ------------------------------------------------------------------ accepted as written

    @Test
    void rWriteCsvWithRowNamesAndTextColumns() throws IOException {
        // write.csv(df): quoted header with an empty first name, quoted row names, NA in an unused column
        Path f = text("r.csv", "\"\",\"x1\",\"label\",\"Solar.R\",\"y\"",
                i -> "\"" + (i + 1) + "\"," + num(x(i)) + ",\"item " + i + "\"," + (i % 5 == 0 ? "NA" : "" + i) + ","
                        + num(y(i)), "\n", StandardCharsets.UTF_8);
        accepted(fit(f, "--x", "x1"), f, N, "x1");
    }

    @Test
    void pandasToCsvWithItsIndexUsesEveryNamedColumn() throws IOException {
        // df.to_csv(path): an unnamed index column first; by default every other named column is a covariate
        Path f = text("pandas.csv", ",x1,y", i -> i + "," + num(x(i)) + "," + num(y(i)), "\n", StandardCharsets.UTF_8);
        accepted(fit(f), f, N, "x1");
    }

    @Test
    void semicolonWithDecimalComma() throws IOException {
        // write.csv2: ';' between fields, ',' in numbers
        Path f = text("csv2.csv", "\"\";\"x1\";\"y\"", i -> "\"" + (i + 1) + "\";" + comma(x(i)) + ";" + comma(y(i)),
                "\r\n", StandardCharsets.UTF_8);
        CliRun r = fit(f, "--decimal", ",");
        accepted(r, f, N, "x1");
        // the same numbers as the plain file: the fit reads them identically
        Path plain = text("plain.csv", "x1,y", i -> num(x(i)) + "," + num(y(i)), "\n", StandardCharsets.UTF_8);
        accepted(fit(plain), plain, N, "x1");
        assertEquals(config(plain, "x_mean"), config(f, "x_mean"));
        assertEquals(config(plain, "y_sd"), config(f, "y_sd"));
        assertEquals(",", config(f, "data_decimal"));
    }

    @Test
    void tabSeparated() throws IOException {
        Path f = text("data.tsv", "x1\ty", i -> num(x(i)) + "\t" + num(y(i)), "\n", StandardCharsets.UTF_8);
        accepted(fit(f), f, N, "x1");
    }

    @Test
    void crlfLineEndsByteOrderMarkAndQuotedHeader() throws IOException {
        Path crlf = text("crlf.csv", "x1,y", i -> num(x(i)) + "," + num(y(i)), "\r\n", StandardCharsets.UTF_8);
        accepted(fit(crlf), crlf, N, "x1");
        byte[] body = ("\"x1\",\"y\"\n" + String.join("\n", Stream.iterate(0, i -> i + 1).limit(N)
                .map(i -> num(x(i)) + "," + num(y(i))).toList()) + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] bom = new byte[body.length + 3];
        bom[0] = (byte) 0xEF;
        bom[1] = (byte) 0xBB;
        bom[2] = (byte) 0xBF;
        System.arraycopy(body, 0, bom, 3, body.length);
        Path withBom = write("bom.csv", bom);
        accepted(fit(withBom), withBom, N, "x1");
    }

    @Test
    void quotedFieldWithALineBreakIsReadSequentially() throws IOException {
        // a label cell spanning two lines: the parallel cut at line starts cannot be used, the result is the same
        Path f = text("multiline.csv", "note,x1,y", i -> (i == 3 ? "\"two\nlines\"" : "plain") + "," + num(x(i)) + ","
                + num(y(i)), "\n", StandardCharsets.UTF_8);
        accepted(fit(f, "--x", "x1"), f, N, "x1");
    }

    @Test
    void latin1InAnUnusedColumnIsNoError() throws IOException {
        Path f = text("latin1-label.csv", "town,x1,y", i -> "Z\u00fcrich," + num(x(i)) + "," + num(y(i)), "\n",
                StandardCharsets.ISO_8859_1);
        accepted(fit(f, "--x", "x1"), f, N, "x1");
    }

    // ------------------------------------------------------------------ missing values

    @Test
    void missingValuesFailWithTheirCountTheFirstRowAndTheFix() throws IOException {
        // R writes NA; rows 5 and 12 (data rows, 1-based) miss y; line = data row + 1 (the header)
        Path na = text("na.csv", "x1,y", i -> num(x(i)) + "," + (i == 4 || i == 11 ? "NA" : num(y(i))), "\n",
                StandardCharsets.UTF_8);
        refused(fit(na), na, "na.csv", "2 rows have a missing value", "data row 5 (line 6)", "'y'", "--missing drop");
        // pandas writes empty cells; one at the end of a line, one in the middle
        Path empty = text("empty.csv", "x1,y,z", i -> (i == 7 ? "" : num(x(i))) + "," + num(y(i)) + ","
                + (i == 2 ? "" : "1"), "\n", StandardCharsets.UTF_8);
        refused(fit(empty, "--x", "x1,z"), empty, "2 rows have", "data row 3 (line 4)", "'z'");
        Path nul = text("null.csv", "x1,y", i -> num(x(i)) + "," + (i == 0 ? "NULL" : i == 1 ? "NaN" : num(y(i))), "\n",
                StandardCharsets.UTF_8);
        refused(fit(nul), nul, "2 rows have", "data row 1 (line 2)");
    }

    @Test
    void missingDropLeavesTheRowsOutAndSaysHowMany() throws IOException {
        Path na = text("na.csv", "x1,y", i -> num(x(i)) + "," + (i == 4 || i == 11 ? "NA" : num(y(i))), "\n",
                StandardCharsets.UTF_8);
        CliRun r = fit(na, "--missing", "drop");
        accepted(r, na, N - 2, "x1");
        assertTrue(r.out().contains("left out 2 rows with a missing value"), r.out());
        assertTrue(r.out().contains("data row 5 (line 6)"), r.out());
        JsonNode spec = JSON.readTree(dir.resolve("run-na.csv").resolve("run.json").toFile());
        assertEquals(2, spec.get("data").get("rows_dropped").asInt());
        assertEquals("drop", spec.get("data").get("missing").asText());
        assertEquals("drop", config(na, "data_missing"));
        // criteria re-reads the data as the fit did: the same n, so no mismatch
        CliRun criteria = CliRun.of("criteria", "--run", dir.resolve("run-na.csv").toString());
        assertEquals(0, criteria.code(), criteria::err);
    }

    // ------------------------------------------------------------------ refused, with one clear line

    @Test
    void decimalCommaWithoutTheOptionSaysSo() {
        Path f = text("csv2.csv", "x1;y", i -> comma(x(i)) + ";" + comma(y(i)), "\n", StandardCharsets.UTF_8);
        refused(fit(f), f, "data row 1 (line 2)", "not a number", "--decimal ,");
    }

    @Test
    void latin1HeaderIsNotUtf8() {
        Path f = text("latin1.csv", "H\u00f6he,y", i -> num(x(i)) + "," + num(y(i)), "\n", StandardCharsets.ISO_8859_1);
        refused(fit(f, "--x", "H\u00f6he"), f, "latin1.csv", "not UTF-8", "UTF-8");
    }

    @Test
    void binaryAndCompressedFiles() {
        byte[] binary = new byte[4096];
        new java.util.Random(1).nextBytes(binary);
        binary[10] = 0;
        Path bin = write("data.bin", binary);
        refused(fit(bin), bin, "data.bin", "binary");
        Path gz = write("data.csv.gz", new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0});
        refused(fit(gz), gz, "gzip");
    }

    @Test
    void aTextColumnAskedForIsNamed() {
        Path f = text("labels.csv", "id,x1,y", i -> "a" + i + "," + num(x(i)) + "," + num(y(i)), "\n",
                StandardCharsets.UTF_8);
        refused(fit(f), f, "data row 1 (line 2)", "'id'", "not a number", "'a0'");
    }

    // ------------------------------------------------------------------ Parquet

    @Test
    void parquetIntAndFloatColumns() throws IOException {
        Path ints = parquet(dir.resolve("int.parquet"), PrimitiveTypeName.INT32, PrimitiveTypeName.FLOAT, 0, N, 0);
        accepted(fit(ints, "--x", "x1"), ints, N, "x1");
        Path longs = parquet(dir.resolve("long.parquet"), PrimitiveTypeName.INT64, PrimitiveTypeName.DOUBLE, 0, N, 0);
        accepted(fit(longs), longs, N, "id,x1");
        // int32 and int64 of the same integers are the same numbers
        assertEquals(config(ints, "x_mean"), config(longs, "x_mean").split(",")[1]);
    }

    @Test
    void dictionaryAndPlainPagesReadTheSameNumbers() throws IOException {
        for (PrimitiveTypeName type : List.of(PrimitiveTypeName.INT32, PrimitiveTypeName.DOUBLE)) {
            Path plain = parquet(dir.resolve("plain-" + type + ".parquet"), type, PrimitiveTypeName.DOUBLE, 0, N, 7);
            Path dict = parquet(dir.resolve("dict-" + type + ".parquet"), type, PrimitiveTypeName.DOUBLE, 0, N, 7, true);
            accepted(fit(plain, "--x", "x1", "--missing", "drop"), plain, N - 5, "x1");
            accepted(fit(dict, "--x", "x1", "--missing", "drop"), dict, N - 5, "x1");
            assertEquals(draws(plain), draws(dict), type.toString());
        }
    }

    @Test
    void parquetNullsFailOrAreDropped() throws IOException {
        Path f = parquet(dir.resolve("nulls.parquet"), PrimitiveTypeName.DOUBLE, PrimitiveTypeName.DOUBLE, 0, N, 10);
        refused(fit(f, "--x", "x1"), f, "nulls.parquet", "4 rows have a missing value", "data row 10", "'y'",
                "--missing drop");
        CliRun r = fit(f, "--x", "x1", "--missing", "drop");
        accepted(r, f, N - 4, "x1");
        assertTrue(r.out().contains("left out 4 rows"), r.out());
    }

    @Test
    void parquetFolderOfPartFilesAsSparkWritesIt() throws IOException {
        Path folder = dir.resolve("spark-out");
        parquet(folder.resolve("part-00000-a1.snappy.parquet"), PrimitiveTypeName.DOUBLE, PrimitiveTypeName.DOUBLE,
                0, 15, 0);
        parquet(folder.resolve("part-00001-a1.snappy.parquet"), PrimitiveTypeName.DOUBLE, PrimitiveTypeName.DOUBLE,
                15, N, 0);
        write("spark-out/_SUCCESS", new byte[0]);
        write("spark-out/.part-00000-a1.snappy.parquet.crc", new byte[] {1, 2, 3});
        accepted(fit(folder, "--x", "x1"), folder, N, "x1");
        // the same rows as one file
        Path one = parquet(dir.resolve("one.parquet"), PrimitiveTypeName.DOUBLE, PrimitiveTypeName.DOUBLE, 0, N, 0);
        accepted(fit(one, "--x", "x1"), one, N, "x1");
        assertEquals(draws(one), draws(folder));
        // the fingerprint covers the parts: a resume notices a changed part
        JsonNode spec = JSON.readTree(dir.resolve("run-spark-out").resolve("run.json").toFile());
        assertEquals(Files.size(folder.resolve("part-00000-a1.snappy.parquet"))
                + Files.size(folder.resolve("part-00001-a1.snappy.parquet")), spec.get("data").get("size").asLong());
        // a stopped run (its run.json alone) resumes on the same parts, and refuses a changed one
        Path half = dir.resolve("half");
        Files.createDirectories(half);
        Files.copy(dir.resolve("run-spark-out").resolve("run.json"), half.resolve("run.json"));
        CliRun resumed = CliRun.of("fit", "--resume", half.toString(), "--quiet");
        assertEquals(0, resumed.code(), resumed::err);
        assertEquals(draws(folder), Files.readAllLines(half.resolve("draws.csv")).stream()
                .filter(l -> !l.startsWith("#")).toList());
        Path again = dir.resolve("again");
        Files.createDirectories(again);
        Files.copy(dir.resolve("run-spark-out").resolve("run.json"), again.resolve("run.json"));
        parquet(folder.resolve("part-00001-a1.snappy.parquet"), PrimitiveTypeName.DOUBLE, PrimitiveTypeName.FLOAT,
                15, N, 0);
        refused(CliRun.of("fit", "--resume", again.toString()), folder, "spark-out", "changed");
    }

    @Test
    void parquetTextColumnAskedForIsRefused() throws IOException {
        Path f = parquet(dir.resolve("p.parquet"), PrimitiveTypeName.DOUBLE, PrimitiveTypeName.DOUBLE, 0, N, 0);
        refused(fit(f, "--x", "nope"), f, "no column 'nope'", "x1");
        Path empty = write("folder/readme.txt", "x".getBytes(StandardCharsets.UTF_8)).getParent();
        refused(fit(empty), empty, "without .parquet files");
    }

    /** The same numbers in CSV and in Parquet give the same draws, bit for bit. */
    @Test
    void sameDrawsFromCsvAndParquet() throws IOException {
        Path csv = dir.resolve("sim.csv");
        Path pq = dir.resolve("sim.parquet");
        for (Path out : List.of(csv, pq)) {
            CliRun r = CliRun.of("simulate", "--preset", "planes3", "--n", "500", "--seed", "4", "--out", out.toString());
            assertEquals(0, r.code(), r::err);
        }
        assertTrue(Files.isRegularFile(dir.resolve("sim.truth.json")));
        accepted(fit(csv), csv, 500, "x1,x2");
        accepted(fit(pq), pq, 500, "x1,x2");
        List<String> a = draws(csv);
        assertEquals(a, draws(pq));
        assertTrue(a.size() > 5, "draws rows");
    }

    private List<String> draws(Path data) throws IOException {
        return Files.readAllLines(dir.resolve("run-" + data.getFileName()).resolve("draws.csv")).stream()
                .filter(l -> !l.startsWith("#")).toList();
    }

    // ------------------------------------------------------------------ the options

    static Stream<Arguments> badOptions() {
        return Stream.of(Arguments.of("--sep", "x", "--sep"), Arguments.of("--decimal", ";", "--decimal"),
                Arguments.of("--missing", "keep", "--missing"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("badOptions")
    void badDialectOptionIsOneLine(String option, String value, String mention) {
        Path f = text("ok.csv", "x1,y", i -> num(x(i)) + "," + num(y(i)), "\n", StandardCharsets.UTF_8);
        refused(fit(f, option, value), f, mention, value);
    }

    @Test
    void givenSeparatorWins() throws IOException {
        Path f = text("given.csv", "x1;y", i -> num(x(i)) + ";" + num(y(i)), "\n", StandardCharsets.UTF_8);
        accepted(fit(f, "--sep", ";"), f, N, "x1");
        assertEquals(";", config(f, "data_sep"));
        // a tab given for a comma file is used, not detected over: the header is then one column
        Path comma = text("comma.csv", "x1,y", i -> num(x(i)) + "," + num(y(i)), "\n", StandardCharsets.UTF_8);
        refused(fit(comma, "--sep", "tab"), comma, "no column 'y'", "x1,y");
    }
}
