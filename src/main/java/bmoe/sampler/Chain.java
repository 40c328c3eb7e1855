package bmoe.sampler;

import bmoe.backend.Backend;
import bmoe.model.Dataset;
import bmoe.rng.RngKey;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * One chain: initialise from its key (or continue from a saved {@link ChainState}), warm up, then keep every
 * thin-th sweep on the original scale.
 */
public final class Chain {
    private Chain() {}

    /**
     * The draws one call kept: all of the chain's when it started at sweep 0, else those after its start.
     *
     * @param draws kept draws, one row per draw in {@link DrawColumns} order, original scale
     * @param iterations the post-warmup sweep number (1-based) of each kept draw
     * @param logLikelihood the data log-likelihood entering each kept sweep, on the original scale
     * @param nonEmpty non-empty experts in each kept sweep
     * @param last the chain's state at the end (its clamps count the whole chain, earlier calls included)
     */
    public record Result(int chain, double[][] draws, int[] iterations, double[] logLikelihood, int[] nonEmpty,
                         ChainState last) {
        /** Numerical clamps over the whole chain (0 in a healthy run). */
        public long clampedResiduals() {
            return last.clampedResiduals();
        }

        /** The collapsed gate move's post-warm-up acceptance over the whole chain. */
        public Acceptance acceptance() {
            return last.acceptance();
        }

        /** The birth-or-death move's post-warm-up acceptance over the whole chain (NONE when K is fixed). */
        public Acceptance expertMoves() {
            return last.expertMoves();
        }

        /** The split-or-merge move's post-warm-up acceptance over the whole chain (NONE when K is fixed). */
        public Acceptance splitMerges() {
            return last.splitMerges();
        }

        /** The step size the draws were made with (after warm-up's adaptation). */
        public double stepSize() {
            return last.stepSize().eps();
        }
    }

    /**
     * One kept draw, as a row of draws.csv holds it.
     *
     * @param iteration the post-warm-up sweep number (1-based)
     * @param logLikelihood the data log-likelihood entering the sweep, on the original scale (label invariant)
     * @param nonEmpty experts with at least one observation in the sweep (label invariant)
     * @param values the parameters on the original scale, in {@link DrawColumns} order
     */
    public record Draw(int iteration, double logLikelihood, int nonEmpty, double[] values) {}

    /**
     * What a chain reports as it goes, from the chain's own thread (so an implementation shared by chains must
     * be thread-safe). An exception thrown here stops the chain, and {@link Sampler} then stops the others.
     */
    public interface Listener {
        Listener NONE = new Listener() {};

        /** A kept draw; called before {@link #sweepDone} of the same sweep. */
        default void drawKept(int chain, Draw draw) {}

        /** After every sweep, warm-up included, with everything needed to continue the chain from here. */
        default void sweepDone(int chain, ChainState state) {}

        /**
         * Once the chain's start is chosen (its start search, if any, done), before its first sweep; not called for a
         * chain continued from a state.
         */
        default void startChosen(int chain) {}

        /** This listener, then {@code next}, for every call. */
        default Listener andThen(Listener next) {
            Listener first = this;
            return new Listener() {
                @Override
                public void drawKept(int chain, Draw draw) {
                    first.drawKept(chain, draw);
                    next.drawKept(chain, draw);
                }

                @Override
                public void sweepDone(int chain, ChainState state) {
                    first.sweepDone(chain, state);
                    next.sweepDone(chain, state);
                }

                @Override
                public void startChosen(int chain) {
                    first.startChosen(chain);
                    next.startChosen(chain);
                }
            };
        }
    }

    /** Runs chain {@code chain} from its initial state. */
    public static Result run(Backend backend, Backend.Resident resident, Dataset data, RunConfig cfg, int chain,
                             Listener listener) {
        return run(backend, resident, data, cfg, chain, null, listener);
    }

    /**
     * Runs chain {@code chain} from {@code from} (null: the initial state, sweep 0) to its last sweep. A chain
     * continued from a state reached by an earlier run makes the same draws, bit for bit, as that run would
     * have; one already at its last sweep does nothing. Stops with a {@link CancellationException} between
     * sweeps once its thread is interrupted.
     *
     * @param listener told of every kept draw and every sweep; null for none
     */
    public static Result run(Backend backend, Backend.Resident resident, Dataset data, RunConfig cfg, int chain,
                             ChainState from, Listener listener) {
        Listener report = listener != null ? listener : Listener.NONE;
        RngKey key = new RngKey(cfg.seed(), chain);
        int total = cfg.sweepsPerChain();
        if (from != null && from.sweep() > total) {
            throw new IllegalArgumentException("chain " + (chain + 1) + " starts at sweep " + from.sweep()
                    + ", past its last sweep " + total);
        }
        try (Workspaces ws = new Workspaces(backend, resident)) {
            int experts = cfg.startExperts(chain);
            ChainState start = from;
            if (start == null) {
                start = ChainState.of(StartSearch.choose(backend, ws.get(experts), data, cfg, experts, key).state(), 0,
                        Acceptance.NONE);
                report.startChosen(chain);
            }
            return run(backend, ws, data, cfg, chain, key, start, report);
        }
    }

    /** A chain's workspaces, one per K it visits, opened when first needed and closed together. */
    private static final class Workspaces implements AutoCloseable {
        private final Backend backend;
        private final Backend.Resident resident;
        private final Map<Integer, Backend.Workspace> open = new HashMap<>();

        Workspaces(Backend backend, Backend.Resident resident) {
            this.backend = backend;
            this.resident = resident;
        }

        Backend.Workspace get(int experts) {
            return open.computeIfAbsent(experts, k -> backend.workspace(resident, k));
        }

        @Override
        public void close() {
            open.values().forEach(Backend.Workspace::close);
        }
    }

    /**
     * The joint move's tuning after sweep s: through its window (RunConfig#jointWindowStart to
     * RunConfig#jointStartSweep) the chain's draws of theta are collected, at the window's end their covariance
     * is fixed as the inverse mass matrix, then the step adapts on the remaining warm-up sweeps, freezes from the
     * first draw on, and the post-warm-up moves are counted.
     */
    private static SweepState tuneJoint(SweepState state, SweepInfo info, int s, int postWarmup, RunConfig cfg) {
        int startAt = cfg.jointStartSweep();
        if (startAt == 0) {
            return state;
        }
        if (s >= cfg.jointWindowStart() && s <= startAt) {
            JointState window = state.joint() != null ? state.joint()
                    : JointState.collecting(JointMove.dimension(cfg.experts(), state.params().dim()));
            window = window.add(JointMove.theta(state.params()));
            return state.withJoint(s == startAt ? window.fix() : window);
        }
        JointState joint = state.joint();
        JointMove.Result move = info.joint();
        if (joint == null || move == null) {
            return state;
        }
        if (postWarmup <= 0) {
            joint = joint.withStepSize(joint.stepSize().adapt(move.acceptProb(), JointMove.TARGET_ACCEPT));
        }
        if (postWarmup >= 0) {
            joint = joint.withStepSize(joint.stepSize().freeze());
        }
        if (postWarmup > 0) {
            joint = joint.withAcceptance(joint.acceptance().add(1, move.accepted() ? 1 : 0, move.acceptProb()));
        }
        return state.withJoint(joint);
    }

    private static Result run(Backend backend, Workspaces ws, Dataset data, RunConfig cfg, int chain,
                              RngKey key, ChainState start, Listener report) {
        int total = cfg.sweepsPerChain();
        int first = cfg.keptThrough(start.sweep());
        int kept = cfg.keptPerChain() - first;
        double[][] draws = new double[kept][];
        int[] iterations = new int[kept];
        double[] logLik = new double[kept];
        int[] nonEmpty = new int[kept];
        if (start.sweep() == total) {
            return new Result(chain, draws, iterations, logLik, nonEmpty, start);
        }
        SweepState state = start.sweepState();
        long clamped = start.clampedResiduals();
        Acceptance acceptance = start.acceptance();
        Acceptance expertMoves = start.expertMoves();
        Acceptance splitMerges = start.splitMerges();
        // the birth proposal's anchors depend on the data and the chain's key only, so a resumed chain rebuilds them
        BirthProposal births = cfg.variableExperts()
                ? BirthProposal.build(data, cfg.experts(), cfg.priors(), key) : null;
        int freezeMetricAt = cfg.metricFreezeSweep();
        int gateMoves = cfg.gateMovesPerSweep(); // when K is fixed
        int next = 0;
        for (int s = start.sweep() + 1; s <= total; s++) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("chain " + (chain + 1) + " stopped after sweep " + (s - 1));
            }
            GibbsSweep.Result r = cfg.variableExperts()
                    ? GibbsSweep.withExpertCount(cfg.gates(), cfg.gateMoves(), backend, ws::get, state, key, cfg.priors(),
                            cfg.expertsPrior(), births)
                    : GibbsSweep.step(cfg.gates(), gateMoves, cfg.jointSteps(), backend, ws.get(cfg.experts()), state,
                            key, cfg.priors());
            state = r.state();
            clamped += r.info().clampedResiduals();
            int postWarmup = s - cfg.warmup();
            if (r.expertCount() != null && postWarmup > 0) {
                expertMoves = expertMoves.add(1, r.expertCount().accepted() ? 1 : 0, r.expertCount().acceptProb());
                splitMerges = splitMerges.add(1, r.splitMerge().accepted() ? 1 : 0, r.splitMerge().acceptProb());
            }
            if (cfg.gates() == GateMethod.MALA && cfg.experts() > 1) {
                // The step size adapts on warm-up sweeps only and is frozen from the first draw on. Half way
                // through warm-up a metric that freezes takes its value at the gates reached, and the step size
                // starts adapting afresh under it. (A sweep at K = 1, when K is a parameter, has no gate move to
                // adapt to.)
                if (s == freezeMetricAt) {
                    state = state.withFrozenMetric(r.info().gateMetric()).withStepSize(StepSize.initial());
                } else if (postWarmup <= 0 && r.info().gateMoves() > 0) {
                    state = state.withStepSize(state.stepSize().adapt(r.info().gateAcceptProb()));
                }
                if (postWarmup >= 0) {
                    state = state.withStepSize(state.stepSize().freeze());
                }
                if (postWarmup > 0) {
                    acceptance = acceptance.add(r.info().gateMoves(), r.info().gateAccepted(), r.info().gateAcceptProb());
                }
                state = tuneJoint(state, r.info(), s, postWarmup, cfg);
            }
            if (postWarmup > 0 && postWarmup % cfg.thin() == 0 && next < kept) {
                Draw d = new Draw(postWarmup,
                        data.scaling().logLikelihoodToOriginal(r.info().logLikelihood(), data.n()),
                        r.info().nonEmptyExperts(),
                        DrawColumns.flatten(data.scaling().toOriginal(state.params()), cfg.experts()));
                draws[next] = d.values();
                iterations[next] = d.iteration();
                logLik[next] = d.logLikelihood();
                nonEmpty[next] = d.nonEmpty();
                next++;
                report.drawKept(chain, d);
            }
            report.sweepDone(chain, ChainState.of(state, clamped, acceptance, expertMoves, splitMerges));
        }
        return new Result(chain, draws, iterations, logLik, nonEmpty,
                ChainState.of(state, clamped, acceptance, expertMoves, splitMerges));
    }
}
