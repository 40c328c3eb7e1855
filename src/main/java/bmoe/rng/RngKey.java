package bmoe.rng;

/**
 * The key of one chain's random numbers: Philox key words (seed, chain).
 *
 * <p>Every draw in a run is a pure function of this key and a counter (index, sweep, step, draw), see
 * {@link RngStream}. The seed is an unsigned 32-bit integer, as Stan's.
 */
public record RngKey(long seed, int chain) {
    public static final long MAX_SEED = 0xFFFFFFFFL;

    public RngKey {
        if (seed < 0 || seed > MAX_SEED) {
            throw new IllegalArgumentException("seed must be in [0, 4294967295], got " + seed);
        }
        if (chain < 0) {
            throw new IllegalArgumentException("chain must be >= 0, got " + chain);
        }
    }

    /** Philox key word 0: the seed's 32 bits (device kernels take the key as two words). */
    public int k0() {
        return (int) seed;
    }

    /** Philox key word 1: the chain. */
    public int k1() {
        return chain;
    }

    /** Chains a run may have: key word 1 keeps its top bits for {@link #startCandidate}. */
    public static final int MAX_CHAINS = (1 << 24) - 1;

    /** Start candidates per chain ({@link #startCandidate}). */
    public static final int MAX_START_CANDIDATES = 127;

    /**
     * The key of this chain's start candidate j (0-based): word 1 carries j + 1 in its top 7 bits, so a candidate's
     * sweeps never reuse a random number of the chain itself or of another chain's candidates. Why it matters: a
     * chain that started from a state made from the random numbers its own later sweeps use would not be a Markov
     * chain from that start.
     */
    public RngKey startCandidate(int j) {
        if (j < 0 || j >= MAX_START_CANDIDATES || chain > MAX_CHAINS) {
            throw new IllegalArgumentException("start candidate " + j + " of chain " + chain + " is out of range");
        }
        return new RngKey(seed, chain | (j + 1) << 24);
    }

    /** The stream of draws for one (index, sweep, step); see {@link Step} for the step codes. */
    public RngStream stream(int index, int sweep, int step) {
        return new RngStream(this).reset(index, sweep, step);
    }
}
