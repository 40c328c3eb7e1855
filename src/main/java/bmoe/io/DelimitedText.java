package bmoe.io;

import ch.randelshofer.fastdoubleparser.JavaDoubleParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * Delimited text as R, pandas and spreadsheets write it: a header row (quoted or not, after an optional UTF-8
 * byte order mark and '#' comment lines), fields separated by ',', ';', tab or '|' (detected unless given),
 * '.' or ',' as the decimal mark, CRLF or LF line ends, blank and '#' lines skipped. Only the columns asked for
 * are parsed, so a row-name or label column with any header and content is no error.
 *
 * <p>Parsing runs in parallel: the file is cut into chunks at line starts, a first pass counts each chunk's
 * rows (so the targets are allocated once, at their final size) and a second parses the chunks at once, each
 * row into its own place. A line with an odd number of quotes means a quoted field holds a line break, which a
 * cut at a line start could split; such a file is counted and parsed in one sequential chunk instead.
 */
final class DelimitedText implements DataSource {
    /** Bytes read at the start to find the header and the separator. */
    private static final int PREFIX_BYTES = 1 << 20;
    /** Data lines after the header that the separator must split like the header. */
    private static final int SAMPLE_LINES = 100;
    /** Read buffer per task; a record longer than this grows its buffer. */
    private static final int BUFFER_BYTES = 1 << 20;
    private static final long MIN_CHUNK = 1 << 20;
    private static final long MAX_CHUNK = 32L << 20;
    private static final String SEPARATORS = ",;\t|";

    private final Path file;
    private final Dialect dialect;
    private final byte separator;
    private final List<String> header;
    private final long dataStart;
    /** The 1-based file line of the header. */
    private final long headerLine;
    private final List<Chunk> chunks;
    private final int rows;

    /** A slice of the file that starts at a line start; rows and lines say where its records go. */
    private record Chunk(long start, long end, int firstRow, long firstLine, int rows) {}

    private DelimitedText(Path file, Dialect dialect, byte separator, List<String> header, long dataStart,
                          long headerLine, FileChannel channel) throws IOException {
        this.file = file;
        this.dialect = dialect;
        this.separator = separator;
        this.header = header;
        this.dataStart = dataStart;
        this.headerLine = headerLine;
        this.chunks = count(channel);
        long total = 0;
        for (Chunk c : chunks) {
            total += c.rows();
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new UserError(file + ": " + total + " data rows is more than one fit can hold (2^31 - 9)");
        }
        this.rows = (int) total;
    }

    static DelimitedText open(Path file, Dialect dialect) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            byte[] prefix = readPrefix(channel);
            int length = prefix.length;
            checkText(file, prefix, length);
            int at = length >= 3 && (prefix[0] & 0xFF) == 0xEF && (prefix[1] & 0xFF) == 0xBB
                    && (prefix[2] & 0xFF) == 0xBF ? 3 : 0;
            long line = 1;
            while (at < length) {
                int end = lineEnd(prefix, at, length);
                int content = contentEnd(prefix, at, end);
                if (content > at && prefix[at] != '#') {
                    break;
                }
                at = end + 1;
                line++;
            }
            if (at >= length) {
                throw new UserError(file + ": no header row");
            }
            int headerEnd = lineEnd(prefix, at, length);
            if (headerEnd == length && length == PREFIX_BYTES) {
                throw new UserError(file + ": the header line is longer than " + PREFIX_BYTES
                        + " bytes; is this a delimited text file?");
            }
            int headerContent = contentEnd(prefix, at, headerEnd);
            byte sep = dialect.separator() != null ? (byte) (char) dialect.separator()
                    : detectSeparator(prefix, at, headerContent, headerEnd + 1, length, dialect.decimal());
            List<String> names = headerNames(file, prefix, at, headerContent, sep);
            long dataStart = Math.min(headerEnd + 1L, channel.size());
            return new DelimitedText(file, dialect, sep, names, dataStart, line, channel);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read: " + e.getMessage());
        }
    }

    private static byte[] readPrefix(FileChannel channel) throws IOException {
        int length = (int) Math.min(PREFIX_BYTES, channel.size());
        byte[] prefix = new byte[length];
        ByteBuffer buffer = ByteBuffer.wrap(prefix);
        while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) > 0) {
            // positional reads until the prefix is full
        }
        return buffer.position() == length ? prefix : Arrays.copyOf(prefix, buffer.position());
    }

    /** Refuses what is surely not delimited text, with what it looks like instead. */
    private static void checkText(Path file, byte[] prefix, int length) {
        if (length >= 2 && (prefix[0] & 0xFF) == 0x1F && (prefix[1] & 0xFF) == 0x8B) {
            throw new UserError(file + ": a gzip-compressed file; decompress it first (gunzip)");
        }
        if (length >= 4 && prefix[0] == 'P' && prefix[1] == 'K' && prefix[2] == 3 && prefix[3] == 4) {
            throw new UserError(file + ": a zip archive (or an Excel workbook); extract or export the data as CSV");
        }
        if (length >= 2 && ((prefix[0] & 0xFF) == 0xFF && (prefix[1] & 0xFF) == 0xFE
                || (prefix[0] & 0xFF) == 0xFE && (prefix[1] & 0xFF) == 0xFF)) {
            throw new UserError(file + ": UTF-16 text; save it as UTF-8");
        }
        for (int i = 0; i < length; i++) {
            if (prefix[i] == 0) {
                throw new UserError(file + ": a binary file, not text (a zero byte at offset " + i
                        + "); bmoe reads delimited text (CSV, TSV) and Parquet");
            }
        }
    }

    private static int lineEnd(byte[] b, int from, int limit) {
        for (int i = from; i < limit; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return limit;
    }

    /** The end of a line's content: before a carriage return that precedes its line feed. */
    private static int contentEnd(byte[] b, int from, int end) {
        return end > from && b[end - 1] == '\r' ? end - 1 : end;
    }

    /** Occurrences of c outside double quotes in b[from, to). */
    private static int countOutsideQuotes(byte[] b, int from, int to, byte c) {
        int count = 0;
        boolean quoted = false;
        for (int i = from; i < to; i++) {
            if (b[i] == '"') {
                quoted = !quoted;
            } else if (b[i] == c && !quoted) {
                count++;
            }
        }
        return count;
    }

    /**
     * The separator that splits the header and every sampled data line into the same number of fields, the
     * one giving most fields where several do; a decimal comma rules out ','. A single column needs none.
     */
    private static byte detectSeparator(byte[] b, int headerFrom, int headerTo, int from, int limit, char decimal) {
        byte best = ',';
        int bestFields = 0;
        byte fallback = ',';
        int fallbackFields = 0;
        for (int s = 0; s < SEPARATORS.length(); s++) {
            byte sep = (byte) SEPARATORS.charAt(s);
            if (sep == decimal) {
                continue;
            }
            int inHeader = countOutsideQuotes(b, headerFrom, headerTo, sep);
            if (inHeader == 0) {
                continue;
            }
            if (inHeader > fallbackFields) {
                fallback = sep;
                fallbackFields = inHeader;
            }
            boolean consistent = true;
            int at = from;
            for (int lines = 0; lines < SAMPLE_LINES && at < limit; ) {
                int end = lineEnd(b, at, limit);
                if (end == limit && limit == b.length && end - at > 0 && b.length == PREFIX_BYTES) {
                    break; // a line cut by the prefix's end
                }
                int content = contentEnd(b, at, end);
                if (content > at && b[at] != '#') {
                    if (countOutsideQuotes(b, at, content, sep) != inHeader) {
                        consistent = false;
                        break;
                    }
                    lines++;
                }
                at = end + 1;
            }
            if (consistent && inHeader > bestFields) {
                best = sep;
                bestFields = inHeader;
            }
        }
        return bestFields > 0 ? best : fallback;
    }

    private static List<String> headerNames(Path file, byte[] b, int from, int to, byte sep) {
        List<String> names = new ArrayList<>();
        int i = from;
        while (true) {
            while (i < to && (b[i] == ' ' || b[i] == '\t' && sep != '\t')) {
                i++;
            }
            byte[] name;
            int j;
            if (i < to && b[i] == '"') {
                java.io.ByteArrayOutputStream unquoted = new java.io.ByteArrayOutputStream();
                j = i + 1;
                while (true) {
                    if (j >= to) {
                        throw new UserError(file + ": the header has a quote that is not closed");
                    }
                    if (b[j] == '"') {
                        if (j + 1 < to && b[j + 1] == '"') {
                            unquoted.write('"');
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    unquoted.write(b[j]);
                    j++;
                }
                name = unquoted.toByteArray();
                j++;
                while (j < to && b[j] != sep) {
                    j++;
                }
            } else {
                j = i;
                while (j < to && b[j] != sep) {
                    j++;
                }
                int e = j;
                while (e > i && (b[e - 1] == ' ' || b[e - 1] == '\t' && sep != '\t')) {
                    e--;
                }
                name = Arrays.copyOfRange(b, i, e);
            }
            names.add(utf8(file, name).strip());
            if (j >= to) {
                break;
            }
            i = j + 1;
        }
        return List.copyOf(names);
    }

    private static String utf8(Path file, byte[] bytes) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new UserError(file + ": the header is not UTF-8 text (Latin-1 or Windows-1252?); save the file as "
                    + "UTF-8, e.g. R: write.csv(..., fileEncoding = \"UTF-8\"), pandas: to_csv(..., encoding = \"utf-8\")");
        }
    }

    // ------------------------------------------------------------------ counting

    private List<Chunk> count(FileChannel channel) throws IOException {
        long size = channel.size();
        int threads = Runtime.getRuntime().availableProcessors();
        long chunk = Math.max(MIN_CHUNK, Math.min(MAX_CHUNK, (size - dataStart) / (4L * threads) + 1));
        List<Long> starts = new ArrayList<>();
        starts.add(dataStart);
        for (long at = dataStart + chunk; at < size; at += chunk) {
            long lineStart = nextLineStart(channel, at, size);
            if (lineStart < size && lineStart > starts.get(starts.size() - 1)) {
                starts.add(lineStart);
            }
            at = Math.max(at, lineStart);
        }
        starts.add(size);
        int n = starts.size() - 1;
        long[][] counts = new long[n][];
        IOException[] failed = new IOException[1];
        IntStream.range(0, n).parallel().forEach(c -> {
            try {
                counts[c] = countLines(channel, starts.get(c), starts.get(c + 1));
            } catch (IOException e) {
                failed[0] = e;
            }
        });
        if (failed[0] != null) {
            throw failed[0];
        }
        boolean splitRecords = false;
        for (long[] c : counts) {
            splitRecords |= c[2] != 0;
        }
        if (splitRecords) {
            // a quoted line break: only a sequential pass knows where records end
            Parser counter = new Parser(channel, dataStart, size, 0, headerLine + 1, null, null);
            counter.run();
            return List.of(new Chunk(dataStart, size, 0, headerLine + 1, counter.row));
        }
        List<Chunk> out = new ArrayList<>(n);
        long row = 0;
        long line = headerLine + 1;
        for (int c = 0; c < n; c++) {
            out.add(new Chunk(starts.get(c), starts.get(c + 1), (int) Math.min(row, Integer.MAX_VALUE), line,
                    (int) Math.min(counts[c][0], Integer.MAX_VALUE)));
            row += counts[c][0];
            line += counts[c][1];
        }
        return out;
    }

    /** The offset after the first line feed at or after at - 1 (so a line start stays put). */
    private static long nextLineStart(FileChannel channel, long at, long size) throws IOException {
        byte[] buf = new byte[1 << 16];
        long pos = at - 1;
        while (pos < size) {
            int got = channel.read(ByteBuffer.wrap(buf), pos);
            if (got <= 0) {
                break;
            }
            for (int i = 0; i < got; i++) {
                if (buf[i] == '\n') {
                    return pos + i + 1;
                }
            }
            pos += got;
        }
        return size;
    }

    /** {data records, line feeds, lines with an odd number of quotes} in [start, end), which starts a line. */
    private static long[] countLines(FileChannel channel, long start, long end) throws IOException {
        byte[] buf = new byte[BUFFER_BYTES];
        long records = 0;
        long newlines = 0;
        long oddQuoteLines = 0;
        int lineLength = 0;
        byte first = 0;
        byte last = 0;
        int quotes = 0;
        for (long pos = start; pos < end; ) {
            int got = channel.read(ByteBuffer.wrap(buf, 0, (int) Math.min(buf.length, end - pos)), pos);
            if (got <= 0) {
                break;
            }
            pos += got;
            for (int i = 0; i < got; i++) {
                byte b = buf[i];
                if (b == '\n') {
                    boolean blank = lineLength == 0 || lineLength == 1 && last == '\r';
                    if (!blank && first != '#') {
                        records++;
                    }
                    oddQuoteLines += quotes & 1;
                    newlines++;
                    lineLength = 0;
                    quotes = 0;
                } else {
                    if (lineLength == 0) {
                        first = b;
                    }
                    lineLength++;
                    last = b;
                    if (b == '"') {
                        quotes++;
                    }
                }
            }
        }
        if (lineLength > 0 && !(lineLength == 1 && last == '\r') && first != '#') {
            records++;
            oddQuoteLines += quotes & 1;
        }
        return new long[] {records, newlines, oddQuoteLines};
    }

    // ------------------------------------------------------------------ the source

    @Override
    public Path path() {
        return file;
    }

    @Override
    public List<String> columns() {
        return header;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public double[] firstRow(List<String> names) {
        double[] first = new double[names.size()];
        if (rows == 0) {
            return first;
        }
        Chunk c = chunks.get(0);
        ColumnTarget[] fields = new ColumnTarget[header.size()];
        double[][] one = new double[names.size()][1];
        for (int j = 0; j < names.size(); j++) {
            requireColumn(names.get(j));
            fields[header.indexOf(names.get(j))] = ColumnTarget.doubles(one[j]);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Parser parser = new Parser(channel, c.start(), c.end(), 0, c.firstLine(), fields, null);
            parser.maxRows = 1;
            parser.run();
            if (parser.error != null) {
                throw parser.error;
            }
        } catch (IOException e) {
            throw new UserError(file + ": cannot read: " + e.getMessage());
        }
        for (int j = 0; j < first.length; j++) {
            first[j] = Double.isNaN(one[j][0]) ? 0.0 : one[j][0];
        }
        return first;
    }

    @Override
    public Missing read(List<String> names, ColumnTarget[] targets) {
        ColumnTarget[] fields = new ColumnTarget[header.size()];
        for (int j = 0; j < names.size(); j++) {
            requireColumn(names.get(j));
            fields[header.indexOf(names.get(j))] = targets[j];
        }
        int n = chunks.size();
        Parser[] done = new Parser[n];
        AtomicInteger firstFailed = new AtomicInteger(Integer.MAX_VALUE);
        IOException[] ioFailed = new IOException[1];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            IntStream.range(0, n).parallel().forEach(c -> {
                Chunk chunk = chunks.get(c);
                Parser parser = new Parser(channel, chunk.start(), chunk.end(), chunk.firstRow(), chunk.firstLine(),
                        fields, () -> firstFailed.get() < c);
                try {
                    parser.run();
                } catch (IOException e) {
                    ioFailed[0] = e;
                }
                if (parser.error != null) {
                    firstFailed.accumulateAndGet(c, Math::min);
                } else if (parser.row != chunk.rows() && ioFailed[0] == null && firstFailed.get() > c) {
                    parser.error = new UserError(file + ": changed while it was read");
                    firstFailed.accumulateAndGet(c, Math::min);
                }
                done[c] = parser;
            });
        } catch (IOException e) {
            throw new UserError(file + ": cannot read: " + e.getMessage());
        }
        if (ioFailed[0] != null) {
            throw new UserError(file + ": cannot read: " + ioFailed[0].getMessage());
        }
        if (firstFailed.get() != Integer.MAX_VALUE) {
            throw done[firstFailed.get()].error;
        }
        long missing = 0;
        String first = null;
        for (Parser p : done) {
            missing += p.missingRows;
            if (first == null) {
                first = p.firstMissing;
            }
        }
        return new Missing(missing, first);
    }

    // ------------------------------------------------------------------ parsing

    /**
     * Parses the records that start in [start, end) into the field targets (null: count only), reading on past
     * end to finish the last one. A problem is kept in {@link #error} with its data row and line.
     */
    private final class Parser {
        private final FileChannel channel;
        private final long end;
        private final ColumnTarget[] fields;
        private final java.util.function.BooleanSupplier abandoned;
        private byte[] buf = new byte[BUFFER_BYTES];
        /** The file offset of buf[0]. */
        private long bufOffset;
        private int pos;
        private int lim;
        private boolean eof;
        private final byte[] scratch = new byte[64];
        int row;
        private final int firstRow;
        private long line;
        long missingRows;
        String firstMissing;
        UserError error;
        int maxRows = Integer.MAX_VALUE;

        Parser(FileChannel channel, long start, long end, int firstRow, long firstLine, ColumnTarget[] fields,
               java.util.function.BooleanSupplier abandoned) {
            this.channel = channel;
            this.bufOffset = start;
            this.end = end;
            this.firstRow = firstRow;
            this.line = firstLine;
            this.fields = fields;
            this.abandoned = abandoned;
        }

        /** Keeps buf[pos, lim) and reads more after it; false at the end of the file. */
        private boolean fill() throws IOException {
            if (eof) {
                return false;
            }
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                bufOffset += pos;
                lim -= pos;
                pos = 0;
            }
            if (lim == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            int got = channel.read(ByteBuffer.wrap(buf, lim, buf.length - lim), bufOffset + lim);
            if (got <= 0) {
                eof = true;
                return false;
            }
            lim += got;
            return true;
        }

        void run() throws IOException {
            int local = 0;
            while (bufOffset + pos < end && error == null && local < maxRows) {
                int recordEnd = recordEnd();
                if (recordEnd < 0) {
                    if (abandoned != null && abandoned.getAsBoolean()) {
                        return;
                    }
                    if (fill()) {
                        continue;
                    }
                    if (pos == lim) {
                        return;
                    }
                    recordEnd = lim;
                }
                long recordLine = line;
                line += newlinesIn(pos, recordEnd) + 1;
                int contentEnd = recordEnd > pos && buf[recordEnd - 1] == '\r' ? recordEnd - 1 : recordEnd;
                if (contentEnd > pos && buf[pos] != '#') {
                    if (fields != null) {
                        record(pos, contentEnd, recordLine);
                    }
                    row++;
                    local++;
                }
                pos = Math.min(recordEnd + 1, lim);
            }
        }

        /** The index of the line feed that ends the record at pos (outside quotes), or -1 past the buffer. */
        private int recordEnd() {
            boolean quoted = false;
            for (int i = pos; i < lim; i++) {
                byte b = buf[i];
                if (b == '"') {
                    quoted = !quoted;
                } else if (b == '\n' && !quoted) {
                    return i;
                }
            }
            return -1;
        }

        private int newlinesIn(int from, int to) {
            int count = 0;
            for (int i = from; i < to; i++) {
                if (buf[i] == '\n') {
                    count++;
                }
            }
            return count;
        }

        private String where(long recordLine) {
            return "data row " + (firstRow + row + 1) + " (line " + recordLine + ")";
        }

        private boolean space(byte b) {
            return b == ' ' || b == '\t' && separator != '\t';
        }

        private void record(int from, int to, long recordLine) {
            int field = 0;
            int i = from;
            boolean rowMissing = false;
            int width = fields.length;
            while (true) {
                while (i < to && space(buf[i])) {
                    i++;
                }
                int cellFrom;
                int cellTo;
                int next;
                if (i < to && buf[i] == '"') {
                    cellFrom = i + 1;
                    int j = cellFrom;
                    while (true) {
                        if (j >= to) {
                            fail(recordLine, "a quote that is not closed");
                            return;
                        }
                        if (buf[j] == '"') {
                            if (j + 1 < to && buf[j + 1] == '"') {
                                j += 2;
                                continue;
                            }
                            break;
                        }
                        j++;
                    }
                    cellTo = j;
                    next = j + 1;
                    while (next < to && space(buf[next])) {
                        next++;
                    }
                    if (next < to && buf[next] != separator) {
                        fail(recordLine, "text after a closing quote in field " + (field + 1));
                        return;
                    }
                } else {
                    next = i;
                    while (next < to && buf[next] != separator) {
                        next++;
                    }
                    cellFrom = i;
                    cellTo = next;
                }
                if (field < width && fields[field] != null) {
                    while (cellTo > cellFrom && space(buf[cellTo - 1])) {
                        cellTo--;
                    }
                    while (cellFrom < cellTo && space(buf[cellFrom])) {
                        cellFrom++;
                    }
                    double value = cell(cellFrom, cellTo, field, recordLine);
                    if (error != null) {
                        return;
                    }
                    if (Double.isNaN(value)) {
                        if (!rowMissing && firstMissing == null) {
                            firstMissing = where(recordLine) + ", column '" + header.get(field) + "'";
                        }
                        rowMissing = true;
                    }
                    fields[field].set(firstRow + row, value);
                }
                field++;
                if (next >= to) {
                    break;
                }
                i = next + 1;
            }
            if (field != width) {
                fail(recordLine, "has " + field + (field == 1 ? " field" : " fields") + ", the header has " + width
                        + (separator == ',' && dialect.separator() == null ? "" : " (separator '"
                        + (separator == '\t' ? "tab" : Character.toString((char) separator)) + "')"));
                return;
            }
            if (rowMissing) {
                missingRows++;
            }
        }

        private void fail(long recordLine, String what) {
            error = new UserError(file + ": " + where(recordLine) + (what.startsWith(",") ? "" : " ") + what);
        }

        /** A cell's number, NaN for a missing value; a bad cell sets {@link #error}. */
        private double cell(int from, int to, int field, long recordLine) {
            int length = to - from;
            if (length == 0 || isMissingWord(from, length)) {
                return Double.NaN;
            }
            byte[] bytes = buf;
            int offset = from;
            boolean plain = true;
            for (int i = from; i < to; i++) {
                byte b = buf[i];
                if (!(b >= '0' && b <= '9' || b == '+' || b == '-' || b == 'e' || b == 'E' || b == dialect.decimal())) {
                    plain = false;
                    break;
                }
            }
            if (plain && dialect.decimal() == ',') {
                if (length > scratch.length) {
                    plain = false;
                } else {
                    for (int i = 0; i < length; i++) {
                        byte b = buf[from + i];
                        scratch[i] = b == ',' ? (byte) '.' : b;
                    }
                    bytes = scratch;
                    offset = 0;
                }
            }
            double value = Double.NaN;
            if (plain) {
                try {
                    value = JavaDoubleParser.parseDouble(bytes, offset, length);
                } catch (NumberFormatException e) {
                    plain = false;
                }
            }
            if (!plain || !Double.isFinite(value)) {
                badCell(from, length, field, recordLine, plain);
                return 0;
            }
            return value;
        }

        private void badCell(int from, int length, int field, long recordLine, boolean parsed) {
            String text = new String(buf, from, Math.min(length, 60), StandardCharsets.UTF_8);
            String column = ", column '" + header.get(field) + "'";
            if (!parsed) {
                if (text.matches("[+-]?(?i:inf|infinity)")) {
                    fail(recordLine, column + ": " + text + " is not finite");
                } else {
                    fail(recordLine, column + ": not a number: '" + text + "'"
                            + (dialect.decimal() == '.' && text.matches("[+-]?\\d*,\\d+") ? " (a decimal comma? give --decimal ,)" : ""));
                }
            } else {
                fail(recordLine, column + ": " + text + " is not finite (beyond the range of a double)");
            }
        }

        /** NA, NaN or NULL in any case: what R, pandas and databases write for a missing value. */
        private boolean isMissingWord(int from, int length) {
            if (length < 2 || length > 4) {
                return false;
            }
            int a = buf[from] | 0x20;
            int b = buf[from + 1] | 0x20;
            if (length == 2) {
                return a == 'n' && b == 'a';
            }
            int c = buf[from + 2] | 0x20;
            if (length == 3) {
                return a == 'n' && b == 'a' && c == 'n';
            }
            int d = buf[from + 3] | 0x20;
            return a == 'n' && b == 'u' && c == 'l' && d == 'l';
        }
    }
}
