package bmoe.model;

import java.util.List;

/**
 * Observations on the sampler's scale, validated once: x is float32 row-major n x p (the intercept is
 * implicit), y is float32 of length n. Per-observation maths widens to double; sums over n are double.
 *
 * <p>The rows are in this JVM ({@link #x()}, {@link #y()}), or held elsewhere ({@link #elsewhere}: a cluster's
 * executors, which read the file and run the kernels there). Then this JVM has only what the sampler asks of the
 * data besides its kernels: a few rows at a time ({@link #rows}, the start's subsample), the response's range
 * ({@link #yRange}, the default prior's rate) and the x columns' moments ({@link #xMoments}).
 */
public final class Dataset {
    private final float[] x;
    private final float[] y;
    private final int n;
    private final int p;
    private final List<String> xNames;
    private final String yName;
    private final Scaling scaling;
    private final Elsewhere elsewhere;

    private Dataset(float[] x, float[] y, int n, int p, List<String> xNames, String yName, Scaling scaling) {
        this(x, y, n, p, xNames, yName, scaling, null);
    }

    private Dataset(float[] x, float[] y, int n, int p, List<String> xNames, String yName, Scaling scaling,
                    Elsewhere elsewhere) {
        this.x = x;
        this.y = y;
        this.n = n;
        this.p = p;
        this.xNames = List.copyOf(xNames);
        this.yName = yName;
        this.scaling = scaling;
        this.elsewhere = elsewhere;
    }

    /** Rows held outside this JVM: fetches some of them on the sampler's scale. */
    public interface RowSource {
        /** Rows {@code rows} (0-based, any order, repeats allowed) into x (row-major, rows.length x p) and y. */
        void fetch(int[] rows, float[] x, float[] y);
    }

    /**
     * What a data set held elsewhere keeps here: its rows' source, the response's smallest and largest value and
     * each x column's mean and sample sd (all on the sampler's scale, as the holder computed them).
     */
    private record Elsewhere(RowSource rows, float yMin, float yMax, double[] xMean, double[] xSd) {}

    /**
     * A data set whose rows are held elsewhere (see the class comment), on the sampler's scale already: {@code
     * scaling} is what maps it back to the original scale.
     *
     * @param yMin the smallest y on the sampler's scale; {@code yMax} the largest
     * @param xMean each x column's mean on the sampler's scale; {@code xSd} its sample sd (divisor n - 1)
     */
    public static Dataset elsewhere(int n, int p, List<String> xNames, String yName, Scaling scaling, float yMin,
                                    float yMax, double[] xMean, double[] xSd, RowSource rows) {
        if (n < 1) {
            throw new IllegalArgumentException("no observations");
        }
        if (xNames.size() != p || xMean.length != p || xSd.length != p) {
            throw new IllegalArgumentException("expected " + p + " x names and moments");
        }
        return new Dataset(null, null, n, p, xNames, yName, scaling,
                new Elsewhere(rows, yMin, yMax, xMean.clone(), xSd.clone()));
    }

    /** Where the rows are held when not here ({@link #elsewhere}); null when they are in this JVM. */
    public RowSource source() {
        return elsewhere == null ? null : elsewhere.rows();
    }

    /** Whether the rows are in this JVM ({@link #x()} and {@link #y()}); else see {@link #elsewhere}. */
    public boolean isLocal() {
        return elsewhere == null;
    }

    /** Rows {@code rows} (0-based) into x (row-major, rows.length x p) and y: copied, or fetched from elsewhere. */
    public void rows(int[] rows, float[] xOut, float[] yOut) {
        if (elsewhere != null) {
            elsewhere.rows().fetch(rows, xOut, yOut);
            return;
        }
        for (int s = 0; s < rows.length; s++) {
            System.arraycopy(x, rows[s] * p, xOut, s * p, p);
            yOut[s] = y[rows[s]];
        }
    }

    /** The smallest and the largest y, on the sampler's scale. */
    public float[] yRange() {
        if (elsewhere != null) {
            return new float[] {elsewhere.yMin(), elsewhere.yMax()};
        }
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (float v : y) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        return new float[] {lo, hi};
    }

    /**
     * Each x column's mean and sample sd on the sampler's scale: {mean, sd}. Here: two passes over the column in
     * row order; elsewhere: as the holder computed them (block sums combined, so they may differ from these in
     * the last bits).
     */
    public double[][] xMoments() {
        if (elsewhere != null) {
            return new double[][] {elsewhere.xMean().clone(), elsewhere.xSd().clone()};
        }
        double[] mean = new double[p];
        double[] sd = new double[p];
        for (int j = 0; j < p; j++) {
            double m = 0;
            for (int i = 0; i < n; i++) {
                m += x[i * p + j];
            }
            m /= n;
            double ss = 0;
            for (int i = 0; i < n; i++) {
                double dx = x[i * p + j] - m;
                ss += dx * dx;
            }
            mean[j] = m;
            sd[j] = Math.sqrt(ss / Math.max(1, n - 1));
        }
        return new double[][] {mean, sd};
    }

    /**
     * Builds a data set from original-scale columns.
     *
     * @param xColumns p columns of length n. Not modified.
     * @param standardize whether the sampler sees centred, unit-variance x and y
     * @throws IllegalArgumentException for a non-finite value, ragged columns or a constant x column
     */
    public static Dataset fromColumns(double[][] xColumns, double[] yColumn, List<String> xNames, String yName,
                                      boolean standardize) {
        int p = xColumns.length;
        int n = yColumn.length;
        if (xNames.size() != p) {
            throw new IllegalArgumentException("expected " + p + " x names, got " + xNames.size());
        }
        if (n < 1) {
            throw new IllegalArgumentException("no observations");
        }
        // measured (and so checked) whether or not it is applied
        Scaling measured = measuredScaling(xColumns, yColumn, xNames, yName);
        Scaling scaling;
        if (standardize) {
            checkResponseVaries(measured, yName);
            scaling = measured;
        } else {
            scaling = Scaling.identity(p);
        }
        float[] x = new float[Math.multiplyExact(n, p)];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < p; j++) {
                x[i * p + j] = (float) ((xColumns[j][i] - scaling.xMean()[j]) / scaling.xSd()[j]);
            }
            y[i] = (float) ((yColumn[i] - scaling.yMean()) / scaling.ySd());
        }
        return new Dataset(x, y, n, p, xNames, yName, scaling);
    }

    /**
     * The standardisation of these columns: x and y centred and divided by their sample standard deviations
     * (divisor n - 1), as {@link #fromColumns} applies it when asked to standardise.
     *
     * @param xColumns p columns of length n. Not modified.
     * @throws IllegalArgumentException for a non-finite value, ragged columns or a constant column
     */
    public static Scaling standardScaling(double[][] xColumns, double[] yColumn, List<String> xNames, String yName) {
        Scaling measured = measuredScaling(xColumns, yColumn, xNames, yName);
        checkResponseVaries(measured, yName);
        return measured;
    }

    /** Means and sample standard deviations of the columns; y's may be 0. Checks as {@link #standardScaling}. */
    private static Scaling measuredScaling(double[][] xColumns, double[] yColumn, List<String> xNames, String yName) {
        int p = xColumns.length;
        int n = yColumn.length;
        if (xNames.size() != p) {
            throw new IllegalArgumentException("expected " + p + " x names, got " + xNames.size());
        }
        double[] xMean = new double[p];
        double[] xSd = new double[p];
        for (int j = 0; j < p; j++) {
            if (xColumns[j].length != n) {
                throw new IllegalArgumentException("column " + xNames.get(j) + " has " + xColumns[j].length
                        + " values, y has " + n);
            }
            double[] ms = meanSd(xColumns[j], xNames.get(j));
            if (!(ms[1] > 0)) {
                throw new IllegalArgumentException("column " + xNames.get(j) + " is constant (zero variance)");
            }
            xMean[j] = ms[0];
            xSd[j] = ms[1];
        }
        double[] yms = meanSd(yColumn, yName);
        return new Scaling(xMean, xSd, yms[0], yms[1]);
    }

    private static void checkResponseVaries(Scaling measured, String yName) {
        if (!(measured.ySd() > 0)) {
            throw new IllegalArgumentException("column " + yName + " is constant (zero variance)");
        }
    }

    /** Rows per block of the moment sums: fixed, so that the sums (and the draws) do not depend on threads. */
    public static final int MOMENT_BLOCK = 1 << 16;

    /**
     * Builds a data set from float32 columns as read from a file, in place (no copy: at n = 1e8 the data is
     * the largest thing in memory). Each stored value is the original minus its column's shift; the means and
     * sds are computed in double from the stored values, summed over fixed blocks of rows in a fixed order,
     * and the values are then standardised where they lie (or, without standardising, the shift added back).
     *
     * @param x row-major n x p, raw minus {@code xShift}; overwritten and kept
     * @param y raw minus {@code yShift}; overwritten and kept
     * @throws IllegalArgumentException for a value beyond float32's range or a constant column
     */
    public static Dataset fromRaw(float[] x, float[] y, int p, double[] xShift, double yShift, List<String> xNames,
                                  String yName, boolean standardize) {
        return fromRaw(x, y, p, xShift, yShift, xNames, yName, standardize, null);
    }

    /**
     * As {@link #fromRaw(float[], float[], int, double[], double[], List, String, boolean)}, with the moments of
     * some blocks already computed by {@link #blockMoments} (a reader that had the block in cache as it stored
     * it: see RawData); entries that are null, or all of them when the array is null, are computed here.
     *
     * @param blockMoments per block of {@link #MOMENT_BLOCK} rows, its {@link #blockMoments}, or null
     */
    public static Dataset fromRaw(float[] x, float[] y, int p, double[] xShift, double yShift, List<String> xNames,
                                  String yName, boolean standardize, double[][] blockMoments) {
        int n = y.length;
        if (x.length != (long) n * p || xShift.length != p || xNames.size() != p) {
            throw new IllegalArgumentException("x has " + x.length + " values, expected n * p = " + (long) n * p);
        }
        if (n < 1) {
            throw new IllegalArgumentException("no observations");
        }
        int blocks = (n + MOMENT_BLOCK - 1) / MOMENT_BLOCK;
        if (blockMoments != null && blockMoments.length != blocks) {
            throw new IllegalArgumentException(blockMoments.length + " blocks' moments for " + blocks + " blocks");
        }
        double[][] moments = blockMoments != null ? blockMoments.clone() : new double[blocks][];
        java.util.stream.IntStream.range(0, blocks).parallel().forEach(b -> {
            if (moments[b] == null) {
                moments[b] = blockMoments(x, y, p, b);
            }
        });
        Standardisation st = standardisation(moments, n, p, xShift, yShift, xNames, yName, standardize);
        double[] centre = st.centre();
        double[] scale = st.scale();
        Scaling scaling = st.scaling();
        java.util.stream.IntStream.range(0, blocks).parallel().forEach(b -> {
            int from = b * MOMENT_BLOCK;
            int to = (int) Math.min(n, (long) from + MOMENT_BLOCK);
            for (int r = from; r < to; r += MOMENT_ROWS) {
                standardise(x, y, p, r, Math.min(to, r + MOMENT_ROWS), centre, scale);
            }
        });
        return new Dataset(x, y, n, p, xNames, yName, scaling);
    }

    /**
     * What {@link #fromRaw} makes of the blocks' moments: the scaling, and how each stored value becomes the
     * sampler's, {@code (float) ((v - centre[j]) / scale[j])} (x columns, then y at p). Public for readers that hold
     * the rows elsewhere (bmoe-spark's executors compute each block's {@link #blockMoments} and apply this).
     *
     * @param centre stored values' centre per column; {@code scale} their divisor
     * @param mean the stored values' mean per column (x, then y); {@code sd} their sample sd
     */
    public record Standardisation(Scaling scaling, double[] centre, double[] scale, double[] mean, double[] sd) {}

    /**
     * Combines the moments of the blocks of {@link #MOMENT_BLOCK} rows (each as {@link #blockMoments} gives it),
     * in block order (Chan et al.'s merge), into the standardisation of n rows stored minus {@code xShift} and
     * {@code yShift}; the checks and messages of {@link #fromRaw}.
     */
    public static Standardisation standardisation(double[][] moments, int n, int p, double[] xShift, double yShift,
                                                  List<String> xNames, String yName, boolean standardize) {
        int blocks = (n + MOMENT_BLOCK - 1) / MOMENT_BLOCK;
        if (moments.length != blocks) {
            throw new IllegalArgumentException(moments.length + " blocks' moments for " + blocks + " blocks");
        }
        // Chan et al.'s merge of the blocks' means and squared deviations, in block order
        double[] mean = new double[p + 1];
        double[] m2 = new double[p + 1];
        long count = 0;
        for (int b = 0; b < blocks; b++) {
            long rows = Math.min(n, (long) (b + 1) * MOMENT_BLOCK) - (long) b * MOMENT_BLOCK;
            long total = count + rows;
            for (int j = 0; j <= p; j++) {
                double delta = moments[b][j] - mean[j];
                mean[j] += delta * rows / total;
                m2[j] += moments[b][p + 1 + j] + delta * delta * ((double) count * rows / total);
            }
            count = total;
        }
        double[] sd = new double[p + 1];
        for (int j = 0; j <= p; j++) {
            String name = j < p ? xNames.get(j) : yName;
            if (!Double.isFinite(mean[j]) || !Double.isFinite(m2[j])) {
                throw new IllegalArgumentException("column " + name + " has a value beyond float32's range (3.4e38)");
            }
            sd[j] = n > 1 ? Math.sqrt(m2[j] / (n - 1)) : 0.0;
            if (j < p && !(sd[j] > 0)) {
                throw new IllegalArgumentException("column " + name + " is constant (zero variance)");
            }
        }
        Scaling scaling;
        if (standardize) {
            if (!(sd[p] > 0)) {
                throw new IllegalArgumentException("column " + yName + " is constant (zero variance)");
            }
            double[] xMean = new double[p];
            for (int j = 0; j < p; j++) {
                xMean[j] = xShift[j] + mean[j];
            }
            scaling = new Scaling(xMean, java.util.Arrays.copyOf(sd, p), yShift + mean[p], sd[p]);
        } else {
            scaling = Scaling.identity(p);
        }
        double[] centre = new double[p + 1];
        double[] scale = new double[p + 1];
        for (int j = 0; j <= p; j++) {
            // standardised: (v - mean) / sd of the stored values; original: the stored value plus its shift
            centre[j] = standardize ? mean[j] : -(j < p ? xShift[j] : yShift);
            scale[j] = standardize ? sd[j] : 1.0;
        }
        return new Standardisation(scaling, centre, scale, mean, sd);
    }

    /**
     * Rows [from, to) of x and y as (v - centre) / scale, in place: a method of its own, called for a few
     * thousand rows at a time, so that a fresh JVM compiles it once rather than as an OSR of the block loop too.
     * Public for readers that hold the rows elsewhere, so that their values are these bits.
     */
    public static void standardise(float[] x, float[] y, int p, int from, int to, double[] centre,
                                    double[] scale) {
        for (int i = from; i < to; i++) {
            int base = i * p;
            for (int j = 0; j < p; j++) {
                x[base + j] = (float) ((x[base + j] - centre[j]) / scale[j]);
            }
            y[i] = (float) ((y[i] - centre[p]) / scale[p]);
        }
    }

    /**
     * Block b's mean of each column (x columns, then y) and, from a second pass over the block while it is in
     * cache, the sum of squared deviations from that mean: one read of the data from memory, not two. The
     * block is rows [b * MOMENT_BLOCK, min(n, (b + 1) * MOMENT_BLOCK)) of x (row-major n x p) and y.
     */
    public static double[] blockMoments(float[] x, float[] y, int p, int b) {
        int n = y.length;
        int from = b * MOMENT_BLOCK;
        int to = (int) Math.min(n, (long) from + MOMENT_BLOCK);
        double[] s = new double[2 * (p + 1)];
        // each column is summed over the rows in their order, whatever the loops' shape: the same sums as one
        // pass of s[j] += x[i * p + j], faster with four columns' sums in registers over rows still in cache
        for (int r = from; r < to; r += MOMENT_ROWS) {
            int end = Math.min(to, r + MOMENT_ROWS);
            for (int j = 0; j < p; j += 4) {
                columnSums(x, p, j, Math.min(4, p - j), r, end, s, 0, null);
            }
            s[p] = sum(y, r, end, s[p]);
        }
        for (int j = 0; j <= p; j++) {
            s[j] /= to - from;
        }
        for (int r = from; r < to; r += MOMENT_ROWS) {
            int end = Math.min(to, r + MOMENT_ROWS);
            for (int j = 0; j < p; j += 4) {
                columnSums(x, p, j, Math.min(4, p - j), r, end, s, p + 1, s);
            }
            s[2 * p + 1] = squares(y, r, end, s[p], s[2 * p + 1]);
        }
        return s;
    }

    /** {@code a} plus y[from, to), in order (a loop of its own: blockMoments has none a fresh JVM compiles twice). */
    private static double sum(float[] y, int from, int to, double a) {
        for (int i = from; i < to; i++) {
            a += y[i];
        }
        return a;
    }

    /** {@code a} plus the squared deviations of y[from, to) from {@code mean}, in order. */
    private static double squares(float[] y, int from, int to, double mean, double a) {
        for (int i = from; i < to; i++) {
            double d = y[i] - mean;
            a += d * d;
        }
        return a;
    }

    /** Rows of a block summed at a time in {@link #blockMoments}: their float32 rows stay in cache. */
    private static final int MOMENT_ROWS = 4096;

    /**
     * Adds columns j..j+k-1 (k at most 4) of x's rows [from, to) to s[at + j ...]: the values, or with
     * {@code mean} their squared deviations from mean[j ...].
     */
    private static void columnSums(float[] x, int p, int j, int k, int from, int to, double[] s, int at,
                                   double[] mean) {
        double a0 = s[at + j];
        double a1 = k > 1 ? s[at + j + 1] : 0;
        double a2 = k > 2 ? s[at + j + 2] : 0;
        double a3 = k > 3 ? s[at + j + 3] : 0;
        int q = from * p + j;
        int end = to * p + j;
        if (mean == null) {
            switch (k) {
                case 4 -> {
                    for (; q < end; q += p) {
                        a0 += x[q];
                        a1 += x[q + 1];
                        a2 += x[q + 2];
                        a3 += x[q + 3];
                    }
                }
                case 3 -> {
                    for (; q < end; q += p) {
                        a0 += x[q];
                        a1 += x[q + 1];
                        a2 += x[q + 2];
                    }
                }
                case 2 -> {
                    for (; q < end; q += p) {
                        a0 += x[q];
                        a1 += x[q + 1];
                    }
                }
                default -> {
                    for (; q < end; q += p) {
                        a0 += x[q];
                    }
                }
            }
        } else {
            double m0 = mean[j];
            double m1 = k > 1 ? mean[j + 1] : 0;
            double m2 = k > 2 ? mean[j + 2] : 0;
            double m3 = k > 3 ? mean[j + 3] : 0;
            switch (k) {
                case 4 -> {
                    for (; q < end; q += p) {
                        double d0 = x[q] - m0;
                        double d1 = x[q + 1] - m1;
                        double d2 = x[q + 2] - m2;
                        double d3 = x[q + 3] - m3;
                        a0 += d0 * d0;
                        a1 += d1 * d1;
                        a2 += d2 * d2;
                        a3 += d3 * d3;
                    }
                }
                case 3 -> {
                    for (; q < end; q += p) {
                        double d0 = x[q] - m0;
                        double d1 = x[q + 1] - m1;
                        double d2 = x[q + 2] - m2;
                        a0 += d0 * d0;
                        a1 += d1 * d1;
                        a2 += d2 * d2;
                    }
                }
                case 2 -> {
                    for (; q < end; q += p) {
                        double d0 = x[q] - m0;
                        double d1 = x[q + 1] - m1;
                        a0 += d0 * d0;
                        a1 += d1 * d1;
                    }
                }
                default -> {
                    for (; q < end; q += p) {
                        double d0 = x[q] - m0;
                        a0 += d0 * d0;
                    }
                }
            }
        }
        s[at + j] = a0;
        if (k > 1) {
            s[at + j + 1] = a1;
        }
        if (k > 2) {
            s[at + j + 2] = a2;
        }
        if (k > 3) {
            s[at + j + 3] = a3;
        }
    }

    /** A data set already on the sampler's scale (tests, simulation-based checks). Arrays are copied. */
    public static Dataset standardizedView(float[] x, float[] y, int p) {
        int n = y.length;
        if (x.length != (long) n * p) {
            throw new IllegalArgumentException("x has " + x.length + " values, expected n * p = " + (long) n * p);
        }
        List<String> names = new java.util.ArrayList<>();
        for (int j = 1; j <= p; j++) {
            names.add("x" + j);
        }
        return new Dataset(x.clone(), y.clone(), n, p, names, "y", Scaling.identity(p));
    }

    /**
     * This data set without the given rows, on the same scale (the same scaling, not one recomputed from the
     * rows left): the model of a leave-out refit is the full data's, only the rows differ. Arrays are copied.
     *
     * @param rows distinct rows to leave out, in increasing order
     */
    public Dataset withoutRows(int[] rows) {
        local();
        for (int r = 0; r < rows.length; r++) {
            if (rows[r] < 0 || rows[r] >= n || r > 0 && rows[r] <= rows[r - 1]) {
                throw new IllegalArgumentException("rows to leave out must be distinct, increasing and in [0, " + n
                        + "), got " + java.util.Arrays.toString(rows));
            }
        }
        int m = n - rows.length;
        float[] keptX = new float[m * p];
        float[] keptY = new float[m];
        int to = 0;
        int next = 0;
        for (int i = 0; i < n; i++) {
            if (next < rows.length && rows[next] == i) {
                next++;
                continue;
            }
            System.arraycopy(x, i * p, keptX, to * p, p);
            keptY[to++] = y[i];
        }
        return new Dataset(keptX, keptY, m, p, xNames, yName, scaling);
    }

    /**
     * Rows {@code rows} (0-based, any order, repeats allowed) as a data set of their own, here, on this data set's
     * scale (the same scaling, not one recomputed from the rows): rows held elsewhere come in one request.
     */
    public Dataset ofRows(int[] rows) {
        for (int r : rows) {
            if (r < 0 || r >= n) {
                throw new IllegalArgumentException("row " + r + " is not in [0, " + n + ")");
            }
        }
        float[] xs = new float[rows.length * p];
        float[] ys = new float[rows.length];
        rows(rows, xs, ys);
        return new Dataset(xs, ys, rows.length, p, xNames, yName, scaling);
    }

    /** The same design with a new response (Geweke's successive-conditional simulator). */
    public Dataset withResponse(float[] newY) {
        local();
        if (newY.length != n) {
            throw new IllegalArgumentException("response length " + newY.length + " != n " + n);
        }
        return new Dataset(x, newY.clone(), n, p, xNames, yName, scaling);
    }

    private static double[] meanSd(double[] v, String name) {
        // Welford: one pass, stable for large n and offset data
        double mean = 0;
        double m2 = 0;
        for (int i = 0; i < v.length; i++) {
            double value = v[i];
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("column " + name + " row " + (i + 1) + " is not finite: " + value);
            }
            double delta = value - mean;
            mean += delta / (i + 1);
            m2 += delta * (value - mean);
        }
        double sd = v.length > 1 ? Math.sqrt(m2 / (v.length - 1)) : 0.0;
        return new double[] {mean, sd};
    }

    /** Row-major n x p design without the intercept column; shared, not copied: do not modify. */
    public float[] x() {
        return local().x;
    }

    /** Responses; shared, not copied: do not modify. */
    public float[] y() {
        return local().y;
    }

    private Dataset local() {
        if (elsewhere != null) {
            throw new IllegalStateException("the rows of this data set are held elsewhere (" + n + " rows): only its "
                    + "own backend reads them");
        }
        return this;
    }

    public int n() {
        return n;
    }

    public int p() {
        return p;
    }

    /** d = p + 1, the length of a design row with its intercept. */
    public int dim() {
        return p + 1;
    }

    public List<String> xNames() {
        return xNames;
    }

    public String yName() {
        return yName;
    }

    public Scaling scaling() {
        return scaling;
    }

    /** Design row x~_i = (1, x_i) as doubles. */
    public void designRow(int i, double[] row) {
        local();
        row[0] = 1.0;
        int base = i * p;
        for (int j = 0; j < p; j++) {
            row[j + 1] = x[base + j];
        }
    }
}
