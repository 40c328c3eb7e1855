package bmoe.sampler;

import java.util.Locale;

/** How a sweep updates the gates; the name is the value of {@code fit --gates}. */
public enum GateMethod {
    /**
     * The default: all gates jointly from p(w | beta, s2, y) with the allocations summed out, by simplified
     * manifold MALA moves ({@link GateMove}); then z, then the experts. m + 2 passes over the data for m moves.
     */
    MALA,
    /**
     * The exact Polya-Gamma Gibbs step, one gate at a time given z (MODEL.md's step 3); K passes per sweep. Mixes
     * slowly when gates are steep.
     */
    PG;

    /** The lower-case name used on the command line and in run files. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The method named {@code name} ("mala" or "pg"). */
    public static GateMethod parse(String name) {
        for (GateMethod m : values()) {
            if (m.cliName().equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("gates must be mala or pg, got '" + name + "'");
    }
}
