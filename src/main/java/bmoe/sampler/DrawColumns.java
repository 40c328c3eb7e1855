package bmoe.sampler;

import bmoe.model.Params;
import java.util.ArrayList;
import java.util.List;

/**
 * The parameter columns of draws.csv: w.k.j (k = 1..K-1), beta.k.j (k = 1..K), sigma2.k (k = 1..K), with
 * k the 1-based expert and j = 0 the intercept, j = 1..p the x columns in order.
 *
 * <p>When K is a parameter the columns are those of KMAX experts, and a draw with K &lt; KMAX fills experts 1..K
 * (expert K its reference, so w.K.j onwards are empty too) and leaves the rest NaN (empty cells in draws.csv): the
 * number of experts of a row is its number of sigma2 values ({@link #expertsIn}).
 */
public final class DrawColumns {
    private DrawColumns() {}

    public static List<String> names(int experts, int p) {
        List<String> names = new ArrayList<>();
        for (int k = 1; k < experts; k++) {
            for (int j = 0; j <= p; j++) {
                names.add("w." + k + "." + j);
            }
        }
        for (int k = 1; k <= experts; k++) {
            for (int j = 0; j <= p; j++) {
                names.add("beta." + k + "." + j);
            }
        }
        for (int k = 1; k <= experts; k++) {
            names.add("sigma2." + k);
        }
        return names;
    }

    public static int count(int experts, int p) {
        return (2 * experts - 1) * (p + 1) + experts;
    }

    public static double[] flatten(Params params) {
        return flatten(params, params.experts());
    }

    /** The row of a draw in the columns of {@code width} >= K experts, NaN where the draw has no expert. */
    public static double[] flatten(Params params, int width) {
        int experts = params.experts();
        int d = params.dim();
        if (width < experts) {
            throw new IllegalArgumentException("a draw of " + experts + " experts in columns for " + width);
        }
        double[] row = new double[count(width, d - 1)];
        java.util.Arrays.fill(row, Double.NaN);
        for (int k = 0; k < experts - 1; k++) {
            System.arraycopy(params.w()[k], 0, row, k * d, d);
        }
        int betas = (width - 1) * d;
        for (int k = 0; k < experts; k++) {
            System.arraycopy(params.beta()[k], 0, row, betas + k * d, d);
        }
        int variances = (2 * width - 1) * d;
        for (int k = 0; k < experts; k++) {
            row[variances + k] = params.s2()[k];
        }
        return row;
    }

    /** The number of experts of a row in the columns of {@code width} experts: its leading sigma2 values. */
    public static int expertsIn(double[] row, int width, int p) {
        int variances = (2 * width - 1) * (p + 1);
        int k = 0;
        while (k < width && !Double.isNaN(row[variances + k])) {
            k++;
        }
        if (k == 0) {
            throw new IllegalArgumentException("a draw without any expert");
        }
        return k;
    }

    /** The draw of a row in the columns of {@code width} experts (all of them when K is fixed, else {@link #expertsIn}). */
    public static Params unflatten(double[] row, int width, int p) {
        int d = p + 1;
        if (row.length != count(width, p)) {
            throw new IllegalArgumentException("expected " + count(width, p) + " values, got " + row.length);
        }
        int experts = expertsIn(row, width, p);
        double[][] w = new double[experts - 1][];
        double[][] beta = new double[experts][];
        double[] s2 = new double[experts];
        for (int k = 0; k < experts - 1; k++) {
            w[k] = java.util.Arrays.copyOfRange(row, k * d, (k + 1) * d);
        }
        int betas = (width - 1) * d;
        for (int k = 0; k < experts; k++) {
            beta[k] = java.util.Arrays.copyOfRange(row, betas + k * d, betas + (k + 1) * d);
        }
        int variances = (2 * width - 1) * d;
        for (int k = 0; k < experts; k++) {
            s2[k] = row[variances + k];
        }
        return new Params(w, beta, s2);
    }
}
