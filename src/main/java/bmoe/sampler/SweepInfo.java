package bmoe.sampler;

/**
 * What only diagnostics (and the step-size adaptation) need from a sweep.
 *
 * @param logLikelihood sum_i log p(y_i | x_i) at the parameters the sweep started from (label invariant)
 * @param counts n_k, observations allocated to each expert in this sweep
 * @param clampedResiduals experts whose q - m' V^-1 m rounded below zero and was clamped to zero
 * @param gateMoves gate moves made (0 for the Gibbs step of the Polya-Gamma sweep)
 * @param gateAccepted how many of them were accepted
 * @param gateAcceptProb their mean acceptance probability (1 for the Gibbs step)
 * @param gateMetric the gate move's metric at the gates it left (what a chain freezes), null for the Gibbs step
 */
public record SweepInfo(double logLikelihood, double[] counts, int clampedResiduals, int gateMoves, int gateAccepted,
                        double gateAcceptProb, double[][] gateMetric) {
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
