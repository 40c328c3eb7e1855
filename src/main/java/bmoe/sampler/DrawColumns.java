package bmoe.sampler;

import bmoe.model.Params;
import java.util.ArrayList;
import java.util.List;

/**
 * The parameter columns of draws.csv: w.k.j (k = 1..K-1), beta.k.j (k = 1..K), sigma2.k (k = 1..K), with
 * k the 1-based expert and j = 0 the intercept, j = 1..p the x columns in order.
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
        int experts = params.experts();
        int d = params.dim();
        double[] row = new double[count(experts, d - 1)];
        int c = 0;
        for (int k = 0; k < experts - 1; k++) {
            for (int j = 0; j < d; j++) {
                row[c++] = params.w()[k][j];
            }
        }
        for (int k = 0; k < experts; k++) {
            for (int j = 0; j < d; j++) {
                row[c++] = params.beta()[k][j];
            }
        }
        for (int k = 0; k < experts; k++) {
            row[c++] = params.s2()[k];
        }
        return row;
    }

    public static Params unflatten(double[] row, int experts, int p) {
        int d = p + 1;
        if (row.length != count(experts, p)) {
            throw new IllegalArgumentException("expected " + count(experts, p) + " values, got " + row.length);
        }
        double[][] w = new double[experts - 1][d];
        double[][] beta = new double[experts][d];
        double[] s2 = new double[experts];
        int c = 0;
        for (int k = 0; k < experts - 1; k++) {
            for (int j = 0; j < d; j++) {
                w[k][j] = row[c++];
            }
        }
        for (int k = 0; k < experts; k++) {
            for (int j = 0; j < d; j++) {
                beta[k][j] = row[c++];
            }
        }
        for (int k = 0; k < experts; k++) {
            s2[k] = row[c++];
        }
        return new Params(w, beta, s2);
    }
}
