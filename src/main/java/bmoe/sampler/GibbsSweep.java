package bmoe.sampler;

import bmoe.backend.Allocation;
import bmoe.backend.Backend;
import bmoe.backend.ExpertStats;
import bmoe.backend.GateGradient;
import bmoe.backend.GateStats;
import bmoe.backend.ParamsBlock;
import bmoe.model.ExpertsPrior;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.Draws;
import bmoe.rng.RngKey;
import bmoe.rng.Step;
import java.util.function.IntFunction;

/**
 * One sweep of the sampler (see docs/MODEL.md), top to bottom: per-observation work runs as the backend's
 * kernels, the d x d draws and the Metropolis-Hastings decision run here on the host.
 *
 * <p>When the priors sample the noise prior's scale b0 or the gates' prior sd s_w, both sweeps draw them from their
 * conjugate conditionals ({@link #updateSigmaScale} right after the experts, {@link #updateGateSd} after the
 * gates); every other step sees the chain's current values.
 *
 * <p>{@link #collapsed}, the default, makes m + 2 passes over the data per sweep for m gate moves: kernel (b) at
 * the gates, kernel (b) at each proposal, then kernel (a); {@link #polyaGamma} makes K: kernel (a), then kernel (c)
 * once per gate. Parameters go up before each kernel; only sums come down.
 */
public final class GibbsSweep {
    private GibbsSweep() {}

    /**
     * Result of one sweep: the new state and its diagnostics.
     *
     * @param expertCount the birth-or-death move that began the sweep when K is a parameter, else null
     * @param splitMerge the split-or-merge move that followed it when K is a parameter, else null
     */
    public record Result(SweepState state, SweepInfo info, ExpertCountMove.Result expertCount,
                         SplitMergeMove.Result splitMerge) {
        public Result(SweepState state, SweepInfo info) {
            this(state, info, null, null);
        }
    }

    /**
     * The sweep with K a parameter (the mixture-of-finite-mixtures prior {@code kPrior}): (0a) K and theta by one
     * birth-or-death move ({@link ExpertCountMove}), (0b) by one split-or-merge move ({@link SplitMergeMove}), each
     * on the likelihood with the allocations summed out (the likelihood at the state the first leaves is the second's
     * start, so the two cost three passes over the data), then the sweep of {@code method} at the K they leave, with
     * gateMoves as {@link RunConfig#gateMovesFor} gives for that K. Each step leaves p(K, theta | y) invariant, so
     * their composition does (ExpertCountGewekeTest, SplitMergeGewekeTest).
     *
     * @param workspaces the chain's workspace for a given K
     */
    public static Result withExpertCount(GateMethod method, int gateMoves, Backend backend,
                                         IntFunction<Backend.Workspace> workspaces, SweepState state, RngKey key,
                                         Priors priors, ExpertsPrior kPrior, BirthProposal births) {
        ExpertCountMove.LogLikelihood logLik = remembering(params -> backend.gateGradient(
                workspaces.apply(params.experts()), ParamsBlock.of(params), null, false).logLikelihood());
        int sweep = state.sweep() + 1;
        ExpertCountMove.Result move = ExpertCountMove.step(state, kPrior, priors, births, logLik,
                key.stream(0, sweep, Step.EXPERT_COUNT));
        SplitMergeMove.Result splitMerge = SplitMergeMove.step(state.withParams(move.params()), kPrior, priors, logLik,
                key.stream(0, sweep, Step.SPLIT_MERGE));
        int experts = splitMerge.params().experts();
        Result sweepResult = step(method, RunConfig.gateMovesFor(gateMoves, experts), backend,
                workspaces.apply(experts), state.withParams(splitMerge.params()), key, priors);
        return new Result(sweepResult.state(), sweepResult.info(), move, splitMerge);
    }

    /**
     * {@code logLik} remembering its last two answers by the identity of the parameters asked about: the move that
     * follows another starts from the parameters the first returned, whose likelihood it computed.
     */
    static ExpertCountMove.LogLikelihood remembering(ExpertCountMove.LogLikelihood logLik) {
        return new ExpertCountMove.LogLikelihood() {
            private final Params[] asked = new Params[2];
            private final double[] answers = new double[2];
            private int next;

            @Override
            public double at(Params params) {
                for (int i = 0; i < 2; i++) {
                    if (asked[i] == params) {
                        return answers[i];
                    }
                }
                double value = logLik.at(params);
                asked[next] = params;
                answers[next] = value;
                next = 1 - next;
                return value;
            }
        };
    }

    /** The sweep of {@code method} (with one gate move per sweep for mala). */
    public static Result step(GateMethod method, Backend backend, Backend.Workspace ws, SweepState state, RngKey key,
                              Priors priors) {
        return step(method, 1, backend, ws, state, key, priors);
    }

    /** The sweep of {@code method}, with {@code gateMoves} gate moves per sweep for mala. */
    public static Result step(GateMethod method, int gateMoves, Backend backend, Backend.Workspace ws, SweepState state,
                              RngKey key, Priors priors) {
        return step(method, gateMoves, 0, backend, ws, state, key, priors);
    }

    /**
     * The sweep of {@code method}, with {@code gateMoves} gate moves per sweep for mala and, once the state holds
     * the joint move's tuning, a joint move of {@code jointSteps} leapfrog steps after them (none when 0).
     */
    public static Result step(GateMethod method, int gateMoves, int jointSteps, Backend backend, Backend.Workspace ws,
                              SweepState state, RngKey key, Priors priors) {
        return switch (method) {
            case MALA -> collapsed(backend, ws, state, key, priors, gateMoves, jointSteps);
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
        return collapsed(backend, ws, state, key, priors, moves, 0);
    }

    /**
     * The default sweep: {@code moves} gate moves, then, when the state holds the joint move's tuning and
     * {@code jointSteps} > 0, one joint move of gates and experts ({@link JointMove}, from stream
     * (0, sweep, JOINT_MOVE)), then the allocations and the experts given them.
     */
    public static Result collapsed(Backend backend, Backend.Workspace ws, SweepState state, RngKey key, Priors priors,
                                   int moves, int jointSteps) {
        return collapsed(backend, ws, state, key, priors, moves, jointSteps, 1.0);
    }

    /** {@link #collapsed}, its joint move with the Jacobian weighted as {@link JointMove#point} (1: exact). */
    static Result collapsed(Backend backend, Backend.Workspace ws, SweepState state, RngKey key, Priors priors,
                            int moves, int jointSteps, double jointJacobian) {
        if (moves < 1) {
            throw new IllegalArgumentException("gate-moves must be >= 1, got " + moves);
        }
        int sweep = state.sweep() + 1;
        Params params = state.params();
        ParamsBlock block = ParamsBlock.of(params);
        if (params.experts() == 1) {
            return polyaGamma(backend, ws, state, key, priors); // no gates: both sweeps are z, then the expert
        }
        Priors given = conditional(priors, state);

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
            GateMove.Result move = GateMove.step(from, here, state.stepSize().eps(), given, state.frozenMetric(),
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
        ParamsBlock current = block.withGates(w);

        // 1b. Gates and experts together, allocations summed out (kernel b at each leapfrog step); its first
        //     gradient is the last gate move's sums, which are at this state. The experts are then drawn given z
        //     as always: each step leaves p(w, beta, s2 | y) invariant with z summed out, so z | theta then
        //     (beta, s2) | z, w is valid after it as after the gate moves.
        JointMove.Result joint = null;
        if (jointSteps > 0 && state.joint() != null && state.joint().tuned()) {
            JointState tuning = state.joint();
            joint = JointMove.step(params, here, tuning.stepSize().eps(), jointSteps,
                    JointMove.cholesky(tuning.covariance()),
                    given, at -> backend.gateGradient(ws, ParamsBlock.of(at), null, false),
                    key.stream(0, sweep, Step.JOINT_MOVE), jointJacobian);
            params = joint.params();
            current = ParamsBlock.of(params);
        }

        // 2. Allocations z | w, beta, s2 and their statistics (kernel a), 3. experts | z on the host, then the
        //    priors' scales where they are sampled: 4. b0 | s2, 5. s_w | w.
        Allocation allocation = backend.allocate(ws, current, key, sweep);
        Experts experts = updateExperts(params, allocation.stats(), key, sweep, given);
        double b0 = updateSigmaScale(experts.params(), priors, state, key, sweep);
        double sw = updateGateSd(experts.params(), priors, state, key, sweep);

        return new Result(new SweepState(experts.params(), sweep, state.stepSize(), state.frozenMetric(), b0, sw,
                state.joint()),
                new SweepInfo(start.logLikelihood(), experts.counts(), experts.clamped(), moves, accepted,
                        sumAcceptProb / moves, metric, allocation.stats(), joint));
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
        Priors given = conditional(priors, state);
        Allocation allocation = backend.allocate(ws, ParamsBlock.of(params), key, sweep);
        Experts experts = updateExperts(params, allocation.stats(), key, sweep, given);
        params = experts.params();
        double b0 = updateSigmaScale(params, priors, state, key, sweep);

        // 3. Gates one at a time given z (kernel c, then the host's Gaussian draw).
        for (int k = 0; k < params.experts() - 1; k++) {
            GateStats g = backend.gateStats(ws, ParamsBlock.of(params), k, key, sweep);
            double[] wk = GateUpdate.draw(g.weightedGram(), g.weightedResponse(), given,
                    key.stream(0, sweep, Step.gate(k)));
            params = params.withGate(k, wk);
        }
        // 4. s_w | w when the priors sample it
        double sw = updateGateSd(params, priors, state, key, sweep);

        return new Result(new SweepState(params, sweep, state.stepSize(), state.frozenMetric(), b0, sw, state.joint()),
                new SweepInfo(allocation.logLikelihood(), experts.counts(), experts.clamped(), 0, 0, 1.0, null));
    }

    /** The priors given the chain's current b0 and s_w, where the priors sample them (else the priors' constants). */
    static Priors conditional(Priors priors, SweepState state) {
        if (priors.sigmaScaleSampled() && !(state.sigmaScale() > 0 && state.sigmaScale() < Double.POSITIVE_INFINITY)) {
            throw new IllegalStateException("the priors sample b0, but the chain's state has b0 = " + state.sigmaScale());
        }
        if (priors.gateSdSampled() && !(state.gateSd() > 0 && state.gateSd() < Double.POSITIVE_INFINITY)) {
            throw new IllegalStateException("the priors sample s_w, but the chain's state has s_w = " + state.gateSd());
        }
        return priors.given(state.sigmaScale(), state.gateSd());
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

    /**
     * Step s_w | w when the priors sample it, from stream (0, sweep, GATE_SCALE). Conjugate, with D = (K - 1) d gate
     * coefficients:
     * <pre>
     *   p(s_w^2 | w) ∝ (s_w^2)^-(a_w + 1) e^(-b_w / s_w^2) prod_kj (s_w^2)^-1/2 e^(-w_kj^2 / (2 s_w^2))
     *               =  InvGamma(a_w + D / 2, b_w + |w|^2 / 2)
     * </pre>
     * Otherwise the state's s_w is carried unchanged.
     */
    static double updateGateSd(Params params, Priors priors, SweepState state, RngKey key, int sweep) {
        if (!priors.gateSdSampled()) {
            return state.gateSd();
        }
        double sumSquares = 0;
        int count = 0;
        for (double[] wk : params.w()) {
            for (double v : wk) {
                sumSquares += v * v;
                count++;
            }
        }
        double var = Draws.inverseGamma(key.stream(0, sweep, Step.GATE_SCALE), priors.gateVarShape() + 0.5 * count,
                priors.gateVarScale() + 0.5 * sumSquares);
        return Math.sqrt(var);
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
