package bmoe.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.parquet.LocalReadOptions;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ColumnPath;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
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
 * their annotation) are read; nulls and NaN are missing values. Row groups are read in parallel, each into its
 * own rows, with only the used columns' pages read and decoded.
 */
final class ParquetData implements DataSource {
    private final Path path;
    private final List<Part> parts;
    private final List<Group> groups;
    private final List<String> columns;
    private final int rows;

    private record Part(Path file, long size, String name, MessageType schema, String createdBy,
                        List<BlockMetaData> blocks) {}

    /** One row group: the unit of parallel reading. */
    private record Group(Part part, int index, int firstRow, int rows) {}

    private ParquetData(Path path, List<Part> parts) {
        this.path = path;
        this.parts = parts;
        List<Group> all = new ArrayList<>();
        long row = 0;
        for (Part part : parts) {
            for (int g = 0; g < part.blocks().size(); g++) {
                long count = part.blocks().get(g).getRowCount();
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
        this.columns = parts.get(0).schema().getFields().stream().map(Type::getName).toList();
    }

    static ParquetData open(Path path, Dialect dialect) {
        List<Path> files = Files.isDirectory(path) ? partFiles(path) : List.of(path);
        if (files.isEmpty()) {
            throw new UserError(path + ": a folder without .parquet files; --data takes a data file (delimited text "
                    + "or Parquet) or a folder of Parquet part files");
        }
        List<Part> parts = new ArrayList<>();
        for (Path f : files) {
            try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(f), options())) {
                ParquetMetadata footer = reader.getFooter();
                String name = path.equals(f) ? f.getFileName().toString() : path.relativize(f).toString();
                parts.add(new Part(f, Files.size(f), name, footer.getFileMetaData().getSchema(),
                        footer.getFileMetaData().getCreatedBy(), footer.getBlocks()));
            } catch (IOException | RuntimeException e) {
                throw new UserError(f + ": not a readable Parquet file: " + oneLine(e));
            }
        }
        return new ParquetData(path, parts);
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

    /** How a column's stored values become numbers. */
    private record Column(String name, ColumnDescriptor descriptor, Type field, double scale, boolean unsigned) {
        ParquetPages.Kind kind() {
            return new ParquetPages.Kind(descriptor.getPrimitiveType().getPrimitiveTypeName(), scale, unsigned,
                    descriptor.getMaxDefinitionLevel());
        }
    }

    private Column column(Part part, String name) {
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
        switch (primitive.getPrimitiveTypeName()) {
            case INT32, INT64, FLOAT, DOUBLE -> { }
            default -> throw new UserError(part.file() + ": column '" + name + "' holds "
                    + (logical != null ? logical.toString() : primitive.getPrimitiveTypeName().name().toLowerCase())
                    + ", not numbers");
        }
        double scale = 1;
        boolean unsigned = false;
        if (logical instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation decimal) {
            scale = Math.pow(10, decimal.getScale());
        } else if (logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation integer) {
            unsigned = !integer.isSigned();
        } else if (logical != null) {
            throw new UserError(part.file() + ": column '" + name + "' holds " + logical + ", not numbers");
        }
        return new Column(name, schema.getColumnDescription(new String[] {name}), field, scale, unsigned);
    }

    /** Where data row `row` (0-based, over all parts) is, for messages. */
    private String where(Group group, int rowInGroup) {
        int row = group.firstRow() + rowInGroup;
        if (parts.size() == 1) {
            return "data row " + (row + 1);
        }
        long inPart = rowInGroup;
        for (int g = 0; g < group.index(); g++) {
            inPart += group.part().blocks().get(g).getRowCount();
        }
        return "data row " + (row + 1) + " (" + group.part().name() + ", row " + (inPart + 1) + ")";
    }

    @Override
    public double[] firstRow(List<String> names) {
        double[] first = new double[names.size()];
        if (groups.isEmpty()) {
            return first;
        }
        Queue<ParquetPages.Buffers> buffers = new ConcurrentLinkedQueue<>();
        for (int j = 0; j < names.size(); j++) {
            double[] one = new double[1];
            readChunk(groups.get(0), names.get(j), ColumnTarget.doubles(one), 1, new boolean[1], buffers);
            first[j] = Double.isNaN(one[0]) ? 0.0 : one[0];
        }
        return first;
    }

    /**
     * Reads the columns one column chunk (row group x column) per task, so that the pages held at once are
     * one chunk per thread, not whole row groups: the heap above the targets stays a few chunks.
     */
    @Override
    public Missing read(List<String> names, ColumnTarget[] targets) {
        for (Part part : parts) {
            for (String name : names) {
                column(part, name);
            }
        }
        int columns = names.size();
        int tasks = groups.size() * columns;
        boolean[][] rowMissing = new boolean[groups.size()][];
        for (int g = 0; g < groups.size(); g++) {
            rowMissing[g] = new boolean[groups.get(g).rows()];
        }
        int[] firstMissing = new int[tasks];
        UserError[] failed = new UserError[tasks];
        AtomicInteger firstFailed = new AtomicInteger(Integer.MAX_VALUE);
        Queue<ParquetPages.Buffers> buffers = new ConcurrentLinkedQueue<>();
        IntStream.range(0, tasks).parallel().forEach(t -> {
            if (firstFailed.get() < t) {
                return;
            }
            int g = t / columns;
            int j = t % columns;
            try {
                firstMissing[t] = readChunk(groups.get(g), names.get(j), targets[j], groups.get(g).rows(),
                        rowMissing[g], buffers);
            } catch (UserError e) {
                failed[t] = e;
                firstFailed.accumulateAndGet(t, Math::min);
            }
        });
        if (firstFailed.get() != Integer.MAX_VALUE) {
            throw failed[firstFailed.get()];
        }
        long missing = 0;
        String first = null;
        for (int g = 0; g < groups.size(); g++) {
            for (boolean m : rowMissing[g]) {
                if (m) {
                    missing++;
                }
            }
            int row = Integer.MAX_VALUE;
            String column = null;
            for (int j = 0; j < columns; j++) {
                if (firstMissing[g * columns + j] < row) {
                    row = firstMissing[g * columns + j];
                    column = names.get(j);
                }
            }
            if (first == null && column != null) {
                first = where(groups.get(g), row) + ", column '" + column + "'";
            }
        }
        return new Missing(missing, first);
    }

    /**
     * Reads the first {@code limit} rows of one column of a row group into its target, marking rows with a
     * missing value; returns the first such row (Integer.MAX_VALUE for none). The chunk's pages are read in
     * bulk ({@link ParquetPages}) unless they hold what only parquet-java's column reader reads.
     */
    private int readChunk(Group group, String name, ColumnTarget target, int limit, boolean[] rowMissing,
                          Queue<ParquetPages.Buffers> buffers) {
        Part part = group.part();
        Column column = column(part, name);
        int[] firstMissing = {Integer.MAX_VALUE};
        try {
            int bad;
            ColumnChunkMetaData chunk = chunk(group, column);
            try {
                bad = readBulk(group, column, chunk, target, limit, rowMissing, firstMissing, buffers);
            } catch (ParquetPages.Unsupported e) {
                // rows already marked missing are missing in the general read too
                firstMissing[0] = Integer.MAX_VALUE;
                bad = readGeneral(group, column, target, limit, rowMissing, firstMissing);
            }
            if (bad >= 0) {
                throw new UserError(path + ": " + where(group, bad) + ", column '" + column.name()
                        + "': a value that is not finite");
            }
            return firstMissing[0];
        } catch (IOException | RuntimeException e) {
            if (e instanceof UserError u) {
                throw u;
            }
            throw new UserError(part.file() + ": cannot read: " + oneLine(e));
        }
    }

    /** The column's chunk in the group's row group, from the footer read at open. */
    private static ColumnChunkMetaData chunk(Group group, Column column) throws IOException {
        for (ColumnChunkMetaData chunk : group.part().blocks().get(group.index()).getColumns()) {
            if (chunk.getPath().equals(ColumnPath.get(column.name()))) {
                return chunk;
            }
        }
        throw new IOException("no column chunk for '" + column.name() + "' in row group " + (group.index() + 1));
    }

    private static int readBulk(Group group, Column column, ColumnChunkMetaData chunk, ColumnTarget target, int limit,
                                boolean[] rowMissing, int[] firstMissing, Queue<ParquetPages.Buffers> buffers)
            throws IOException, ParquetPages.Unsupported {
        if (!ParquetPages.handles(chunk)) {
            throw new ParquetPages.Unsupported("codec or encodings");
        }
        if (chunk.getValueCount() != group.rows()) {
            throw new IOException("a column chunk of " + chunk.getValueCount() + " values in a row group of "
                    + group.rows() + " rows");
        }
        ParquetPages.Buffers mine = buffers.poll();
        if (mine == null) {
            mine = new ParquetPages.Buffers();
        }
        try (FileChannel file = FileChannel.open(group.part().file(), StandardOpenOption.READ)) {
            if (file.size() != group.part().size()) {
                throw new UserError(group.part().file() + ": changed while it was read");
            }
            return ParquetPages.read(file, chunk, column.kind(), target, group.firstRow(), limit, rowMissing,
                    firstMissing, mine);
        } finally {
            buffers.offer(mine);
        }
    }

    /** Reads the chunk by parquet-java's column reader: any encoding it knows. Same contract as readColumn. */
    private int readGeneral(Group group, Column column, ColumnTarget target, int limit, boolean[] rowMissing,
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
            ColumnReadStoreImpl store = new ColumnReadStoreImpl(pages, NO_RECORDS, projection, part.createdBy());
            ColumnReader values = store.getColumnReader(column.descriptor());
            return readColumn(values, column, target, group.firstRow(), limit, rowMissing, firstMissing);
        }
    }

    /**
     * Reads one column chunk into its target, marking missing rows; returns the first row with an infinite
     * value, or -1. A loop per physical type keeps the per-value work to the decode and the store.
     */
    private static int readColumn(ColumnReader values, Column column, ColumnTarget target, int firstRow, int limit,
                                  boolean[] rowMissing, int[] firstMissing) {
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

    private static void missingAt(int i, boolean[] rowMissing, int[] firstMissing) {
        rowMissing[i] = true;
        if (i < firstMissing[0]) {
            firstMissing[0] = i;
        }
    }

    /** An exception's message on one line, for a file that Parquet's reader refused. */
    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** Parquet's record assembly is not used: values are taken column by column. */
    private static final GroupConverter NO_RECORDS = new GroupConverter() {
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
