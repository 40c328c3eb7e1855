package bmoe.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.model.Dataset;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The float32 fill's checks that need no file: sizes beyond the heap or an array, and the shifts. */
class RawDataTest {
    /** A source that says it holds rows, and fills each column with row + 1000 * column + offset. */
    private static DataSource source(int rows, List<String> columns, double offset) {
        return new DataSource() {
            @Override
            public Path path() {
                return Path.of("big.parquet");
            }

            @Override
            public List<String> columns() {
                return columns;
            }

            @Override
            public int rows() {
                return rows;
            }

            @Override
            public double[] firstRow(List<String> names) {
                double[] first = new double[names.size()];
                for (int j = 0; j < first.length; j++) {
                    first[j] = value(0, columns.indexOf(names.get(j)));
                }
                return first;
            }

            private double value(int row, int column) {
                return offset + row + 1000.0 * column + (row % 3) * 0.125;
            }

            @Override
            public Missing read(List<String> names, ColumnTarget[] targets) {
                for (int j = 0; j < names.size(); j++) {
                    for (int i = 0; i < rows; i++) {
                        targets[j].set(i, value(i, columns.indexOf(names.get(j))));
                    }
                }
                return new Missing(0, null);
            }
        };
    }

    @Test
    void dataBeyondTheHeapIsOneLineNamingTheBytesAndXmx() {
        List<String> columns = List.of("x1", "x2", "x3", "x4", "x5", "x6", "x7", "y");
        // 1e9 rows x 8 columns of float32 = 32 GB, more than any test JVM's heap
        UserError e = assertThrows(UserError.class, () -> RawData.read(source(1_000_000_000, columns, 0),
                columns.subList(0, 7), "y", Dialect.Missing.FAIL));
        assertTrue(e.getMessage().contains("29.8 GiB"), e.getMessage());
        assertTrue(e.getMessage().contains("JAVA_OPTS=-Xmx"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void moreValuesThanOneArrayIsOneLine() {
        List<String> columns = List.of("x1", "x2", "y");
        long max = Runtime.getRuntime().maxMemory();
        // n * p just over 2^31 - 1, with a heap large enough to pass the memory check only if it is huge
        int n = (int) ((1L << 31) / 2 + 1);
        UserError e = assertThrows(UserError.class, () -> RawData.read(source(n, columns, 0), columns.subList(0, 2),
                "y", Dialect.Missing.FAIL));
        assertTrue(e.getMessage().contains(max < 12L * n ? "JAVA_OPTS" : "2^31"), e.getMessage());
    }

    @Test
    void columnsFarFromZeroKeepTheirSpread() {
        // timestamps near 1.7e9 with a spread of a few units: float32 of the raw values would keep
        // steps of 128; the shift by the first row keeps the spread to float32's precision
        List<String> columns = List.of("x1", "y");
        RawData raw = RawData.read(source(1000, columns, 1.7e9), List.of("x1"), "y", Dialect.Missing.FAIL);
        assertEquals(1.7e9, raw.xShift()[0]);
        Dataset d = Dataset.fromRaw(raw.x(), raw.y(), 1, raw.xShift(), raw.yShift(), List.of("x1"), "y", true);
        double mean = 1.7e9 + 499.5 + (333 * 0.125 + 333 * 0.25) / 1000.0;
        assertEquals(mean, d.scaling().xMean()[0], 1e-6);
        // rows 0 and 1 differ by 1.125 on the original scale, so by 1.125 / sd standardised
        double sd = d.scaling().xSd()[0];
        assertEquals(1.125 / sd, d.x()[1] - d.x()[0], 1e-6);
    }
}
