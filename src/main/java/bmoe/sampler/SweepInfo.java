package bmoe.sampler;

/**
 * What only diagnostics need from a sweep.
 *
 * @param logLikelihood sum_i log p(y_i | x_i) at the parameters the sweep started from (label invariant)
 * @param counts n_k, observations allocated to each expert in this sweep
 * @param clampedResiduals experts whose q - m' V^-1 m rounded below zero and was clamped to zero
 */
public record SweepInfo(double logLikelihood, double[] counts, int clampedResiduals) {
    /** The number of experts with at least one observation (label invariant). */
    public int nonEmptyExperts() {
        int nonEmpty = 0;
        for (double c : counts) {
            if (c > 0) {
                nonEmpty++;
            }
        }
        return nonEmpty;
    }
}
