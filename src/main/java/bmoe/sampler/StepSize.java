package bmoe.sampler;

/**
 * The collapsed gate move's step size eps, adapted by dual averaging during warm-up (Nesterov 2009, as in
 * Hoffman and Gelman 2014, algorithm 5, with Stan's constants gamma = 0.05, t0 = 10, kappa = 0.75) towards
 * the acceptance probability {@link #TARGET_ACCEPT}, then frozen at the averaged iterate for the draws.
 * Immutable; every update is a pure function of the state and the sweep's acceptance probability, so a chain
 * resumed from a checkpoint adapts exactly as one that never stopped.
 *
 * @param logEps log of the step size the next sweep uses
 * @param logEpsBar the averaged iterate, log eps-bar (the step size frozen at the end of warm-up)
 * @param hBar the running mean of (target - acceptance probability)
 * @param adaptations dual-averaging updates so far (m)
 * @param frozen true once warm-up has ended: {@link #adapt} then changes nothing
 */
public record StepSize(double logEps, double logEpsBar, double hBar, int adaptations, boolean frozen) {
    /**
     * The acceptance probability aimed at. Above MALA's asymptotic optimum 0.574 (Roberts and Rosenthal 1998),
     * which holds as the dimension grows: gates have few dimensions ((K-1)(p+1), 2 to 60), and with a metric
     * close to the posterior precision a step near 1 already makes nearly independent proposals, which such a
     * rate allows. Chosen, not tuned: bench/RESULTS.md's runs settle at steps 0.93 to 1.37 with acceptance 0.70
     * to 0.80; other targets were not measured.
     */
    public static final double TARGET_ACCEPT = 0.7;
    /** The first step size: eps = 1 makes the proposal's drift half a Fisher-scoring step. */
    public static final double INITIAL = 1.0;
    /** Dual averaging shrinks log eps towards mu = log INITIAL early on. */
    private static final double MU = Math.log(INITIAL);
    private static final double GAMMA = 0.05;
    private static final double T0 = 10.0;
    private static final double KAPPA = 0.75;

    public StepSize {
        if (!Double.isFinite(logEps) || !Double.isFinite(logEpsBar) || !Double.isFinite(hBar) || adaptations < 0) {
            throw new IllegalArgumentException("bad step size state: log eps " + logEps + ", log eps-bar " + logEpsBar
                    + ", h-bar " + hBar + ", m " + adaptations);
        }
    }

    /** Before any adaptation: eps = {@link #INITIAL}. */
    public static StepSize initial() {
        return new StepSize(MU, 0.0, 0.0, 0, false);
    }

    /** A fixed step size that never adapts (tests, and a chain without warm-up keeps its initial one). */
    public static StepSize fixed(double eps) {
        return new StepSize(Math.log(eps), Math.log(eps), 0.0, 0, true);
    }

    public double eps() {
        return Math.exp(logEps);
    }

    /** One dual-averaging update after a sweep whose move had acceptance probability {@code acceptProb}. */
    public StepSize adapt(double acceptProb) {
        return adapt(acceptProb, TARGET_ACCEPT);
    }

    /** {@link #adapt} towards the acceptance probability {@code target} (the joint move aims at its own). */
    public StepSize adapt(double acceptProb, double target) {
        if (frozen) {
            return this;
        }
        double a = Double.isFinite(acceptProb) ? Math.min(1.0, Math.max(0.0, acceptProb)) : 0.0;
        int m = adaptations + 1;
        double h = (1.0 - 1.0 / (m + T0)) * hBar + (target - a) / (m + T0);
        double log = MU - Math.sqrt(m) / GAMMA * h;
        double weight = Math.pow(m, -KAPPA);
        double bar = weight * log + (1.0 - weight) * logEpsBar;
        return new StepSize(log, bar, h, m, false);
    }

    /** The end of warm-up: eps becomes eps-bar (the initial eps if nothing was adapted) and stays. */
    public StepSize freeze() {
        if (frozen) {
            return this;
        }
        double log = adaptations > 0 ? logEpsBar : logEps;
        return new StepSize(log, log, hBar, adaptations, true);
    }
}
