package bmoe.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Chains that sit in different modes, told apart by their mean log-likelihoods.
 *
 * <p>Why not R-hat alone: when most chains share one mode and one sits elsewhere, or all of them miss a mode, the
 * between-chain variance of a quantity can stay small next to its within-chain variance (at n = 133 the log
 * likelihood wanders by +-4 within a mode, as much as two modes may differ). Chains in the same mode have the same
 * expected mean log-likelihood, so the difference of two chains' means over its Monte Carlo standard error is
 * roughly standard normal; chains in different modes differ by many standard errors, and the difference does not
 * shrink as the chains grow.
 */
public final class ChainModes {
    /** Standard errors apart for two chains to count as in different modes: 1 in 1.7 million by chance per pair. */
    public static final double Z_APART = 5.0;
    /**
     * Log-likelihood units apart as well: at large n a chain's mean is so precise that chains a fraction of a unit
     * apart count as many standard errors apart, and such a difference changes no conclusion.
     */
    public static final double MIN_GAP = 1.0;

    private ChainModes() {}

    /**
     * The chains behind the best one: each with its mean, the gap and z.
     *
     * @param chain 0-based
     */
    public record Behind(int chain, double mean, double gap, double z) {}

    /** The chain of highest mean log-likelihood, and those whose means are apart from it. */
    public record Result(int best, double bestMean, List<Behind> behind) {
        public boolean apart() {
            return !behind.isEmpty();
        }

        /** One line for a user: which chains, how far, and what to do. */
        public String warning() {
            List<String> names = new ArrayList<>();
            for (Behind b : behind) {
                names.add(Integer.toString(b.chain() + 1));
            }
            Behind worst = behind.get(0);
            for (Behind b : behind) {
                if (b.z() < worst.z()) {
                    worst = b;
                }
            }
            boolean one = behind.size() == 1;
            return String.format(Locale.ROOT, "%s %s %s in another mode than chain %d: mean log-likelihood %s "
                    + "below its %.2f (%s %.0f standard errors apart), so the chains have not mixed between modes "
                    + "and the summaries mix modes; try more --init-starts or --init-sweeps, a longer --warmup, or "
                    + "fewer experts, and compare fits with bmoe criteria", one ? "chain" : "chains",
                    String.join(", ", names), one ? "sits" : "sit", best + 1, gaps(), bestMean,
                    one ? "" : "at least", worst.z());
        }

        private String gaps() {
            List<String> g = new ArrayList<>();
            for (Behind b : behind) {
                g.add(String.format(Locale.ROOT, "%.2f", b.gap()));
            }
            return String.join(", ", g);
        }
    }

    /**
     * Compares each chain's mean log-likelihood with the best chain's.
     *
     * @param logLik per chain, the log-likelihood of each kept draw
     */
    public static Result compare(double[][] logLik) {
        int chains = logLik.length;
        double[] mean = new double[chains];
        double[] se = new double[chains];
        int best = 0;
        for (int c = 0; c < chains; c++) {
            mean[c] = mean(logLik[c]);
            se[c] = Convergence.mcseMean(new double[][] {logLik[c]});
            if (mean[c] > mean[best]) {
                best = c;
            }
        }
        List<Behind> behind = new ArrayList<>();
        for (int c = 0; c < chains; c++) {
            double gap = mean[best] - mean[c];
            double z = gap / Math.sqrt(se[best] * se[best] + se[c] * se[c]);
            if (c != best && gap > MIN_GAP && z > Z_APART) {
                behind.add(new Behind(c, mean[c], gap, z));
            }
        }
        return new Result(best, mean[best], behind);
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }
}
