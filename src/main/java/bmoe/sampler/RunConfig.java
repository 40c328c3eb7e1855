package bmoe.sampler;

import bmoe.model.ExpertsPrior;
import bmoe.model.Priors;
import bmoe.rng.RngKey;

/**
 * What a run does, validated once; each message starts with the name of the offending setting, which is
 * also its command-line option without the leading "--". {@code draws} counts post-warmup sweeps, of which every
 * {@code thin}-th is kept (Stan's convention). With {@code expertsPrior} K is a parameter on 1..experts (then
 * {@code experts} is KMAX); without, K = experts.
 */
public record RunConfig(int experts, int chains, int warmup, int draws, int thin, long seed, Priors priors,
                        GateMethod gates, GateMetric gateMetric, int gateMoves, StartSearch.Plan init,
                        ExpertsPrior expertsPrior, int jointSteps) {
    /** gateMoves = AUTO_MOVES: K - 1 moves per sweep. */
    public static final int AUTO_MOVES = 0;
    public static final int MAX_GATE_MOVES = 100;
    /** The most leapfrog steps a joint move may take. */
    public static final int MAX_JOINT_STEPS = 1000;

    /** Allocations are stored as bytes. */
    public static final int MAX_EXPERTS = 127;

    /** The default gate update, {@link GateMethod#MALA} with the {@link GateMetric#FROZEN} metric. */
    public RunConfig(int experts, int chains, int warmup, int draws, int thin, long seed, Priors priors) {
        this(experts, chains, warmup, draws, thin, seed, priors, GateMethod.MALA, GateMetric.FROZEN, AUTO_MOVES);
    }

    /** A run with K fixed at {@code experts}. */
    public RunConfig(int experts, int chains, int warmup, int draws, int thin, long seed, Priors priors,
                     GateMethod gates, GateMetric gateMetric, int gateMoves, StartSearch.Plan init) {
        this(experts, chains, warmup, draws, thin, seed, priors, gates, gateMetric, gateMoves, init, null);
    }

    /** A run without the joint move of gates and experts (jointSteps = 0). */
    public RunConfig(int experts, int chains, int warmup, int draws, int thin, long seed, Priors priors,
                     GateMethod gates, GateMetric gateMetric, int gateMoves, StartSearch.Plan init,
                     ExpertsPrior expertsPrior) {
        this(experts, chains, warmup, draws, thin, seed, priors, gates, gateMetric, gateMoves, init, expertsPrior, 0);
    }

    /** Chains that start from one k-means++ start each ({@link StartSearch.Plan#SINGLE}). */
    public RunConfig(int experts, int chains, int warmup, int draws, int thin, long seed, Priors priors,
                     GateMethod gates, GateMetric gateMetric, int gateMoves) {
        this(experts, chains, warmup, draws, thin, seed, priors, gates, gateMetric, gateMoves, StartSearch.Plan.SINGLE);
    }

    public RunConfig {
        if (expertsPrior != null) {
            if (experts != expertsPrior.maxExperts()) {
                throw new IllegalArgumentException("experts must be max-experts (" + expertsPrior.maxExperts()
                        + ") when K is a parameter, got " + experts);
            }
            if (gateMetric != null && gateMetric.freezes()) {
                throw new IllegalArgumentException("gate-metric must be fisher when K is a parameter (--experts-prior): "
                        + "a frozen metric has the dimension of one K");
            }
        }
        if (init == null) {
            throw new IllegalArgumentException("init is required");
        }
        if (gates == null) {
            throw new IllegalArgumentException("gates must be mala or pg");
        }
        if (gateMoves < 0 || gateMoves > MAX_GATE_MOVES) {
            throw new IllegalArgumentException("gate-moves must be in [1, " + MAX_GATE_MOVES + "] (0: auto), got "
                    + gateMoves);
        }
        if (jointSteps < 0 || jointSteps > MAX_JOINT_STEPS) {
            throw new IllegalArgumentException("joint-steps must be in [0, " + MAX_JOINT_STEPS + "] (0: no joint move), got "
                    + jointSteps);
        }
        if (gateMetric == null) {
            throw new IllegalArgumentException("gate-metric must be frozen or fisher");
        }
        if (experts < 1 || experts > MAX_EXPERTS) {
            throw new IllegalArgumentException("experts must be in [1, " + MAX_EXPERTS + "], got " + experts);
        }
        if (chains < 1 || chains > RngKey.MAX_CHAINS) {
            throw new IllegalArgumentException("chains must be in [1, " + RngKey.MAX_CHAINS + "], got " + chains);
        }
        if (warmup < 0) {
            throw new IllegalArgumentException("warmup must be >= 0, got " + warmup);
        }
        if (draws < 1) {
            throw new IllegalArgumentException("draws must be >= 1, got " + draws);
        }
        if (thin < 1 || thin > draws) {
            throw new IllegalArgumentException("thin must be in [1, draws], got " + thin);
        }
        if ((long) warmup + draws > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("warmup + draws must fit in 31 bits");
        }
        if (seed < 0 || seed > RngKey.MAX_SEED) {
            throw new IllegalArgumentException("seed must be in [0, 4294967295], got " + seed);
        }
    }

    /**
     * The sweep after which a chain freezes its gate metric: half way through warm-up, when the metric freezes at
     * all and warm-up has at least two sweeps (one to adapt under each metric); 0 for never.
     */
    public int metricFreezeSweep() {
        if (variableExperts()) {
            return 0;
        }
        boolean freezes = gates == GateMethod.MALA && experts > 1 && gateMetric.freezes();
        return freezes && warmup >= 2 ? warmup / 2 : 0;
    }

    /**
     * The sweep after which a chain fixes the joint move's mass matrix and starts making joint moves: half way
     * through warm-up, when the run makes them (mala gates, K > 1 fixed, jointSteps > 0) and warm-up has at least
     * four sweeps (a window of draws to fix the mass matrix from, and sweeps to adapt the step in); 0 for never.
     */
    public int jointStartSweep() {
        boolean joint = jointSteps > 0 && gates == GateMethod.MALA && experts > 1 && !variableExperts();
        return joint && warmup >= 4 ? warmup / 2 : 0;
    }

    /** The first sweep of the joint move's window, whose draws fix its mass matrix: a quarter into warm-up. */
    public int jointWindowStart() {
        return warmup / 4 + 1;
    }

    /**
     * Gate moves per sweep of the mala sweep: gateMoves, or with AUTO_MOVES K - 1, so that a sweep makes K + 1
     * passes over the data, as many as the Polya-Gamma sweep made before its allocation draw and expert
     * statistics were fused (one per gate plus two). Extra moves are cheap (the experts stay put, so each costs one
     * pass) and they were what the gates needed at K = 4, p = 7 (bench/RESULTS.md, "Gates that mix").
     */
    public int gateMovesPerSweep() {
        return gateMovesFor(gateMoves, experts);
    }

    /** Gate moves per sweep at K = {@code experts} for a --gate-moves of {@code gateMoves} (AUTO_MOVES: K - 1). */
    public static int gateMovesFor(int gateMoves, int experts) {
        return gateMoves != AUTO_MOVES ? gateMoves : Math.max(1, experts - 1);
    }

    /** Whether K is a parameter (a prior on 1..{@link #experts}), rather than fixed at {@link #experts}. */
    public boolean variableExperts() {
        return expertsPrior != null;
    }

    /**
     * The K chain {@code chain} (0-based) starts at: {@link #experts} when K is fixed; when it is a parameter, the
     * chains' starts spread evenly over 1..KMAX (one chain: K = KMAX / 2 rounded up), so that chains that agree on K
     * have come to it from both sides and R-hat of K can say whether the move mixes.
     */
    public int startExperts(int chain) {
        if (!variableExperts() || experts == 1) {
            return experts;
        }
        if (chains == 1) {
            return (experts + 1) / 2;
        }
        return 1 + (int) Math.round(chain * (experts - 1) / (double) (chains - 1));
    }

    public int keptPerChain() {
        return draws / thin;
    }

    /** Sweeps per chain, warm-up included. */
    public int sweepsPerChain() {
        return warmup + draws;
    }

    /**
     * Draws a chain has kept once it has completed {@code sweep} sweeps: the post-warm-up sweeps
     * thin, 2 thin, ... up to {@code draws}.
     */
    public int keptThrough(int sweep) {
        if (sweep < 0 || sweep > sweepsPerChain()) {
            throw new IllegalArgumentException("sweep must be in [0, " + sweepsPerChain() + "], got " + sweep);
        }
        return Math.max(0, sweep - warmup) / thin;
    }
}
