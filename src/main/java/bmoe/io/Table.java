package bmoe.io;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * A numeric CSV table with a header, read and checked at the boundary: every problem becomes a
 * {@link UserError} naming the file, and where it applies the row and column.
 */
public record Table(Path file, List<String> header, Map<String, double[]> columns, int rows) {

    /** Reads every column of a CSV file with a header row; lines starting with '#' are comments. */
    public static Table read(Path file) {
        return read(file, name -> true);
    }

    /**
     * Reads the columns whose names {@code keep} accepts; the others must exist in every row but are not
     * parsed, so an id or label column next to the numbers is no error unless it is asked for.
     */
    public static Table read(Path file, java.util.function.Predicate<String> keep) {
        if (!Files.exists(file)) {
            throw new UserError("data file not found: " + file);
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new UserError("data file is not a readable file: " + file);
        }
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true)
                .setCommentMarker('#').setIgnoreSurroundingSpaces(true).setAllowMissingColumnNames(true)
                .setDuplicateHeaderMode(org.apache.commons.csv.DuplicateHeaderMode.ALLOW_ALL).get();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             CSVParser parser = format.parse(reader)) {
            List<String> header = parser.getHeaderNames();
            if (header.isEmpty()) {
                throw new UserError(file + ": no header row");
            }
            Set<String> seen = new HashSet<>();
            for (String name : header) {
                if (name.isEmpty()) {
                    throw new UserError(file + ": empty column name in the header");
                }
                if (!seen.add(name)) {
                    throw new UserError(file + ": duplicate column '" + name + "' in the header");
                }
            }
            // Parse straight into column arrays (no per-row objects): at n = 1e8 this is the memory of
            // the numbers themselves. Columns not asked for are skipped unparsed.
            int p = header.size();
            int[] kept = java.util.stream.IntStream.range(0, p).filter(j -> keep.test(header.get(j))).toArray();
            double[][] cols = new double[kept.length][1024];
            int rows = 0;
            for (CSVRecord record : parser) {
                long line = record.getRecordNumber() + 1; // 1-based, counting the header
                if (record.size() != p) {
                    throw new UserError(file + ": row " + line + " has " + record.size() + " fields, the header has " + p);
                }
                if (kept.length > 0 && rows == cols[0].length) {
                    int grown = (int) Math.min(Integer.MAX_VALUE - 8, 2L * rows);
                    if (grown <= rows) {
                        throw new UserError(file + ": more than " + rows + " rows is beyond what one table can hold");
                    }
                    for (int c = 0; c < kept.length; c++) {
                        cols[c] = Arrays.copyOf(cols[c], grown);
                    }
                }
                for (int c = 0; c < kept.length; c++) {
                    int j = kept[c];
                    cols[c][rows] = parseCell(file, line, header.get(j), record.get(j));
                }
                rows++;
            }
            Map<String, double[]> columns = new LinkedHashMap<>();
            for (int c = 0; c < kept.length; c++) {
                columns.put(header.get(kept[c]), cols[c].length == rows ? cols[c] : Arrays.copyOf(cols[c], rows));
            }
            return new Table(file, List.copyOf(header), columns, rows);
        } catch (NoSuchFileException e) {
            throw new UserError("data file not found: " + file);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new UserError(file + ": cannot read: " + e.getMessage());
        } catch (IllegalArgumentException | IllegalStateException e) {
            if (e instanceof UserError) {
                throw e;
            }
            throw new UserError(file + ": malformed CSV: " + e.getMessage());
        }
    }

    private static final Pattern NON_FINITE = Pattern.compile("[+-]?(NaN|Infinity)");

    /**
     * Whether a cell uses only the characters of a plain decimal number. Double.parseDouble alone would also
     * take Java literals such as "2.5d", "1f" or hexadecimal "0x1p3", which other CSV readers reject and which
     * are almost surely data errors; parseDouble then checks the structure.
     */
    private static boolean plainDecimal(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c == '.' || c == '+' || c == '-' || c == 'e' || c == 'E')) {
                return false;
            }
        }
        return true;
    }

    private static double parseCell(Path file, long line, String column, String cell) {
        String s = cell.strip();
        double v;
        try {
            if (!plainDecimal(s) && !NON_FINITE.matcher(s).matches()) {
                throw new NumberFormatException(s);
            }
            v = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new UserError(file + ": row " + line + ", column '" + column + "': not a number: '" + cell + "'");
        }
        if (!Double.isFinite(v)) {
            throw new UserError(file + ": row " + line + ", column '" + column + "': " + cell + " is not finite");
        }
        return v;
    }

    public double[] column(String name) {
        double[] c = columns.get(name);
        if (c == null && header.contains(name)) {
            throw new IllegalStateException("column '" + name + "' was not read");
        }
        if (c == null) {
            throw new UserError(file + ": no column '" + name + "' (columns: " + String.join(", ", header) + ")");
        }
        return c;
    }

    public boolean has(String name) {
        return columns.containsKey(name);
    }
}
