package bmoe.backend;

/** Packed lower triangle of a symmetric d x d matrix: entry (a, b), a >= b, at a (a + 1) / 2 + b. */
public final class Packed {
    private Packed() {}

    public static int size(int dim) {
        return dim * (dim + 1) / 2;
    }

    public static double[][] unpack(double[] flat, int offset, int dim) {
        double[][] m = new double[dim][dim];
        int idx = offset;
        for (int a = 0; a < dim; a++) {
            for (int b = 0; b <= a; b++) {
                m[a][b] = flat[idx];
                m[b][a] = flat[idx];
                idx++;
            }
        }
        return m;
    }
}
