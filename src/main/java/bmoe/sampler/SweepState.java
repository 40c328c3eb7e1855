package bmoe.sampler;

import bmoe.model.Params;

/**
 * What the next sweep needs: the parameters, the number of the last completed sweep (0 = initial) and the
 * collapsed gate move's step size (unused by the Polya-Gamma sweep).
 */
public record SweepState(Params params, int sweep, StepSize stepSize) {
    public SweepState(Params params, int sweep) {
        this(params, sweep, StepSize.initial());
    }

    public SweepState withStepSize(StepSize next) {
        return new SweepState(params, sweep, next);
    }
}
