package bmoe.sampler;

import bmoe.model.Params;

/**
 * Everything a chain's future depends on besides its key (seed, chain) and the run's configuration. Every
 * random draw is a pure function of (seed, chain, sweep, step, index), so the parameters after sweep s and s
 * itself fix every later sweep: a chain continued from this state gives the same draws, bit for bit, as one
 * that never stopped. The allocations z are not part of it: each sweep draws them afresh from the parameters.
 *
 * @param params the parameters after sweep {@code sweep}, on the sampler's scale
 * @param sweep completed sweeps, warm-up included (0 = the initial state)
 * @param clampedResiduals numerical clamps so far (carried so that a resumed chain reports the whole chain's)
 * @param stepSize the collapsed gate move's step size and its adaptation state
 * @param acceptance the gate move's post-warm-up acceptance so far
 * @param frozenMetric the gate move's frozen metric, null while it is the Fisher metric at each point
 * @param sigmaScale b0 after sweep {@code sweep} when the priors sample it (NaN when they fix it)
 * @param gateSd s_w after sweep {@code sweep} when the priors sample it (NaN when they fix it)
 * @param expertMoves the birth-or-death move's post-warm-up acceptance so far (NONE when K is fixed)
 * @param joint the joint move's tuning and record once its mass matrix is fixed, else null
 * @param splitMerges the split-or-merge move's post-warm-up acceptance so far (NONE when K is fixed)
 */
public record ChainState(Params params, int sweep, long clampedResiduals, StepSize stepSize, Acceptance acceptance,
                         double[][] frozenMetric, double sigmaScale, double gateSd, Acceptance expertMoves,
                         JointState joint, Acceptance splitMerges) {
    public ChainState {
        if (sweep < 0) {
            throw new IllegalArgumentException("sweep must be >= 0, got " + sweep);
        }
        if (stepSize == null || acceptance == null || expertMoves == null || splitMerges == null) {
            throw new IllegalArgumentException("stepSize, acceptance, expertMoves and splitMerges are required");
        }
        if (clampedResiduals < 0) {
            throw new IllegalArgumentException("clampedResiduals must be >= 0, got " + clampedResiduals);
        }
    }

    /** A state without the split-or-merge move's record. */
    public ChainState(Params params, int sweep, long clampedResiduals, StepSize stepSize, Acceptance acceptance,
                      double[][] frozenMetric, double sigmaScale, double gateSd, Acceptance expertMoves,
                      JointState joint) {
        this(params, sweep, clampedResiduals, stepSize, acceptance, frozenMetric, sigmaScale, gateSd, expertMoves, joint,
                Acceptance.NONE);
    }

    /** A state without the joint move's tuning. */
    public ChainState(Params params, int sweep, long clampedResiduals, StepSize stepSize, Acceptance acceptance,
                      double[][] frozenMetric, double sigmaScale, double gateSd, Acceptance expertMoves) {
        this(params, sweep, clampedResiduals, stepSize, acceptance, frozenMetric, sigmaScale, gateSd, expertMoves, null);
    }

    /** A state of a run with K fixed. */
    public ChainState(Params params, int sweep, long clampedResiduals, StepSize stepSize, Acceptance acceptance,
                      double[][] frozenMetric, double sigmaScale, double gateSd) {
        this(params, sweep, clampedResiduals, stepSize, acceptance, frozenMetric, sigmaScale, gateSd, Acceptance.NONE);
    }

    /** A state with the initial step size and no acceptances yet, under priors that fix b0 and s_w. */
    public ChainState(Params params, int sweep, long clampedResiduals) {
        this(params, sweep, clampedResiduals, StepSize.initial(), Acceptance.NONE, null, Double.NaN, Double.NaN);
    }

    /** A state under priors that fix b0 and s_w. */
    public ChainState(Params params, int sweep, long clampedResiduals, StepSize stepSize, Acceptance acceptance,
                      double[][] frozenMetric) {
        this(params, sweep, clampedResiduals, stepSize, acceptance, frozenMetric, Double.NaN, Double.NaN);
    }

    /** The state after the given sweep, with the clamps and acceptances counted so far. */
    static ChainState of(SweepState state, long clampedResiduals, Acceptance acceptance) {
        return of(state, clampedResiduals, acceptance, Acceptance.NONE, Acceptance.NONE);
    }

    /** The same, with the birth-or-death and split-or-merge moves' acceptances counted so far. */
    static ChainState of(SweepState state, long clampedResiduals, Acceptance acceptance, Acceptance expertMoves,
                         Acceptance splitMerges) {
        return new ChainState(state.params(), state.sweep(), clampedResiduals, state.stepSize(), acceptance,
                state.frozenMetric(), state.sigmaScale(), state.gateSd(), expertMoves, state.joint(), splitMerges);
    }

    SweepState sweepState() {
        return new SweepState(params, sweep, stepSize, frozenMetric, sigmaScale, gateSd, joint);
    }
}
