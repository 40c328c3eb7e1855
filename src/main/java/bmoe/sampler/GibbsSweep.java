package bmoe.sampler;

import bmoe.backend.Backend;
import bmoe.backend.ExpertStats;
import bmoe.backend.GateStats;
import bmoe.backend.ParamsBlock;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.RngKey;
import bmoe.rng.Step;

/**
 * One sweep of the exact Gibbs sampler of ../shared/MODEL.md, top to bottom. Per-observation work runs
 * as the backend's kernels; the d x d conjugate draws run here on the host.
 *
 * <p>Transfers per sweep: parameters up before kernel (a) and before each gate's kernel (c); sums down
 * after kernels (a) (one double), (b) (K (1 + d(d+1)/2 + d + 1) doubles) and (c) (d(d+1)/2 + d doubles).
 */
public final class GibbsSweep {
    private GibbsSweep() {}

    /** Result of one sweep: the new state and its diagnostics. */
    public record Result(SweepState state, SweepInfo info) {}

    public static Result step(Backend backend, Backend.Workspace ws, SweepState state, RngKey key, Priors priors) {
        int sweep = state.sweep() + 1;
        Params params = state.params();
        int experts = params.experts();

        // 1. Allocations z_i | params (kernel a).
        double logLikelihood = backend.allocate(ws, ParamsBlock.of(params), key, sweep);

        // 2. Experts (beta_k, s2_k) | z from sufficient statistics (kernel b, then host NIG draws).
        ExpertStats stats = backend.expertStats(ws);
        double[] counts = new double[experts];
        int clamped = 0;
        for (int k = 0; k < experts; k++) {
            counts[k] = stats.count(k);
            ExpertUpdate.Posterior post = ExpertUpdate.posterior(counts[k], stats.gram(k), stats.crossProduct(k),
                    stats.sumSquares(k), priors);
            ExpertUpdate.Draw draw = ExpertUpdate.draw(post, key.stream(k, sweep, Step.EXPERT));
            params = params.withExpert(k, draw.beta(), draw.s2());
            clamped += draw.clamped() ? 1 : 0;
        }

        // 3. Gates one at a time: gate k's offsets C_ik use the gates already updated this sweep.
        for (int k = 0; k < experts - 1; k++) {
            GateStats g = backend.gateStats(ws, ParamsBlock.of(params), k, key, sweep);
            double[] wk = GateUpdate.draw(g.weightedGram(), g.weightedResponse(), priors,
                    key.stream(0, sweep, Step.gate(k)));
            params = params.withGate(k, wk);
        }

        return new Result(new SweepState(params, sweep), new SweepInfo(logLikelihood, counts, clamped));
    }
}
