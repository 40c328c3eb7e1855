package bmoe.sampler;

/**
 * The joint move's tuning and record ({@link JointMove}), part of a chain's state from the first warm-up sweep of
 * its window on. Through the window (the second quarter of warm-up) it collects the chain's draws of theta; at the
 * window's end their regularised covariance becomes the move's fixed inverse mass matrix and the move starts, its
 * step adapting over the rest of warm-up.
 *
 * @param stepSize the leapfrog step and its dual-averaging state (adapted on warm-up sweeps only)
 * @param acceptance post-warm-up moves, acceptances and summed acceptance probabilities so far
 * @param count draws of theta collected in the window
 * @param mean their running mean (Welford)
 * @param scatter their running sum of squared deviations (Welford), theta's dimension square
 * @param covariance the inverse mass matrix once fixed, else null (still collecting: no moves yet)
 */
public record JointState(StepSize stepSize, Acceptance acceptance, int count, double[] mean, double[][] scatter,
                         double[][] covariance) {
    /**
     * Stan's regularisation of a windowed covariance estimate (its windowed adaptation): the estimate from c draws is
     * shrunk towards a small multiple of the identity, c / (c + 5) Sigma + 1e-3 5 / (c + 5) I, so a short or
     * degenerate window still gives a positive definite matrix.
     */
    static final double SHRINK_COUNT = 5.0;
    static final double SHRINK_TARGET = 1e-3;

    public JointState {
        if (stepSize == null || acceptance == null || mean == null || scatter == null || count < 0) {
            throw new IllegalArgumentException("stepSize, acceptance, mean and scatter are required");
        }
    }

    /** Nothing collected yet, for theta of {@code dimension} coordinates. */
    public static JointState collecting(int dimension) {
        return new JointState(StepSize.initial(), Acceptance.NONE, 0, new double[dimension],
                new double[dimension][dimension], null);
    }

    /** Whether the inverse mass matrix is fixed (the move is made). */
    public boolean tuned() {
        return covariance != null;
    }

    /** One more draw of theta into the window (Welford's update, in a fixed order). */
    public JointState add(double[] theta) {
        int n = mean.length;
        int c = count + 1;
        double[] m = mean.clone();
        double[] delta = new double[n];
        for (int a = 0; a < n; a++) {
            delta[a] = theta[a] - mean[a];
            m[a] += delta[a] / c;
        }
        double[][] s = new double[n][];
        for (int a = 0; a < n; a++) {
            s[a] = scatter[a].clone();
            for (int b = 0; b < n; b++) {
                s[a][b] += delta[a] * (theta[b] - m[b]);
            }
        }
        return new JointState(stepSize, acceptance, c, m, s, null);
    }

    /** The window's end: the regularised covariance becomes the inverse mass matrix, the step starts afresh. */
    public JointState fix() {
        int n = mean.length;
        double[][] cov = new double[n][n];
        double weight = count / (count + SHRINK_COUNT);
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                double sample = count > 1 ? 0.5 * (scatter[a][b] + scatter[b][a]) / (count - 1) : 0.0;
                cov[a][b] = weight * sample + (a == b ? SHRINK_TARGET * (1 - weight) : 0.0);
            }
        }
        return new JointState(StepSize.initial(), acceptance, count, mean, scatter, cov);
    }

    public JointState withStepSize(StepSize next) {
        return new JointState(next, acceptance, count, mean, scatter, covariance);
    }

    public JointState withAcceptance(Acceptance next) {
        return new JointState(stepSize, next, count, mean, scatter, covariance);
    }
}
