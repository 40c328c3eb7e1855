package bmoe.plot;

import java.util.List;
import java.util.Locale;

/**
 * Argument checks shared by the plots. Each failure is one {@link IllegalArgumentException} line that starts
 * with the plot's name ("trace: chain 2 has 99 draws but chain 1 has 100"), so a caller can pass it on as is.
 */
final class PlotInput {
    /** A line needs two points; with one the renderer draws nothing and the plot would look empty. */
    static final int MIN_LINE_POINTS = 2;

    /**
     * Widest range one axis can show. JFreeChart widens the data range by margins and rounds it to tick units;
     * a range whose length overflows to infinity fails deep inside it with a bare "Must be finite.".
     */
    static final double MAX_SPAN = Double.MAX_VALUE / 4;

    private PlotInput() {}

    static <T> T nonNull(String plot, String name, T value) {
        if (value == null) {
            throw new IllegalArgumentException(plot + ": " + name + " is null");
        }
        return value;
    }

    /** Rejects NaN and infinities: the plots draw finite values only (see {@link Plots}). */
    static void finite(String plot, String name, double[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s: %s[%d] is %s; plots take finite values only", plot, name, i, values[i]));
            }
        }
    }

    static void sameLength(String plot, String name, double[] values, String refName, int refLength) {
        if (values.length != refLength) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: %s has %d values but %s has %d",
                    plot, name, values.length, refName, refLength));
        }
    }

    static void atLeast(String plot, String name, int length, int min) {
        if (length < min) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: %s has %d values; it needs at least %d",
                    plot, name, length, min));
        }
    }

    /** A band is drawn as a polygon in grid order, so an unsorted grid would draw a tangle. */
    static void strictlyIncreasing(String plot, String name, double[] grid) {
        for (int i = 1; i < grid.length; i++) {
            if (!(grid[i] > grid[i - 1])) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s: %s must be strictly increasing, but %s[%d] = %s follows %s", plot, name, name, i,
                        grid[i], grid[i - 1]));
            }
        }
    }

    static void ordered(String plot, String loName, double[] lo, String hiName, double[] hi) {
        for (int i = 0; i < lo.length; i++) {
            if (lo[i] > hi[i]) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: %s[%d] = %s is above %s[%d] = %s",
                        plot, loName, i, lo[i], hiName, i, hi[i]));
            }
        }
    }

    /** Checks that all values drawn along one axis (already known finite) fit on it: see {@link #MAX_SPAN}. */
    static void span(String plot, String axis, List<double[]> arrays) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double[] values : arrays) {
            for (double v : values) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        if (max - min > MAX_SPAN) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: values on the %s axis run from %s to %s, a wider range than a plot can show (%s)", plot,
                    axis, min, max, MAX_SPAN));
        }
    }

    /** Null check, then finiteness and length against the reference array. */
    static void series(String plot, String name, double[] values, String refName, int refLength) {
        nonNull(plot, name, values);
        sameLength(plot, name, values, refName, refLength);
        finite(plot, name, values);
    }
}
