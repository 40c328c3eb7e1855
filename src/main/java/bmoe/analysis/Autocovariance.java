package bmoe.analysis;

import org.apache.commons.math3.transform.DftNormalization;
import org.apache.commons.math3.transform.FastFourierTransformer;
import org.apache.commons.math3.transform.TransformType;

/**
 * Autocovariances of one chain at every lag, as posterior's {@code autocovariance}: the "biased" estimate
 * Geyer (1992) recommends,
 *
 * <pre>
 *     acov[k] = (1/N) sum_{t=0}^{N-1-k} (x_t - xbar)(x_{t+k} - xbar),    k = 0..N-1,
 * </pre>
 *
 * <p>computed by FFT in O(N log N): a sweep over thousands of draws with a slowly mixing chain would
 * need most lags, which the direct sum pays for with O(N^2). Zero padding to at least 2N makes the
 * circular correlation equal the linear one. Like posterior, the FFT only gives the shape: the
 * values are rescaled so that acov[0] is the biased variance computed directly, which keeps lag 0
 * free of FFT rounding.
 */
final class Autocovariance {
    private Autocovariance() {}

    /**
     * The autocovariances of x at lags 0..N-1; all zero for a constant x (posterior's convention).
     *
     * @param x one chain's draws, finite; not modified
     */
    static double[] of(double[] x) {
        int n = x.length;
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= n;
        double sumSquares = 0;
        for (double v : x) {
            sumSquares += (v - mean) * (v - mean);
        }
        double[] acov = new double[n];
        if (sumSquares == 0) {
            return acov;
        }
        int size = Integer.highestOneBit(Math.max(1, 2 * n - 1)) << 1; // power of two >= 2N, as commons-math3 needs
        double[][] dataRI = new double[2][size];
        for (int t = 0; t < n; t++) {
            dataRI[0][t] = x[t] - mean;
        }
        FastFourierTransformer.transformInPlace(dataRI, DftNormalization.STANDARD, TransformType.FORWARD);
        for (int j = 0; j < size; j++) {
            double re = dataRI[0][j];
            double im = dataRI[1][j];
            dataRI[0][j] = re * re + im * im;
            dataRI[1][j] = 0;
        }
        FastFourierTransformer.transformInPlace(dataRI, DftNormalization.STANDARD, TransformType.INVERSE);
        double lagZero = dataRI[0][0];
        double biasedVariance = sumSquares / n;
        for (int k = 0; k < n; k++) {
            acov[k] = dataRI[0][k] / lagZero * biasedVariance;
        }
        return acov;
    }
}
