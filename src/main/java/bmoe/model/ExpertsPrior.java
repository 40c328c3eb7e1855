package bmoe.model;

import java.util.Locale;

/**
 * The prior on the number of experts K when K is a parameter (the mixture-of-finite-mixtures view), on 1..maxExperts:
 * <ul>
 *   <li>{@code poisson:L}: K - 1 ~ Poisson(L), truncated to K &lt;= maxExperts (Miller and Harrison 2018's choice);
 *   <li>{@code geometric:q}: P(K) proportional to q (1 - q)^(K - 1), 0 &lt; q &lt;= 1 (q = 1 is K = 1 only);
 *   <li>{@code uniform}: P(K) = 1 / maxExperts.
 * </ul>
 * Only ratios p(K') / p(K) enter the sampler, so {@link #logMass} leaves out the truncation's normaliser;
 * {@link #probabilities} gives the normalised prior (what the Geweke test and `experts` compare with).
 *
 * @param kind "poisson", "geometric" or "uniform"
 * @param parameter L for poisson, q for geometric, NaN for uniform
 */
public record ExpertsPrior(String kind, double parameter, int maxExperts) {
    /** Allocations are stored as bytes: K &lt;= 127. */
    public static final int LIMIT = 127;

    public ExpertsPrior {
        if (maxExperts < 1 || maxExperts > LIMIT) {
            throw new IllegalArgumentException("max-experts must be in [1, " + LIMIT + "], got " + maxExperts);
        }
        switch (kind) {
            case "poisson" -> {
                if (!(parameter > 0) || Double.isInfinite(parameter)) {
                    throw new IllegalArgumentException("experts-prior poisson:L needs L > 0 and finite, got " + parameter);
                }
            }
            case "geometric" -> {
                if (!(parameter > 0 && parameter <= 1)) {
                    throw new IllegalArgumentException("experts-prior geometric:q needs 0 < q <= 1, got " + parameter);
                }
            }
            case "uniform" -> {
                if (!Double.isNaN(parameter)) {
                    throw new IllegalArgumentException("experts-prior uniform takes no parameter");
                }
            }
            default -> throw new IllegalArgumentException("experts-prior must be poisson:L, geometric:q or uniform, got '"
                    + kind + "'");
        }
    }

    /**
     * Parses {@code poisson:1.5}, {@code geometric:0.3} or {@code uniform}; messages start with the option name.
     */
    public static ExpertsPrior parse(String spec, int maxExperts) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        int colon = s.indexOf(':');
        String kind = colon < 0 ? s : s.substring(0, colon);
        double parameter = Double.NaN;
        if (colon >= 0) {
            try {
                parameter = Double.parseDouble(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("experts-prior: not a number after '" + kind + ":' in '" + spec + "'");
            }
        } else if (!kind.equals("uniform")) {
            throw new IllegalArgumentException("experts-prior must be poisson:L, geometric:q or uniform, got '"
                    + spec + "'");
        }
        return new ExpertsPrior(kind, parameter, maxExperts);
    }

    /** log p(K) up to a constant that does not depend on K; -infinity outside 1..maxExperts. */
    public double logMass(int k) {
        if (k < 1 || k > maxExperts) {
            return Double.NEGATIVE_INFINITY;
        }
        return switch (kind) {
            case "poisson" -> (k - 1) * Math.log(parameter) - logFactorial(k - 1);
            case "geometric" -> parameter == 1.0 ? (k == 1 ? 0.0 : Double.NEGATIVE_INFINITY)
                    : (k - 1) * Math.log1p(-parameter);
            default -> 0.0;
        };
    }

    /** The normalised prior P(K = k) for k = 1..maxExperts (index k - 1). */
    public double[] probabilities() {
        double[] p = new double[maxExperts];
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 1; k <= maxExperts; k++) {
            p[k - 1] = logMass(k);
            max = Math.max(max, p[k - 1]);
        }
        double total = 0;
        for (int k = 0; k < maxExperts; k++) {
            p[k] = Math.exp(p[k] - max);
            total += p[k];
        }
        for (int k = 0; k < maxExperts; k++) {
            p[k] /= total;
        }
        return p;
    }

    /** As the option takes it: "poisson:1.0", "geometric:0.5", "uniform". */
    public String spec() {
        return kind.equals("uniform") ? kind : kind + ":" + parameter;
    }

    private static double logFactorial(int m) {
        double s = 0;
        for (int i = 2; i <= m; i++) {
            s += Math.log(i);
        }
        return s;
    }
}
