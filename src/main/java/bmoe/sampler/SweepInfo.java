package bmoe.sampler;

import bmoe.backend.ExpertStats;

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
 * @param stats the experts' sufficient statistics of the sweep's allocations (what the joint move's mass matrix is
 *     fixed from), null where not kept
 * @param joint the joint move's outcome, null when the sweep made none
 */
public record SweepInfo(double logLikelihood, double[] counts, int clampedResiduals, int gateMoves, int gateAccepted,
                        double gateAcceptProb, double[][] gateMetric, ExpertStats stats,
                        JointMove.Result joint) {
    public SweepInfo(double logLikelihood, double[] counts, int clampedResiduals, int gateMoves, int gateAccepted,
                     double gateAcceptProb, double[][] gateMetric) {
        this(logLikelihood, counts, clampedResiduals, gateMoves, gateAccepted, gateAcceptProb, gateMetric, null, null);
    }

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
