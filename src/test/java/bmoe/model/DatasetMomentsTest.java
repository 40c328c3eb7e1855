package bmoe.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The block moments of the float32 standardising are the straightforward sums, bit for bit, whatever p. */
class DatasetMomentsTest {
    /** One pass of s[j] += x, the means, one pass of squared deviations: the sums as first written. */
    private static double[] reference(float[] x, float[] y, int p, int b) {
        int n = y.length;
        int from = b * Dataset.MOMENT_BLOCK;
        int to = Math.min(n, from + Dataset.MOMENT_BLOCK);
        double[] s = new double[2 * (p + 1)];
        for (int i = from; i < to; i++) {
            for (int j = 0; j < p; j++) {
                s[j] += x[i * p + j];
            }
            s[p] += y[i];
        }
        for (int j = 0; j <= p; j++) {
            s[j] /= to - from;
        }
        for (int i = from; i < to; i++) {
            for (int j = 0; j < p; j++) {
                double d = x[i * p + j] - s[j];
                s[p + 1 + j] += d * d;
            }
            double d = y[i] - s[p];
            s[2 * p + 1] += d * d;
        }
        return s;
    }

    @Test
    void blockMomentsAreTheStraightforwardSums() {
        SplittableRandom random = new SplittableRandom(7);
        for (int p = 1; p <= 9; p++) {
            int n = 2 * Dataset.MOMENT_BLOCK + 4321; // a short last block, not a multiple of the row step
            float[] x = new float[n * p];
            float[] y = new float[n];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (random.nextDouble(-1, 1) * Math.pow(10, i % 5) + (i % p) * 1000);
            }
            for (int i = 0; i < n; i++) {
                y[i] = (float) random.nextGaussian();
            }
            for (int b = 0; b < 3; b++) {
                assertArrayEquals(reference(x, y, p, b), Dataset.blockMoments(x, y, p, b), "p " + p + " block " + b);
            }
        }
    }
}
