package bmoe.spark;

import bmoe.io.Covariates;
import bmoe.io.DataFingerprint;
import bmoe.io.Dialect;
import bmoe.io.ExternalData;
import bmoe.io.UserError;
import bmoe.model.Dataset;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.Partitioner;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * A fit's data read by Spark's own readers on the executors ({@code spark.read().parquet} or {@code .csv}; a file or
 * a folder of part files, any path Hadoop reads: a local file, hdfs://, s3a://), with the checks of bmoe's reader,
 * into float32 row blocks that the executors build and cache themselves: no row comes to the driver.
 *
 * <p>The rows and their values are those of bmoe's reader, bit for bit, so a fit draws what {@code --backend cpu}
 * draws on the same file:
 * <ul>
 *   <li>Order: Spark gives out a folder's files by size and a file in splits; each row carries its file and split
 *       ({@code _metadata.file_path}, {@code file_block_start}), and within a split rows come in file order. A first
 *       job counts each split's rows; the driver orders the splits by file path (bmoe's order of part files: their
 *       paths sorted) and start, and numbers the rows in that order.</li>
 *   <li>Values: each stored as float32 of (value - the first row's value), as bmoe's reader stores them; the
 *       standardisation's moments are {@link Dataset#blockMoments} of the same blocks of {@link
 *       Dataset#MOMENT_BLOCK} rows, combined on the driver in block order by {@link Dataset#standardisation}, and
 *       {@link Dataset#standardise} applied on the executors: the same doubles, so the same floats.</li>
 * </ul>
 * A second job reads the file again and sends each row to its moment block (a shuffle, in pieces of consecutive
 * rows); the blocks' moments come to the driver (2 (p + 1) doubles each); then the row blocks of the sampler's
 * partitions are cut from the moment blocks ({@link ReblockRdd}), standardised, and cached. Lineage: a lost row
 * block is cut again from the shuffle's output.
 */
final class SparkData {
    private SparkData() {}

    /** A marker in the message of a task's data error, found again in Spark's job failure. */
    static final String ERROR_MARK = "bmoe data error: ";

    /** Reads {@code path} (see the class comment); the checks and messages of bmoe's reader, as UserErrors. */
    static ExternalData.DataRead read(JavaSparkContext sc, String path, Dialect dialect, String yName,
                                         List<String> xNames, boolean standardize, int blockSize, int perPartition) {
        try {
            return readChecked(sc, path, dialect, yName, xNames, standardize, blockSize, perPartition);
        } catch (SparkException | RuntimeException e) {
            if (e instanceof UserError u) {
                throw u;
            }
            for (Throwable t = e; t != null; t = t.getCause()) {
                String m = t.getMessage();
                if (m != null && m.contains(ERROR_MARK)) {
                    String line = m.substring(m.indexOf(ERROR_MARK) + ERROR_MARK.length());
                    throw new UserError(line.lines().findFirst().orElse(line));
                }
                if (t instanceof org.apache.spark.sql.AnalysisException a) {
                    throw new UserError(path + ": " + a.getSimpleMessage().lines().findFirst().orElse(""));
                }
            }
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SparkException) {
                    // a file Spark's reader cannot parse (a malformed record, a corrupt Parquet page): its first line
                    Throwable root = t;
                    while (root.getCause() != null) {
                        root = root.getCause();
                    }
                    String m = String.valueOf(root.getMessage());
                    throw new UserError(path + ": Spark cannot read it: " + m.lines().findFirst().orElse(m));
                }
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e);
        }
    }

    private static ExternalData.DataRead readChecked(JavaSparkContext sc, String path, Dialect dialect,
                                                        String yName, List<String> xNames, boolean standardize,
                                                        int blockSize, int perPartition) throws SparkException {
        SparkSession spark = session(sc);
        Format format = format(sc, path, dialect);
        // a folder: its .parquet files, in sub-folders too, as bmoe's reader takes them (Spark skips _ and . names)
        org.apache.spark.sql.Dataset<Row> df = format.parquet ? (format.folder ? spark.read()
                .option("pathGlobFilter", "*.parquet").option("recursiveFileLookup", "true") : spark.read()).parquet(path)
                : spark.read().option("header", "true").option("sep", String.valueOf(format.separator))
                        .option("inferSchema", "false").option("mode", "FAILFAST").csv(path);
        List<String> columns = new ArrayList<>();
        String[] names = df.columns();
        for (int i = 0; i < names.length; i++) {
            // Spark names a header cell that is empty _c<i>: bmoe's reader calls it '' (R's and pandas' row names)
            columns.add(!format.parquet && names[i].equals("_c" + i) ? "" : names[i]);
        }
        List<String> xs = Covariates.of(columns, yName, xNames);
        List<String> used = new ArrayList<>(xs);
        used.add(yName);
        List<Column> select = new ArrayList<>();
        for (String name : used) {
            int at = requireColumn(path, columns, name);
            StructField field = df.schema().fields()[at];
            if (format.parquet && !numeric(field.dataType())) {
                throw new UserError(path + ": column '" + name + "' holds " + field.dataType().simpleString()
                        + ", not numbers");
            }
            select.add(df.col(quoted(names[at])));
        }
        select.add(functions.col("_metadata.file_path"));
        select.add(functions.col("_metadata.file_block_start"));
        JavaRDD<Row> rows = df.select(select.toArray(new Column[0])).javaRDD();
        int p = xs.size();
        Parse parse = new Parse(used.toArray(new String[0]), !format.parquet, dialect.decimal());

        // job 1: each split's rows, missing values, first bad value and first row
        List<Split> splits = new ArrayList<>(rows.mapPartitions(new CountSplits(parse)).collect());
        splits.sort(Comparator.comparing((Split sp) -> decoded(sp.file())).thenComparingLong(Split::start));
        long total = 0;
        long kept = 0;
        long missing = 0;
        String firstMissing = null;
        String firstBad = null;
        Map<String, Long> keptBefore = new HashMap<>();
        double[] first = null;
        for (Split s : splits) {
            if (firstBad == null && s.badRow() >= 0) {
                firstBad = where(total + s.badRow(), format) + ", column '" + s.badColumn() + "': " + s.bad();
            }
            if (firstMissing == null && s.missingRow() >= 0) {
                firstMissing = where(total + s.missingRow(), format) + ", column '" + s.missingColumn() + "'";
            }
            if (first == null && s.rows() > 0) {
                first = s.first();
            }
            keptBefore.put(s.key(), kept);
            total += s.rows();
            kept += s.rows() - s.missing();
            missing += s.missing();
        }
        if (firstBad != null) {
            throw new UserError(path + ": " + firstBad);
        }
        if (total == 0) {
            throw new UserError(path + ": no data rows after the header");
        }
        if (missing > 0 && dialect.missing() == Dialect.Missing.FAIL) {
            throw new UserError(path + ": " + missing + (missing == 1 ? " row has" : " rows have")
                    + " a missing value (NA, NaN, NULL or an empty cell) in a used column, the first at " + firstMissing
                    + "; give --missing drop to leave " + (missing == 1 ? "it" : "them") + " out");
        }
        if (kept == 0) {
            throw new UserError(path + ": no rows left after leaving out " + missing + " with missing values");
        }
        if ((long) kept * p > Integer.MAX_VALUE || kept > Integer.MAX_VALUE - 8) {
            throw new UserError(path + ": " + kept + " rows x " + p + " columns is more than one fit holds (2^31 values "
                    + "in a partition's arrays is not the limit here, but rows are numbered by int)");
        }
        int n = (int) kept;
        double[] shift = new double[p + 1];
        for (int j = 0; j <= p; j++) {
            // bmoe's reader subtracts the first data row's value, 0 where it is missing
            shift[j] = Double.isNaN(first[j]) ? 0 : first[j];
        }

        // job 2: each kept row to its block of MOMENT_BLOCK rows, stored minus the shift
        int momentBlocks = (n + Dataset.MOMENT_BLOCK - 1) / Dataset.MOMENT_BLOCK;
        Broadcast<Map<String, Long>> offsets = sc.broadcast(keptBefore);
        JavaPairRDD<Integer, Piece> pieces = rows.mapPartitions(new CutPieces(parse, offsets, shift, p))
                .mapToPair(piece -> new Tuple2<>(piece.block(), piece));
        JavaRDD<MomentBlock> assembled = pieces.partitionBy(new ByBlock(momentBlocks))
                .mapPartitionsWithIndex(new Assemble(n, p), true)
                .persist(StorageLevel.MEMORY_AND_DISK());
        List<double[]> blockMoments = assembled.map(b -> Dataset.blockMoments(b.x(), b.y(), p, 0)).collect();
        Dataset.Standardisation st;
        try {
            st = Dataset.standardisation(blockMoments.toArray(new double[0][]), n, p, Arrays.copyOf(shift, p), shift[p],
                    xs, yName, standardize);
        } catch (IllegalArgumentException e) {
            assembled.unpersist(false);
            throw new UserError(path + ": " + e.getMessage());
        }

        // the sampler's row blocks, cut from the moment blocks and standardised; cached, and their y range
        int partitions = SparkBackend.partitions(n, blockSize, perPartition);
        ReblockRdd cut = new ReblockRdd(assembled.rdd(), n, p, blockSize, perPartition, st.centre(), st.scale());
        JavaRDD<RowBlock> blocks = new JavaRDD<>(cut, BlocksRdd.tag())
                .setName("bmoe rows read by Spark from " + path + " (n = " + n + ", p = " + p + ", " + partitions
                        + " partitions)")
                .persist(StorageLevel.MEMORY_ONLY());
        List<float[]> ranges = blocks.map(SparkData::yRange).collect();
        assembled.unpersist(false);
        // offsets stay: a row block lost with the shuffle's files is cut again from a new read, which needs them
        float yMin = Float.POSITIVE_INFINITY;
        float yMax = Float.NEGATIVE_INFINITY;
        for (float[] r : ranges) {
            yMin = Math.min(yMin, r[0]);
            yMax = Math.max(yMax, r[1]);
        }
        double[] xMean = new double[p];
        double[] xSd = new double[p];
        for (int j = 0; j < p; j++) {
            xMean[j] = (st.mean()[j] - st.centre()[j]) / st.scale()[j];
            xSd[j] = st.sd()[j] / st.scale()[j];
        }
        SparkRows source = new SparkRows(blocks, n, p, blockSize, perPartition);
        Dataset data = Dataset.elsewhere(n, p, xs, yName, st.scaling(), yMin, yMax, xMean, xSd, source);
        return new ExternalData.DataRead(data, missing, missing > 0 ? firstMissing : null);
    }

    /**
     * Data row i (0-based) as bmoe's reader names it: "data row 5 (line 6)" in a text file, "data row 5" in Parquet.
     * Spark's CSV reader (multiLine off) reads a record a line, so the line is the row's plus the header's, as
     * bmoe's reader counts them (a file with blank lines between rows would be numbered otherwise).
     */
    private static String where(long i, Format format) {
        return "data row " + (i + 1) + (format.parquet ? "" : " (line " + (i + 2) + ")");
    }

    /**
     * The SQL session on this context (its readers): the builder given the context itself, so that it neither
     * applies a configuration to it nor warns that it cannot.
     */
    static SparkSession session(JavaSparkContext sc) {
        return org.apache.spark.sql.classic.SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
    }

    /**
     * A file's path as bmoe's reader sorts part files (their paths, with the folder's common prefix): Spark's
     * {@code file_path} is a URI, whose escapes ("%20" for a space) would sort otherwise.
     */
    static String decoded(String file) {
        try {
            String path = new java.net.URI(file).getPath();
            return path != null ? path : file;
        } catch (java.net.URISyntaxException e) {
            return file;
        }
    }

    /** A column name as Spark's col() takes it literally (dots and backticks in names). */
    private static String quoted(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    private static int requireColumn(String path, List<String> columns, String name) {
        int at = -1;
        int count = 0;
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).equals(name)) {
                at = i;
                count++;
            }
        }
        if (count == 0) {
            throw new UserError(path + ": no column '" + name + "' (columns: " + String.join(", ",
                    columns.stream().map(c -> c.isEmpty() ? "''" : c).toList()) + ")");
        }
        if (count > 1) {
            throw new UserError(path + ": duplicate column '" + name + "' in the header; rename one of them");
        }
        return at;
    }

    private static boolean numeric(DataType t) {
        return t.equals(DataTypes.DoubleType) || t.equals(DataTypes.FloatType) || t.equals(DataTypes.IntegerType)
                || t.equals(DataTypes.LongType) || t.equals(DataTypes.ShortType) || t.equals(DataTypes.ByteType)
                || t instanceof DecimalType;
    }

    /** Parquet or delimited text, and the text's separator. */
    record Format(boolean parquet, boolean folder, char separator) {}

    /**
     * As bmoe's reader decides: a folder is Parquet part files, a file Parquet by its magic bytes, else delimited
     * text, whose separator (--sep auto) is the one of ',', ';', tab and '|' that the header line holds most of
     * outside quotes (',' when none).
     */
    static Format format(JavaSparkContext sc, String path, Dialect dialect) {
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(path);
        try {
            FileSystem fs = file.getFileSystem(sc.hadoopConfiguration());
            if (!fs.exists(file)) {
                throw new UserError("data file not found: " + path);
            }
            FileStatus status = fs.getFileStatus(file);
            if (status.isDirectory()) {
                return new Format(true, true, ',');
            }
            byte[] head = new byte[1 << 16];
            int got;
            try (InputStream in = fs.open(file)) {
                got = in.readNBytes(head, 0, head.length);
            }
            if (got >= 4 && head[0] == 'P' && head[1] == 'A' && head[2] == 'R' && head[3] == '1') {
                return new Format(true, false, ',');
            }
            if (dialect.separator() != null) {
                return new Format(false, false, dialect.separator());
            }
            String text = new String(head, 0, got, StandardCharsets.UTF_8);
            String header = text.lines().findFirst().orElse("");
            char best = ',';
            int most = 0;
            for (char c : new char[] {',', ';', '\t', '|'}) {
                int count = 0;
                boolean quoted = false;
                for (int i = 0; i < header.length(); i++) {
                    char h = header.charAt(i);
                    quoted ^= h == '"';
                    count += !quoted && h == c ? 1 : 0;
                }
                if (count > most) {
                    most = count;
                    best = c;
                }
            }
            return new Format(false, false, best);
        } catch (IOException e) {
            throw new UserError(path + ": cannot read: " + e.getMessage());
        }
    }

    /**
     * The data's fingerprint at {@code path} (any path Hadoop reads), as {@link DataFingerprint#of} makes a local
     * one: a file's bytes, or a folder's .parquet parts (in sub-folders too, none under a _ or . name) by their
     * relative paths, sorted; so a folder copied to HDFS keeps its fingerprint. The driver reads the data once for
     * it (as a local fit does), when a fit starts and when it resumes.
     */
    static DataFingerprint fingerprint(JavaSparkContext sc, String path) {
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(path);
        try {
            FileSystem fs = root.getFileSystem(sc.hadoopConfiguration());
            if (!fs.exists(root)) {
                throw new UserError("data file not found: " + path);
            }
            DataFingerprint.Digest digest = new DataFingerprint.Digest();
            if (!fs.getFileStatus(root).isDirectory()) {
                try (InputStream in = fs.open(root)) {
                    digest.file(in);
                }
                return digest.done();
            }
            String prefix = fs.getFileStatus(root).getPath().toUri().getPath();
            List<FileStatus> parts = new ArrayList<>();
            org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> all = fs.listFiles(root, true);
            while (all.hasNext()) {
                FileStatus f = all.next();
                String relative = relative(prefix, f.getPath().toUri().getPath());
                boolean hidden = false;
                for (String step : relative.split("/")) {
                    hidden |= step.startsWith("_") || step.startsWith(".");
                }
                if (!hidden && relative.endsWith(".parquet")) {
                    parts.add(f);
                }
            }
            parts.sort(Comparator.comparing(f -> relative(prefix, f.getPath().toUri().getPath())));
            for (FileStatus part : parts) {
                try (InputStream in = fs.open(part.getPath())) {
                    digest.part(relative(prefix, part.getPath().toUri().getPath()), part.getLen(), in);
                }
            }
            return digest.done();
        } catch (IOException e) {
            throw new UserError(path + ": cannot read: " + e.getMessage());
        }
    }

    /** {@code path} below the folder {@code prefix}, without the leading '/'. */
    private static String relative(String prefix, String path) {
        String p = path.substring(Math.min(prefix.length(), path.length()));
        return p.startsWith("/") ? p.substring(1) : p;
    }

    /** How a used column's cell becomes a double: NaN for a missing one; null with the reason for a bad one. */
    record Parse(String[] names, boolean text, char decimal) implements Serializable {
        /** Column j of row r: the value, NaN when missing; throws Bad for a value that is not a finite number. */
        double value(Row r, int j) {
            Object o = r.get(j);
            if (o == null) {
                return Double.NaN;
            }
            double v;
            if (o instanceof Number num) {
                v = num.doubleValue(); // float widens exactly; a decimal rounds once, as bmoe's reader rounds it
                if (Double.isNaN(v)) {
                    return v;
                }
            } else {
                String s = o.toString().strip();
                if (s.isEmpty() || s.equalsIgnoreCase("NA") || s.equalsIgnoreCase("NaN") || s.equalsIgnoreCase("NULL")) {
                    return Double.NaN;
                }
                try {
                    v = Double.parseDouble(decimal == ',' ? s.replace(',', '.') : s);
                } catch (NumberFormatException e) {
                    throw new Bad("not a number: '" + s + "'");
                }
            }
            if (!Double.isFinite(v)) {
                throw new Bad("not a finite number: '" + o + "'");
            }
            return v;
        }

        /** The split a row is in: its file and start. */
        static String key(Row r, int columns) {
            return r.getString(columns) + "\u0000" + r.getLong(columns + 1);
        }
    }

    /** A bad cell (not a number, or not finite). */
    static final class Bad extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Bad(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * One split's count: rows, rows with a missing value, where the first missing and the first bad value are (rows
     * from the split's start; -1: none), and its first row's values (NaN where missing).
     */
    record Split(String file, long start, long rows, long missing, long missingRow, String missingColumn, long badRow,
                 String badColumn, String bad, double[] first) implements Serializable {
        String key() {
            return file + "\u0000" + start;
        }
    }

    /** Job 1's task: the splits of a partition, in the order it reads them. */
    static final class CountSplits implements org.apache.spark.api.java.function.FlatMapFunction<Iterator<Row>, Split> {
        private static final long serialVersionUID = 1L;
        private final Parse parse;

        CountSplits(Parse parse) {
            this.parse = parse;
        }

        @Override
        public Iterator<Split> call(Iterator<Row> it) {
            int columns = parse.names().length;
            List<Split> out = new ArrayList<>();
            String file = null;
            long start = -1;
            long rows = 0;
            long missing = 0;
            long missingRow = -1;
            String missingColumn = null;
            long badRow = -1;
            String badColumn = null;
            String bad = null;
            double[] first = null;
            while (it.hasNext()) {
                Row r = it.next();
                String f = r.getString(columns);
                long s = r.getLong(columns + 1);
                if (!f.equals(file) || s != start) {
                    if (file != null) {
                        out.add(new Split(file, start, rows, missing, missingRow, missingColumn, badRow, badColumn, bad,
                                first));
                    }
                    file = f;
                    start = s;
                    rows = 0;
                    missing = 0;
                    missingRow = -1;
                    missingColumn = null;
                    badRow = -1;
                    badColumn = null;
                    bad = null;
                    first = null;
                }
                double[] values = new double[columns];
                boolean hole = false;
                for (int j = 0; j < columns; j++) {
                    try {
                        values[j] = parse.value(r, j);
                    } catch (Bad e) {
                        values[j] = Double.NaN;
                        if (badRow < 0) {
                            badRow = rows;
                            badColumn = parse.names()[j];
                            bad = e.getMessage();
                        }
                        continue;
                    }
                    if (Double.isNaN(values[j]) && !hole) {
                        hole = true;
                        if (missingRow < 0) {
                            missingRow = rows;
                            missingColumn = parse.names()[j];
                        }
                    }
                }
                if (first == null) {
                    first = values;
                }
                missing += hole ? 1 : 0;
                rows++;
            }
            if (file != null) {
                out.add(new Split(file, start, rows, missing, missingRow, missingColumn, badRow, badColumn, bad, first));
            }
            return out.iterator();
        }
    }

    /** Consecutive kept rows [first, first + y.length) of one moment block, stored minus the shift. */
    record Piece(int block, int first, float[] x, float[] y) implements Serializable {}

    /** Job 2's map side: a partition's kept rows, numbered, in pieces that stop at each moment block's end. */
    static final class CutPieces implements org.apache.spark.api.java.function.FlatMapFunction<Iterator<Row>, Piece> {
        private static final long serialVersionUID = 1L;
        private final Parse parse;
        private final Broadcast<Map<String, Long>> offsets;
        private final double[] shift;
        private final int p;

        CutPieces(Parse parse, Broadcast<Map<String, Long>> offsets, double[] shift, int p) {
            this.parse = parse;
            this.offsets = offsets;
            this.shift = shift;
            this.p = p;
        }

        @Override
        public Iterator<Piece> call(Iterator<Row> it) {
            List<Piece> out = new ArrayList<>();
            int block = Dataset.MOMENT_BLOCK;
            String key = null;
            long next = -1; // the number of the next kept row
            int from = -1;
            float[] x = new float[block * p];
            float[] y = new float[block];
            int count = 0;
            double[] values = new double[p + 1];
            while (it.hasNext()) {
                Row r = it.next();
                String k = Parse.key(r, p + 1);
                if (!k.equals(key)) {
                    if (count > 0) {
                        out.add(piece(from, x, y, count));
                        count = 0;
                    }
                    key = k;
                    next = offsets.value().get(k);
                }
                boolean hole = false;
                for (int j = 0; j <= p; j++) {
                    values[j] = parse.value(r, j); // job 1 found no bad value
                    hole |= Double.isNaN(values[j]);
                }
                if (hole) {
                    continue; // dropped (--missing drop; with fail, job 1 found none)
                }
                if (count > 0 && (from + count) % block == 0) {
                    out.add(piece(from, x, y, count));
                    count = 0;
                }
                if (count == 0) {
                    from = (int) next;
                }
                for (int j = 0; j < p; j++) {
                    x[count * p + j] = (float) (values[j] - shift[j]); // as bmoe's reader stores it (ColumnTarget)
                }
                y[count] = (float) (values[p] - shift[p]);
                count++;
                next++;
            }
            if (count > 0) {
                out.add(piece(from, x, y, count));
            }
            return out.iterator();
        }

        private Piece piece(int from, float[] x, float[] y, int count) {
            return new Piece(from / Dataset.MOMENT_BLOCK, from, Arrays.copyOf(x, count * p), Arrays.copyOf(y, count));
        }
    }

    /** The shuffle's partitioner: moment block b to partition b. */
    static final class ByBlock extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int blocks;

        ByBlock(int blocks) {
            this.blocks = blocks;
        }

        @Override
        public int numPartitions() {
            return blocks;
        }

        @Override
        public int getPartition(Object key) {
            return (Integer) key;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof ByBlock b && b.blocks == blocks;
        }

        @Override
        public int hashCode() {
            return blocks;
        }
    }

    /** Rows [index * MOMENT_BLOCK, ...) of x (row-major) and y, stored minus the shift. */
    record MomentBlock(int index, float[] x, float[] y) implements Serializable {}

    /** Job 2's reduce side: a moment block from its pieces, each row where its number says. */
    static final class Assemble implements org.apache.spark.api.java.function.Function2<Integer,
            Iterator<Tuple2<Integer, Piece>>, Iterator<MomentBlock>> {
        private static final long serialVersionUID = 1L;
        private final int n;
        private final int p;

        Assemble(int n, int p) {
            this.n = n;
            this.p = p;
        }

        @Override
        public Iterator<MomentBlock> call(Integer index, Iterator<Tuple2<Integer, Piece>> it) {
            int from = index * Dataset.MOMENT_BLOCK;
            int rows = Math.min(n - from, Dataset.MOMENT_BLOCK);
            float[] x = new float[rows * p];
            float[] y = new float[rows];
            long filled = 0;
            while (it.hasNext()) {
                Piece piece = it.next()._2();
                int at = piece.first() - from;
                System.arraycopy(piece.x(), 0, x, at * p, piece.x().length);
                System.arraycopy(piece.y(), 0, y, at, piece.y().length);
                filled += piece.y().length;
            }
            if (filled != rows) {
                throw new IllegalStateException("moment block " + index + " got " + filled + " rows of " + rows);
            }
            return List.of(new MomentBlock(index, x, y)).iterator();
        }
    }

    /** A row block's smallest and largest y. */
    private static float[] yRange(RowBlock b) {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (float v : b.y) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        return new float[] {lo, hi};
    }

    /**
     * The rows as the cached row blocks hold them: what {@link SparkBackend#upload} takes as its resident data (for
     * the same block size and blocks per partition), and what the driver fetches a few rows of (the start's
     * subsample: one job).
     */
    static final class SparkRows implements Dataset.RowSource {
        final JavaRDD<RowBlock> blocks;
        final int n;
        final int p;
        final int blockSize;
        final int perPartition;

        SparkRows(JavaRDD<RowBlock> blocks, int n, int p, int blockSize, int perPartition) {
            this.blocks = blocks;
            this.n = n;
            this.p = p;
            this.blockSize = blockSize;
            this.perPartition = perPartition;
        }

        @Override
        public void fetch(int[] rows, float[] x, float[] y) {
            int[] wanted = Arrays.stream(rows).distinct().sorted().toArray();
            int pp = p;
            List<Tuple2<int[], float[]>> got = blocks.map(b -> {
                int lo = Arrays.binarySearch(wanted, b.first);
                lo = lo < 0 ? -lo - 1 : lo;
                int hi = lo;
                while (hi < wanted.length && wanted[hi] < b.first + b.rows) {
                    hi++;
                }
                int[] which = Arrays.copyOfRange(wanted, lo, hi);
                float[] values = new float[which.length * (pp + 1)];
                for (int s = 0; s < which.length; s++) {
                    int i = which[s] - b.first;
                    System.arraycopy(b.x, i * pp, values, s * (pp + 1), pp);
                    values[s * (pp + 1) + pp] = b.y[i];
                }
                return new Tuple2<>(which, values);
            }).collect();
            // the partitions hold consecutive rows in order, so their answers concatenated are the wanted rows in order
            float[] values = new float[wanted.length * (p + 1)];
            int at = 0;
            for (Tuple2<int[], float[]> t : got) {
                System.arraycopy(t._2(), 0, values, at, t._2().length);
                at += t._2().length;
            }
            if (at != values.length) {
                throw new IllegalStateException("fetched " + at / (p + 1) + " of " + wanted.length + " rows (n = " + n + ")");
            }
            for (int s = 0; s < rows.length; s++) {
                int k = Arrays.binarySearch(wanted, rows[s]);
                System.arraycopy(values, k * (p + 1), x, s * p, p);
                y[s] = values[k * (p + 1) + p];
            }
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d rows in %d cached blocks", n, blocks.getNumPartitions());
        }
    }
}
