package bmoe.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.parquet.LocalReadOptions;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * A Parquet file, or a folder of part files as Spark, pandas (partitioned) and Dask write them: the .parquet
 * files under it, in the order of their paths, with names starting with '_' or '.' (_SUCCESS, .crc files)
 * left out. Numeric columns of any physical type (int32, int64, float, double; decimals and unsigned ints by
 * their annotation) are read; nulls and NaN are missing values. Footers are read by {@link ParquetFooter};
 * the used columns' pages in bulk by {@link ParquetPages}, in parallel stretches of rows of a row group (all
 * columns together), those of a chunk ParquetPages does not read by parquet-java's column reader.
 */
final class ParquetData implements DataSource {
    private final Path path;
    private final List<Part> parts;
    private final List<Group> groups;
    private final List<String> columns;
    private final int rows;
    /** Whether chunks are read in bulk where ParquetPages can (false: all by parquet-java's reader, for tests). */
    private final boolean bulk;
    /** Chunks this source's reads read by parquet-java's column reader (tests check the bulk path is taken). */
    int generalChunks;
    /** Chunks of this source's reads whose pages were found by their offset index (else by their headers). */
    int indexedChunks;

    /** A file, its size when opened and its footer. */
    private record Part(Path file, long size, String name, ParquetFooter footer) {
        List<ParquetFooter.Group> blocks() {
            return footer.groups;
        }

        String createdBy() {
            return footer.createdBy;
        }

        /** The schema as parquet-java reads it (for logical types and its column reader; read when first asked). */
        MessageType schema() {
            try {
                return footer.schema();
            } catch (IOException | RuntimeException e) {
                throw new UserError(file + ": not a readable Parquet file: " + oneLine(e));
            }
        }
    }

    /** One row group: the unit of parallel reading. */
    private record Group(Part part, int index, int firstRow, int rows) {}

    private ParquetData(Path path, List<Part> parts, boolean bulk) {
        this.path = path;
        this.parts = parts;
        this.bulk = bulk;
        List<Group> all = new ArrayList<>();
        long row = 0;
        for (Part part : parts) {
            for (int g = 0; g < part.blocks().size(); g++) {
                long count = part.blocks().get(g).rows();
                if (row + count > Integer.MAX_VALUE - 8) {
                    throw new UserError(path + ": more than 2^31 - 9 rows, more than one fit can hold");
                }
                if (count > 0) {
                    all.add(new Group(part, g, (int) row, (int) count));
                }
                row += count;
            }
        }
        this.groups = List.copyOf(all);
        this.rows = (int) row;
        this.columns = parts.get(0).footer().fields.stream().map(ParquetFooter.Field::name).toList();
    }

    static ParquetData open(Path path, Dialect dialect) {
        return open(path, dialect, true);
    }

    /** @param bulk false to read every chunk by parquet-java's column reader (the tests' reference) */
    static ParquetData open(Path path, Dialect dialect, boolean bulk) {
        List<Path> files = Files.isDirectory(path) ? partFiles(path) : List.of(path);
        if (files.isEmpty()) {
            throw new UserError(path + ": a folder without .parquet files; --data takes a data file (delimited text "
                    + "or Parquet) or a folder of Parquet part files");
        }
        List<Part> parts = new ArrayList<>();
        for (Path f : files) {
            String name = path.equals(f) ? f.getFileName().toString() : path.relativize(f).toString();
            try {
                parts.add(part(f, name));
            } catch (IOException | RuntimeException e) {
                throw new UserError(f + ": not a readable Parquet file: " + oneLine(e));
            }
        }
        return new ParquetData(path, parts, bulk);
    }

    private static Part part(Path f, String name) throws IOException {
        ParquetFooter footer = ParquetFooter.read(f);
        return new Part(f, Files.size(f), name, footer);
    }

    /** The part files of a folder, in the order of their paths relative to it. */
    static List<Path> partFiles(Path folder) {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile)
                    .filter(f -> {
                        for (Path step : folder.relativize(f)) {
                            String s = step.toString();
                            if (s.startsWith("_") || s.startsWith(".")) {
                                return false;
                            }
                        }
                        return f.getFileName().toString().endsWith(".parquet");
                    })
                    .sorted((a, b) -> folder.relativize(a).toString().compareTo(folder.relativize(b).toString()))
                    .toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new UserError(folder + ": cannot list the folder: " + e.getMessage());
        }
    }

    private static ParquetReadOptions options() {
        return LocalReadOptions.create(PureJavaCodecs.INSTANCE);
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public List<String> columns() {
        return columns;
    }

    @Override
    public int rows() {
        return rows;
    }

    /** Row groups with rows, over all parts. */
    int groups() {
        return groups.size();
    }

    /** A used column of a part: how its stored values become numbers. */
    private record Column(String name, ParquetPages.Kind kind, Part part) {
        double scale() {
            return kind.scale();
        }

        boolean unsigned() {
            return kind.unsigned();
        }

        /** Its field in parquet-java's schema (its column reader's projection). */
        Type field() {
            return part.schema().getType(name);
        }

        ColumnDescriptor descriptor() {
            return part.schema().getColumnDescription(new String[] {name});
        }
    }

    /**
     * The column of this name, checked to hold numbers: a plain int32, int64, float or double field from the
     * footer alone; any other (a logical type: decimals, unsigned ints; or not a number, in parquet-java's
     * words) by parquet-java's schema.
     */
    private Column column(Part part, String name) {
        ParquetFooter.Field f = part.footer().field(name);
        if (f != null && f.plain() && (f.repetition() == ParquetFooter.REQUIRED
                || f.repetition() == ParquetFooter.OPTIONAL) && (f.type() == ParquetFooter.INT32
                || f.type() == ParquetFooter.INT64 || f.type() == ParquetFooter.FLOAT
                || f.type() == ParquetFooter.DOUBLE)) {
            return new Column(name, new ParquetPages.Kind(f.type(), 1, false,
                    f.repetition() == ParquetFooter.OPTIONAL ? 1 : 0), part);
        }
        MessageType schema = part.schema();
        if (!schema.containsField(name)) {
            throw new UserError(part.file() + ": no column '" + name + "' (columns: "
                    + String.join(", ", schema.getFields().stream().map(Type::getName).toList()) + ")");
        }
        Type field = schema.getType(name);
        if (!field.isPrimitive() || field.isRepetition(Type.Repetition.REPEATED)) {
            throw new UserError(part.file() + ": column '" + name + "' is a nested or repeated field, not a number");
        }
        PrimitiveType primitive = field.asPrimitiveType();
        LogicalTypeAnnotation logical = primitive.getLogicalTypeAnnotation();
        int type = switch (primitive.getPrimitiveTypeName()) {
            case INT32 -> ParquetFooter.INT32;
            case INT64 -> ParquetFooter.INT64;
            case FLOAT -> ParquetFooter.FLOAT;
            case DOUBLE -> ParquetFooter.DOUBLE;
            default -> throw new UserError(part.file() + ": column '" + name + "' holds "
                    + (logical != null ? logical.toString() : primitive.getPrimitiveTypeName().name().toLowerCase())
                    + ", not numbers");
        };
        double scale = 1;
        boolean unsigned = false;
        if (logical instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation decimal) {
            scale = Math.pow(10, decimal.getScale());
        } else if (logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation integer) {
            unsigned = !integer.isSigned();
        } else if (logical != null) {
            throw new UserError(part.file() + ": column '" + name + "' holds " + logical + ", not numbers");
        }
        int maxDefinition = schema.getColumnDescription(new String[] {name}).getMaxDefinitionLevel();
        return new Column(name, new ParquetPages.Kind(type, scale, unsigned, maxDefinition), part);
    }

    /** Where data row `row` (0-based, over all parts) is, for messages. */
    private String where(Group group, int rowInGroup) {
        int row = group.firstRow() + rowInGroup;
        if (parts.size() == 1) {
            return "data row " + (row + 1);
        }
        long inPart = rowInGroup;
        for (int g = 0; g < group.index(); g++) {
            inPart += group.part().blocks().get(g).rows();
        }
        return "data row " + (row + 1) + " (" + group.part().name() + ", row " + (inPart + 1) + ")";
    }

    /** Each column's page tables by row group (an entry null where the bulk path does not read the chunk). */
    private final java.util.concurrent.ConcurrentHashMap<String, ParquetPages.Chunk[]> tables =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** Each column's value in the first row (0 where missing). */
    private final java.util.concurrent.ConcurrentHashMap<String, Double> firsts =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Reads the columns' page tables (in parallel; a chunk the bulk path does not read has none) and their value
     * in the first row, once: read and firstRow use them.
     */
    @Override
    public void prepare(List<String> names) {
        List<String> missing = names.stream().filter(n -> !tables.containsKey(n)).distinct().toList();
        if (!missing.isEmpty()) {
            ParquetPages.Chunk[][] chunks = tables(missing, columnsByPart(missing));
            for (int j = 0; j < missing.size(); j++) {
                ParquetPages.Chunk[] byGroup = new ParquetPages.Chunk[groups.size()];
                for (int g = 0; g < groups.size(); g++) {
                    byGroup[g] = chunks[g][j];
                }
                tables.put(missing.get(j), byGroup);
            }
        }
        if (!groups.isEmpty()) {
            Group group = groups.get(0);
            Queue<ParquetPages.Buffers> buffers = new ConcurrentLinkedQueue<>();
            for (String name : names) {
                if (!firsts.containsKey(name)) {
                    firsts.put(name, first(group, column(group.part(), name), tables.get(name)[0], buffers));
                }
            }
        }
    }

    @Override
    public double[] firstRow(List<String> names) {
        double[] first = new double[names.size()];
        if (groups.isEmpty()) {
            return first;
        }
        prepare(names);
        for (int j = 0; j < first.length; j++) {
            first[j] = firsts.get(names.get(j));
        }
        return first;
    }

    /** Whether reading some columns and then others costs no more than reading them together: yes, columnar. */
    @Override
    public boolean readsColumnsApart() {
        return true;
    }

    /** A column's value in the group's first row (0 where missing), from its page table when there is one. */
    private double first(Group group, Column column, ParquetPages.Chunk table, Queue<ParquetPages.Buffers> buffers) {
        double[] one = new double[1];
        ColumnTarget target = ColumnTarget.doubles(one);
        ParquetPages.Marks marks = new ParquetPages.Marks(1);
        try {
            try (FileChannel file = open(group.part())) {
                if (!bulk) {
                    throw new ParquetPages.Unsupported("asked");
                }
                ParquetPages.Buffers mine = take(buffers);
                ParquetPages.Chunk chunk = table != null ? table
                        : ParquetPages.scan(file, chunk(group, column), column.kind(), 1, mine);
                new ParquetPages.Cursor(file, chunk, 0, 1, target, 0, marks, mine).store(1);
                buffers.offer(mine);
            } catch (ParquetPages.Unsupported e) {
                readGeneral(group, column, target, 1, marks, new int[] {Integer.MAX_VALUE});
            }
        } catch (IOException | RuntimeException e) {
            throw failure(group, e);
        }
        return Double.isNaN(one[0]) ? 0.0 : one[0];
    }

    /** Each part's columns of these names (checked: present, numeric, not nested). */
    private List<Column[]> columnsByPart(List<String> names) {
        List<Column[]> byPart = new ArrayList<>();
        for (Part part : parts) {
            Column[] cs = new Column[names.size()];
            for (int j = 0; j < cs.length; j++) {
                cs[j] = column(part, names.get(j));
            }
            byPart.add(cs);
        }
        return byPart;
    }

    /** Every chunk's page table, in parallel (null where the bulk path does not read the chunk). */
    private ParquetPages.Chunk[][] tables(List<String> names, List<Column[]> byPart) {
        int columns = names.size();
        ParquetPages.Chunk[][] chunks = new ParquetPages.Chunk[groups.size()][columns];
        Queue<ParquetPages.Buffers> buffers = new ConcurrentLinkedQueue<>();
        runAll(groups.size() * columns, t -> {
            Group group = groups.get(t / columns);
            Column column = byPart.get(parts.indexOf(group.part()))[t % columns];
            try (FileChannel file = open(group.part())) {
                ParquetPages.Buffers mine = take(buffers);
                try {
                    if (!bulk) {
                        throw new ParquetPages.Unsupported("asked");
                    }
                    chunks[t / columns][t % columns] = ParquetPages.scan(file, chunk(group, column), column.kind(),
                            group.rows(), mine);
                } catch (ParquetPages.Unsupported e) {
                    chunks[t / columns][t % columns] = null;
                }
                buffers.offer(mine);
            } catch (IOException | RuntimeException e) {
                throw failure(group, e);
            }
            return null;
        });
        return chunks;
    }

    /**
     * Rows a stretch task reads are whole multiples of this many (of the data's rows, from its first), so that
     * the float32 blocks the sampler's standardising sums over (Dataset's 2^16 rows) mostly lie in one task,
     * which reports them as they are complete while they are in cache.
     */
    private static final int STRETCH_UNIT = 1 << 16;

    @Override
    public Missing read(List<String> names, ColumnTarget[] targets) {
        return read(names, targets, null);
    }

    /**
     * Reads in two parallel passes. The first reads each column chunk's page headers (small reads, the bodies
     * skipped) and dictionary. The second reads stretches of rows of a row group, all columns together, a
     * few thousand rows at a time, so that each float32 row is written while it is in cache; a chunk the bulk
     * path does not read (an encoding only parquet-java knows) is read whole by parquet-java's column reader
     * in a task of its own. The pages held at once are a few per column per thread, off the heap.
     */
    @Override
    public Missing read(List<String> names, ColumnTarget[] targets, RowsRead rowsRead) {
        List<Column[]> byPart = columnsByPart(names);
        int columns = names.size();
        int nGroups = groups.size();
        ParquetPages.Marks[] marks = new ParquetPages.Marks[nGroups];
        for (int g = 0; g < nGroups; g++) {
            marks[g] = new ParquetPages.Marks(groups.get(g).rows());
        }
        Queue<ParquetPages.Buffers> buffers = new ConcurrentLinkedQueue<>();
        // pass 1: the page tables of every chunk (null where the bulk path does not read it), unless prepared
        prepare(names);
        ParquetPages.Chunk[][] chunks = new ParquetPages.Chunk[nGroups][columns];
        for (int j = 0; j < columns; j++) {
            ParquetPages.Chunk[] byGroup = tables.get(names.get(j));
            for (int g = 0; g < nGroups; g++) {
                chunks[g][j] = byGroup[g];
            }
        }
        // pass 2: stretches of each row group (the bulk-read columns), and the general reads
        List<int[]> work = new ArrayList<>(); // {group, first row, end row} or {group, -1 - column}
        // 2 to 8 units a stretch: at least 8 stretches a thread where the data has the rows
        int threads = java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() + 1;
        int unit = STRETCH_UNIT * Math.max(2, Math.min(8, rows / (STRETCH_UNIT * 8 * threads)));
        for (int g = 0; g < nGroups; g++) {
            Group group = groups.get(g);
            for (int j = 0; j < columns; j++) {
                if (chunks[g][j] == null) {
                    work.add(new int[] {g, -1 - j});
                }
            }
            int from = group.firstRow();
            int end = group.firstRow() + group.rows();
            while (from < end) {
                int to = (int) Math.min(end, ((long) from / unit + 1) * unit);
                work.add(new int[] {g, from - group.firstRow(), to - group.firstRow()});
                from = to;
            }
        }
        generalChunks += (int) work.stream().filter(w -> w[1] < 0).count();
        indexedChunks += (int) Arrays.stream(chunks).flatMap(Arrays::stream).filter(c -> c != null && c.indexed)
                .count();
        int[][] firstMissing = new int[work.size()][];
        runAll(work.size(), t -> {
            int[] w = work.get(t);
            Group group = groups.get(w[0]);
            Column[] cs = byPart.get(parts.indexOf(group.part()));
            int[] first = new int[columns];
            Arrays.fill(first, Integer.MAX_VALUE);
            firstMissing[t] = first;
            try {
                int bad;
                String name;
                if (w[1] < 0) {
                    int j = -1 - w[1];
                    int[] one = {Integer.MAX_VALUE};
                    bad = readGeneral(group, cs[j], targets[j], group.rows(), marks[w[0]], one);
                    first[j] = one[0];
                    name = cs[j].name();
                } else {
                    boolean all = true;
                    for (ParquetPages.Chunk c : chunks[w[0]]) {
                        all &= c != null;
                    }
                    int[] failedColumn = {-1};
                    bad = readStretch(group, chunks[w[0]], targets, w[1], w[2], marks[w[0]], first,
                            all ? rowsRead : null, buffers, failedColumn);
                    name = bad >= 0 ? cs[failedColumn[0]].name() : null;
                }
                if (bad >= 0) {
                    throw new UserError(path + ": " + where(group, bad) + ", column '" + name
                            + "': a value that is not finite");
                }
            } catch (IOException | RuntimeException e) {
                throw failure(group, e);
            }
            return null;
        });
        long missing = 0;
        String first = null;
        long firstRow = -1;
        for (int g = 0; g < nGroups; g++) {
            missing += marks[g].count();
            int row = Integer.MAX_VALUE;
            int column = -1;
            for (int t = 0; t < work.size(); t++) {
                if (work.get(t)[0] != g) {
                    continue;
                }
                for (int j = 0; j < columns; j++) {
                    int r = firstMissing[t][j];
                    if (r < row || r == row && r != Integer.MAX_VALUE && j < column) {
                        row = r;
                        column = j;
                    }
                }
            }
            if (first == null && column >= 0) {
                first = where(groups.get(g), row) + ", column '" + names.get(column) + "'";
                firstRow = groups.get(g).firstRow() + (long) row;
            }
        }
        return new Missing(missing, first, firstRow);
    }

    /**
     * Reads rows [from, to) of a row group (rows of the group) of the bulk-read columns (chunks[j] not null),
     * all columns together a few thousand rows at a time; reports the rows read so far to {@code rowsRead}.
     * Returns the first row with an infinite value (its column in failedColumn[0]), or -1.
     */
    private static int readStretch(Group group, ParquetPages.Chunk[] chunks, ColumnTarget[] targets, int from,
                                   int to, ParquetPages.Marks marks, int[] firstMissing, RowsRead rowsRead,
                                   Queue<ParquetPages.Buffers> buffers, int[] failedColumn) throws IOException {
        int columns = chunks.length;
        ParquetPages.Cursor[] cursors = new ParquetPages.Cursor[columns];
        ParquetPages.Buffers[] mine = new ParquetPages.Buffers[columns];
        try (FileChannel file = open(group.part())) {
            for (int j = 0; j < columns; j++) {
                if (chunks[j] != null) {
                    mine[j] = take(buffers);
                    cursors[j] = new ParquetPages.Cursor(file, chunks[j], from, to, targets[j], group.firstRow(),
                            marks, mine[j]);
                }
            }
            for (int row = from; row < to; row += STEP) {
                int n = Math.min(STEP, to - row);
                for (int j = 0; j < columns; j++) {
                    if (cursors[j] != null) {
                        int bad = cursors[j].store(n);
                        if (bad >= 0) {
                            failedColumn[0] = j;
                            return bad;
                        }
                    }
                }
                if (rowsRead != null) {
                    rowsRead.read(group.firstRow() + from, group.firstRow() + row + n);
                }
            }
        } finally {
            for (int j = 0; j < columns; j++) {
                if (cursors[j] != null) {
                    firstMissing[j] = cursors[j].firstMissing;
                }
                if (mine[j] != null) {
                    buffers.offer(mine[j]);
                }
            }
        }
        return -1;
    }

    /** Rows of all columns stored before the next column's: their float32 rows (p + 1 floats) stay in cache. */
    private static final int STEP = 4096;

    private static ParquetPages.Buffers take(Queue<ParquetPages.Buffers> buffers) {
        ParquetPages.Buffers b = buffers.poll();
        return b != null ? b : new ParquetPages.Buffers();
    }

    private static FileChannel open(Part part) throws IOException {
        FileChannel file = FileChannel.open(part.file(), StandardOpenOption.READ);
        if (file.size() != part.size()) {
            file.close();
            throw new UserError(part.file() + ": changed while it was read");
        }
        return file;
    }

    private static UserError failure(Group group, Exception e) {
        if (e instanceof UserError u) {
            return u;
        }
        return new UserError(group.part().file() + ": cannot read: " + oneLine(e));
    }

    /**
     * Runs tasks 0..count-1 in parallel; the first (lowest) task's UserError is thrown once all have ended,
     * and tasks after a failed one are not started.
     */
    private static void runAll(int count, java.util.function.IntFunction<Void> task) {
        UserError[] failed = new UserError[count];
        AtomicInteger firstFailed = new AtomicInteger(Integer.MAX_VALUE);
        IntStream.range(0, count).parallel().forEach(t -> {
            if (firstFailed.get() < t) {
                return;
            }
            try {
                task.apply(t);
            } catch (UserError e) {
                failed[t] = e;
                firstFailed.accumulateAndGet(t, Math::min);
            }
        });
        if (firstFailed.get() != Integer.MAX_VALUE) {
            throw failed[firstFailed.get()];
        }
    }

    /** The column's chunk in the group's row group, from the footer read at open. */
    private static ParquetFooter.Chunk chunk(Group group, Column column) throws IOException {
        ParquetFooter.Chunk encrypted = null;
        for (ParquetFooter.Chunk chunk : group.part().blocks().get(group.index()).columns()) {
            if (chunk.path().equals(List.of(column.name()))) {
                if (!chunk.encrypted() && chunk.values() != group.rows()) {
                    throw new IOException("a column chunk of " + chunk.values() + " values in a row group of "
                            + group.rows() + " rows");
                }
                return chunk;
            }
            if (chunk.encrypted() && chunk.path().isEmpty()) {
                encrypted = chunk;
            }
        }
        if (encrypted != null) {
            return encrypted; // its metadata is not readable here: parquet-java's reader says so
        }
        throw new IOException("no column chunk for '" + column.name() + "' in row group " + (group.index() + 1));
    }

    /**
     * Reads the first {@code limit} rows of a chunk by parquet-java's column reader (any encoding it knows),
     * marking missing rows; returns the first row with an infinite value, or -1.
     */
    private int readGeneral(Group group, Column column, ColumnTarget target, int limit, ParquetPages.Marks marks,
                            int[] firstMissing) throws IOException {
        Part part = group.part();
        MessageType projection = new MessageType(part.schema().getName(), List.of(column.field()));
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(part.file()), options())) {
            reader.setRequestedSchema(projection);
            for (int g = 0; g < group.index(); g++) {
                reader.skipNextRowGroup();
            }
            PageReadStore pages = reader.readNextRowGroup();
            if (pages == null || pages.getRowCount() != group.rows()) {
                throw new UserError(part.file() + ": changed while it was read");
            }
            ColumnReadStoreImpl store = new ColumnReadStoreImpl(pages, noRecords(), projection, part.createdBy());
            ColumnReader values = store.getColumnReader(column.descriptor());
            return readColumn(values, column, target, group.firstRow(), limit, marks, firstMissing);
        }
    }

    /**
     * Reads one column chunk into its target, marking missing rows; returns the first row with an infinite
     * value, or -1. A loop per physical type keeps the per-value work to the decode and the store.
     */
    private static int readColumn(ColumnReader values, Column column, ColumnTarget target, int firstRow, int limit,
                                  ParquetPages.Marks rowMissing, int[] firstMissing) {
        int defined = column.descriptor().getMaxDefinitionLevel();
        double scale = column.scale();
        switch (column.descriptor().getPrimitiveType().getPrimitiveTypeName()) {
            case DOUBLE -> {
                for (int i = 0; i < limit; i++) {
                    double v = values.getCurrentDefinitionLevel() == defined ? values.getDouble() : Double.NaN;
                    values.consume();
                    if (Double.isNaN(v)) {
                        missingAt(i, rowMissing, firstMissing);
                    } else if (Double.isInfinite(v)) {
                        return i;
                    }
                    target.set(firstRow + i, v);
                }
            }
            case FLOAT -> {
                for (int i = 0; i < limit; i++) {
                    double v = values.getCurrentDefinitionLevel() == defined ? values.getFloat() : Double.NaN;
                    values.consume();
                    if (Double.isNaN(v)) {
                        missingAt(i, rowMissing, firstMissing);
                    } else if (Double.isInfinite(v)) {
                        return i;
                    }
                    target.set(firstRow + i, v);
                }
            }
            case INT32 -> {
                boolean unsigned = column.unsigned();
                for (int i = 0; i < limit; i++) {
                    double v;
                    if (values.getCurrentDefinitionLevel() == defined) {
                        int raw = values.getInteger();
                        v = (unsigned ? Integer.toUnsignedLong(raw) : raw) / scale;
                    } else {
                        v = Double.NaN;
                        missingAt(i, rowMissing, firstMissing);
                    }
                    values.consume();
                    target.set(firstRow + i, v);
                }
            }
            case INT64 -> {
                boolean unsigned = column.unsigned();
                for (int i = 0; i < limit; i++) {
                    double v;
                    if (values.getCurrentDefinitionLevel() == defined) {
                        long raw = values.getLong();
                        double d = unsigned && raw < 0 ? (raw >>> 1) * 2.0 + (raw & 1) : raw;
                        v = d / scale;
                    } else {
                        v = Double.NaN;
                        missingAt(i, rowMissing, firstMissing);
                    }
                    values.consume();
                    target.set(firstRow + i, v);
                }
            }
            default -> throw new IllegalStateException("checked in column()");
        }
        return -1;
    }

    private static void missingAt(int i, ParquetPages.Marks rowMissing, int[] firstMissing) {
        rowMissing.mark(i);
        if (i < firstMissing[0]) {
            firstMissing[0] = i;
        }
    }

    /** An exception's message on one line, for a file that Parquet's reader refused. */
    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.strip().replaceAll("\\s*\\R\\s*", "; ");
    }


    /** Parquet's record assembly is not used: values are taken column by column (made here, not at class load). */
    private static GroupConverter noRecords() {
        return new GroupConverter() {
            @Override
            public Converter getConverter(int fieldIndex) {
                return new PrimitiveConverter() { };
            }

            @Override
            public void start() { }

            @Override
            public void end() { }
        };
    }
}
