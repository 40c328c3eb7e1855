package bmoe.sampler;

import java.util.Locale;

/**
 * The metric of the collapsed gate move ({@code fit --gate-metric}). Either is exact; they differ in cost
 * per sweep and in how well the proposal follows the posterior's shape.
 */
public enum GateMetric {
    /**
     * The Fisher metric through the first half of warm-up, then G fixed at the gates reached there
     * (preconditioned MALA): each pass then sums only the log-likelihood and the D gradient components. The
     * default: in every case measured (D = 2, 6 and 24 free gate coefficients) it gave as many effective draws per
     * sweep as {@link #FISHER} at up to half the cost per sweep (bench/RESULTS.md, "Gates that mix").
     */
    FROZEN,
    /**
     * The multinomial-logit Fisher metric G(w) at every point (simplified manifold MALA): the proposal follows
     * the posterior's local shape, at D (D + 1) / 2 extra sums per row and pass, D = (K-1)(p+1). For posteriors
     * far from Gaussian, or a warm-up too short to freeze a good metric.
     */
    FISHER;

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static GateMetric parse(String name) {
        for (GateMetric m : values()) {
            if (m.cliName().equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("gate-metric must be frozen or fisher, got '" + name + "'");
    }

    /** Whether a run with this metric freezes it. */
    public boolean freezes() {
        return this == FROZEN;
    }
}
