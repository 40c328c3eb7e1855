package bmoe.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.DataPageHeaderV2;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * Column chunks read in bulk, straight from the file, without parquet-java's per-value column reader. A
 * chunk's page headers are read once ({@link #scan}, Parquet's Thrift classes over small reads, the page
 * bodies skipped); then any stretch of its rows can be read ({@link Cursor}): the pages that hold it come
 * through a reused off-heap window (one read per megabyte), each is decompressed into a reused buffer and
 * its values converted to double a page at a time (PLAIN doubles by one bulk copy), and a tight loop stores
 * them, with no call per value. Definition levels are decoded only for a page that holds nulls (a V2 page's
 * header counts them; a V1 page whose levels are one run of "defined" is seen at its first bytes).
 *
 * <p>Reads V1 and V2 data pages, PLAIN and dictionary (PLAIN_DICTIONARY, RLE_DICTIONARY) values of int32,
 * int64, float and double, uncompressed or compressed by any of {@link PureJavaCodecs}' codecs; a chunk with
 * anything else (delta or byte-stream-split values, bit-packed levels, encryption) is {@link Unsupported},
 * and the caller reads it with parquet-java's column reader.
 */
final class ParquetPages {
    private ParquetPages() {}

    /** The chunk holds something the bulk path does not read (a page's encoding, say): read it the general way. */
    static final class Unsupported extends Exception {
        Unsupported(String why) {
            super(why, null, false, false);
        }
    }

    /** How a column's stored values become numbers: physical type, decimal scale, unsigned, max definition level. */
    record Kind(PrimitiveTypeName type, double scale, boolean unsigned, int maxDefinition) {}

    /** Whether the chunk's metadata promises only what the bulk path reads (a page may still say otherwise). */
    static boolean handles(ColumnChunk chunk) {
        if (chunk.isSetCrypto_metadata() || !chunk.isSetMeta_data() || chunk.getFile_path() != null) {
            return false; // encrypted, or in another file
        }
        ColumnMetaData meta = chunk.getMeta_data();
        if (meta.getCodec() == null || meta.getEncodings() == null || meta.getEncodings().contains(null)) {
            return false; // a codec or encoding newer than this Thrift schema
        }
        switch (meta.getCodec()) {
            case UNCOMPRESSED, SNAPPY, ZSTD, LZ4_RAW, GZIP -> { }
            default -> {
                return false;
            }
        }
        for (Encoding e : meta.getEncodings()) {
            switch (e) {
                case PLAIN, RLE, BIT_PACKED, PLAIN_DICTIONARY, RLE_DICTIONARY -> { }
                default -> {
                    return false;
                }
            }
        }
        return true;
    }

    /** Where the chunk's pages start: its dictionary page where that comes first, as parquet-java reads it. */
    private static long start(ColumnMetaData meta) {
        long dictionary = meta.isSetDictionary_page_offset() ? meta.getDictionary_page_offset() : 0;
        long data = meta.getData_page_offset();
        return dictionary > 0 && dictionary < data ? dictionary : data;
    }

    /**
     * A chunk's data pages as their headers describe them: page i's header, where its body starts in the file
     * and its first row (in the row group); and the chunk's dictionary, decoded, or null.
     */
    static final class Chunk {
        final CompressionCodecName codec;
        final Kind kind;
        double[] dictionary;
        PageHeader[] headers = new PageHeader[16];
        long[] bodies = new long[16];
        int[] firstRows = new int[17];
        int pages;

        Chunk(CompressionCodecName codec, Kind kind) {
            this.codec = codec;
            this.kind = kind;
        }

        /** The rows the scanned pages hold. */
        int rows() {
            return firstRows[pages];
        }

        void add(PageHeader header, long body, int rows) {
            if (pages == headers.length) {
                headers = Arrays.copyOf(headers, pages * 2);
                bodies = Arrays.copyOf(bodies, pages * 2);
                firstRows = Arrays.copyOf(firstRows, pages * 2 + 1);
            }
            headers[pages] = header;
            bodies[pages] = body;
            firstRows[pages + 1] = firstRows[pages] + rows;
            pages++;
        }

        /** The page that holds row {@code row} (0 <= row < rows()). */
        int pageOf(int row) {
            int i = Arrays.binarySearch(firstRows, 0, pages + 1, row);
            if (i < 0) {
                return -i - 2;
            }
            while (i + 1 < pages && firstRows[i + 1] == row) {
                i++; // past empty pages
            }
            return i;
        }
    }

    /**
     * Reads a chunk's page headers up to the page that holds row {@code rowsWanted - 1} (all of them for the
     * row group's row count), checking each page is one the bulk path reads, and decodes its dictionary.
     */
    static Chunk scan(FileChannel file, ColumnChunk column, Kind kind, int rowsWanted, Buffers buffers)
            throws IOException, Unsupported {
        if (!handles(column)) {
            throw new Unsupported("codec or encodings");
        }
        ColumnMetaData meta = column.getMeta_data();
        Chunk chunk = new Chunk(CompressionCodecName.fromParquet(meta.getCodec()), kind);
        long start = start(meta);
        long end = start + meta.getTotal_compressed_size();
        if (start < 4 || meta.getTotal_compressed_size() < 0 || end > file.size()) {
            throw new IOException("a column chunk beyond the end of the file");
        }
        Window in = buffers.window;
        in.reset(file, start, end, 256);
        while (chunk.rows() < rowsWanted) {
            if (in.atEnd()) {
                throw new IOException("fewer values than the row group's rows");
            }
            PageHeader header = Util.readPageHeader(in);
            int stored = header.getCompressed_page_size();
            if (stored < 0 || header.getUncompressed_page_size() < 0) {
                throw new IOException("a page header with a negative size");
            }
            long body = in.at();
            PageType type = header.getType();
            if (type == PageType.DICTIONARY_PAGE) {
                if (header.getDictionary_page_header() == null) {
                    throw new IOException("a dictionary page without its header");
                }
                int count = header.getDictionary_page_header().getNum_values();
                if (count < 0) {
                    throw new IOException("a dictionary of " + count + " values");
                }
                ByteBuffer data = body(chunk.codec, in.take(stored), header.getUncompressed_page_size(), buffers);
                chunk.dictionary = new double[count];
                plain(data, kind, count, chunk.dictionary);
                continue;
            }
            if (type == PageType.DATA_PAGE) {
                DataPageHeader page = header.getData_page_header();
                if (page == null || page.getNum_values() < 0) {
                    throw new IOException("a data page without its header");
                }
                check(page.getEncoding(), chunk);
                if (kind.maxDefinition() > 0 && page.getDefinition_level_encoding() != Encoding.RLE) {
                    throw new Unsupported("definition levels encoded " + page.getDefinition_level_encoding());
                }
                chunk.add(header, body, page.getNum_values());
            } else if (type == PageType.DATA_PAGE_V2) {
                DataPageHeaderV2 page = header.getData_page_header_v2();
                if (page == null || page.getNum_values() < 0 || page.getNum_rows() != page.getNum_values()) {
                    throw new IOException("a V2 data page without its header, or with repeated values");
                }
                check(page.getEncoding(), chunk);
                chunk.add(header, body, page.getNum_values());
            }
            in.pass(stored); // index pages and any kind added later hold no values
        }
        return chunk;
    }

    private static void check(Encoding values, Chunk chunk) throws Unsupported {
        if (values == Encoding.PLAIN) {
            return;
        }
        if (values != Encoding.PLAIN_DICTIONARY && values != Encoding.RLE_DICTIONARY) {
            throw new Unsupported("values encoded " + values);
        }
        if (chunk.dictionary == null) {
            // a writer that left the dictionary page out of the chunk's offsets: parquet-java's business
            throw new Unsupported("a dictionary-encoded page without a dictionary page");
        }
    }

    /**
     * The rows of a row group with a missing value, in an array made at the first one (most reads have none);
     * rows of different stretches are marked from different threads, each row by one.
     */
    static final class Marks {
        private final int rows;
        private volatile boolean[] marked;

        Marks(int rows) {
            this.rows = rows;
        }

        void mark(int row) {
            boolean[] m = marked;
            if (m == null) {
                m = make();
            }
            m[row] = true;
        }

        private synchronized boolean[] make() {
            if (marked == null) {
                marked = new boolean[rows];
            }
            return marked;
        }

        long count() {
            boolean[] m = marked;
            long n = 0;
            if (m != null) {
                for (boolean b : m) {
                    n += b ? 1 : 0;
                }
            }
            return n;
        }
    }

    /**
     * Reads rows [from, to) of a scanned chunk, in order, {@link #store} by {@link #store}: the pages that hold
     * them are read and decoded as the rows reach them, the first one from its start (the rows before
     * {@code from} decoded and passed over).
     */
    static final class Cursor {
        private final Chunk chunk;
        private final Buffers buffers;
        private final ColumnTarget target;
        private final int base;
        private final Marks marks;
        /** The first row (in the group) with a missing value, Integer.MAX_VALUE for none. */
        int firstMissing = Integer.MAX_VALUE;
        private int page;
        private int row;
        /** The current page's rows, and whether all are defined (else buffers.levels says per row). */
        private int pageRows;
        private boolean allDefined;
        /** Index of the current row in the page, and of its value among the page's defined values. */
        private int at;
        private int value;

        Cursor(FileChannel file, Chunk chunk, int from, int to, ColumnTarget target, int base, Marks marks,
               Buffers buffers) throws IOException {
            this.chunk = chunk;
            this.buffers = buffers;
            this.target = target;
            this.base = base;
            this.marks = marks;
            this.row = from;
            int first = chunk.pageOf(from);
            int last = chunk.pageOf(to - 1);
            long end = chunk.bodies[last] + chunk.headers[last].getCompressed_page_size();
            buffers.window.reset(file, chunk.bodies[first], end, 1 << 20);
            page = first - 1;
            next();
            at = from - chunk.firstRows[page];
            if (!allDefined) {
                for (int i = 0; i < at; i++) {
                    value += buffers.levels[i] == chunk.kind.maxDefinition() ? 1 : 0;
                }
            } else {
                value = at;
            }
        }

        /** Decodes the next page. */
        private void next() throws IOException {
            page++;
            PageHeader header = chunk.headers[page];
            Window in = buffers.window;
            in.pass(chunk.bodies[page] - in.at());
            int stored = header.getCompressed_page_size();
            int length = header.getUncompressed_page_size();
            Kind kind = chunk.kind;
            Buffers b = buffers;
            ByteBuffer raw = in.take(stored);
            int count;
            int defined;
            ByteBuffer data;
            Encoding encoding;
            if (header.getType() == PageType.DATA_PAGE) {
                DataPageHeader v1 = header.getData_page_header();
                count = v1.getNum_values();
                encoding = v1.getEncoding();
                b.fit(count);
                data = body(chunk.codec, raw, length, b);
                defined = count;
                if (kind.maxDefinition() > 0) {
                    // a v1 page's levels are prefixed by their length, 4 bytes little-endian
                    int levelBytes = data.limit() >= 4 ? data.getInt(0) : -1;
                    if (levelBytes < 0 || levelBytes > data.limit() - 4) {
                        throw new IOException("a page's definition levels overrun it");
                    }
                    defined = levels(data.slice(4, levelBytes).order(ByteOrder.LITTLE_ENDIAN), count,
                            kind.maxDefinition(), b.levels);
                    data = data.slice(4 + levelBytes, data.limit() - 4 - levelBytes).order(ByteOrder.LITTLE_ENDIAN);
                }
            } else {
                DataPageHeaderV2 v2 = header.getData_page_header_v2();
                count = v2.getNum_values();
                encoding = v2.getEncoding();
                int nulls = v2.getNum_nulls();
                int repetitionBytes = v2.getRepetition_levels_byte_length();
                int levelBytes = v2.getDefinition_levels_byte_length();
                b.fit(count);
                if (repetitionBytes < 0 || levelBytes < 0 || (long) repetitionBytes + levelBytes > stored
                        || repetitionBytes + levelBytes > length || nulls < 0 || nulls > count) {
                    throw new IOException("a V2 page's levels overrun it");
                }
                if (nulls > 0 && kind.maxDefinition() == 0) {
                    throw new IOException("nulls in a required column");
                }
                defined = count - nulls;
                if (nulls > 0 && levels(raw.slice(repetitionBytes, levelBytes).order(ByteOrder.LITTLE_ENDIAN),
                        count, kind.maxDefinition(), b.levels) != defined) {
                    throw new IOException("a V2 page's definition levels disagree with its count of nulls");
                }
                int skip = repetitionBytes + levelBytes;
                ByteBuffer rest = raw.slice(skip, stored - skip).order(ByteOrder.LITTLE_ENDIAN);
                boolean compressed = !v2.isSetIs_compressed() || v2.isIs_compressed();
                data = compressed ? body(chunk.codec, rest, length - skip, b) : rest;
            }
            values(data, encoding, kind, defined, chunk.dictionary, b);
            pageRows = count;
            allDefined = defined == count;
            at = 0;
            value = 0;
        }

        /**
         * Stores the next {@code count} rows into the target, marking missing ones; returns the first row (in
         * the group) with an infinite value, or -1.
         */
        int store(int count) throws IOException {
            while (count > 0) {
                if (at == pageRows) {
                    next();
                    continue;
                }
                int n = Math.min(count, pageRows - at);
                int bad = allDefined ? storeDefined(n) : storeLevels(n);
                if (bad >= 0) {
                    return bad;
                }
                at += n;
                row += n;
                count -= n;
            }
            return -1;
        }

        private int storeDefined(int n) {
            double[] values = buffers.values;
            int from = value;
            value += n;
            if (target instanceof ColumnTarget.Floats f) {
                float[] array = f.array;
                int stride = f.stride;
                double shift = f.shift;
                int to = (base + row) * stride + f.offset;
                for (int i = 0; i < n; i++, to += stride) {
                    double v = values[from + i];
                    if (!(Math.abs(v) <= Double.MAX_VALUE)) {
                        if (!Double.isNaN(v)) {
                            return row + i;
                        }
                        missing(row + i);
                    }
                    array[to] = (float) (v - shift);
                }
                return -1;
            }
            for (int i = 0; i < n; i++) {
                double v = values[from + i];
                if (Double.isNaN(v)) {
                    missing(row + i);
                } else if (Double.isInfinite(v)) {
                    return row + i;
                }
                target.set(base + row + i, v);
            }
            return -1;
        }

        private int storeLevels(int n) {
            double[] values = buffers.values;
            int[] levels = buffers.levels;
            int defined = chunk.kind.maxDefinition();
            for (int i = 0; i < n; i++) {
                double v;
                if (levels[at + i] == defined) {
                    v = values[value++];
                    if (Double.isNaN(v)) {
                        missing(row + i);
                    } else if (Double.isInfinite(v)) {
                        return row + i;
                    }
                } else {
                    v = Double.NaN;
                    missing(row + i);
                }
                target.set(base + row + i, v);
            }
            return -1;
        }

        private void missing(int r) {
            marks.mark(r);
            if (r < firstMissing) {
                firstMissing = r;
            }
        }
    }

    /**
     * The reused buffers of one column being read: the file window, the decompressed page, its values, levels
     * and dictionary ids. They grow to the largest page seen and are kept.
     */
    static final class Buffers {
        final Window window = new Window();
        byte[] page = new byte[1 << 16];
        double[] values = new double[1 << 12];
        int[] levels = new int[1 << 12];
        int[] ids = new int[1 << 12];

        byte[] page(int length) {
            if (page.length < length) {
                page = new byte[Math.max(length, page.length + page.length / 2)];
            }
            return page;
        }

        void fit(int count) {
            if (values.length < count) {
                int n = Math.max(count, values.length + values.length / 2);
                values = new double[n];
                levels = new int[n];
                ids = new int[n];
            }
        }
    }

    /** A page's bytes uncompressed, little-endian, from position 0: the window's own for uncompressed pages. */
    private static ByteBuffer body(CompressionCodecName codec, ByteBuffer stored, int length, Buffers buffers)
            throws IOException {
        if (codec == CompressionCodecName.UNCOMPRESSED) {
            if (stored.remaining() != length) {
                throw new IOException("an uncompressed page of " + stored.remaining() + " bytes, its header says "
                        + length);
            }
            return stored;
        }
        byte[] page = buffers.page(length);
        PureJavaCodecs.decompress(codec, stored, page, length);
        return ByteBuffer.wrap(page, 0, length).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The page's {@code defined} values, as numbers, into buffers.values. */
    private static void values(ByteBuffer data, Encoding encoding, Kind kind, int defined, double[] dictionary,
                               Buffers buffers) throws IOException {
        if (encoding == Encoding.PLAIN) {
            plain(data, kind, defined, buffers.values);
            return;
        }
        // a dictionary's ids (checked by scan)
        if (defined == 0) {
            return;
        }
        if (data.limit() < 1) {
            throw new IOException("a dictionary-encoded page without its ids");
        }
        int width = data.get(0) & 0xff;
        if (width > 32) {
            throw new IOException("dictionary ids of " + width + " bits");
        }
        int[] ids = buffers.ids;
        hybrid(data.slice(1, data.limit() - 1).order(ByteOrder.LITTLE_ENDIAN), width, ids, defined);
        double[] out = buffers.values;
        for (int i = 0; i < defined; i++) {
            int id = ids[i];
            if (id < 0 || id >= dictionary.length) {
                throw new IOException("dictionary id " + Integer.toUnsignedString(id) + " beyond its "
                        + dictionary.length + " entries");
            }
            out[i] = dictionary[id];
        }
    }

    /** {@code count} PLAIN values of the column's type into {@code out}, converted as parquet-java's path does. */
    private static void plain(ByteBuffer data, Kind kind, int count, double[] out) throws IOException {
        int size = kind.type() == PrimitiveTypeName.INT32 || kind.type() == PrimitiveTypeName.FLOAT ? 4 : 8;
        if ((long) count * size > data.limit()) {
            throw new IOException("a page with fewer values than its header says");
        }
        double scale = kind.scale();
        boolean unsigned = kind.unsigned();
        switch (kind.type()) {
            case DOUBLE -> data.asDoubleBuffer().get(out, 0, count);
            case FLOAT -> {
                for (int i = 0; i < count; i++) {
                    out[i] = data.getFloat(4 * i);
                }
            }
            case INT32 -> {
                for (int i = 0; i < count; i++) {
                    int raw = data.getInt(4 * i);
                    out[i] = (unsigned ? Integer.toUnsignedLong(raw) : raw) / scale;
                }
            }
            case INT64 -> {
                for (int i = 0; i < count; i++) {
                    long raw = data.getLong(8 * i);
                    out[i] = (unsigned && raw < 0 ? (raw >>> 1) * 2.0 + (raw & 1) : raw) / scale;
                }
            }
            default -> throw new IllegalStateException("checked by the caller");
        }
    }

    /**
     * Decodes {@code count} definition levels into {@code out} and returns how many are the maximum (defined);
     * a page whose levels start with a run of the maximum as long as the page is all defined, and is not
     * decoded further.
     */
    static int levels(ByteBuffer in, int count, int maxDefinition, int[] out) throws IOException {
        int width = 32 - Integer.numberOfLeadingZeros(maxDefinition);
        if (count == 0) {
            return 0;
        }
        int at = 0;
        long header = 0;
        int shift = 0;
        while (true) {
            if (at >= in.limit() || shift > 28) {
                throw new IOException("truncated definition levels");
            }
            int b = in.get(at++);
            header |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            shift += 7;
        }
        if ((header & 1) == 0 && header >>> 1 >= count) {
            int value = 0;
            for (int k = 0; k < (width + 7) / 8; k++) {
                if (at + k >= in.limit()) {
                    throw new IOException("truncated definition levels");
                }
                value |= (in.get(at + k) & 0xff) << (8 * k);
            }
            if (value == maxDefinition) {
                return count;
            }
        }
        hybrid(in, width, out, count);
        int defined = 0;
        for (int i = 0; i < count; i++) {
            if (out[i] == maxDefinition) {
                defined++;
            } else if (out[i] > maxDefinition) {
                throw new IOException("a definition level of " + out[i] + " where the most is " + maxDefinition);
            }
        }
        return defined;
    }

    /**
     * Parquet's RLE / bit-packing hybrid encoding (levels, dictionary ids) of {@code width}-bit values: the
     * first {@code count} into {@code out}.
     */
    static void hybrid(ByteBuffer in, int width, int[] out, int count) throws IOException {
        int at = 0;
        int end = in.limit();
        int bytesPerValue = (width + 7) / 8;
        long mask = width == 32 ? 0xffffffffL : (1L << width) - 1;
        int done = 0;
        while (done < count) {
            long header = 0;
            int shift = 0;
            while (true) {
                if (at >= end || shift > 28) {
                    throw new IOException("truncated RLE / bit-packed values");
                }
                int b = in.get(at++);
                header |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    break;
                }
                shift += 7;
            }
            if ((header & 1) == 0) {
                long run = header >>> 1;
                if (at + bytesPerValue > end) {
                    throw new IOException("truncated RLE / bit-packed values");
                }
                int value = 0;
                for (int k = 0; k < bytesPerValue; k++) {
                    value |= (in.get(at + k) & 0xff) << (8 * k);
                }
                at += bytesPerValue;
                int n = (int) Math.min(run, count - done);
                Arrays.fill(out, done, done + n, value);
                done += n;
            } else {
                long values = (header >>> 1) * 8;
                long bytes = (header >>> 1) * width;
                if (at + bytes > end) {
                    // a writer may end the last group early; decode what is there
                    bytes = end - at;
                    values = Math.min(values, bytes * 8 / Math.max(width, 1));
                }
                int n = (int) Math.min(values, count - done);
                if (width == 0) {
                    Arrays.fill(out, done, done + n, 0);
                } else {
                    for (int i = 0; i < n; i++) {
                        long bit = (long) i * width;
                        int first = at + (int) (bit >>> 3);
                        int last = Math.min(end, first + 5);
                        long word = 0;
                        for (int k = first; k < last; k++) {
                            word |= (long) (in.get(k) & 0xff) << (8 * (k - first));
                        }
                        out[done + i] = (int) ((word >>> (bit & 7)) & mask);
                    }
                }
                done += n;
                at += (int) bytes;
                if (n < values && done < count) {
                    throw new IOException("truncated RLE / bit-packed values");
                }
            }
        }
    }

    /**
     * A stretch of a file through an off-heap window, refilled up to {@code readAhead} bytes at a time (a
     * megabyte for page bodies, a few hundred bytes while page headers are scanned and the bodies skipped);
     * as an InputStream it serves the Thrift page headers, and {@link #take} hands out a page's bytes in place.
     */
    static final class Window extends InputStream {
        private ByteBuffer window = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private FileChannel file;
        private long next;
        private long end;
        private int readAhead;

        void reset(FileChannel file, long from, long to, int readAhead) {
            this.file = file;
            this.next = from;
            this.end = to;
            this.readAhead = readAhead;
            window.clear().limit(0);
        }

        /** The file position of the next byte. */
        long at() {
            return next - window.remaining();
        }

        boolean atEnd() {
            return !window.hasRemaining() && next >= end;
        }

        /** Makes {@code n} bytes available from the position, or fewer where the stretch ends first. */
        private void fill(int n) throws IOException {
            if (window.remaining() >= n || next >= end) {
                return;
            }
            int want = (int) Math.min(Math.max(n, readAhead), window.remaining() + (end - next));
            if (want > window.capacity()) {
                ByteBuffer larger = ByteBuffer.allocateDirect(Math.max(want, Math.min(window.capacity() * 2, 1 << 20)))
                        .order(ByteOrder.LITTLE_ENDIAN);
                larger.put(window);
                window = larger;
            } else {
                window.compact();
            }
            // the window is now in write mode: bytes [0, position) are held
            while (window.position() < want) {
                window.limit(want);
                int got = file.read(window, next);
                if (got < 0) {
                    throw new EOFException("the file ends inside a column chunk");
                }
                next += got;
            }
            window.flip();
        }

        /** The next {@code n} bytes, in place (valid until the next call), little-endian from position 0. */
        ByteBuffer take(int n) throws IOException {
            fill(n);
            if (window.remaining() < n) {
                throw new IOException("a page runs past the end of its column chunk");
            }
            ByteBuffer bytes = window.slice(window.position(), n).order(ByteOrder.LITTLE_ENDIAN);
            window.position(window.position() + n);
            return bytes;
        }

        /** Passes over {@code n} bytes, reading none that are not held yet. */
        void pass(long n) throws IOException {
            if (n < 0) {
                throw new IOException("pages out of order");
            }
            int held = (int) Math.min(n, window.remaining());
            window.position(window.position() + held);
            next += n - held;
            if (next > end) {
                throw new IOException("a page runs past the end of its column chunk");
            }
        }

        @Override
        public int read() throws IOException {
            fill(1);
            return window.hasRemaining() ? window.get() & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            fill(Math.min(len, 1 << 20));
            if (!window.hasRemaining()) {
                return -1;
            }
            int n = Math.min(len, window.remaining());
            window.get(b, off, n);
            return n;
        }
    }
}
