package bmoe.sampler;

import bmoe.backend.Backend;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import bmoe.rng.Step;
import java.util.BitSet;
import java.util.concurrent.CancellationException;
import org.apache.commons.math3.special.Gamma;

/**
 * A chain's start, chosen among several cheap ones: each candidate j starts from its own k-means++ start (key
 * {@link RngKey#startCandidate}), runs a few sweeps of the run's own sweep with the step size adapting; the chain
 * starts from the state of highest log posterior that any candidate visited.
 *
 * <p>Why: a softmax-gated mixture's posterior can have separated modes (where the gates put their boundaries,
 * which expert takes the low-noise segment) that one chain rarely crosses. Chains started from one k-means++ start
 * each land in whichever mode is nearest; trying several starts per chain and keeping the best by log posterior
 * puts chains in the modes with most mass far more often, while every candidate still comes from its own chain's
 * key, so chains start apart and R-hat can still flag a mode that only some reach. Every random number comes from
 * the candidates' own keys: the chain itself then starts, as any chain does, from a state independent of the
 * random numbers its sweeps use, so it is still a valid MCMC run from that start.
 */
public final class StartSearch {
    private StartSearch() {}

    /**
     * How a chain starts: from {@code starts} candidates of {@code sweeps} sweeps each, run on {@code rows} rows of
     * the data drawn at random when it has more (0: on all rows); (1, 0) is one k-means++ start.
     */
    public record Plan(int starts, int sweeps, int rows) {
        /** One k-means++ start from the chain's own key, no search. */
        public static final Plan SINGLE = new Plan(1, 0);
        /** The fewest rows a search may run on (0 aside): the k-means++ start alone takes up to 2000. */
        public static final int MIN_ROWS = 1000;

        public Plan {
            if (starts < 1 || starts > RngKey.MAX_START_CANDIDATES) {
                throw new IllegalArgumentException("init-starts must be in [1, " + RngKey.MAX_START_CANDIDATES
                        + "], got " + starts);
            }
            if (sweeps < 0) {
                throw new IllegalArgumentException("init-sweeps must be >= 0, got " + sweeps);
            }
            if (starts > 1 && sweeps == 0) {
                throw new IllegalArgumentException("init-sweeps must be >= 1 to compare " + starts + " starts");
            }
            if (rows != 0 && rows < MIN_ROWS) {
                throw new IllegalArgumentException("init-rows must be 0 (all rows) or >= " + MIN_ROWS + ", got " + rows);
            }
        }

        /** A search on all rows, as runs made before the search had a subsample. */
        public Plan(int starts, int sweeps) {
            this(starts, sweeps, 0);
        }

        /** Whether the chain's start is searched for (else it is the k-means++ start from the chain's key). */
        public boolean searches() {
            return sweeps > 0;
        }

        /**
         * Whether the search on {@code data} runs on a subsample: when it has more than {@link #rows} rows and they
         * are here (rows held elsewhere are searched where they are).
         */
        public boolean subsamples(Dataset data) {
            return rows > 0 && data.n() > rows && data.isLocal();
        }

        /** Sweeps per chain the search costs (each over {@link #rows} rows where it {@link #subsamples}). */
        public int cost() {
            return searches() ? starts * sweeps : 0;
        }
    }

    /** The chosen start, with each candidate's log posterior (for the fit's report). */
    public record Choice(SweepState state, int chosen, double[] logPosteriors) {}

    /**
     * The start of chain {@code key.chain()}: with a plan that does not search, the k-means++ start from the chain's
     * own key; else the best of the plan's candidates, at sweep 0 with a fresh step size.
     */
    public static Choice choose(Backend backend, Backend.Workspace ws, Dataset data, RunConfig cfg, RngKey key) {
        return choose(backend, ws, data, cfg, cfg.experts(), key);
    }

    /**
     * The start at K = {@code experts} (a chain's start K when K is a parameter), {@code ws} a workspace for it.
     *
     * <p>On data with more rows than the plan's m, the candidates run on m rows drawn at random, and a state's score
     * is its log-likelihood there times n / m plus its log prior: an estimate of its log posterior on all n rows.
     * Why: the search is for the mode a chain should start in, which a random sample of many thousand rows already
     * shows, while on all rows it cost starts x sweeps full passes per chain (400 by default), more than a short
     * fit at large n itself. The draws stay exact: a chain may start anywhere, and the rows come from the
     * candidates' key, not the chain's. Warm-up then moves the chain to the full data's narrower posterior.
     */
    public static Choice choose(Backend backend, Backend.Workspace ws, Dataset data, RunConfig cfg, int experts,
                                RngKey key) {
        Plan plan = cfg.init();
        // one expert has no gates, whose boundaries are what separates the modes a search is for
        if (!plan.searches() || experts == 1) {
            return new Choice(Initializer.initialState(data, experts, cfg.priors(), key), 0, new double[0]);
        }
        if (!plan.subsamples(data)) {
            return search(backend, ws, data, cfg, experts, key, 1.0);
        }
        Dataset rows = data.ofRows(searchRows(data.n(), plan.rows(), key));
        try (Backend.Resident resident = backend.upload(rows);
             Backend.Workspace sub = backend.workspace(resident, experts)) {
            return search(backend, sub, rows, cfg, experts, key, (double) data.n() / rows.n());
        }
    }

    /**
     * The rows of chain {@code key.chain()}'s search: m distinct rows of [0, n), each m-subset equally likely
     * (Floyd's algorithm: for j = n - m .. n - 1 take t uniform on [0, j], or j itself if t is taken), in increasing
     * order, from the stream {@link Step#START_ROWS} of its first candidate's key.
     */
    static int[] searchRows(int n, int m, RngKey key) {
        if (m < 1 || m > n) {
            throw new IllegalArgumentException(m + " rows of " + n);
        }
        RngStream rng = key.startCandidate(0).stream(0, 0, Step.START_ROWS);
        BitSet taken = new BitSet(n);
        for (int j = n - m; j < n; j++) {
            int t = (int) Math.min(j, (long) (rng.uniform() * (j + 1.0)));
            taken.set(taken.get(t) ? j : t);
        }
        return taken.stream().toArray();
    }

    /** The plan's candidates on {@code data}, each state scored by {@code likelihoodScale} x its log-likelihood + log prior. */
    private static Choice search(Backend backend, Backend.Workspace ws, Dataset data, RunConfig cfg, int experts,
                                 RngKey key, double likelihoodScale) {
        Plan plan = cfg.init();
        Priors priors = cfg.priors();
        double[] scores = new double[plan.starts()];
        SweepState best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        int chosen = 0;
        for (int j = 0; j < plan.starts(); j++) {
            RngKey candidate = key.startCandidate(j);
            SweepState state = Initializer.initialState(data, experts, priors, candidate);
            scores[j] = Double.NEGATIVE_INFINITY;
            for (int s = 0; s < plan.sweeps(); s++) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new CancellationException("chain " + (key.chain() + 1) + " stopped while choosing its start");
                }
                SweepState before = state;
                GibbsSweep.Result r = GibbsSweep.step(cfg.gates(), RunConfig.gateMovesFor(cfg.gateMoves(), experts),
                        backend, ws, state, candidate, priors);
                state = r.state();
                if (cfg.gates() == GateMethod.MALA && experts > 1) {
                    state = state.withStepSize(state.stepSize().adapt(r.info().gateAcceptProb()));
                }
                // the sweep reports the log-likelihood of the state it started from; a score that is not a
                // number (an overflow) never wins
                double score = likelihoodScale * r.info().logLikelihood() + logPrior(before, priors);
                if (score > scores[j]) {
                    scores[j] = score;
                    if (score > bestScore) {
                        bestScore = score;
                        best = before;
                        chosen = j;
                    }
                }
            }
        }
        if (best == null) {
            throw new IllegalStateException("no start candidate of chain " + (key.chain() + 1) + " had a finite log posterior");
        }
        SweepState start = new SweepState(best.params(), 0, StepSize.initial(), null, best.sigmaScale(), best.gateSd());
        return new Choice(start, chosen, scores);
    }

    /**
     * log p(theta) under the priors, normalised: the gates given s_w, each expert's beta | s2 and s2 | b0, and b0
     * and s_w where they are sampled (the state then holds the chain's values).
     */
    static double logPrior(SweepState state, Priors priors) {
        Params params = state.params();
        double lp = 0;
        double sw = priors.gateSdSampled() ? state.gateSd() : priors.gateSd();
        double gateVar = sw * sw;
        for (double[] wk : params.w()) {
            for (double v : wk) {
                lp += -0.5 * v * v / gateVar - 0.5 * Math.log(2 * Math.PI * gateVar);
            }
        }
        if (priors.gateSdSampled()) {
            // the density of s_w^2 ~ InvGamma(a_w, b_w): the chain moves s_w^2's conjugate conditional
            double a = priors.gateVarShape();
            double b = priors.gateVarScale();
            lp += a * Math.log(b) - Gamma.logGamma(a) - (a + 1) * Math.log(gateVar) - b / gateVar;
        }
        double b0 = priors.sigmaScaleSampled() ? state.sigmaScale() : priors.sigmaScale();
        double a0 = priors.sigmaShape();
        double expertVar = priors.expertSd() * priors.expertSd();
        for (int k = 0; k < params.experts(); k++) {
            double s2 = params.s2()[k];
            for (double v : params.beta()[k]) {
                lp += -0.5 * v * v / (s2 * expertVar) - 0.5 * Math.log(2 * Math.PI * s2 * expertVar);
            }
            lp += a0 * Math.log(b0) - Gamma.logGamma(a0) - (a0 + 1) * Math.log(s2) - b0 / s2;
        }
        if (priors.sigmaScaleSampled()) {
            double g = priors.scaleShape();
            double h = priors.scaleRate();
            lp += g * Math.log(h) - Gamma.logGamma(g) + (g - 1) * Math.log(b0) - h * b0;
        }
        return lp;
    }
}
