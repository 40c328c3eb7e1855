package bmoe.plot;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * PNG figures of a fit: trace plots, the posterior regression curve with its band over the data, and
 * predictive densities. Every method is a pure function of its arrays (none is modified) that writes one
 * {@value #WIDTH}x{@value #HEIGHT} PNG atomically: rendered into a temporary file beside {@code png} and renamed
 * into place, so a half-written image never carries the real name.
 *
 * <p>Values to draw must be finite: a NaN or an infinity is rejected with an {@link IllegalArgumentException}
 * naming the array and index, never silently skipped. Every array drawn here comes from bmoe's own validated
 * data or from posterior summaries, so a non-finite value is a fault upstream, and a plot that quietly left
 * points out would hide it. Other bad input (null, mismatched lengths, empty or too short series, unsorted
 * grids, {@code lo > hi}, values spread wider than an axis can show) is rejected the same way, before anything is written. A folder that is missing or
 * not writable, or a failed write, is a {@link bmoe.io.UserError}, as for every other output file.
 *
 * <p>Rendering is headless: loading this class sets {@code java.awt.headless=true} unless the property was
 * set already, so the plots work on machines without a display (CI). The chart code itself lives in
 * package-private classes, so no AWT class is initialised before the property is set. Text uses the logical
 * font SansSerif, which the JDK resolves through fontconfig (on Debian: {@code libfontconfig1}, a dependency
 * of the JDK package, with {@code fonts-dejavu-core}).
 */
public final class Plots {
    /** Image size in pixels: wide enough for a legend of several chains beside readable 14 pt tick labels. */
    static final int WIDTH = 900;
    static final int HEIGHT = 600;
    /** Most data points a scatter draws: beyond that points only overplot, and n = 1e7 would take minutes. */
    static final int MAX_SCATTER_POINTS = 5000;

    static {
        // Must precede the first use of any AWT graphics class; an explicit setting by the user wins.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Plots() {}

    /**
     * Trace plot: draw value against iteration (1, 2, ...), one line per chain in distinct colours, with a
     * legend "chain 1" .. "chain C".
     *
     * @param chains {@code chains[c][t]}: draw t of chain c; all chains the same length, at least 2 draws.
     *               Not modified.
     */
    public static void trace(Path png, String title, String yLabel, double[][] chains) {
        String plot = "trace";
        checkCommon(plot, png, title);
        PlotInput.nonNull(plot, "yLabel", yLabel);
        PlotInput.nonNull(plot, "chains", chains);
        if (chains.length == 0) {
            throw new IllegalArgumentException(plot + ": chains is empty; a trace needs at least one chain");
        }
        PlotInput.nonNull(plot, "chain 1", chains[0]);
        PlotInput.atLeast(plot, "chain 1", chains[0].length, PlotInput.MIN_LINE_POINTS);
        for (int c = 0; c < chains.length; c++) {
            PlotInput.series(plot, "chain " + (c + 1), chains[c], "chain 1", chains[0].length);
        }
        PlotInput.span(plot, "vertical", List.of(chains));
        PngFile.write(png, Charts.trace(title, yLabel, chains), WIDTH, HEIGHT);
    }

    /**
     * Bar chart of a distribution over 1, 2, ..., m (the posterior of the number of experts), with the prior beside
     * it: two bars per value.
     *
     * @param posterior P(k | y) for k = 1..m (index k - 1), each in [0, 1]; not modified
     * @param prior P(k) for the same k; not modified
     */
    public static void counts(Path png, String title, String xLabel, double[] posterior, double[] prior) {
        String plot = "counts";
        checkCommon(plot, png, title);
        PlotInput.nonNull(plot, "xLabel", xLabel);
        PlotInput.nonNull(plot, "posterior", posterior);
        PlotInput.nonNull(plot, "prior", prior);
        PlotInput.atLeast(plot, "posterior", posterior.length, 1);
        PlotInput.series(plot, "posterior", posterior, "posterior", posterior.length);
        PlotInput.series(plot, "prior", prior, "posterior", posterior.length);
        for (int k = 0; k < posterior.length; k++) {
            if (posterior[k] < 0 || posterior[k] > 1 || prior[k] < 0 || prior[k] > 1) {
                throw new IllegalArgumentException(plot + ": probabilities must be in [0, 1], got " + posterior[k]
                        + " and " + prior[k] + " at " + (k + 1));
            }
        }
        PngFile.write(png, Charts.counts(title, xLabel, posterior, prior), WIDTH, HEIGHT);
    }

    /**
     * The fitted regression over the data: a scatter of (xData, yData), the posterior mean of E[y | x] on
     * {@code grid} as a line, and the pointwise 90% band [lo, hi] (the 5% and 95% posterior quantiles of
     * E[y | x]) shaded. More than {@value #MAX_SCATTER_POINTS} data points are thinned to every m-th point
     * (m = {@link #scatterStride}), deterministically, and a subtitle says so.
     *
     * @param xData  data covariate, at least one point; not modified
     * @param yData  data response, same length; not modified
     * @param grid   strictly increasing, at least 2 points; not modified
     * @param mean   posterior mean of E[y | x] at each grid point; not modified
     * @param lo     lower band edge at each grid point, not above {@code hi}; not modified
     * @param hi     upper band edge at each grid point; not modified
     */
    public static void regressionBand(Path png, String title, double[] xData, double[] yData, double[] grid,
            double[] mean, double[] lo, double[] hi, String xLabel, String yLabel) {
        String plot = "regressionBand";
        checkCommon(plot, png, title);
        PlotInput.nonNull(plot, "xLabel", xLabel);
        PlotInput.nonNull(plot, "yLabel", yLabel);
        PlotInput.nonNull(plot, "xData", xData);
        PlotInput.atLeast(plot, "xData", xData.length, 1);
        PlotInput.finite(plot, "xData", xData);
        PlotInput.series(plot, "yData", yData, "xData", xData.length);
        checkBand(plot, "grid", grid, "mean", mean, "lo", lo, "hi", hi);
        PlotInput.span(plot, "horizontal", List.of(xData, grid));
        PlotInput.span(plot, "vertical", List.of(yData, mean, lo, hi));
        int stride = scatterStride(xData.length);
        PngFile.write(png, Charts.regressionBand(title, xData, yData, stride, grid, mean, lo, hi, xLabel, yLabel),
                WIDTH, HEIGHT);
    }

    /**
     * Predictive densities p(y | x) at a few chosen x: for each label one line (posterior mean of the density
     * on {@code yGrid}) and its shaded pointwise 90% band, each in its own colour.
     *
     * @param yGrid  strictly increasing, at least 2 points; not modified
     * @param labels one per curve, distinct, e.g. "x = 0.5"; the lists below follow its order
     * @param mean   per label: density at each yGrid point; not modified
     * @param lo     per label: lower band edge, not above {@code hi}; not modified
     * @param hi     per label: upper band edge; not modified
     * @param responseLabel the horizontal axis: the response's name
     * @param densityLabel  the vertical axis, e.g. "p(y | x)" in the data's names
     */
    public static void densities(Path png, String title, double[] yGrid, List<String> labels, List<double[]> mean,
            List<double[]> lo, List<double[]> hi, String responseLabel, String densityLabel) {
        String plot = "densities";
        checkCommon(plot, png, title);
        PlotInput.nonNull(plot, "responseLabel", responseLabel);
        PlotInput.nonNull(plot, "densityLabel", densityLabel);
        PlotInput.nonNull(plot, "labels", labels);
        PlotInput.nonNull(plot, "mean", mean);
        PlotInput.nonNull(plot, "lo", lo);
        PlotInput.nonNull(plot, "hi", hi);
        if (labels.isEmpty()) {
            throw new IllegalArgumentException(plot + ": labels is empty; give at least one curve");
        }
        int curves = labels.size();
        checkCount(plot, "mean", mean.size(), curves);
        checkCount(plot, "lo", lo.size(), curves);
        checkCount(plot, "hi", hi.size(), curves);
        Set<String> seen = new HashSet<>();
        for (int k = 0; k < curves; k++) {
            String label = PlotInput.nonNull(plot, "labels[" + k + "]", labels.get(k));
            if (!seen.add(label)) {
                throw new IllegalArgumentException(plot + ": label \"" + label + "\" appears twice");
            }
            checkBand(plot, "yGrid", yGrid, "mean[" + k + "]", mean.get(k), "lo[" + k + "]", lo.get(k),
                    "hi[" + k + "]", hi.get(k));
        }
        PlotInput.span(plot, "horizontal", List.of(yGrid));
        List<double[]> densityValues = new ArrayList<>(mean);
        densityValues.addAll(lo);
        densityValues.addAll(hi);
        // The density axis always shows 0 as well.
        densityValues.add(new double[] {0.0});
        PlotInput.span(plot, "vertical", densityValues);
        PngFile.write(png, Charts.densities(title, yGrid, labels, mean, lo, hi, responseLabel, densityLabel), WIDTH,
                HEIGHT);
    }

    /**
     * Step m of the deterministic thinning: points 0, m, 2m, ... are drawn, which is
     * ceil(n / m) &lt;= {@value #MAX_SCATTER_POINTS} points. Every m-th point rather than a random subset: the
     * same data always give the same picture, and no random stream is needed.
     */
    static int scatterStride(int n) {
        return n <= MAX_SCATTER_POINTS ? 1 : 1 + (n - 1) / MAX_SCATTER_POINTS;
    }

    private static void checkCommon(String plot, Path png, String title) {
        PlotInput.nonNull(plot, "png", png);
        PlotInput.nonNull(plot, "title", title);
    }

    private static void checkCount(String plot, String name, int size, int curves) {
        if (size != curves) {
            throw new IllegalArgumentException(
                    plot + ": " + name + " has " + size + " curves but labels has " + curves);
        }
    }

    private static void checkBand(String plot, String gridName, double[] grid, String meanName, double[] mean,
            String loName, double[] lo, String hiName, double[] hi) {
        PlotInput.nonNull(plot, gridName, grid);
        PlotInput.atLeast(plot, gridName, grid.length, PlotInput.MIN_LINE_POINTS);
        PlotInput.finite(plot, gridName, grid);
        PlotInput.strictlyIncreasing(plot, gridName, grid);
        PlotInput.series(plot, meanName, mean, gridName, grid.length);
        PlotInput.series(plot, loName, lo, gridName, grid.length);
        PlotInput.series(plot, hiName, hi, gridName, grid.length);
        PlotInput.ordered(plot, loName, lo, hiName, hi);
    }
}
