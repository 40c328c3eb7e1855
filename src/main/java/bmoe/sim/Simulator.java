package bmoe.sim;

import bmoe.model.Params;
import bmoe.rng.Draws;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import bmoe.rng.Step;

/**
 * Draws (x, y) from a mixture of experts. Observation i uses only the stream (i, 0, SIMULATE) under key
 * (seed, 0): x first (p uniforms), then the expert (one uniform), then the noise (one normal).
 */
public final class Simulator {
    private Simulator() {}

    /** Simulated data: x row-major n x p, y, and the expert that generated each row. */
    public record Sample(double[][] xColumns, double[] y, int[] expert) {}

    public static Sample simulate(Params truth, double lower, double upper, int n, long seed) {
        return simulateRows(truth, lower, upper, 0, n, seed);
    }

    /**
     * Rows [from, from + n) of the data set that {@link #simulate} draws with this seed: each row has its own
     * stream, so blocks of rows can be drawn apart (in parallel, for large n) and match the whole.
     */
    public static Sample simulateRows(Params truth, double lower, double upper, int from, int n, long seed) {
        int p = truth.dim() - 1;
        double[][] x = new double[p][n];
        double[] y = new double[n];
        int[] z = new int[n];
        RngStream rng = new RngStream(new RngKey(seed, 0));
        double[] row = new double[p + 1];
        for (int i = 0; i < n; i++) {
            rng.reset(from + i, 0, Step.SIMULATE);
            row[0] = 1.0;
            for (int j = 0; j < p; j++) {
                x[j][i] = lower + (upper - lower) * rng.uniform();
                row[j + 1] = x[j][i];
            }
            int k = truth.sampleExpert(row, rng.uniform());
            z[i] = k;
            y[i] = Params.dot(truth.beta()[k], row) + Math.sqrt(truth.s2()[k]) * Draws.normal(rng);
        }
        return new Sample(x, y, z);
    }
}
