package bmoe.sampler;

import bmoe.model.Params;

/**
 * What the next sweep needs: the parameters, the number of the last completed sweep (0 = initial), the
 * collapsed gate move's step size and its frozen metric (both unused by the Polya-Gamma sweep).
 *
 * @param frozenMetric the gate move's fixed metric G + I / s_w^2 (D x D), or null while it is the Fisher
 *     metric at each point
 */
public record SweepState(Params params, int sweep, StepSize stepSize, double[][] frozenMetric) {
    public SweepState(Params params, int sweep) {
        this(params, sweep, StepSize.initial(), null);
    }

    public SweepState(Params params, int sweep, StepSize stepSize) {
        this(params, sweep, stepSize, null);
    }

    public SweepState withStepSize(StepSize next) {
        return new SweepState(params, sweep, next, frozenMetric);
    }

    public SweepState withFrozenMetric(double[][] metric) {
        return new SweepState(params, sweep, stepSize, metric);
    }
}
