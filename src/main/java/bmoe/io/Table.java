package bmoe.io;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Named columns of a data file as doubles, for the commands that read data besides the sampler's float32
 * (predict's points, the analysis commands' observations). Any format and dialect {@link DataSource} reads.
 */
public record Table(Path file, List<String> header, Map<String, double[]> columns, int rows, long dropped) {

    /** Reads every named column of a file in the default dialect. */
    public static Table read(Path file) {
        return read(file, name -> true);
    }

    /** Reads the named columns that {@code keep} accepts, in the default dialect. */
    public static Table read(Path file, Predicate<String> keep) {
        return read(file, keep, Dialect.DEFAULT);
    }

    /**
     * Reads the columns whose names {@code keep} accepts; the others are not parsed, so an id or label column
     * next to the numbers is no error unless it is asked for. Rows with a missing value fail or are left out
     * as the dialect says.
     */
    public static Table read(Path file, Predicate<String> keep, Dialect dialect) {
        DataSource source = DataSource.open(file, dialect);
        List<String> names = new ArrayList<>();
        for (String name : source.columns()) {
            if (!name.isEmpty() && keep.test(name) && !names.contains(name)) {
                names.add(name);
            }
        }
        int n = source.rows();
        double[][] values = new double[names.size()][n];
        ColumnTarget[] targets = new ColumnTarget[names.size()];
        for (int j = 0; j < targets.length; j++) {
            targets[j] = ColumnTarget.doubles(values[j]);
        }
        DataSource.Missing missing = names.isEmpty() ? new DataSource.Missing(0, null) : source.read(names, targets);
        int rows = n;
        if (missing.rows() > 0) {
            if (dialect.missing() == Dialect.Missing.FAIL) {
                throw RawData.missingError(source, missing);
            }
            rows = 0;
            for (int i = 0; i < n; i++) {
                boolean hole = false;
                for (double[] column : values) {
                    hole |= Double.isNaN(column[i]);
                }
                if (!hole) {
                    for (double[] column : values) {
                        column[rows] = column[i];
                    }
                    rows++;
                }
            }
        }
        Map<String, double[]> columns = new LinkedHashMap<>();
        for (int j = 0; j < names.size(); j++) {
            columns.put(names.get(j), rows == n ? values[j] : java.util.Arrays.copyOf(values[j], rows));
        }
        return new Table(file, source.columns(), columns, rows, n - rows);
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
