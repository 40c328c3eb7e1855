package bmoe.io;

import bmoe.model.Dataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A fit's columns as float32, straight from the file: x row-major n x p and y, each value stored minus its
 * column's first-row value (see {@link ColumnTarget#floats}), so that the peak memory of reading is the data's
 * own float32 size and a column far from zero keeps its precision. Rows with a missing value are refused or,
 * with {@link Dialect.Missing#DROP}, left out.
 *
 * @param xShift what was subtracted from each x column; {@code yShift} likewise for y
 * @param dropped rows left out for a missing value
 * @param firstDropped where the first of them was, null when none
 * @param blockMoments per block of {@link Dataset#MOMENT_BLOCK} rows, its {@link Dataset#blockMoments} where
 *     the reader had the block's rows in cache as it stored them (Parquet) and they were asked for, else null;
 *     null when rows were dropped. {@link #dataset} passes them on, so that standardising reads the data from
 *     memory once less.
 */
public record RawData(float[] x, float[] y, int p, double[] xShift, double yShift, long dropped, String firstDropped,
                      double[][] blockMoments) {

    public int n() {
        return y.length;
    }

    /** Reads the x columns (in this order) and y of a source into float32. */
    public static RawData read(DataSource source, List<String> xNames, String yName, Dialect.Missing policy) {
        return read(source, xNames, yName, policy, false);
    }

    /**
     * As {@link #read(DataSource, List, String, Dialect.Missing)}; with {@code blockMoments}, the moments of the
     * blocks the reader has in cache as it stores them (Parquet) are computed then, for {@link #dataset} to pass
     * on: standardising then reads the data from memory once instead of twice. Without, none are (a caller
     * that standardises by {@link Dataset#fromRaw} would compute them twice).
     */
    public static RawData read(DataSource source, List<String> xNames, String yName, Dialect.Missing policy,
                               boolean blockMoments) {
        int p = xNames.size();
        List<String> names = new ArrayList<>(xNames);
        names.add(yName);
        for (String name : names) {
            source.requireColumn(name);
        }
        int n = source.rows();
        checkMemory(source, n, p + 1);
        if ((long) n * p > Integer.MAX_VALUE) {
            throw new UserError(source.path() + ": " + n + " rows x " + p + " columns is more than one float32 array "
                    + "holds (2^31 values); use fewer rows or columns");
        }
        int block = Dataset.MOMENT_BLOCK;
        double[][] moments = new double[(int) (((long) n + block - 1) / block)][];
        float[][] arrays = new float[2][];
        DataSource.RowsRead rowsRead = (from, to) -> {
            // the blocks wholly in [from, to): read by this thread only, and still in its cache
            for (int b = (from + block - 1) / block; (long) b * block < n; b++) {
                if (Math.min(n, ((long) b + 1) * block) > to) {
                    break;
                }
                if (moments[b] == null) {
                    moments[b] = Dataset.blockMoments(arrays[0], arrays[1], p, b);
                }
            }
        };
        float[] x;
        float[] y;
        double[] first;
        DataSource.Missing missing;
        if (source.readsColumnsApart()) {
            // a columnar source reads y (and first the page tables and the first row) on this thread while
            // another first touches x's few hundred MB (page faults: 0.15 s at n = 1e7, p = 7); then x
            y = allocate(source, n, p, n);
            java.util.concurrent.CompletableFuture<float[]> allocating =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> new float[n * p]);
            first = source.firstRow(names);
            DataSource.Missing inY = source.read(List.of(yName), new ColumnTarget[] {
                ColumnTarget.floats(y, 1, 0, first[p])});
            try {
                x = allocating.join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof OutOfMemoryError) {
                    throw outOfMemory(source, n, p + 1);
                }
                throw e;
            }
            arrays[0] = x;
            arrays[1] = y;
            ColumnTarget[] targets = new ColumnTarget[p];
            for (int j = 0; j < p; j++) {
                targets[j] = ColumnTarget.floats(x, p, j, first[j]);
            }
            DataSource.Missing inX = blockMoments ? source.read(xNames, targets, rowsRead)
                    : source.read(xNames, targets);
            missing = merge(inX, inY, x, y, p);
        } else {
            x = allocate(source, n, p, n * p);
            y = allocate(source, n, p, n);
            arrays[0] = x;
            arrays[1] = y;
            first = source.firstRow(names);
            ColumnTarget[] targets = new ColumnTarget[p + 1];
            for (int j = 0; j < p; j++) {
                targets[j] = ColumnTarget.floats(x, p, j, first[j]);
            }
            targets[p] = ColumnTarget.floats(y, 1, 0, first[p]);
            missing = blockMoments ? source.read(names, targets, rowsRead) : source.read(names, targets);
        }
        double[] xShift = java.util.Arrays.copyOf(first, p);
        if (missing.rows() == 0) {
            return new RawData(x, y, p, xShift, first[p], 0, null, blockMoments ? moments : null);
        }
        if (policy == Dialect.Missing.FAIL) {
            throw missingError(source, missing);
        }
        // Compacts in place: a kept row moves down over the dropped ones, in file order.
        int kept = 0;
        for (int i = 0; i < n; i++) {
            boolean hole = Float.isNaN(y[i]);
            for (int j = 0; j < p && !hole; j++) {
                hole = Float.isNaN(x[i * p + j]);
            }
            if (!hole) {
                if (kept != i) {
                    System.arraycopy(x, i * p, x, kept * p, p);
                    y[kept] = y[i];
                }
                kept++;
            }
        }
        return new RawData(java.util.Arrays.copyOf(x, kept * p), java.util.Arrays.copyOf(y, kept), p, xShift, first[p],
                n - kept, missing.first(), null);
    }

    /**
     * The data set of these columns, in place ({@link Dataset#fromRaw}, given the block moments the reader
     * computed).
     */
    public Dataset dataset(List<String> xNames, String yName, boolean standardize) {
        return Dataset.fromRaw(x, y, p, xShift, yShift, xNames, yName, standardize, blockMoments);
    }

    private static float[] allocate(DataSource source, int n, int p, int length) {
        try {
            return new float[length];
        } catch (OutOfMemoryError e) {
            throw outOfMemory(source, n, p + 1);
        }
    }

    /**
     * The missing rows of x's read and y's read together: how many rows have one in either, and the first (x's
     * where both are in the same row, as one read of x then y would say).
     */
    private static DataSource.Missing merge(DataSource.Missing inX, DataSource.Missing inY, float[] x, float[] y,
                                            int p) {
        if (inX.rows() == 0) {
            return inY;
        }
        if (inY.rows() == 0) {
            return inX;
        }
        long rows = 0;
        for (int i = 0; i < y.length; i++) {
            boolean hole = Float.isNaN(y[i]);
            for (int j = 0; j < p && !hole; j++) {
                hole = Float.isNaN(x[i * p + j]);
            }
            rows += hole ? 1 : 0;
        }
        boolean xFirst = inY.firstRow() < 0 || inX.firstRow() >= 0 && inX.firstRow() <= inY.firstRow();
        DataSource.Missing first = xFirst ? inX : inY;
        return new DataSource.Missing(rows, first.first(), first.firstRow());
    }

    /** The read's error for missing values under --missing fail: the count, the first, and the fix. */
    public static UserError missingError(DataSource source, DataSource.Missing missing) {
        return new UserError(source.path() + ": " + missing.rows() + (missing.rows() == 1 ? " row has" : " rows have")
                + " a missing value (NA, NaN, NULL or an empty cell) in a used column, the first at " + missing.first()
                + "; give --missing drop to leave " + (missing.rows() == 1 ? "it" : "them") + " out");
    }

    /**
     * Fails before allocating when the heap cannot hold the data: one line naming the bytes and the -Xmx that
     * would, never an OutOfMemoryError. Sampling needs about as much again (the backend's per-row buffers).
     */
    private static void checkMemory(DataSource source, long n, int columns) {
        Runtime rt = Runtime.getRuntime();
        long need = 4L * n * columns;
        long used = rt.totalMemory() - rt.freeMemory();
        long available = rt.maxMemory() - used;
        if (need > available) {
            throw outOfMemory(source, n, columns);
        }
    }

    private static UserError outOfMemory(DataSource source, long n, int columns) {
        long need = 4L * n * columns;
        long suggest = (long) Math.ceil((need * 2.2 + (256L << 20)) / (double) (1L << 30));
        return new UserError(String.format(Locale.ROOT, "%s: %d rows x %d columns need %s of float32 to read and "
                + "about as much again to sample; this JVM may use %s: give it more, e.g. JAVA_OPTS=-Xmx%dg",
                source.path(), n, columns, bytes(need), bytes(Runtime.getRuntime().maxMemory()), suggest));
    }

    static String bytes(long b) {
        return b >= (1L << 30) ? String.format(Locale.ROOT, "%.1f GiB", b / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.0f MiB", b / (double) (1L << 20));
    }
}
