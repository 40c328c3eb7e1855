package bmoe.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.DataPageHeaderV2;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * One column chunk read in bulk, page by page, straight from the file: the page headers by Parquet's Thrift
 * classes, the bytes through a reused off-heap window (one read per megabyte, no copy of the chunk on the
 * heap), each page decompressed into a reused buffer, its values converted to double a page at a time
 * (PLAIN doubles by one bulk copy) and stored by a tight loop, with no call per value. Definition levels
 * are decoded only for a page that holds nulls (a V2 page's header counts them; a V1 page whose levels are
 * one run of "defined" is seen at its first bytes). Reads V1 and V2 data pages, PLAIN and dictionary
 * (PLAIN_DICTIONARY, RLE_DICTIONARY) values of int32, int64, float and double, uncompressed or compressed by
 * any of {@link PureJavaCodecs}' codecs; anything else (delta or byte-stream-split values, bit-packed
 * levels, encrypted columns) is {@link Unsupported}, which the caller reads with parquet-java's column reader.
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
    static boolean handles(ColumnChunkMetaData chunk) {
        if (chunk.isEncrypted()) {
            return false;
        }
        switch (chunk.getCodec()) {
            case UNCOMPRESSED, SNAPPY, ZSTD, LZ4_RAW, GZIP -> { }
            default -> {
                return false;
            }
        }
        for (org.apache.parquet.column.Encoding e : chunk.getEncodings()) {
            switch (e) {
                case PLAIN, RLE, BIT_PACKED, PLAIN_DICTIONARY, RLE_DICTIONARY -> { }
                default -> {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * The reused buffers of one reading thread: the file window, the decompressed page, its values, levels and
     * dictionary ids, and the chunk's dictionary. They grow to the largest page seen and are kept.
     */
    static final class Buffers {
        final Window window = new Window();
        byte[] page = new byte[1 << 18];
        double[] values = new double[1 << 15];
        int[] levels = new int[1 << 15];
        int[] ids = new int[1 << 15];

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

    /**
     * Reads the first {@code limit} rows of a chunk into {@code target} (rows from {@code firstRow}), marking
     * rows with a missing value in {@code rowMissing} and the first in {@code firstMissing[0]}; returns the
     * first row (in the group) with an infinite value, or -1. Same contract as ParquetData's column reader.
     */
    static int read(FileChannel file, ColumnChunkMetaData chunk, Kind kind, ColumnTarget target, int firstRow,
                    int limit, boolean[] rowMissing, int[] firstMissing, Buffers buffers)
            throws IOException, Unsupported {
        CompressionCodecName codec = chunk.getCodec();
        Window in = buffers.window;
        in.reset(file, chunk.getStartingPos(), chunk.getStartingPos() + chunk.getTotalSize());
        double[] dictionary = null;
        int row = 0;
        while (row < limit) {
            if (in.atEnd()) {
                throw new IOException("fewer values than the row group's rows");
            }
            PageHeader header = Util.readPageHeader(in);
            int stored = header.getCompressed_page_size();
            int length = header.getUncompressed_page_size();
            if (stored < 0 || length < 0) {
                throw new IOException("a page header with a negative size");
            }
            switch (header.getType()) {
                case DICTIONARY_PAGE -> {
                    int count = header.getDictionary_page_header().getNum_values();
                    ByteBuffer data = body(codec, in.take(stored), length, buffers);
                    dictionary = new double[count];
                    plain(data, kind, count, dictionary);
                }
                case DATA_PAGE -> {
                    DataPageHeader page = header.getData_page_header();
                    int count = page.getNum_values();
                    buffers.fit(count);
                    ByteBuffer data = body(codec, in.take(stored), length, buffers);
                    int defined = count;
                    boolean allDefined = true;
                    if (kind.maxDefinition() > 0) {
                        if (page.getDefinition_level_encoding() != Encoding.RLE) {
                            throw new Unsupported("definition levels encoded " + page.getDefinition_level_encoding());
                        }
                        // a V1 page's levels are prefixed by their length, 4 bytes little-endian
                        int levelBytes = data.getInt(0);
                        if (levelBytes < 0 || levelBytes > data.limit() - 4) {
                            throw new IOException("a page's definition levels overrun it");
                        }
                        defined = levels(data.slice(4, levelBytes).order(ByteOrder.LITTLE_ENDIAN), count,
                                kind.maxDefinition(), buffers.levels);
                        allDefined = defined == count;
                        data = data.slice(4 + levelBytes, data.limit() - 4 - levelBytes).order(ByteOrder.LITTLE_ENDIAN);
                    }
                    values(data, page.getEncoding(), kind, defined, dictionary, buffers);
                    int bad = store(buffers, allDefined, count, kind.maxDefinition(), target, firstRow, row, limit,
                            rowMissing, firstMissing);
                    if (bad >= 0) {
                        return bad;
                    }
                    row += count;
                }
                case DATA_PAGE_V2 -> {
                    DataPageHeaderV2 page = header.getData_page_header_v2();
                    int count = page.getNum_values();
                    int nulls = page.getNum_nulls();
                    int repetitionBytes = page.getRepetition_levels_byte_length();
                    int levelBytes = page.getDefinition_levels_byte_length();
                    buffers.fit(count);
                    ByteBuffer raw = in.take(stored);
                    if (repetitionBytes < 0 || levelBytes < 0 || (long) repetitionBytes + levelBytes > stored
                            || repetitionBytes + levelBytes > length || nulls < 0 || nulls > count) {
                        throw new IOException("a V2 page's levels overrun it");
                    }
                    if (nulls > 0 && kind.maxDefinition() == 0) {
                        throw new IOException("nulls in a required column");
                    }
                    int defined = count - nulls;
                    if (nulls > 0 && levels(raw.slice(repetitionBytes, levelBytes).order(ByteOrder.LITTLE_ENDIAN),
                            count, kind.maxDefinition(), buffers.levels) != defined) {
                        throw new IOException("a V2 page's definition levels disagree with its count of nulls");
                    }
                    int at = repetitionBytes + levelBytes;
                    ByteBuffer rest = raw.slice(at, stored - at).order(ByteOrder.LITTLE_ENDIAN);
                    boolean compressed = !page.isSetIs_compressed() || page.isIs_compressed();
                    ByteBuffer data = compressed ? body(codec, rest, length - at, buffers) : rest;
                    values(data, page.getEncoding(), kind, defined, dictionary, buffers);
                    int bad = store(buffers, nulls == 0, count, kind.maxDefinition(), target, firstRow, row, limit,
                            rowMissing, firstMissing);
                    if (bad >= 0) {
                        return bad;
                    }
                    row += count;
                }
                default -> in.skip(stored); // index pages and any kind added later hold no values
            }
        }
        return -1;
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
                               Buffers buffers) throws IOException, Unsupported {
        switch (encoding) {
            case PLAIN -> plain(data, kind, defined, buffers.values);
            case PLAIN_DICTIONARY, RLE_DICTIONARY -> {
                if (dictionary == null) {
                    throw new IOException("a dictionary-encoded page without a dictionary page");
                }
                if (defined == 0) {
                    return;
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
            default -> throw new Unsupported("values encoded " + encoding);
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
     * Stores a page's values (buffers.values, the defined ones in order; buffers.levels per row unless
     * allDefined) for rows [row, min(row + count, limit)). Returns the first row with an infinite value, or -1.
     */
    private static int store(Buffers buffers, boolean allDefined, int count, int maxDefinition, ColumnTarget target,
                             int firstRow, int row, int limit, boolean[] rowMissing, int[] firstMissing) {
        int n = Math.min(count, limit - row);
        double[] values = buffers.values;
        if (allDefined && target instanceof ColumnTarget.Floats f) {
            float[] array = f.array;
            int stride = f.stride;
            double shift = f.shift;
            int at = (firstRow + row) * stride + f.offset;
            for (int i = 0; i < n; i++, at += stride) {
                double v = values[i];
                if (!(Math.abs(v) <= Double.MAX_VALUE)) {
                    if (!Double.isNaN(v)) {
                        return row + i;
                    }
                    missingAt(row + i, rowMissing, firstMissing);
                }
                array[at] = (float) (v - shift);
            }
            return -1;
        }
        int[] levels = buffers.levels;
        int next = 0;
        for (int i = 0; i < n; i++) {
            double v;
            if (allDefined || levels[i] == maxDefinition) {
                v = values[next++];
                if (Double.isNaN(v)) {
                    missingAt(row + i, rowMissing, firstMissing);
                } else if (Double.isInfinite(v)) {
                    return row + i;
                }
            } else {
                v = Double.NaN;
                missingAt(row + i, rowMissing, firstMissing);
            }
            target.set(firstRow + row + i, v);
        }
        return -1;
    }

    private static void missingAt(int i, boolean[] rowMissing, int[] firstMissing) {
        rowMissing[i] = true;
        if (i < firstMissing[0]) {
            firstMissing[0] = i;
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
                java.util.Arrays.fill(out, done, done + n, value);
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
                    java.util.Arrays.fill(out, done, done + n, 0);
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
     * The chunk's bytes through an off-heap window of the file, refilled a megabyte at a time; as an
     * InputStream it serves the Thrift page headers, and {@link #take} hands out a page's bytes in place.
     */
    static final class Window extends InputStream {
        private ByteBuffer window = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        private FileChannel file;
        private long next;
        private long end;

        void reset(FileChannel file, long from, long to) {
            this.file = file;
            this.next = from;
            this.end = to;
            window.clear().limit(0);
        }

        boolean atEnd() {
            return !window.hasRemaining() && next >= end;
        }

        /** Makes {@code n} bytes available from the position, or fewer where the chunk ends first. */
        private void fill(int n) throws IOException {
            if (window.remaining() >= n || next >= end) {
                return;
            }
            if (n > window.capacity()) {
                ByteBuffer larger = ByteBuffer.allocateDirect(Math.max(n, window.capacity() * 2))
                        .order(ByteOrder.LITTLE_ENDIAN);
                larger.put(window);
                window = larger;
            } else {
                window.compact();
            }
            // the window is now in write mode: bytes [0, position) are held
            while (window.position() < n && next < end) {
                int room = (int) Math.min(window.capacity() - window.position(), end - next);
                window.limit(window.position() + room);
                int got = file.read(window, next);
                if (got < 0) {
                    throw new EOFException("the file ends inside a column chunk");
                }
                next += got;
            }
            window.limit(window.position());
            window.position(0);
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

        void skip(int n) throws IOException {
            int held = Math.min(n, window.remaining());
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
            fill(Math.min(len, window.capacity()));
            if (!window.hasRemaining()) {
                return -1;
            }
            int n = Math.min(len, window.remaining());
            window.get(b, off, n);
            return n;
        }
    }
}
