package bmoe.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * Writes numeric columns to a Parquet file (snappy pages, as pandas and Spark write them), a block of rows at
 * a time, without Hadoop: simulate's output, and the test fixtures of every physical type with nulls.
 */
public final class ParquetColumnsWriter implements AutoCloseable {
    /** A column's name, its physical type (INT32, INT64, FLOAT or DOUBLE) and whether it may hold nulls. */
    public record Column(String name, PrimitiveTypeName type, boolean optional) {}

    private final ParquetWriter<Block> writer;
    private final Path file;

    /** Rows of columns to write: column j's value in row i is {@code values[j][i]}, NaN a null. */
    private record Block(double[][] values, int row) {}

    public ParquetColumnsWriter(Path file, List<Column> columns) {
        this(file, new LocalOutputFile(file), columns, ParquetWriter.DEFAULT_BLOCK_SIZE, false);
    }

    /**
     * @param rowGroupBytes the size a row group is cut at (Parquet's default: 128 MiB)
     * @param dictionary whether pages may be dictionary-encoded, as pyarrow's and Spark's are by default (off
     *     otherwise: random doubles fill a dictionary at once, and trying costs half the writing time)
     */
    public ParquetColumnsWriter(Path file, List<Column> columns, long rowGroupBytes, boolean dictionary) {
        this(file, new LocalOutputFile(file), columns, rowGroupBytes, dictionary);
    }

    /** Writes to a stream (an {@link AtomicFiles} body) instead; {@code file} names it in messages. */
    public ParquetColumnsWriter(Path file, OutputStream stream, List<Column> columns) {
        this(file, streamFile(stream), columns, ParquetWriter.DEFAULT_BLOCK_SIZE, false);
    }

    /**
     * The pages other writers make, for the readers' tests: V2 data pages (as Spark and pyarrow may write them;
     * parquet-java's V2 pages of ints are delta-encoded), another codec, small pages whose rows differ between
     * columns of different widths.
     */
    ParquetColumnsWriter(Path file, List<Column> columns, long rowGroupBytes, boolean dictionary,
                         ParquetProperties.WriterVersion version, CompressionCodecName codec, int pageBytes,
                         int pageRows) {
        this(file, new LocalOutputFile(file), columns, rowGroupBytes, dictionary, version, codec, pageBytes,
                pageRows);
    }

    private ParquetColumnsWriter(Path file, OutputFile output, List<Column> columns, long rowGroupBytes,
                                 boolean dictionary) {
        this(file, output, columns, rowGroupBytes, dictionary, ParquetProperties.WriterVersion.PARQUET_1_0,
                CompressionCodecName.SNAPPY, ParquetProperties.DEFAULT_PAGE_SIZE,
                ParquetProperties.DEFAULT_PAGE_ROW_COUNT_LIMIT);
    }

    private ParquetColumnsWriter(Path file, OutputFile output, List<Column> columns, long rowGroupBytes,
                                 boolean dictionary, ParquetProperties.WriterVersion version,
                                 CompressionCodecName codec, int pageBytes, int pageRows) {
        this.file = file;
        Types.MessageTypeBuilder schema = Types.buildMessage();
        for (Column c : columns) {
            switch (c.type()) {
                case INT32, INT64, FLOAT, DOUBLE -> { }
                default -> throw new IllegalArgumentException("not a numeric type: " + c.type());
            }
            (c.optional() ? schema.optional(c.type()) : schema.required(c.type())).named(c.name());
        }
        MessageType type = schema.named("bmoe");
        try {
            writer = new Builder(output, new Support(type, columns))
                    .withConf(new PlainParquetConfiguration())
                    .withCodecFactory(PureJavaCodecs.INSTANCE)
                    .withCompressionCodec(codec)
                    .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                    .withRowGroupSize(rowGroupBytes)
                    .withDictionaryEncoding(dictionary)
                    .withWriterVersion(version)
                    .withPageSize(pageBytes)
                    .withPageRowCountLimit(pageRows)
                    .build();
        } catch (IOException e) {
            throw new UserError("cannot write " + file + ": " + e.getMessage());
        }
    }

    /** Appends rows [0, rows) of the columns (same order as the constructor's). */
    public void write(double[][] values, int rows) {
        try {
            for (int i = 0; i < rows; i++) {
                writer.write(new Block(values, i));
            }
        } catch (IOException e) {
            throw new UserError("cannot write " + file + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            writer.close();
        } catch (IOException e) {
            throw new UserError("cannot write " + file + ": " + e.getMessage());
        }
    }

    private static OutputFile streamFile(OutputStream stream) {
        PositionOutputStream counted = new PositionOutputStream() {
            private long position;

            @Override
            public long getPos() {
                return position;
            }

            @Override
            public void write(int b) throws IOException {
                stream.write(b);
                position++;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                stream.write(b, off, len);
                position += len;
            }

            @Override
            public void flush() throws IOException {
                stream.flush();
            }

            @Override
            public void close() throws IOException {
                stream.flush(); // the stream's owner closes it
            }
        };
        return new OutputFile() {
            @Override
            public PositionOutputStream create(long blockSizeHint) {
                return counted;
            }

            @Override
            public PositionOutputStream createOrOverwrite(long blockSizeHint) {
                return counted;
            }

            @Override
            public boolean supportsBlockSize() {
                return false;
            }

            @Override
            public long defaultBlockSize() {
                return 0;
            }
        };
    }

    /** Whether a path names a Parquet file by its extension. */
    public static boolean isParquetName(Path path) {
        return path.getFileName() != null && path.getFileName().toString().toLowerCase().endsWith(".parquet");
    }

    private static final class Support extends WriteSupport<Block> {
        private final MessageType schema;
        private final List<Column> columns;
        private RecordConsumer out;

        Support(MessageType schema, List<Column> columns) {
            this.schema = schema;
            this.columns = columns;
        }

        @Override
        public WriteContext init(ParquetConfiguration configuration) {
            return new WriteContext(schema, Map.of());
        }

        @Override
        public WriteContext init(org.apache.hadoop.conf.Configuration configuration) {
            return new WriteContext(schema, Map.of());
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            out = recordConsumer;
        }

        @Override
        public void write(Block block) {
            out.startMessage();
            for (int j = 0; j < columns.size(); j++) {
                double v = block.values()[j][block.row()];
                if (Double.isNaN(v) && columns.get(j).optional()) {
                    continue;
                }
                String name = columns.get(j).name();
                out.startField(name, j);
                switch (columns.get(j).type()) {
                    case INT32 -> out.addInteger((int) v);
                    case INT64 -> out.addLong((long) v);
                    case FLOAT -> out.addFloat((float) v);
                    default -> out.addDouble(v);
                }
                out.endField(name, j);
            }
            out.endMessage();
        }
    }

    private static final class Builder extends ParquetWriter.Builder<Block, Builder> {
        private final Support support;

        Builder(OutputFile file, Support support) {
            super(file);
            this.support = support;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<Block> getWriteSupport(ParquetConfiguration conf) {
            return support;
        }

        @Override
        protected WriteSupport<Block> getWriteSupport(org.apache.hadoop.conf.Configuration conf) {
            return support;
        }
    }
}
