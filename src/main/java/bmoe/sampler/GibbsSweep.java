package bmoe.sampler;

import bmoe.backend.Allocation;
import bmoe.backend.Backend;
import bmoe.backend.ExpertStats;
import bmoe.backend.GateGradient;
import bmoe.backend.GateStats;
import bmoe.backend.ParamsBlock;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.Draws;
import bmoe.rng.RngKey;
import bmoe.rng.Step;

/**
 * One sweep of the sampler (see docs/MODEL.md), top to bottom: per-observation work runs as the backend's
 * kernels, the d x d draws and the Metropolis-Hastings decision run here on the host.
 *
 * <p>When the priors sample the noise prior's scale b0, both sweeps draw it from its conjugate conditional right
 * after the experts ({@link #updateSigmaScale}); every other step sees the chain's current b0.
 *
 * <p>{@link #collapsed}, the default, makes m + 2 passes over the data per sweep for m gate moves: kernel (b) at
 * the gates, kernel (b) at each proposal, then kernel (a); {@link #polyaGamma} makes K: kernel (a), then kernel (c)
 * once per gate. Parameters go up before each kernel; only sums come down.
 */
public final class GibbsSweep {
    private GibbsSweep() {}

    /** Result of one sweep: the new state and its diagnostics. */
    public record Result(SweepState state, SweepInfo info) {}

    /** The sweep of {@code method} (with one gate move per sweep for mala). */
    public static Result step(GateMethod method, Backend backend, Backend.Workspace ws, SweepState state, RngKey key,
                              Priors priors) {
        return step(method, 1, backend, ws, state, key, priors);
    }

    /** The sweep of {@code method}, with {@code gateMoves} gate moves per sweep for mala. */
    public static Result step(GateMethod method, int gateMoves, Backend backend, Backend.Workspace ws, SweepState state,
                              RngKey key, Priors priors) {
        return switch (method) {
            case MALA -> collapsed(backend, ws, state, key, priors, gateMoves);
            case PG -> polyaGamma(backend, ws, state, key, priors);
        };
    }

    /**
     * The default sweep, a blocked Gibbs sampler on (w, z) given the experts: (1) all gates from
     * p(w | beta, s2, y) with z summed out, by one MALA move; (2) z | w, beta, s2, y; (3) beta, s2 | z. The
     * experts must use the z drawn after the gate move: a z drawn before it would not be a draw from
     * p(z | w, beta, s2, y) for the new w, and updating the experts from it samples the wrong distribution
     * (van Dyk and Jiao 2015; GewekeTest's negative control).
     */
    public static Result collapsed(Backend backend, Backend.Workspace ws, SweepState state, RngKey key, Priors priors) {
        return collapsed(backend, ws, state, key, priors, 1);
    }

    /** The default sweep with {@code moves} gate moves before the allocations (each from stream (m, sweep, GATE_MOVE)). */
    public static Result collapsed(Backend backend, Backend.Workspace ws, SweepState state, RngKey key, Priors priors,
                                   int moves) {
        if (moves < 1) {
            throw new IllegalArgumentException("gate-moves must be >= 1, got " + moves);
        }
        int sweep = state.sweep() + 1;
        Params params = state.params();
        ParamsBlock block = ParamsBlock.of(params);
        if (params.experts() == 1) {
            return polyaGamma(backend, ws, state, key, priors); // no gates: both sweeps are z, then the expert
        }

        // 1. Gates w | beta, s2, y, allocations summed out: kernel (b) here, then at the proposal (with the
        //    metric's sums unless it is frozen).
        //    The experts stay put during the gate moves, so an accepted proposal's sums are the next move's start:
        //    m moves cost m + 1 passes.
        boolean fisher = state.frozenMetric() == null;
        GateGradient start = backend.gateGradient(ws, block, null, fisher);
        GateGradient here = start;
        double[] w = block.w();
        double[][] metric = null;
        int accepted = 0;
        double sumAcceptProb = 0;
        for (int m = 0; m < moves; m++) {
            double[] from = w;
            GateGradient[] there = new GateGradient[1];
            GateMove.Result move = GateMove.step(from, here, state.stepSize().eps(), priors, state.frozenMetric(),
                    proposal -> there[0] = backend.gateGradient(ws, block.withGates(proposal), from, fisher),
                    key.stream(m, sweep, Step.GATE_MOVE));
            if (move.accepted()) {
                here = there[0];
                accepted++;
            }
            sumAcceptProb += move.acceptProb();
            w = move.gates();
            metric = move.metric();
        }
        params = params.withGates(w);

        // 2. Allocations z | w, beta, s2 and their statistics (kernel a), 3. experts | z on the host, 4. b0 | s2
        //    when the priors sample it.
        Allocation allocation = backend.allocate(ws, block.withGates(w), key, sweep);
        Experts experts = updateExperts(params, allocation.stats(), key, sweep, givenSigmaScale(priors, state));
        double b0 = updateSigmaScale(experts.params(), priors, state, key, sweep);

        return new Result(new SweepState(experts.params(), sweep, state.stepSize(), state.frozenMetric(), b0),
                new SweepInfo(start.logLikelihood(), experts.counts(), experts.clamped(), moves, accepted,
                        sumAcceptProb / moves, metric));
    }

    /**
     * The exact Gibbs sweep of MODEL.md with Polya-Gamma gates: z | params (kernel a), experts | z, then the gates
     * one at a time given z (kernel c per gate); gate k's offsets C_ik use the gates already updated this sweep.
     */
    public static Result polyaGamma(Backend backend, Backend.Workspace ws, SweepState state, RngKey key, Priors priors) {
        int sweep = state.sweep() + 1;
        Params params = state.params();

        // 1. Allocations z_i | params and their statistics (kernel a); 2. experts | z on the host, then b0 | s2
        //    when the priors sample it.
        Allocation allocation = backend.allocate(ws, ParamsBlock.of(params), key, sweep);
        Experts experts = updateExperts(params, allocation.stats(), key, sweep, givenSigmaScale(priors, state));
        params = experts.params();
        double b0 = updateSigmaScale(params, priors, state, key, sweep);

        // 3. Gates one at a time given z (kernel c, then the host's Gaussian draw).
        for (int k = 0; k < params.experts() - 1; k++) {
            GateStats g = backend.gateStats(ws, ParamsBlock.of(params), k, key, sweep);
            double[] wk = GateUpdate.draw(g.weightedGram(), g.weightedResponse(), priors,
                    key.stream(0, sweep, Step.gate(k)));
            params = params.withGate(k, wk);
        }

        return new Result(new SweepState(params, sweep, state.stepSize(), state.frozenMetric(), b0),
                new SweepInfo(allocation.logLikelihood(), experts.counts(), experts.clamped(), 0, 0, 1.0, null));
    }

    /** The priors given the chain's current b0 (the priors themselves when they fix it). */
    static Priors givenSigmaScale(Priors priors, SweepState state) {
        if (!priors.sigmaScaleSampled()) {
            return priors;
        }
        if (!(state.sigmaScale() > 0) || Double.isInfinite(state.sigmaScale())) {
            throw new IllegalStateException("the priors sample b0, but the chain's state has b0 = " + state.sigmaScale());
        }
        return priors.givenSigmaScale(state.sigmaScale());
    }

    /**
     * Step b0 | s2 when the priors sample it, from stream (0, sweep, SIGMA_SCALE). The conditional is conjugate:
     * <pre>
     *   p(b0 | s2) ∝ b0^(g-1) e^(-h b0) prod_k b0^a0 e^(-b0 / s2_k)  =  Gamma(g + K a0, rate h + sum_k 1/s2_k)
     * </pre>
     * (beta_k | s2_k does not involve b0). Otherwise the state's b0 is carried unchanged.
     */
    static double updateSigmaScale(Params params, Priors priors, SweepState state, RngKey key, int sweep) {
        if (!priors.sigmaScaleSampled()) {
            return state.sigmaScale();
        }
        double rate = priors.scaleRate();
        for (double s2 : params.s2()) {
            rate += 1.0 / s2;
        }
        double shape = priors.scaleShape() + params.experts() * priors.sigmaShape();
        return Draws.gamma(key.stream(0, sweep, Step.SIGMA_SCALE), shape) / rate;
    }

    /** The experts after their conjugate draws, with the counts n_k and the number of clamped residuals. */
    record Experts(Params params, double[] counts, int clamped) {}

    /** Step (beta_k, s2_k) | z for every k, from the sufficient statistics of kernel (a). */
    static Experts updateExperts(Params params, ExpertStats stats, RngKey key, int sweep, Priors priors) {
        int experts = params.experts();
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
        return new Experts(params, counts, clamped);
    }
}
