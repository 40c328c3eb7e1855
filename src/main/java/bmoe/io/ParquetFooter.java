package bmoe.io;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Util;
import org.apache.parquet.format.converter.FooterSchema;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.schema.MessageType;

/**
 * A Parquet file's footer, the parts bmoe reads: the top-level fields, the row groups' row counts and column
 * chunks, the writer. Read by a small compact-protocol reader ({@link Compact}) that keeps only these; the
 * footer as parquet-java reads it (Thrift's generated classes and its schema, with the same checks and
 * messages) only where that one fails, and lazily for what needs parquet-java's schema (a column with a
 * logical type, parquet-java's column reader): in a fresh JVM those classes cost 0.08 s of a core, most of
 * opening a file.
 */
final class ParquetFooter {
    /** Physical types and repetitions by their Thrift numbers. */
    static final int INT32 = 1;
    static final int INT64 = 2;
    static final int FLOAT = 4;
    static final int DOUBLE = 5;
    static final int REQUIRED = 0;
    static final int OPTIONAL = 1;

    /**
     * A top-level field: {@code type} its physical type, -1 for a group; {@code plain} when it has neither a
     * logical nor a converted type (the numbers pandas, pyarrow and Spark write for floats and ints).
     */
    record Field(String name, int type, int repetition, boolean plain) {}

    /** A column chunk's metadata; {@code dictionaryPageOffset} and {@code offsetIndexOffset} -1 where unset. */
    record Chunk(List<String> path, boolean encrypted, String filePath, int codec, int[] encodings, long values,
                 long compressedSize, long dataPageOffset, long dictionaryPageOffset, long offsetIndexOffset,
                 int offsetIndexLength) {}

    record Group(long rows, List<Chunk> columns) {}

    final List<Field> fields;
    final List<Group> groups;
    final String createdBy;
    private final byte[] bytes;
    private volatile MessageType schema;

    private ParquetFooter(List<Field> fields, List<Group> groups, String createdBy, byte[] bytes,
                          MessageType schema) {
        this.fields = fields;
        this.groups = groups;
        this.createdBy = createdBy;
        this.bytes = bytes;
        this.schema = schema;
    }

    /** The top-level field of this name, or null. */
    Field field(String name) {
        for (Field f : fields) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        return null;
    }

    /** The schema as parquet-java reads it (read from the footer's bytes at the first call). */
    MessageType schema() throws IOException {
        MessageType s = schema;
        if (s == null) {
            s = FooterSchema.of(Util.readFileMetaData(new ByteArrayInputStream(bytes)));
            schema = s;
        }
        return s;
    }

    /** Reads the footer of a file, with parquet-java's checks and messages. */
    static ParquetFooter read(Path f) throws IOException {
        byte[] footer;
        try (FileChannel file = FileChannel.open(f, StandardOpenOption.READ)) {
            long size = file.size();
            if (size < 12) {
                throw new IOException(f + " is not a Parquet file (length is too low: " + size + ")");
            }
            ByteBuffer tail = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(file, tail, size - 8);
            long length = tail.getInt(0) & 0xffffffffL;
            byte[] magic = {tail.get(4), tail.get(5), tail.get(6), tail.get(7)};
            if (Arrays.equals(magic, "PARE".getBytes(StandardCharsets.US_ASCII))) {
                // an encrypted footer: parquet-java says what it takes (keys bmoe does not have)
                try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(f),
                        org.apache.parquet.LocalReadOptions.create(PureJavaCodecs.INSTANCE))) {
                    throw new IOException("an encrypted footer");
                }
            }
            if (!Arrays.equals(magic, "PAR1".getBytes(StandardCharsets.US_ASCII))) {
                throw new IOException(f + " is not a Parquet file. Expected magic number at tail, but found "
                        + Arrays.toString(magic));
            }
            long at = size - 8 - length;
            if (length > Integer.MAX_VALUE || at < 4 || at >= size - 8) {
                throw new IOException("corrupted file: the footer index is not within the file: " + at);
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) length);
            readFully(file, bytes, at);
            footer = bytes.array();
        }
        try {
            return parse(footer);
        } catch (IOException | RuntimeException e) {
            // whatever this reader does not take, parquet-java reads (or refuses, in its words)
            return of(Util.readFileMetaData(new ByteArrayInputStream(footer)), footer);
        }
    }

    private static void readFully(FileChannel file, ByteBuffer into, long at) throws IOException {
        while (into.hasRemaining()) {
            if (file.read(into, at + into.position()) < 0) {
                throw new java.io.EOFException("the file ends early");
            }
        }
    }

    /** The footer from parquet-java's Thrift classes (the fallback), with its schema. */
    static ParquetFooter of(FileMetaData meta, byte[] bytes) throws IOException {
        MessageType schema = FooterSchema.of(meta);
        List<Field> fields = new ArrayList<>();
        List<SchemaElement> elements = meta.getSchema();
        for (int i = 1, child = 0; child < elements.get(0).getNum_children(); child++) {
            SchemaElement e = elements.get(i);
            fields.add(new Field(e.getName(), e.isSetType() ? e.getType().getValue() : -1,
                    e.isSetRepetition_type() ? e.getRepetition_type().getValue() : REQUIRED,
                    !e.isSetLogicalType() && !e.isSetConverted_type()));
            i = skipSubtree(elements, i);
        }
        List<Group> groups = new ArrayList<>();
        if (meta.getRow_groups() != null) {
            for (RowGroup g : meta.getRow_groups()) {
                List<Chunk> chunks = new ArrayList<>();
                for (ColumnChunk c : g.getColumns()) {
                    ColumnMetaData m = c.getMeta_data();
                    boolean encrypted = c.isSetCrypto_metadata() || c.isSetEncrypted_column_metadata() || m == null;
                    chunks.add(new Chunk(m != null ? m.getPath_in_schema() : List.of(), encrypted, c.getFile_path(),
                            m != null && m.getCodec() != null ? m.getCodec().getValue() : -1,
                            m == null || m.getEncodings() == null ? new int[] {-1} : m.getEncodings().stream()
                                    .mapToInt(x -> x == null ? -1 : x.getValue()).toArray(),
                            m != null ? m.getNum_values() : -1, m != null ? m.getTotal_compressed_size() : -1,
                            m != null ? m.getData_page_offset() : -1,
                            m != null && m.isSetDictionary_page_offset() ? m.getDictionary_page_offset() : -1,
                            c.isSetOffset_index_offset() ? c.getOffset_index_offset() : -1,
                            c.isSetOffset_index_length() ? c.getOffset_index_length() : -1));
                }
                groups.add(new Group(g.getNum_rows(), List.copyOf(chunks)));
            }
        }
        return new ParquetFooter(List.copyOf(fields), List.copyOf(groups), meta.getCreated_by(), bytes, schema);
    }

    private static int skipSubtree(List<SchemaElement> elements, int i) {
        int children = elements.get(i).isSetNum_children() ? elements.get(i).getNum_children() : 0;
        i++;
        for (int k = 0; k < children; k++) {
            i = skipSubtree(elements, i);
        }
        return i;
    }

    // ------------------------------------------------------------------ the compact-protocol reading

    /**
     * FileMetaData: 2 schema (list of SchemaElement), 3 num_rows, 4 row_groups, 6 created_by; anything else
     * passed over. Fails (for the fallback to take it) on anything it does not expect.
     */
    static ParquetFooter parse(byte[] footer) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(footer);
        List<Field> fields = null;
        List<Group> groups = List.of();
        String createdBy = null;
        try {
            int id = 0;
            while (true) {
                int field = in.get() & 0xff;
                int type = field & 0x0f;
                if (type == 0) {
                    break;
                }
                id = Compact.fieldId(in, field, id);
                if (id == 2 && type == Compact.LIST) {
                    fields = schema(in);
                } else if (id == 4 && type == Compact.LIST) {
                    int n = Compact.listSize(in, Compact.STRUCT);
                    List<Group> gs = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        gs.add(rowGroup(in));
                    }
                    groups = List.copyOf(gs);
                } else if (id == 6 && type == Compact.BINARY) {
                    createdBy = Compact.string(in);
                } else {
                    Compact.skip(in, type, 0);
                }
            }
        } catch (BufferUnderflowException | IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new IOException("a truncated footer", e);
        }
        if (fields == null || in.hasRemaining()) {
            throw new IOException("a footer without its schema, or with bytes after it");
        }
        return new ParquetFooter(fields, groups, createdBy, footer, null);
    }

    /** The schema's top-level fields: the root's children, each group's own subtree passed over. */
    private static List<Field> schema(ByteBuffer in) throws IOException {
        int n = Compact.listSize(in, Compact.STRUCT);
        List<Field> fields = new ArrayList<>();
        int rootChildren = -1;
        int pending = 0; // elements of the current top-level group's subtree still to pass over
        for (int i = 0; i < n; i++) {
            String name = null;
            int type = -1;
            int repetition = REQUIRED;
            int children = 0;
            boolean annotated = false;
            int id = 0;
            while (true) {
                int field = in.get() & 0xff;
                int kind = field & 0x0f;
                if (kind == 0) {
                    break;
                }
                id = Compact.fieldId(in, field, id);
                switch (id) {
                    case 1 -> type = Compact.i32(in, kind);
                    case 3 -> repetition = Compact.i32(in, kind);
                    case 4 -> name = Compact.string(in);
                    case 5 -> children = Compact.i32(in, kind);
                    case 6, 10 -> {
                        annotated = true; // converted_type, logicalType
                        Compact.skip(in, kind, 0);
                    }
                    default -> Compact.skip(in, kind, 0);
                }
            }
            if (name == null) {
                throw new IOException("a schema element without a name");
            }
            if (i == 0) {
                rootChildren = children;
            } else if (pending > 0) {
                pending += children - 1;
            } else {
                fields.add(new Field(name, type, repetition, !annotated));
                pending = type < 0 ? children : 0;
            }
        }
        if (rootChildren != fields.size() || pending != 0) {
            throw new IOException("a schema whose element counts do not add up");
        }
        return List.copyOf(fields);
    }

    /** RowGroup: 1 columns, 3 num_rows. */
    private static Group rowGroup(ByteBuffer in) throws IOException {
        List<Chunk> chunks = null;
        long rows = -1;
        int id = 0;
        while (true) {
            int field = in.get() & 0xff;
            int kind = field & 0x0f;
            if (kind == 0) {
                break;
            }
            id = Compact.fieldId(in, field, id);
            if (id == 1 && kind == Compact.LIST) {
                int n = Compact.listSize(in, Compact.STRUCT);
                chunks = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    chunks.add(chunk(in));
                }
            } else if (id == 3) {
                rows = Compact.i64(in, kind);
            } else {
                Compact.skip(in, kind, 0);
            }
        }
        if (chunks == null || rows < 0) {
            throw new IOException("a row group without its columns or rows");
        }
        return new Group(rows, List.copyOf(chunks));
    }

    /** ColumnChunk: 1 file_path, 3 meta_data, 4 and 5 the offset index, 8 and 9 encryption. */
    private static Chunk chunk(ByteBuffer in) throws IOException {
        String filePath = null;
        boolean encrypted = false;
        long indexOffset = -1;
        int indexLength = -1;
        Chunk meta = null;
        int id = 0;
        while (true) {
            int field = in.get() & 0xff;
            int kind = field & 0x0f;
            if (kind == 0) {
                break;
            }
            id = Compact.fieldId(in, field, id);
            switch (id) {
                case 1 -> filePath = Compact.string(in);
                case 3 -> meta = columnMetaData(in, kind);
                case 4 -> indexOffset = Compact.i64(in, kind);
                case 5 -> indexLength = Compact.i32(in, kind);
                case 8, 9 -> {
                    encrypted = true;
                    Compact.skip(in, kind, 0);
                }
                default -> Compact.skip(in, kind, 0);
            }
        }
        if (meta == null) {
            return new Chunk(List.of(), true, filePath, -1, new int[] {-1}, -1, -1, -1, -1, indexOffset, indexLength);
        }
        return new Chunk(meta.path(), encrypted, filePath, meta.codec(), meta.encodings(), meta.values(),
                meta.compressedSize(), meta.dataPageOffset(), meta.dictionaryPageOffset(), indexOffset, indexLength);
    }

    /** ColumnMetaData: 2 encodings, 3 path_in_schema, 4 codec, 5 num_values, 7 total_compressed_size, 9, 11. */
    private static Chunk columnMetaData(ByteBuffer in, int kind) throws IOException {
        if (kind != Compact.STRUCT) {
            throw new IOException("column metadata that is not a struct");
        }
        int[] encodings = null;
        List<String> path = null;
        int codec = -1;
        long values = -1;
        long compressed = -1;
        long data = -1;
        long dictionary = -1;
        int id = 0;
        while (true) {
            int field = in.get() & 0xff;
            int k = field & 0x0f;
            if (k == 0) {
                break;
            }
            id = Compact.fieldId(in, field, id);
            switch (id) {
                case 2 -> {
                    int n = Compact.listSize(in, Compact.I32);
                    encodings = new int[n];
                    for (int i = 0; i < n; i++) {
                        encodings[i] = Compact.zigzag(Compact.varint(in));
                    }
                }
                case 3 -> {
                    int n = Compact.listSize(in, Compact.BINARY);
                    List<String> p = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        p.add(Compact.string(in));
                    }
                    path = List.copyOf(p);
                }
                case 4 -> codec = Compact.i32(in, k);
                case 5 -> values = Compact.i64(in, k);
                case 7 -> compressed = Compact.i64(in, k);
                case 9 -> data = Compact.i64(in, k);
                case 11 -> dictionary = Compact.i64(in, k);
                default -> Compact.skip(in, k, 0);
            }
        }
        if (encodings == null || path == null || codec < 0 || values < 0 || compressed < 0 || data < 0) {
            throw new IOException("column metadata without its required fields");
        }
        return new Chunk(path, false, null, codec, encodings, values, compressed, data, dictionary, -1, -1);
    }

    /** Thrift's compact protocol, the reading side, over a buffer (underflow where the bytes end). */
    static final class Compact {
        static final int I32 = 5;
        static final int I64 = 6;
        static final int BINARY = 8;
        static final int LIST = 9;
        static final int STRUCT = 12;

        private Compact() {}

        /** A field's id: the delta in its header byte's high nibble, else a zigzag i16 after it. */
        static int fieldId(ByteBuffer in, int header, int last) throws IOException {
            int delta = header >>> 4;
            return delta != 0 ? last + delta : zigzag(varint(in));
        }

        static int varint(ByteBuffer in) throws IOException {
            int v = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                int b = in.get();
                v |= (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new IOException("a malformed varint");
        }

        static long varlong(ByteBuffer in) throws IOException {
            long v = 0;
            for (int shift = 0; shift < 70; shift += 7) {
                int b = in.get();
                v |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new IOException("a malformed varint");
        }

        static int zigzag(int v) {
            return (v >>> 1) ^ -(v & 1);
        }

        static int i32(ByteBuffer in, int type) throws IOException {
            if (type != I32) {
                throw new IOException("an i32 field of type " + type);
            }
            return zigzag(varint(in));
        }

        static long i64(ByteBuffer in, int type) throws IOException {
            if (type != I64 && type != I32) {
                throw new IOException("an i64 field of type " + type);
            }
            long v = varlong(in);
            return (v >>> 1) ^ -(v & 1);
        }

        static String string(ByteBuffer in) throws IOException {
            int n = varint(in);
            if (n < 0 || n > in.remaining()) {
                throw new BufferUnderflowException();
            }
            String s = new String(in.array(), in.arrayOffset() + in.position(), n, StandardCharsets.UTF_8);
            in.position(in.position() + n);
            return s;
        }

        /** A list header's size, checked to hold elements of the given type. */
        static int listSize(ByteBuffer in, int element) throws IOException {
            int h = in.get() & 0xff;
            int n = h >>> 4 == 15 ? varint(in) : h >>> 4;
            if ((h & 0x0f) != element || n < 0) {
                throw new IOException("a list of type " + (h & 0x0f) + " where " + element + " was expected");
            }
            return n;
        }

        /** Passes over a value of the given type. */
        static void skip(ByteBuffer in, int type, int depth) throws IOException {
            if (depth > 32) {
                throw new IOException("Thrift nested too deep");
            }
            switch (type) {
                case 1, 2 -> { } // a boolean field's value is its type
                case 3 -> in.get();
                case 4, 5, 6 -> varlong(in);
                case 7 -> in.position(in.position() + 8);
                case 8 -> {
                    int n = varint(in);
                    if (n < 0 || n > in.remaining()) {
                        throw new BufferUnderflowException();
                    }
                    in.position(in.position() + n);
                }
                case 9, 10 -> {
                    int h = in.get() & 0xff;
                    int n = h >>> 4 == 15 ? varint(in) : h >>> 4;
                    int element = h & 0x0f;
                    for (int i = 0; i < n; i++) {
                        skip(in, element == 1 || element == 2 ? 3 : element, depth + 1);
                    }
                }
                case 11 -> {
                    int n = varint(in);
                    if (n > 0) {
                        int kv = in.get() & 0xff;
                        for (int i = 0; i < n; i++) {
                            skip(in, kv >>> 4 == 1 || kv >>> 4 == 2 ? 3 : kv >>> 4, depth + 1);
                            skip(in, (kv & 15) == 1 || (kv & 15) == 2 ? 3 : kv & 15, depth + 1);
                        }
                    }
                }
                case 12 -> {
                    int id = 0;
                    while (true) {
                        int f = in.get() & 0xff;
                        if ((f & 0x0f) == 0) {
                            return;
                        }
                        id = fieldId(in, f, id);
                        skip(in, f & 0x0f, depth + 1);
                    }
                }
                default -> throw new IOException("a Thrift value of unknown type " + type);
            }
        }
    }
}
