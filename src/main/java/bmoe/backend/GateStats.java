package bmoe.backend;

/**
 * What kernel (c) returns for gate k: sum_i omega_ik x~ x~' (packed lower triangle) and
 * sum_i x~ (kappa_ik + omega_ik C_ik), both in double. Flat: (packed Gram, vector).
 */
public record GateStats(int dim, double[] flat) {

    public static int size(int dim) {
        return Packed.size(dim) + dim;
    }

    public static GateStats zeros(int dim) {
        return new GateStats(dim, new double[size(dim)]);
    }

    public double[][] weightedGram() {
        return Packed.unpack(flat, 0, dim);
    }

    public double[] weightedResponse() {
        double[] b = new double[dim];
        System.arraycopy(flat, Packed.size(dim), b, 0, dim);
        return b;
    }
}
