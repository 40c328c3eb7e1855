package bmoe.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.model.Dataset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bulk Parquet path (ParquetPages: page tables, stretches of rows of all columns, levels skipped for pages
 * without nulls) against parquet-java's column reader, on the files other writers make: several row groups,
 * nulls, dictionary pages (and a dictionary that overflows into PLAIN pages mid-chunk), V2 pages, every
 * physical type, every codec, small pages whose rows differ between columns. Both must give the same float32
 * columns bit for bit, the same missing rows and the same first-missing message.
 */
class ParquetPagesTest {
    @TempDir
    Path dir;

    private static final PrimitiveTypeName I32 = PrimitiveTypeName.INT32;
    private static final PrimitiveTypeName I64 = PrimitiveTypeName.INT64;
    private static final PrimitiveTypeName F32 = PrimitiveTypeName.FLOAT;
    private static final PrimitiveTypeName F64 = PrimitiveTypeName.DOUBLE;

    /**
     * A file to write: x1..x(k-1) and y (the last) of these types; nulls in optional columns (see value);
     * {@code distinct} values per column (small: dictionary pages stay dictionary-encoded).
     */
    record Spec(String name, PrimitiveTypeName[] types, boolean optional, boolean dictionary, WriterVersion version,
                CompressionCodecName codec, int pageBytes, int pageRows, long groupBytes, int rows, int distinct,
                boolean delta) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Spec> specs() {
        WriterVersion v1 = WriterVersion.PARQUET_1_0;
        WriterVersion v2 = WriterVersion.PARQUET_2_0;
        CompressionCodecName snappy = CompressionCodecName.SNAPPY;
        int page = 1 << 20;
        int pageRows = 20_000;
        return Stream.of(
                new Spec("plain doubles, 9 row groups", new PrimitiveTypeName[] {F64, F64, F64, F64}, false, false, v1,
                        snappy, page, pageRows, 1 << 20, 300_000, Integer.MAX_VALUE, false),
                new Spec("plain with nulls", new PrimitiveTypeName[] {F64, F64, F64, F64}, true, false, v1, snappy,
                        page, pageRows, 1 << 20, 300_000, Integer.MAX_VALUE, false),
                // stretches of 131,072 rows: each after the first starts inside a page of 20,000
                new Spec("one row group, stretches from mid-page", new PrimitiveTypeName[] {F64, F32, F64}, true,
                        false, v1, snappy, page, pageRows, 64 << 20, 400_000, Integer.MAX_VALUE, false),
                new Spec("dictionary pages", new PrimitiveTypeName[] {F64, F32, I32, I64, F64}, true, true, v1, snappy,
                        page, pageRows, 1 << 16, 200_000, 300, false),
                new Spec("dictionary overflowing into plain pages", new PrimitiveTypeName[] {F64, F64}, false, true,
                        v1, snappy, 1 << 16, 5_000, 1 << 20, 400_000, Integer.MAX_VALUE, false),
                new Spec("V2 pages", new PrimitiveTypeName[] {F64, F32, F64}, true, false, v2, snappy, page, pageRows,
                        1 << 20, 200_000, Integer.MAX_VALUE, false),
                new Spec("V2 pages with dictionaries", new PrimitiveTypeName[] {F64, F32, F64}, true, true, v2, snappy,
                        page, pageRows, 1 << 16, 200_000, 1000, false),
                new Spec("V2 delta-encoded ints (parquet-java's reader)", new PrimitiveTypeName[] {I32, F64, I64, F64},
                        true, false, v2, snappy, page, pageRows, 1 << 20, 150_000, Integer.MAX_VALUE, true),
                new Spec("every type", new PrimitiveTypeName[] {I32, I64, F32, F64}, true, false, v1, snappy, page,
                        pageRows, 1 << 20, 200_000, Integer.MAX_VALUE, false),
                new Spec("small pages of different rows", new PrimitiveTypeName[] {I32, F64, F32, I64, F64}, true,
                        false, v1, snappy, 4096, pageRows, 1 << 20, 150_000, Integer.MAX_VALUE, false),
                new Spec("uncompressed", new PrimitiveTypeName[] {F64, I32, F64}, true, false, v1,
                        CompressionCodecName.UNCOMPRESSED, page, pageRows, 1 << 20, 150_000, Integer.MAX_VALUE, false),
                new Spec("zstd", new PrimitiveTypeName[] {F64, I32, F64}, true, true, v1, CompressionCodecName.ZSTD,
                        page, pageRows, 1 << 17, 150_000, 5000, false),
                new Spec("gzip", new PrimitiveTypeName[] {F64, F32, F64}, true, false, v1, CompressionCodecName.GZIP,
                        page, pageRows, 1 << 20, 100_000, Integer.MAX_VALUE, false),
                new Spec("lz4 raw, V2", new PrimitiveTypeName[] {F64, F32, F64}, true, false, v2,
                        CompressionCodecName.LZ4_RAW, page, pageRows, 1 << 20, 100_000, Integer.MAX_VALUE, false));
    }

    /**
     * Column j's value in row i, NaN for a null: scattered single nulls, runs of a thousand, and a column
     * (the second) whose first pages are all null; ints scaled so they are whole.
     */
    private static double value(Spec spec, int j, int i) {
        if (spec.optional()) {
            boolean scattered = (i * 31 + j * 7) % 97 == 0;
            boolean run = j == 0 && (i / 1000) % 13 == 5;
            boolean leading = j == 1 && i < 45_000;
            if (scattered || run || leading) {
                return Double.NaN;
            }
        }
        int k = spec.distinct() == Integer.MAX_VALUE ? i : i % spec.distinct();
        if (spec.name().contains("overflowing") && i % 200_000 < 60_000) {
            k = i % 100; // a dictionary pays at first, then overflows its page (1 MiB) and the chunk goes PLAIN
        }
        double v = Math.sin(k * 0.7311 + j) * 1000 + j * 10;
        return switch (spec.types()[j]) {
            case INT32, INT64 -> Math.rint(v * 100) + 0.0; // no -0.0 in an int
            case FLOAT -> (float) v;
            default -> v;
        };
    }

    private Path write(Spec spec) {
        Path file = dir.resolve(spec.name().replaceAll("[^a-z0-9]+", "-") + ".parquet");
        int k = spec.types().length;
        List<ParquetColumnsWriter.Column> columns = new ArrayList<>();
        double[][] values = new double[k][spec.rows()];
        for (int j = 0; j < k; j++) {
            columns.add(new ParquetColumnsWriter.Column(name(j, k), spec.types()[j], spec.optional()));
            for (int i = 0; i < spec.rows(); i++) {
                values[j][i] = value(spec, j, i);
            }
        }
        try (ParquetColumnsWriter w = new ParquetColumnsWriter(file, columns, spec.groupBytes(), spec.dictionary(),
                spec.version(), spec.codec(), spec.pageBytes(), spec.pageRows())) {
            w.write(values, spec.rows());
        }
        return file;
    }

    private static String name(int j, int k) {
        return j == k - 1 ? "y" : "x" + (j + 1);
    }

    private static List<String> xNames(int k) {
        List<String> names = new ArrayList<>();
        for (int j = 0; j < k - 1; j++) {
            names.add(name(j, k));
        }
        return names;
    }

    /** Each chunk's pages as "type:encoding" (from the footer's encoding stats), so a test knows what it read. */
    private static List<java.util.Set<String>> pageKinds(Path file) throws java.io.IOException {
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        int length = java.nio.ByteBuffer.wrap(bytes, bytes.length - 8, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getInt();
        org.apache.parquet.format.FileMetaData meta = org.apache.parquet.format.Util.readFileMetaData(
                new java.io.ByteArrayInputStream(bytes, bytes.length - 8 - length, length));
        List<java.util.Set<String>> kinds = new ArrayList<>();
        for (org.apache.parquet.format.RowGroup g : meta.getRow_groups()) {
            for (org.apache.parquet.format.ColumnChunk c : g.getColumns()) {
                java.util.Set<String> set = new java.util.TreeSet<>();
                for (org.apache.parquet.format.PageEncodingStats e : c.getMeta_data().getEncoding_stats()) {
                    set.add(e.getPage_type() + ":" + e.getEncoding());
                }
                kinds.add(set);
            }
        }
        return kinds;
    }

    /**
     * The file without its page index (as pyarrow writes by default): the footer rewritten without the column
     * chunks' offset and column index references, so that the bulk path reads the page headers instead.
     */
    private static Path withoutPageIndex(Path file) throws java.io.IOException {
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        int length = java.nio.ByteBuffer.wrap(bytes, bytes.length - 8, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getInt();
        int footer = bytes.length - 8 - length;
        org.apache.parquet.format.FileMetaData meta = org.apache.parquet.format.Util.readFileMetaData(
                new java.io.ByteArrayInputStream(bytes, footer, length));
        for (org.apache.parquet.format.RowGroup g : meta.getRow_groups()) {
            for (org.apache.parquet.format.ColumnChunk c : g.getColumns()) {
                c.unsetOffset_index_offset();
                c.unsetOffset_index_length();
                c.unsetColumn_index_offset();
                c.unsetColumn_index_length();
            }
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(bytes, 0, footer);
        java.io.ByteArrayOutputStream tail = new java.io.ByteArrayOutputStream();
        org.apache.parquet.format.Util.writeFileMetaData(meta, tail);
        out.write(tail.toByteArray());
        out.write(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(tail.size()).array());
        out.write("PAR1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Path stripped = file.resolveSibling("no-index-" + file.getFileName());
        java.nio.file.Files.write(stripped, out.toByteArray());
        return stripped;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void bulkAndGeneralReadTheSameFloat32(Spec spec) throws java.io.IOException {
        Path written = write(spec);
        check(spec, written, true);
        check(spec, withoutPageIndex(written), false);
    }

    private void check(Spec spec, Path file, boolean indexed) throws java.io.IOException {
        int k = spec.types().length;
        List<java.util.Set<String>> kinds = pageKinds(file);
        String page = spec.version() == WriterVersion.PARQUET_2_0 ? "DATA_PAGE_V2:" : "DATA_PAGE:";
        assertTrue(kinds.stream().allMatch(c -> c.stream().allMatch(e -> e.startsWith(page)
                || e.startsWith("DICTIONARY_PAGE:"))), kinds::toString);
        if (spec.dictionary()) {
            assertTrue(kinds.stream().anyMatch(c -> c.contains(page + "RLE_DICTIONARY")
                    || c.contains(page + "PLAIN_DICTIONARY")), kinds::toString);
        }
        if (spec.name().contains("overflowing")) {
            assertTrue(kinds.stream().anyMatch(c -> c.contains(page + "PLAIN")
                    && c.contains(page + "PLAIN_DICTIONARY")), "dictionary and plain pages in one chunk: " + kinds);
        }
        if (spec.delta()) {
            assertTrue(kinds.stream().anyMatch(c -> c.contains(page + "DELTA_BINARY_PACKED")), kinds::toString);
        }
        ParquetData bulk = ParquetData.open(file, Dialect.DEFAULT, true);
        ParquetData general = ParquetData.open(file, Dialect.DEFAULT, false);
        assertTrue(bulk.groups() > 1 || spec.name().startsWith("one row group"), "row groups: " + bulk.groups());
        RawData a = RawData.read(bulk, xNames(k), "y", Dialect.Missing.DROP);
        RawData b = RawData.read(general, xNames(k), "y", Dialect.Missing.DROP);
        if (spec.delta()) {
            assertTrue(bulk.generalChunks > 0, "delta-encoded chunks go to parquet-java's reader");
            assertTrue(bulk.generalChunks < general.generalChunks, "the others are read in bulk");
        } else {
            assertEquals(0, bulk.generalChunks, "every chunk read in bulk");
        }
        int chunks = bulk.groups() * k;
        assertEquals(indexed ? chunks - bulk.generalChunks : 0, bulk.indexedChunks, "pages found by offset index");
        assertArrayEquals(b.xShift(), a.xShift());
        assertEquals(b.yShift(), a.yShift());
        assertEquals(b.dropped(), a.dropped());
        assertEquals(b.firstDropped(), a.firstDropped());
        assertArrayEquals(b.x(), a.x());
        assertArrayEquals(b.y(), a.y());

        // and both hold the written values, less the first row's, as float32
        int p = k - 1;
        int kept = 0;
        for (int i = 0; i < spec.rows(); i++) {
            boolean hole = false;
            for (int j = 0; j < k; j++) {
                hole |= Double.isNaN(value(spec, j, i));
            }
            if (hole) {
                continue;
            }
            for (int j = 0; j < p; j++) {
                assertEquals((float) (value(spec, j, i) - a.xShift()[j]), a.x()[kept * p + j], "row " + i);
            }
            assertEquals((float) (value(spec, p, i) - a.yShift()), a.y()[kept], "row " + i);
            kept++;
        }
        assertEquals(kept, a.n());
        assertEquals(spec.rows() - kept, a.dropped());

        if (spec.optional()) {
            UserError fa = assertThrows(UserError.class,
                    () -> RawData.read(ParquetData.open(file, Dialect.DEFAULT, true), xNames(k), "y",
                            Dialect.Missing.FAIL));
            UserError fb = assertThrows(UserError.class,
                    () -> RawData.read(ParquetData.open(file, Dialect.DEFAULT, false), xNames(k), "y",
                            Dialect.Missing.FAIL));
            assertEquals(fb.getMessage(), fa.getMessage());
            // RawData reads y, then x, and merges what each found missing: as one read of them all says
            ParquetData one = ParquetData.open(file, Dialect.DEFAULT, true);
            List<String> names = new ArrayList<>(xNames(k));
            names.add("y");
            ColumnTarget[] targets = new ColumnTarget[k];
            for (int j = 0; j < k; j++) {
                targets[j] = ColumnTarget.doubles(new double[spec.rows()]);
            }
            assertEquals(RawData.missingError(one, one.read(names, targets)).getMessage(), fa.getMessage());
        }
    }

    /** The moments the reader computes of the blocks it had in cache are those standardising computes itself. */
    @Test
    void readersBlockMomentsAreTheStandardisingsOwn() {
        // row groups of about 130,000 rows: most moment blocks (65,536 rows) lie in one
        Spec spec = new Spec("large row groups", new PrimitiveTypeName[] {F64, F64, F64, F64}, false, false,
                WriterVersion.PARQUET_1_0, CompressionCodecName.SNAPPY, 1 << 20, 20_000, 4 << 20, 400_000,
                Integer.MAX_VALUE, false);
        Path file = write(spec);
        RawData raw = RawData.read(ParquetData.open(file, Dialect.DEFAULT, true), xNames(4), "y",
                Dialect.Missing.FAIL, true);
        assertNull(RawData.read(ParquetData.open(file, Dialect.DEFAULT, true), xNames(4), "y",
                Dialect.Missing.FAIL).blockMoments(), "none unless asked for");
        int blocks = (raw.n() + Dataset.MOMENT_BLOCK - 1) / Dataset.MOMENT_BLOCK;
        assertEquals(blocks, raw.blockMoments().length);
        long computed = Arrays.stream(raw.blockMoments()).filter(m -> m != null).count();
        assertTrue(computed >= blocks / 2, computed + " of " + blocks + " blocks' moments from the reader");
        for (int b = 0; b < blocks; b++) {
            if (raw.blockMoments()[b] != null) {
                assertArrayEquals(Dataset.blockMoments(raw.x(), raw.y(), 3, b), raw.blockMoments()[b], "block " + b);
            }
        }
        float[] x = raw.x().clone();
        float[] y = raw.y().clone();
        Dataset fresh = Dataset.fromRaw(x, y, 3, raw.xShift(), raw.yShift(), xNames(4), "y", true);
        Dataset given = raw.dataset(xNames(4), "y", true);
        assertArrayEquals(fresh.x(), given.x());
        assertArrayEquals(fresh.y(), given.y());
        assertArrayEquals(fresh.scaling().xMean(), given.scaling().xMean());
        assertArrayEquals(fresh.scaling().xSd(), given.scaling().xSd());
        assertEquals(fresh.scaling().yMean(), given.scaling().yMean());
        assertEquals(fresh.scaling().ySd(), given.scaling().ySd());
    }

    /** Rows dropped for nulls leave no moments behind (the blocks moved). */
    @Test
    void droppedRowsLeaveNoMoments() {
        Spec spec = specs().skip(1).findFirst().orElseThrow();
        RawData raw = RawData.read(ParquetData.open(write(spec), Dialect.DEFAULT, true), xNames(4), "y",
                Dialect.Missing.DROP, true);
        assertTrue(raw.dropped() > 0);
        assertNull(raw.blockMoments());
        assertNotNull(raw.dataset(xNames(4), "y", true));
    }

    @Test
    void hybridDecodesRunsAndBitPackedGroups() throws Exception {
        // 3-bit values: an RLE run of five 6s, then one bit-packed group of 8 (0..7)
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(5 << 1);
        out.write(6);
        out.write((1 << 1) | 1);
        long bits = 0;
        for (int i = 0; i < 8; i++) {
            bits |= (long) i << (3 * i);
        }
        for (int i = 0; i < 3; i++) {
            out.write((int) (bits >>> (8 * i)) & 0xff);
        }
        int[] got = new int[13];
        ParquetPages.hybrid(java.nio.ByteBuffer.wrap(out.toByteArray()), 3, got, 13);
        assertArrayEquals(new int[] {6, 6, 6, 6, 6, 0, 1, 2, 3, 4, 5, 6, 7}, got);
        // levels: one run of 1s as long as the page is "all defined" without decoding
        assertEquals(13, ParquetPages.levels(java.nio.ByteBuffer.wrap(new byte[] {(byte) (13 << 1), 1}), 13, 1,
                new int[13]));
        int[] levels = new int[13];
        assertEquals(0, ParquetPages.levels(java.nio.ByteBuffer.wrap(new byte[] {(byte) (13 << 1), 0}), 13, 1,
                levels));
    }

    // ------------------------------------------------------------------ footers

    private static org.apache.parquet.format.FileMetaData footer(Path file) throws java.io.IOException {
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        int length = java.nio.ByteBuffer.wrap(bytes, bytes.length - 8, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getInt();
        return org.apache.parquet.format.Util.readFileMetaData(
                new java.io.ByteArrayInputStream(bytes, bytes.length - 8 - length, length));
    }

    /** The file with its footer replaced (the data pages kept). */
    private static Path withFooter(Path file, org.apache.parquet.format.FileMetaData meta, String name)
            throws java.io.IOException {
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        int length = java.nio.ByteBuffer.wrap(bytes, bytes.length - 8, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getInt();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(bytes, 0, bytes.length - 8 - length);
        java.io.ByteArrayOutputStream tail = new java.io.ByteArrayOutputStream();
        org.apache.parquet.format.Util.writeFileMetaData(meta, tail);
        out.write(tail.toByteArray());
        out.write(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(tail.size()).array());
        out.write("PAR1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Path changed = file.resolveSibling(name);
        java.nio.file.Files.write(changed, out.toByteArray());
        return changed;
    }

    private static void assertSameFooter(ParquetFooter expected, ParquetFooter actual) {
        assertEquals(expected.fields, actual.fields);
        assertEquals(expected.createdBy, actual.createdBy);
        assertEquals(expected.groups.size(), actual.groups.size());
        for (int g = 0; g < expected.groups.size(); g++) {
            ParquetFooter.Group a = expected.groups.get(g);
            ParquetFooter.Group b = actual.groups.get(g);
            assertEquals(a.rows(), b.rows());
            assertEquals(a.columns().size(), b.columns().size());
            for (int c = 0; c < a.columns().size(); c++) {
                ParquetFooter.Chunk x = a.columns().get(c);
                ParquetFooter.Chunk y = b.columns().get(c);
                assertArrayEquals(x.encodings(), y.encodings());
                assertEquals(x.toString().replaceAll("\\[I@\\w+", ""), y.toString().replaceAll("\\[I@\\w+", ""));
            }
        }
    }

    /** The footer read by bmoe's compact reader is parquet-java's, field for field, on the test files. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void footersReadAsParquetJavaReadsThem(Spec spec) throws java.io.IOException {
        Path file = write(spec);
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        int length = java.nio.ByteBuffer.wrap(bytes, bytes.length - 8, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getInt();
        byte[] footer = Arrays.copyOfRange(bytes, bytes.length - 8 - length, bytes.length - 8);
        assertSameFooter(ParquetFooter.of(footer(file), footer), ParquetFooter.parse(footer));
    }

    /**
     * Fields with logical types go to parquet-java's schema: decimals are scaled, unsigned ints read as such,
     * in bulk as by parquet-java's reader; text, nested and repeated fields are refused in its words.
     */
    @Test
    void logicalTypesAsParquetJavaSaysThem() throws java.io.IOException {
        Spec spec = new Spec("ints", new PrimitiveTypeName[] {I32, I64, F64}, true, false, WriterVersion.PARQUET_1_0,
                CompressionCodecName.SNAPPY, 1 << 20, 20_000, 1 << 20, 100_000, Integer.MAX_VALUE, false);
        Path file = write(spec);
        org.apache.parquet.format.FileMetaData meta = footer(file);
        List<org.apache.parquet.format.SchemaElement> schema = meta.getSchema();
        // x1: INT32 as DECIMAL(9, 2) (a converted type); x2: INT64 as INTEGER(64, unsigned) (a logical type)
        schema.get(1).setConverted_type(org.apache.parquet.format.ConvertedType.DECIMAL);
        schema.get(1).setScale(2);
        schema.get(1).setPrecision(9);
        schema.get(2).setLogicalType(org.apache.parquet.format.LogicalType.INTEGER(
                new org.apache.parquet.format.IntType((byte) 64, false)));
        schema.get(2).setConverted_type(org.apache.parquet.format.ConvertedType.UINT_64);
        Path annotated = withFooter(file, meta, "annotated.parquet");
        ParquetData bulk = ParquetData.open(annotated, Dialect.DEFAULT, true);
        RawData a = RawData.read(bulk, xNames(3), "y", Dialect.Missing.DROP);
        RawData b = RawData.read(ParquetData.open(annotated, Dialect.DEFAULT, false), xNames(3), "y",
                Dialect.Missing.DROP);
        assertEquals(0, bulk.generalChunks);
        assertArrayEquals(b.x(), a.x());
        assertArrayEquals(b.y(), a.y());
        assertArrayEquals(b.xShift(), a.xShift());
        // the first row kept whose x2 is negative: x1 as a decimal of scale 2, x2's long as unsigned
        int kept = 0;
        int row = 0;
        for (; ; row++) {
            if (Double.isNaN(value(spec, 0, row)) || Double.isNaN(value(spec, 1, row))
                    || Double.isNaN(value(spec, 2, row))) {
                continue;
            }
            if (value(spec, 1, row) < 0) {
                break;
            }
            kept++;
        }
        assertEquals((float) (value(spec, 0, row) / 100 - a.xShift()[0]), a.x()[2 * kept], "decimal(9, 2)");
        long raw = (long) value(spec, 1, row);
        double unsigned = (raw >>> 1) * 2.0 + (raw & 1);
        assertTrue(unsigned > 1e19);
        assertEquals((float) (unsigned - a.xShift()[1]), a.x()[2 * kept + 1], "uint64");

        // text, a group and a repeated int: each refused as parquet-java names it
        org.apache.parquet.format.FileMetaData odd = footer(file);
        List<org.apache.parquet.format.SchemaElement> elements = new ArrayList<>(odd.getSchema());
        org.apache.parquet.format.SchemaElement text = new org.apache.parquet.format.SchemaElement("s");
        text.setType(org.apache.parquet.format.Type.BYTE_ARRAY);
        text.setRepetition_type(org.apache.parquet.format.FieldRepetitionType.OPTIONAL);
        text.setConverted_type(org.apache.parquet.format.ConvertedType.UTF8);
        text.setLogicalType(org.apache.parquet.format.LogicalType.STRING(new org.apache.parquet.format.StringType()));
        org.apache.parquet.format.SchemaElement group = new org.apache.parquet.format.SchemaElement("g");
        group.setRepetition_type(org.apache.parquet.format.FieldRepetitionType.OPTIONAL);
        group.setNum_children(1);
        org.apache.parquet.format.SchemaElement inner = new org.apache.parquet.format.SchemaElement("v");
        inner.setType(org.apache.parquet.format.Type.DOUBLE);
        inner.setRepetition_type(org.apache.parquet.format.FieldRepetitionType.OPTIONAL);
        org.apache.parquet.format.SchemaElement repeated = new org.apache.parquet.format.SchemaElement("r");
        repeated.setType(org.apache.parquet.format.Type.INT32);
        repeated.setRepetition_type(org.apache.parquet.format.FieldRepetitionType.REPEATED);
        elements.addAll(List.of(text, group, inner, repeated));
        elements.get(0).setNum_children(elements.get(0).getNum_children() + 3);
        odd.setSchema(elements);
        odd.setRow_groups(List.of());
        odd.unsetColumn_orders(); // one per leaf column: the new ones have none
        odd.setNum_rows(0);
        Path oddFile = withFooter(file, odd, "odd.parquet");
        byte[] bytes = java.nio.file.Files.readAllBytes(oddFile);
        int length = java.nio.ByteBuffer.wrap(bytes, bytes.length - 8, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getInt();
        byte[] oddFooter = Arrays.copyOfRange(bytes, bytes.length - 8 - length, bytes.length - 8);
        assertSameFooter(ParquetFooter.of(footer(oddFile), oddFooter), ParquetFooter.parse(oddFooter));
        ParquetData source = ParquetData.open(oddFile, Dialect.DEFAULT, true);
        assertEquals(List.of("x1", "x2", "y", "s", "g", "r"), source.columns());
        for (String[] c : new String[][] {{"s", "holds STRING, not numbers"}, {"g", "nested or repeated"},
            {"r", "nested or repeated"}}) {
            UserError e = assertThrows(UserError.class,
                    () -> RawData.read(source, List.of(c[0]), "y", Dialect.Missing.FAIL));
            assertTrue(e.getMessage().contains("column '" + c[0] + "' " + (c[0].equals("s") ? "" : "is a "))
                    && e.getMessage().contains(c[1]), e.getMessage());
        }
    }
}
