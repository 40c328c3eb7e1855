package bmoe.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A table of numbers in a file, opened and checked at the boundary: delimited text (CSV, TSV, semicolon files
 * with decimal commas) or Parquet (a file, or a folder of part files). Opening reads the header or schema and
 * counts the rows; {@link #read} then parses only the columns asked for, straight into their targets, in
 * parallel where the format allows. Every problem becomes a {@link UserError} naming the file, and where it
 * applies the data row and column.
 */
public interface DataSource {
    /** The file or folder as given. */
    Path path();

    /** Every column's name, in the file's order (names may be empty or repeated in columns never used). */
    List<String> columns();

    /** Data rows in the file, before any are dropped for missing values. */
    int rows();

    /**
     * Each named column's value in the first data row, 0 where that is missing: the offset that float32 targets
     * subtract (see {@link ColumnTarget#floats}), the same for every format that holds the same numbers.
     */
    double[] firstRow(List<String> names);

    /**
     * Does what reading these columns needs before their targets exist (Parquet: the page tables and first
     * row), so that a caller may run it while it allocates them; {@link #firstRow} and {@link #read} then use
     * it. Optional: they do it themselves otherwise.
     */
    default void prepare(List<String> names) {}

    /**
     * Parses the named columns into their targets (same order). A missing value is set as NaN and counted;
     * any other bad value fails the read.
     */
    Missing read(List<String> names, ColumnTarget[] targets);

    /**
     * As {@link #read(List, ColumnTarget[])}, and tells {@code rowsRead}, from the reading threads, of stretches
     * of rows as every named column's values in them are in their targets, where the format reads rows of all
     * columns together (Parquet); a format that reads otherwise never calls it.
     */
    default Missing read(List<String> names, ColumnTarget[] targets, RowsRead rowsRead) {
        return read(names, targets);
    }

    /** Rows [from, to) of the data (0-based, before any are dropped) are in their targets. */
    interface RowsRead {
        void read(int from, int to);
    }

    /**
     * The rows with a missing value in a read column.
     *
     * @param rows how many
     * @param first where the first one is, e.g. "data row 5 (line 6), column 'Ozone'"; null when rows is 0
     * @param firstRow that row (0-based, of the data), -1 when rows is 0 or where the source does not say
     */
    record Missing(long rows, String first, long firstRow) {
        public Missing(long rows, String first) {
            this(rows, first, -1);
        }
    }

    /**
     * Whether reading some of the columns and then the others costs no more than reading them together (a
     * columnar format: Parquet), so that a caller may read one set while it allocates the other's targets.
     * Such a source says each read's {@link Missing#firstRow}.
     */
    default boolean readsColumnsApart() {
        return false;
    }

    /** Whether the column exists under exactly one name (a used column must not be ambiguous). */
    default void requireColumn(String name) {
        int count = 0;
        for (String c : columns()) {
            if (c.equals(name)) {
                count++;
            }
        }
        if (count == 0) {
            throw new UserError(path() + ": no column '" + name + "' (columns: " + String.join(", ",
                    columns().stream().map(c -> c.isEmpty() ? "''" : c).toList()) + ")");
        }
        if (count > 1) {
            throw new UserError(path() + ": duplicate column '" + name + "' in the header; rename one of them");
        }
    }

    /**
     * The files that hold the data, in the order they are read: the file itself, or a folder's Parquet part
     * files (what a resume fingerprints).
     */
    static List<Path> files(Path path) {
        return Files.isDirectory(path) ? ParquetData.partFiles(path) : List.of(path);
    }

    /**
     * Opens a data file: Parquet by its magic bytes or a folder of .parquet part files, else delimited text.
     */
    static DataSource open(Path path, Dialect dialect) {
        if (!Files.exists(path)) {
            throw new UserError("data file not found: " + path);
        }
        if (Files.isDirectory(path)) {
            return ParquetData.open(path, dialect);
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new UserError("data file is not a readable file: " + path);
        }
        byte[] magic = new byte[4];
        int got;
        try (InputStream in = Files.newInputStream(path)) {
            got = in.readNBytes(magic, 0, 4);
        } catch (IOException e) {
            throw new UserError(path + ": cannot read: " + e.getMessage());
        }
        if (got == 4 && magic[0] == 'P' && magic[1] == 'A' && magic[2] == 'R' && magic[3] == '1') {
            return ParquetData.open(path, dialect);
        }
        return DelimitedText.open(path, dialect);
    }
}
