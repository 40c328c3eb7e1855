package bmoe.rng;

/**
 * Step codes: the third counter word. A step with a per-expert or per-gate index k carries it in the low
 * 16 bits, so gate k's Polya-Gamma draws never share a stream with gate k'.
 */
public final class Step {
    /** Allocation of observation i: counter (i, sweep, ALLOCATE, draw). */
    public static final int ALLOCATE = 1 << 16;
    /** Expert k's (sigma^2, beta) draw on the host: counter (k, sweep, EXPERT, draw). */
    public static final int EXPERT = 2 << 16;
    /** Polya-Gamma draw of observation i for gate k: counter (i, sweep, PG | k, draw). */
    public static final int POLYA_GAMMA = 3 << 16;
    /** Gate k's w draw on the host: counter (0, sweep, GATE | k, draw). */
    public static final int GATE = 4 << 16;
    /** Initialisation (sweep 0): counter (index, 0, INIT, draw). */
    public static final int INIT = 5 << 16;
    /** Data simulation: counter (i, 0, SIMULATE, draw) under key (seed, 0). */
    public static final int SIMULATE = 6 << 16;
    /**
     * The collapsed gate moves on the host: counter (m, sweep, GATE_MOVE, draw) for move m of the sweep, the
     * proposal's normals, then the MH uniform.
     */
    public static final int GATE_MOVE = 7 << 16;
    /** The noise prior's scale b0 | s2 on the host, when the priors sample it: counter (0, sweep, SIGMA_SCALE, draw). */
    public static final int SIGMA_SCALE = 8 << 16;
    /** The gates' prior sd s_w | w on the host, when the priors sample it: counter (0, sweep, GATE_SCALE, draw). */
    public static final int GATE_SCALE = 9 << 16;
    /**
     * Posterior predictive draw d of y at point i ({@code predict --draws}): counter (i, d, PREDICT, draw) under
     * key (seed, 0).
     */
    public static final int PREDICT = 10 << 16;
    /**
     * The move between K and K +- 1 experts on the host, when K is a parameter: counter (0, sweep, EXPERT_COUNT,
     * draw): birth or death, the position, the newborn's draws, then the MH uniform.
     */
    public static final int EXPERT_COUNT = 11 << 16;
    /** The birth proposal's anchors, built once per chain before its first sweep: counter (0, 0, BIRTH_LIBRARY, draw). */
    public static final int BIRTH_LIBRARY = 12 << 16;
    /**
     * The joint move of gates and experts on the host: counter (m, sweep, JOINT_MOVE, draw) for move m of the sweep:
     * the step's jitter, the momentum's normals, then the MH uniform.
     */
    public static final int JOINT_MOVE = 13 << 16;
    /**
     * The split-or-merge move on the host, when K is a parameter: counter (0, sweep, SPLIT_MERGE, draw): split or
     * merge, the expert and position (or the pair), the auxiliary draws, then the MH uniform.
     */
    public static final int SPLIT_MERGE = 14 << 16;
    /**
     * The rows a chain's start search runs on when the data have more than the plan's rows, under the key of the
     * chain's first start candidate: counter (0, 0, START_ROWS, draw), one draw a row.
     */
    public static final int START_ROWS = 15 << 16;

    private Step() {}

    public static int pg(int gate) {
        return POLYA_GAMMA | gate;
    }

    public static int gate(int gate) {
        return GATE | gate;
    }
}
