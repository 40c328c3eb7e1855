package bmoe.backend;

/**
 * Per-expert sufficient statistics, summed in double over the observations allocated to each expert:
 * n_k, S_k = sum x~ x~' (packed lower triangle), r_k = sum x~ y, q_k = sum y^2. The kernel's output, flat:
 * expert k occupies [k * stride, (k + 1) * stride) as (n, S packed, r, q).
 */
public record ExpertStats(int experts, int dim, double[] flat) {

    public static int stride(int dim) {
        return 1 + Packed.size(dim) + dim + 1;
    }

    public static ExpertStats zeros(int experts, int dim) {
        return new ExpertStats(experts, dim, new double[experts * stride(dim)]);
    }

    public double count(int k) {
        return flat[k * stride(dim)];
    }

    /** S_k as a full symmetric d x d matrix. */
    public double[][] gram(int k) {
        return Packed.unpack(flat, k * stride(dim) + 1, dim);
    }

    public double[] crossProduct(int k) {
        double[] r = new double[dim];
        System.arraycopy(flat, k * stride(dim) + 1 + Packed.size(dim), r, 0, dim);
        return r;
    }

    public double sumSquares(int k) {
        return flat[(k + 1) * stride(dim) - 1];
    }
}
