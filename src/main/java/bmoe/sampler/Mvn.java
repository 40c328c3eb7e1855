package bmoe.sampler;

import bmoe.rng.Draws;
import bmoe.rng.RngStream;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * Gaussian draws in the precision parametrisation, the form both conjugate updates produce:
 * given Q = L L' and linear term b, the mean is m = Q^-1 b and a draw is m + sqrt(scale) L'^-1 e, e ~ N(0, I),
 * whose covariance is scale * Q^-1.
 */
final class Mvn {
    private Mvn() {}

    /** The Cholesky factor and the mean of N(Q^-1 b, .). */
    record Canonical(RealMatrix lower, double[] mean) {}

    static Canonical canonical(double[][] precision, double[] linear) {
        CholeskyDecomposition chol;
        try {
            // thresholds: symmetric to 1e-10 relative, pivots > 1e-300 absolute (the prior keeps them >= 1/s^2)
            chol = new CholeskyDecomposition(new Array2DRowRealMatrix(precision, false), 1e-10, 1e-300);
        } catch (NonPositiveDefiniteMatrixException e) {
            throw new IllegalStateException("posterior precision is not positive definite", e);
        }
        double[] mean = chol.getSolver().solve(new ArrayRealVector(linear, false)).toArray();
        return new Canonical(chol.getL(), mean);
    }

    /** m + sqrt(scale) L'^-1 e with e drawn as d standard normals from rng, in order. */
    static double[] draw(Canonical c, double scale, RngStream rng) {
        int d = c.mean().length;
        double[] e = new double[d];
        for (int j = 0; j < d; j++) {
            e[j] = Draws.normal(rng);
        }
        // back substitution: L' v = e
        double[] v = new double[d];
        RealMatrix l = c.lower();
        for (int a = d - 1; a >= 0; a--) {
            double s = e[a];
            for (int b = a + 1; b < d; b++) {
                s -= l.getEntry(b, a) * v[b];
            }
            v[a] = s / l.getEntry(a, a);
        }
        double root = Math.sqrt(scale);
        double[] out = new double[d];
        for (int j = 0; j < d; j++) {
            out[j] = c.mean()[j] + root * v[j];
        }
        return out;
    }

    static double dotProduct(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += a[j] * b[j];
        }
        return s;
    }
}
