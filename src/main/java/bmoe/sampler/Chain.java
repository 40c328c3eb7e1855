package bmoe.sampler;

import bmoe.backend.Backend;
import bmoe.model.Dataset;
import bmoe.rng.RngKey;

/** One chain: initialise from its key, warm up, then keep every thin-th sweep on the original scale. */
public final class Chain {
    private Chain() {}

    /**
     * The kept draws of one chain.
     *
     * @param draws kept draws, one row per draw in {@link DrawColumns} order, original scale
     * @param iterations the post-warmup sweep number (1-based) of each kept draw
     * @param logLikelihood the data log-likelihood (sampler's scale) entering each kept sweep
     * @param nonEmpty non-empty experts in each kept sweep
     * @param clampedResiduals total clamps over the whole chain (0 in a healthy run)
     */
    public record Result(int chain, double[][] draws, int[] iterations, double[] logLikelihood, int[] nonEmpty,
                         SweepState last, long clampedResiduals) {}

    /** Called after every sweep (warmup included) from the chain's thread. */
    public interface Listener {
        void sweepDone(int chain, int sweep);
    }

    public static Result run(Backend backend, Backend.Resident resident, Dataset data, RunConfig cfg, int chain,
                             Listener listener) {
        RngKey key = new RngKey(cfg.seed(), chain);
        Backend.Workspace ws = backend.workspace(resident, cfg.experts());
        SweepState state = Initializer.initialState(data, cfg.experts(), cfg.priors(), key);
        int kept = cfg.keptPerChain();
        double[][] draws = new double[kept][];
        int[] iterations = new int[kept];
        double[] logLik = new double[kept];
        int[] nonEmpty = new int[kept];
        long clamped = 0;
        int total = cfg.warmup() + cfg.draws();
        int next = 0;
        for (int s = 1; s <= total; s++) {
            GibbsSweep.Result r = GibbsSweep.step(backend, ws, state, key, cfg.priors());
            state = r.state();
            clamped += r.info().clampedResiduals();
            int postWarmup = s - cfg.warmup();
            if (postWarmup > 0 && postWarmup % cfg.thin() == 0 && next < kept) {
                draws[next] = DrawColumns.flatten(data.scaling().toOriginal(state.params()));
                iterations[next] = postWarmup;
                logLik[next] = r.info().logLikelihood();
                nonEmpty[next] = r.info().nonEmptyExperts();
                next++;
            }
            if (listener != null) {
                listener.sweepDone(chain, s);
            }
        }
        return new Result(chain, draws, iterations, logLik, nonEmpty, state, clamped);
    }
}
