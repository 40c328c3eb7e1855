package bmoe.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import bmoe.io.ParquetFooter.Compact;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Column chunks read in bulk, straight from the file, without parquet-java's per-value column reader. A
 * chunk's page table ({@link #scan}) comes from its offset index where the writer wrote one (parquet-java
 * does, pyarrow by default does not), else from its page headers (small reads, the bodies skipped); then any
 * stretch of its rows can be read ({@link Cursor}): the pages that hold it come through a reused off-heap
 * window (one read per megabyte), each header is read by a small compact-protocol reader ({@link #header}),
 * each page decompressed into a reused buffer and its values converted to double a page at a time (PLAIN
 * doubles by one bulk copy), and a tight loop stores them, with no call per value. Definition levels are
 * decoded only for a page that holds nulls (a V2 page's header counts them; a V1 page whose levels are one
 * run of "defined" is seen at its first bytes).
 *
 * <p>Reads V1 and V2 data pages, PLAIN and dictionary (PLAIN_DICTIONARY, RLE_DICTIONARY) values of int32,
 * int64, float and double, RLE or (old writers') BIT_PACKED levels, uncompressed or compressed by any of
 * {@link PureJavaCodecs}' codecs; a chunk whose metadata lists anything else (delta or byte-stream-split
 * values, encryption, another file) is {@link Unsupported}, and the caller reads it with parquet-java's
 * column reader.
 */
final class ParquetPages {
    private ParquetPages() {}

    /** The chunk holds something the bulk path does not read (a page's encoding, say): read it the general way. */
    static final class Unsupported extends Exception {
        Unsupported(String why) {
            super(why, null, false, false);
        }
    }

    /**
     * How a column's stored values become numbers: physical type (ParquetFooter.INT32, INT64, FLOAT, DOUBLE),
     * decimal scale, unsigned, max definition level.
     */
    record Kind(int type, double scale, boolean unsigned, int maxDefinition) {}

    /** Whether the chunk's metadata promises only what the bulk path reads (a page may still say otherwise). */
    static boolean handles(ParquetFooter.Chunk chunk) {
        if (chunk.encrypted() || chunk.filePath() != null) {
            return false; // encrypted, or in another file
        }
        switch (chunk.codec()) {
            case 0, 1, 2, 6, 7 -> { } // UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW
            default -> {
                return false;
            }
        }
        for (int e : chunk.encodings()) {
            if (e != PLAIN && e != RLE && e != BIT_PACKED && e != PLAIN_DICTIONARY && e != RLE_DICTIONARY) {
                return false;
            }
        }
        return true;
    }

    /** Where the chunk's pages start: its dictionary page where that comes first, as parquet-java reads it. */
    private static long start(ParquetFooter.Chunk meta) {
        long dictionary = meta.dictionaryPageOffset();
        long data = meta.dataPageOffset();
        return dictionary > 0 && dictionary < data ? dictionary : data;
    }

    /** Page types and encodings by their Thrift numbers (parquet.thrift). */
    private static final int DATA_PAGE = 0;
    private static final int DICTIONARY_PAGE = 2;
    private static final int DATA_PAGE_V2 = 3;
    private static final int PLAIN = 0;
    private static final int PLAIN_DICTIONARY = 2;
    private static final int RLE = 3;
    private static final int BIT_PACKED = 4;
    private static final int RLE_DICTIONARY = 8;

    /**
     * A page header, the fields the bulk path uses (the others, statistics included, are passed over); for a V1
     * page {@code rows} is its value count and levels are in the body; for a dictionary page {@code values} is
     * the dictionary's size.
     */
    record Header(int type, int uncompressed, int compressed, int values, int encoding, int levelEncoding,
                  int nulls, int rows, int levelBytes, int repetitionBytes, boolean bodyCompressed) {}

    /**
     * Reads a page header in Thrift's compact protocol from {@code in}'s position (advanced past it): one small
     * loop, where parquet-java's generated classes take a dozen calls a field (a tenth of a second of
     * interpreted and recompiled code over a large file's headers in a fresh JVM).
     *
     * @throws java.nio.BufferUnderflowException where the header runs past the buffer's limit
     */
    static Header header(ByteBuffer in) throws IOException {
        int type = -1;
        int uncompressed = -1;
        int compressed = -1;
        int values = -1;
        int encoding = -1;
        int levelEncoding = RLE;
        int nulls = 0;
        int rows = -1;
        int levelBytes = 0;
        int repetitionBytes = 0;
        boolean bodyCompressed = true;
        int id = 0;
        while (true) {
            int field = in.get() & 0xff;
            int kind = field & 0x0f;
            if (kind == 0) {
                break;
            }
            id = Compact.fieldId(in, field, id);
            if (id >= 5 && id <= 8 && kind == 12) {
                // data_page_header (5), index_page_header (6), dictionary_page_header (7), data_page_header_v2 (8)
                int inner = 0;
                while (true) {
                    int f = in.get() & 0xff;
                    int k = f & 0x0f;
                    if (k == 0) {
                        break;
                    }
                    inner = Compact.fieldId(in, f, inner);
                    if (id == 8 && inner == 7 && (k == 1 || k == 2)) {
                        bodyCompressed = k == 1;
                    } else if (k == 5 && id != 6 && inner <= 6) {
                        int v = Compact.zigzag(Compact.varint(in));
                        if (inner == 1) {
                            values = v;
                        } else if (id == 5) {
                            encoding = inner == 2 ? v : encoding;
                            levelEncoding = inner == 3 ? v : levelEncoding;
                        } else if (id == 7) {
                            encoding = inner == 2 ? v : encoding;
                        } else {
                            switch (inner) {
                                case 2 -> nulls = v;
                                case 3 -> rows = v;
                                case 4 -> encoding = v;
                                case 5 -> levelBytes = v;
                                default -> repetitionBytes = v;
                            }
                        }
                    } else {
                        Compact.skip(in, k, 0);
                    }
                }
            } else if (kind == 5 && id <= 3) {
                int v = Compact.zigzag(Compact.varint(in));
                switch (id) {
                    case 1 -> type = v;
                    case 2 -> uncompressed = v;
                    default -> compressed = v;
                }
            } else {
                Compact.skip(in, kind, 0);
            }
        }
        if (type < 0 || uncompressed < 0 || compressed < 0 || (type == DATA_PAGE || type == DICTIONARY_PAGE
                || type == DATA_PAGE_V2) && (values < 0 || encoding < 0)) {
            throw new IOException("a page header without its sizes or counts");
        }
        return new Header(type, uncompressed, compressed, values, encoding, levelEncoding, nulls,
                type == DATA_PAGE_V2 ? rows : values, levelBytes, repetitionBytes, bodyCompressed);
    }

    /** A codec by its Thrift number (one of those handles() takes). */
    private static CompressionCodecName codec(int code) {
        return switch (code) {
            case 0 -> CompressionCodecName.UNCOMPRESSED;
            case 1 -> CompressionCodecName.SNAPPY;
            case 2 -> CompressionCodecName.GZIP;
            case 6 -> CompressionCodecName.ZSTD;
            default -> CompressionCodecName.LZ4_RAW;
        };
    }

    /** An encoding's name for messages. */
    private static String encoding(int code) {
        Encoding e = Encoding.findByValue(code);
        return e != null ? e.name() : "encoding " + code;
    }

    /**
     * A chunk's data pages: page i's header starts at {@code starts[i]} and the page ends at {@code ends[i]};
     * its first row (in the row group) is {@code firstRows[i]}; and the chunk's dictionary, decoded, or null.
     */
    static final class Chunk {
        final CompressionCodecName codec;
        final Kind kind;
        double[] dictionary;
        /** Whether the table came from the chunk's offset index (else from its page headers). */
        boolean indexed;
        long[] starts = new long[16];
        long[] ends = new long[16];
        int[] firstRows = new int[17];
        int pages;

        Chunk(CompressionCodecName codec, Kind kind) {
            this.codec = codec;
            this.kind = kind;
        }

        /** The rows of the pages listed. */
        int rows() {
            return firstRows[pages];
        }

        void add(long start, long end, int rows) {
            if (pages == starts.length) {
                starts = Arrays.copyOf(starts, pages * 2);
                ends = Arrays.copyOf(ends, pages * 2);
                firstRows = Arrays.copyOf(firstRows, pages * 2 + 1);
            }
            starts[pages] = start;
            ends[pages] = end;
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
     * A chunk's page table, to the page that holds row {@code rowsWanted - 1}: from its offset index where the
     * writer wrote one (parquet-java does) and the whole chunk is wanted, else from its page headers (small
     * reads, the bodies skipped); and its dictionary, decoded.
     */
    static Chunk scan(FileChannel file, ParquetFooter.Chunk column, Kind kind, int rowsWanted, Buffers buffers)
            throws IOException, Unsupported {
        if (!handles(column)) {
            throw new Unsupported("codec or encodings");
        }
        Chunk chunk = new Chunk(codec(column.codec()), kind);
        long start = start(column);
        long end = start + column.compressedSize();
        if (start < 4 || column.compressedSize() < 0 || end > file.size()) {
            throw new IOException("a column chunk beyond the end of the file");
        }
        Window in = buffers.window;
        if (rowsWanted > 1 && column.offsetIndexOffset() >= 0 && column.offsetIndexLength() > 0
                && offsetIndex(file, column, chunk, start, end, rowsWanted)) {
            // trusted once its first page is where and what it says (a page's size includes its header)
            in.reset(file, chunk.starts[0], chunk.ends[0], 256);
            Header first = in.header();
            if ((first.type() == DATA_PAGE || first.type() == DATA_PAGE_V2)
                    && in.at() + first.compressed() == chunk.ends[0] && first.rows() == chunk.firstRows[1]) {
                if (chunk.starts[0] > start) {
                    in.reset(file, start, chunk.starts[0], 256);
                    Header header = in.header();
                    if (header.type() == DICTIONARY_PAGE) {
                        dictionary(chunk, header, in, buffers);
                    }
                }
                chunk.indexed = true;
                return chunk;
            }
            chunk = new Chunk(chunk.codec, kind);
        }
        in.reset(file, start, end, 256);
        while (chunk.rows() < rowsWanted) {
            if (in.atEnd()) {
                throw new IOException("fewer values than the row group's rows");
            }
            long at = in.at();
            Header header = in.header();
            if (header.type() == DICTIONARY_PAGE) {
                dictionary(chunk, header, in, buffers);
                continue;
            }
            if (header.type() == DATA_PAGE || header.type() == DATA_PAGE_V2) {
                chunk.add(at, in.at() + header.compressed(), header.rows());
            }
            in.pass(header.compressed()); // index pages and any kind added later hold no values
        }
        return chunk;
    }

    private static void dictionary(Chunk chunk, Header header, Window in, Buffers buffers) throws IOException {
        if (header.values() < 0) {
            throw new IOException("a dictionary of " + header.values() + " values");
        }
        if (header.encoding() != PLAIN && header.encoding() != PLAIN_DICTIONARY) {
            throw new IOException("a dictionary encoded " + encoding(header.encoding()));
        }
        ByteBuffer data = body(chunk.codec, in.take(header.compressed()), header.uncompressed(), buffers);
        chunk.dictionary = new double[header.values()];
        plain(data, chunk.kind, header.values(), chunk.dictionary, buffers);
    }

    /**
     * Fills the page table from the chunk's offset index; false (the table left empty) where the index does not
     * describe the chunk (pages outside it, rows out of order), so that the headers are read instead.
     */
    private static boolean offsetIndex(FileChannel file, ParquetFooter.Chunk column, Chunk chunk, long start, long end,
                                       int rows) throws IOException {
        int length = column.offsetIndexLength();
        long at = column.offsetIndexOffset();
        if (length <= 0 || at < 0 || at + length > file.size()) {
            return false;
        }
        ByteBuffer bytes = ByteBuffer.allocate(length);
        while (bytes.hasRemaining()) {
            if (file.read(bytes, at + bytes.position()) < 0) {
                return false;
            }
        }
        bytes.flip();
        long[] offsets = new long[16];
        int[] sizes = new int[16];
        long[] firstRows = new long[16];
        int count = 0;
        try {
            int id = 0;
            while (true) {
                int field = bytes.get() & 0xff;
                if ((field & 0x0f) == 0) {
                    break;
                }
                id = Compact.fieldId(bytes, field, id);
                if (id != 1 || (field & 0x0f) != 9) {
                    Compact.skip(bytes, field & 0x0f, 0);
                    continue;
                }
                int h = bytes.get() & 0xff;
                int n = h >>> 4 == 15 ? Compact.varint(bytes) : h >>> 4;
                if ((h & 0x0f) != 12 || n < 0) {
                    return false;
                }
                for (int i = 0; i < n; i++) {
                    long offset = -1;
                    int size = -1;
                    long first = -1;
                    int inner = 0;
                    while (true) {
                        int f = bytes.get() & 0xff;
                        if ((f & 0x0f) == 0) {
                            break;
                        }
                        inner = Compact.fieldId(bytes, f, inner);
                        if (inner <= 3 && ((f & 0x0f) == 5 || (f & 0x0f) == 6)) {
                            long v = Compact.varlong(bytes);
                            v = (v >>> 1) ^ -(v & 1);
                            if (inner == 1) {
                                offset = v;
                            } else if (inner == 2) {
                                size = (int) v;
                            } else {
                                first = v;
                            }
                        } else {
                            Compact.skip(bytes, f & 0x0f, 0);
                        }
                    }
                    if (count == offsets.length) {
                        offsets = Arrays.copyOf(offsets, count * 2);
                        sizes = Arrays.copyOf(sizes, count * 2);
                        firstRows = Arrays.copyOf(firstRows, count * 2);
                    }
                    offsets[count] = offset;
                    sizes[count] = size;
                    firstRows[count] = first;
                    count++;
                }
            }
        } catch (java.nio.BufferUnderflowException e) {
            return false;
        }
        for (int i = 0; i < count; i++) {
            long next = i + 1 < count ? firstRows[i + 1] : rows;
            if (offsets[i] < start || sizes[i] <= 0 || offsets[i] + sizes[i] > end || firstRows[i] < 0
                    || (i == 0 ? firstRows[i] != 0 : offsets[i] < offsets[i - 1] + sizes[i - 1]) || next < firstRows[i]
                    || next > rows) {
                chunk.pages = 0;
                return false;
            }
            chunk.add(offsets[i], offsets[i] + sizes[i], (int) (next - firstRows[i]));
        }
        if (chunk.rows() != rows) {
            chunk.pages = 0;
            return false;
        }
        return count > 0;
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
            buffers.window.reset(file, chunk.starts[first], chunk.ends[last], 1 << 20);
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
            Window in = buffers.window;
            in.pass(chunk.starts[page] - in.at());
            Header header = in.header();
            int stored = header.compressed();
            int length = header.uncompressed();
            int count = header.rows();
            if (header.type() != DATA_PAGE && header.type() != DATA_PAGE_V2
                    || in.at() + stored != chunk.ends[page] || count != chunk.firstRows[page + 1] - chunk.firstRows[page]) {
                throw new IOException("a page that is not where its chunk's index says");
            }
            int encoding = header.encoding();
            if (encoding != PLAIN && encoding != PLAIN_DICTIONARY && encoding != RLE_DICTIONARY) {
                throw new IOException("a page encoded " + encoding(encoding) + ", which its chunk does not list");
            }
            if (encoding != PLAIN && chunk.dictionary == null) {
                throw new IOException("a dictionary-encoded page without a dictionary page");
            }
            Kind kind = chunk.kind;
            Buffers b = buffers;
            b.fit(count);
            ByteBuffer raw = in.take(stored);
            int defined;
            ByteBuffer data;
            if (header.type() == DATA_PAGE) {
                data = body(chunk.codec, raw, length, b);
                defined = count;
                if (kind.maxDefinition() > 0) {
                    int levelBytes;
                    int skip;
                    if (header.levelEncoding() == RLE) {
                        // a v1 page's levels are prefixed by their length, 4 bytes little-endian
                        levelBytes = data.limit() >= 4 ? data.getInt(0) : -1;
                        skip = 4;
                    } else if (header.levelEncoding() == BIT_PACKED) {
                        levelBytes = (int) (((long) count * (32 - Integer.numberOfLeadingZeros(kind.maxDefinition()))
                                + 7) / 8);
                        skip = 0;
                    } else {
                        throw new IOException("definition levels encoded " + encoding(header.levelEncoding()));
                    }
                    if (levelBytes < 0 || levelBytes > data.limit() - skip) {
                        throw new IOException("a page's definition levels overrun it");
                    }
                    ByteBuffer levels = data.slice(skip, levelBytes).order(ByteOrder.LITTLE_ENDIAN);
                    defined = header.levelEncoding() == RLE ? levels(levels, count, kind.maxDefinition(), b.levels)
                            : bitPackedLevels(levels, count, kind.maxDefinition(), b.levels);
                    data = data.slice(skip + levelBytes, data.limit() - skip - levelBytes)
                            .order(ByteOrder.LITTLE_ENDIAN);
                }
            } else {
                int nulls = header.nulls();
                int repetitionBytes = header.repetitionBytes();
                int levelBytes = header.levelBytes();
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
                data = header.bodyCompressed() ? body(chunk.codec, rest, length - skip, b) : rest;
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
        private int[] ints = new int[0];
        private long[] longs = new long[0];

        /** Scratch for a page's raw ints (or float bits), at least {@code count} long. */
        int[] ints(int count) {
            if (ints.length < count) {
                ints = new int[Math.max(count, ints.length + ints.length / 2)];
            }
            return ints;
        }

        long[] longs(int count) {
            if (longs.length < count) {
                longs = new long[Math.max(count, longs.length + longs.length / 2)];
            }
            return longs;
        }

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
    private static void values(ByteBuffer data, int encoding, Kind kind, int defined, double[] dictionary,
                               Buffers buffers) throws IOException {
        if (encoding == PLAIN) {
            plain(data, kind, defined, buffers.values, buffers);
            return;
        }
        // a dictionary's ids (checked by the caller)
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
    private static void plain(ByteBuffer data, Kind kind, int count, double[] out, Buffers scratch)
            throws IOException {
        int size = kind.type() == ParquetFooter.INT32 || kind.type() == ParquetFooter.FLOAT ? 4 : 8;
        if ((long) count * size > data.limit()) {
            throw new IOException("a page with fewer values than its header says");
        }
        double scale = kind.scale();
        boolean unsigned = kind.unsigned();
        // each a bulk copy (an intrinsic) and a plain loop: no call per value, even before the JIT's second tier
        switch (kind.type()) {
            case ParquetFooter.DOUBLE -> data.asDoubleBuffer().get(out, 0, count);
            case ParquetFooter.FLOAT -> {
                int[] bits = scratch.ints(count);
                data.asIntBuffer().get(bits, 0, count);
                for (int i = 0; i < count; i++) {
                    out[i] = Float.intBitsToFloat(bits[i]);
                }
            }
            case ParquetFooter.INT32 -> {
                int[] raw = scratch.ints(count);
                data.asIntBuffer().get(raw, 0, count);
                for (int i = 0; i < count; i++) {
                    out[i] = (unsigned ? Integer.toUnsignedLong(raw[i]) : raw[i]) / scale;
                }
            }
            case ParquetFooter.INT64 -> {
                long[] raw = scratch.longs(count);
                data.asLongBuffer().get(raw, 0, count);
                for (int i = 0; i < count; i++) {
                    long v = raw[i];
                    out[i] = (unsigned && v < 0 ? (v >>> 1) * 2.0 + (v & 1) : v) / scale;
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
     * Definition levels in the deprecated BIT_PACKED encoding (old writers' V1 pages): {@code count} values of
     * the level's width, packed from each byte's most significant bit. Returns how many are the maximum.
     */
    static int bitPackedLevels(ByteBuffer in, int count, int maxDefinition, int[] out) throws IOException {
        int width = 32 - Integer.numberOfLeadingZeros(maxDefinition);
        int defined = 0;
        for (int i = 0; i < count; i++) {
            int v = 0;
            for (int k = 0; k < width; k++) {
                long bit = (long) i * width + k;
                v = v << 1 | (in.get((int) (bit >>> 3)) >>> (7 - (int) (bit & 7))) & 1;
            }
            if (v > maxDefinition) {
                throw new IOException("a definition level of " + v + " where the most is " + maxDefinition);
            }
            out[i] = v;
            defined += v == maxDefinition ? 1 : 0;
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
     * {@link #header} reads a page header and {@link #take} hands out a page's bytes in place.
     */
    static final class Window {
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

        /** Reads the page header at the position, refilling (and retrying) where it runs past the bytes held. */
        Header header() throws IOException {
            int want = Math.min(readAhead, 512);
            while (true) {
                fill(want);
                ByteBuffer view = window.duplicate();
                try {
                    Header h = ParquetPages.header(view);
                    window.position(view.position());
                    return h;
                } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException
                         | IllegalArgumentException e) {
                    if (window.remaining() < want) {
                        throw new IOException("a page header runs past the end of its column chunk");
                    }
                    want *= 4;
                }
            }
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
    }
}
