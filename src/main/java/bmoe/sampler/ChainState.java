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
 */
public record ChainState(Params params, int sweep, long clampedResiduals) {
    public ChainState {
        if (sweep < 0) {
            throw new IllegalArgumentException("sweep must be >= 0, got " + sweep);
        }
        if (clampedResiduals < 0) {
            throw new IllegalArgumentException("clampedResiduals must be >= 0, got " + clampedResiduals);
        }
    }

    /** The state after the given sweep, with the clamps counted so far. */
    static ChainState of(SweepState state, long clampedResiduals) {
        return new ChainState(state.params(), state.sweep(), clampedResiduals);
    }

    SweepState sweepState() {
        return new SweepState(params, sweep);
    }
}
