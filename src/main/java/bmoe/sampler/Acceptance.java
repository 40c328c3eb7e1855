package bmoe.sampler;

/**
 * The collapsed gate move's record after warm-up: moves proposed and accepted, and the sum of their acceptance
 * probabilities (whose mean estimates the acceptance rate with less noise than the accepted share).
 */
public record Acceptance(long proposed, long accepted, double sumAcceptProb) {
    public static final Acceptance NONE = new Acceptance(0, 0, 0.0);
    /** Below this post-warm-up rate a chain is reported: its gates barely move. */
    public static final double WARN_BELOW = 0.2;

    public Acceptance {
        if (proposed < 0 || accepted < 0 || accepted > proposed || !(sumAcceptProb >= 0)) {
            throw new IllegalArgumentException("bad acceptance counts: " + accepted + " of " + proposed);
        }
    }

    /** After a sweep that made {@code moves} moves, {@code wereAccepted} of them accepted, with mean probability meanProb. */
    public Acceptance add(int moves, int wereAccepted, double meanProb) {
        return new Acceptance(proposed + moves, accepted + wereAccepted, sumAcceptProb + moves * meanProb);
    }

    /** The share of proposals accepted; NaN before any. */
    public double rate() {
        return proposed == 0 ? Double.NaN : (double) accepted / proposed;
    }

    /** The mean acceptance probability; NaN before any. */
    public double meanAcceptProb() {
        return proposed == 0 ? Double.NaN : sumAcceptProb / proposed;
    }
}
