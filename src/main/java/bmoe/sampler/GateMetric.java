package bmoe.sampler;

import java.util.Locale;

/**
 * The metric of the collapsed gate move ({@code fit --gate-metric}). Either is exact; they differ in cost
 * per sweep and in how well the proposal follows the posterior's shape.
 */
public enum GateMetric {
    /**
     * The multinomial-logit Fisher metric G(w) at every point (simplified manifold MALA): the proposal follows
     * the posterior's local shape, at D (D + 1) / 2 extra sums per row and pass, D = (K-1)(p+1).
     */
    FISHER,
    /**
     * The Fisher metric through the first half of warm-up, then G fixed at the gates reached there
     * (preconditioned MALA): each pass then sums only the log-likelihood and the D gradient components.
     */
    FROZEN,
    /** {@link #FISHER} up to {@link #AUTO_FROZEN_FROM} - 1 free gate coefficients, {@link #FROZEN} from there. */
    AUTO;

    /**
     * From this many free gate coefficients D on, AUTO freezes the metric. At D = 24 (K = 4, p = 7) the metric's
     * 300 sums are two thirds of kernel (b)'s time on the CPU and the frozen metric's sweep is about twice as
     * fast for the same effective draws per sweep (bench/RESULTS.md, "Gates that mix"); at D = 2..6 the metric
     * costs little and adapts to the posterior's shape where that is not Gaussian.
     */
    public static final int AUTO_FROZEN_FROM = 12;

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static GateMetric parse(String name) {
        for (GateMetric m : values()) {
            if (m.cliName().equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("gate-metric must be auto, fisher or frozen, got '" + name + "'");
    }

    /** Whether a run with K experts and d = p + 1 freezes the metric. */
    public boolean freezes(int experts, int dim) {
        return switch (this) {
            case FISHER -> false;
            case FROZEN -> true;
            case AUTO -> (experts - 1) * dim >= AUTO_FROZEN_FROM;
        };
    }
}
