package bmoe.analysis;

import bmoe.model.Params;
import bmoe.model.Scaling;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The number of experts of one posterior draw of an over-fitted model, by merge-truncate-merge (Guha, Ho &amp;
 * Nguyen 2021, "On posterior contraction of parameters and interpretability in Bayesian mixture modeling",
 * Bernoulli 27(4), Algorithm 1), adapted to softmax-gated experts. A draw is a mixing measure with K atoms; atoms
 * that stand for the same true expert are merged, atoms with negligible weight are dropped, and the atoms left
 * are that draw's experts.
 *
 * <h2>Atoms</h2>
 * Atom k of a draw is (q_k; u_k, beta_k, s2_k), all on the data's standardised scale (x and y centred and
 * divided by their sample standard deviations, as {@code fit} does by default), so that one set of constants
 * serves every data set:
 * <ul>
 *   <li>q_k = (1/n) sum_i pi_k(x_i), its gate probability averaged over the observed x (a gate's weight is not a
 *       constant in a covariate-gated model). The q_k are invariant to a common shift of the gates and sum to 1.
 *   <li>u_k = the gate slopes (w_k1..w_kp, no intercept), with the last gate at 0: differences u_a - u_b do not
 *       depend on which gate is fixed, and gate intercepts are what the weights already say.
 *   <li>beta_k (intercept and slopes) and the variance s2_k.
 * </ul>
 * These are the coordinates of {@link VoronoiLoss}'s distance.
 *
 * <h2>Distance: each coordinate against its own rate</h2>
 * The seed paper's loss for over-fitted models, D2 ({@link VoronoiLoss}), weighs the atoms of a true atom's cell
 * by |du|^r + |db|^r + |da|^(r/2) + |ds2|^(r/2) with r = rbar(2) = 4 for a cell of two atoms (b the expert
 * intercept, a its slopes), and contracts at L^(1/2), L = log n / n. So within a cell gate slopes and expert
 * intercepts converge at rho_g = L^(1/8) and expert slopes and variances at rho_e = L^(1/4): in over-fitted fits
 * of bmoe the two copies of a true expert agree in beta and s2 to about 0.05 standardised units and differ in gate
 * slopes by 0.4 to 2 (bench: neurips23, n = 3000, K = 4). A distance that does not tell these rates apart merges
 * either too little (the gate slopes) or too much (the experts). Hence
 * <pre>
 *   d(a, b)^2 = (|u_a - u_b|^2 + (b_a - b_b)^2) / rho_g^2 + (|a_a - a_b|^2 + (s2_a - s2_b)^2) / rho_e^2,
 * </pre>
 * the Euclidean distance in units of each coordinate's rate. Larger cells contract more slowly still (rbar(3) =
 * 6), so a K far above the truth can leave copies unmerged; the constant C below is the lever.
 *
 * <h2>The three stages</h2>
 * With the merge distance C (default {@value #DEFAULT_MERGE_DISTANCE}) and the weight constant c (default
 * {@value #DEFAULT_MIN_WEIGHT}), eps_n = c L^(1/2), the rate of the weights (the mass term of D1 and D2):
 * <ol>
 *   <li>Merge: while the closest pair is closer than C, merge it into one atom: weights add, coordinates are
 *       averaged with the weights. (Guha et al. merge into the first atom of a random order; the closest pair first
 *       gives one answer, whatever the order of the labels.)
 *   <li>Truncate: the atoms of weight below eps_n are dropped (the heaviest stays if all are).
 *   <li>Merge again, weights against distances (Guha et al.'s second stage): from the heaviest down, a kept atom
 *       i joins the dropped ones when q_i d(i, j)^2 &le; c for the nearest heavier kept atom j. This is their
 *       criterion q_i |theta_i - theta_j|^2 &le; eps_n (order r = 2) with the distance read on the expert
 *       coordinates' scale, |theta_i - theta_j| = rho_e d(i, j), since eps_n / rho_e^2 = c: moving atom i's mass
 *       to j changes the mixing measure by less than the weights' resolution.
 * </ol>
 * Each dropped atom's weight then goes to its nearest kept atom, whose coordinates stay. The kept atoms are the
 * draw's experts; their weights sum to 1.
 *
 * <h2>The constants</h2>
 * The theory fixes the rates, not the constants. C = 3 and c = 1 were chosen on over-fitted fits of bmoe's presets
 * (neurips23 with K = 3 and 4, planes3 with K = 5, n = 600 and 3000): copies were merged in 90% to 100% of draws,
 * and the true atoms of planes3 stayed apart until C = 6. At n = 600, eps_n = 0.10: an expert with less than a
 * tenth of the gate mass counts only from larger n (0.05 at n = 3000, 0.01 at n = 10^5).
 */
public final class MergeTruncateMerge {
    public static final double DEFAULT_MERGE_DISTANCE = 3.0;
    public static final double DEFAULT_MIN_WEIGHT = 1.0;

    private MergeTruncateMerge() {}

    /**
     * One atom on the standardised scale.
     *
     * @param weight q, the gate probability averaged over the observed x
     * @param gateSlopes u (p values), relative to the last gate
     * @param beta the expert's intercept and p slopes
     * @param s2 the expert's variance
     */
    public record Atom(double weight, double[] gateSlopes, double[] beta, double s2) {
        public Atom {
            if (!(weight >= 0) || !Double.isFinite(weight)) {
                throw new IllegalArgumentException("an atom's weight must be finite and >= 0, got " + weight);
            }
            if (beta.length != gateSlopes.length + 1) {
                throw new IllegalArgumentException("need p gate slopes and p + 1 expert coefficients, got "
                        + gateSlopes.length + " and " + beta.length);
            }
            gateSlopes = gateSlopes.clone();
            beta = beta.clone();
        }

        @Override
        public double[] gateSlopes() {
            return gateSlopes.clone();
        }

        @Override
        public double[] beta() {
            return beta.clone();
        }

        private Atom withWeight(double w) {
            return new Atom(w, gateSlopes, beta, s2);
        }

        @Override
        public String toString() {
            return "Atom[q=" + weight + ", u=" + Arrays.toString(gateSlopes) + ", beta=" + Arrays.toString(beta)
                    + ", s2=" + s2 + "]";
        }
    }

    /**
     * The thresholds at sample size n.
     *
     * @param n the number of observations the fit saw (at least 3, where L = log n / n starts to fall)
     * @param mergeDistance C: atoms closer than C (in units of the rates) are merged
     * @param minWeight c: eps_n = c L^(1/2); 0 drops nothing
     */
    public record Thresholds(long n, double mergeDistance, double minWeight) {
        public Thresholds {
            if (n < 3) {
                throw new IllegalArgumentException("merge-truncate-merge needs n >= 3 observations, got " + n);
            }
            if (!(mergeDistance > 0) || !Double.isFinite(mergeDistance)) {
                throw new IllegalArgumentException("merge-distance must be a positive number, got " + mergeDistance);
            }
            if (!(minWeight >= 0) || !Double.isFinite(minWeight)) {
                throw new IllegalArgumentException("min-weight must be a number >= 0, got " + minWeight);
            }
        }

        /** The defaults at sample size n. */
        public static Thresholds defaults(long n) {
            return new Thresholds(n, DEFAULT_MERGE_DISTANCE, DEFAULT_MIN_WEIGHT);
        }

        /** L = log n / n. */
        public double logRate() {
            return Math.log(n) / n;
        }

        /** rho_g = L^(1/8): gate slopes and expert intercepts. */
        public double gateRate() {
            return Math.pow(logRate(), 1.0 / 8);
        }

        /** rho_e = L^(1/4): expert slopes and variances. */
        public double expertRate() {
            return Math.pow(logRate(), 1.0 / 4);
        }

        /** eps_n = c L^(1/2): atoms lighter than this are dropped. */
        public double weightThreshold() {
            return minWeight * Math.sqrt(logRate());
        }
    }

    /** d(a, b) of the class doc, in units of the rates. */
    public static double distance(Atom a, Atom b, Thresholds t) {
        checkSameShape(a, b);
        double gate = square(a.beta[0] - b.beta[0]);
        for (int j = 0; j < a.gateSlopes.length; j++) {
            gate += square(a.gateSlopes[j] - b.gateSlopes[j]);
        }
        double expert = square(a.s2 - b.s2);
        for (int j = 1; j < a.beta.length; j++) {
            expert += square(a.beta[j] - b.beta[j]);
        }
        return Math.sqrt(gate / square(t.gateRate()) + expert / square(t.expertRate()));
    }

    /**
     * The draw's experts: the kept atoms, heaviest first (ties in the input's order), with the dropped atoms'
     * weights added to their nearest kept atom.
     *
     * @param atoms at least one, all with the same p; not modified
     */
    public static List<Atom> reduce(List<Atom> atoms, Thresholds t) {
        if (atoms.isEmpty()) {
            throw new IllegalArgumentException("a mixing measure needs at least one atom");
        }
        for (Atom a : atoms) {
            checkSameShape(atoms.get(0), a);
        }
        List<Atom> merged = mergeClosePairs(new ArrayList<>(atoms), t);
        merged.sort(Comparator.comparingDouble(Atom::weight).reversed()); // stable: ties keep their order

        double eps = t.weightThreshold();
        List<Atom> kept = new ArrayList<>();
        List<Atom> dropped = new ArrayList<>();
        for (Atom a : merged) {
            if (a.weight >= eps) {
                kept.add(a);
            } else {
                dropped.add(a);
            }
        }
        if (kept.isEmpty()) {
            kept.add(dropped.remove(0));
        }

        List<Atom> survivors = new ArrayList<>();
        for (Atom a : kept) {
            if (!survivors.isEmpty()) {
                double d = distance(a, survivors.get(nearest(a, survivors, t)), t);
                if (a.weight * d * d <= t.minWeight()) {
                    dropped.add(a);
                    continue;
                }
            }
            survivors.add(a);
        }

        double[] weights = survivors.stream().mapToDouble(Atom::weight).toArray();
        for (Atom a : dropped) {
            weights[nearest(a, survivors, t)] += a.weight;
        }
        List<Atom> out = new ArrayList<>(survivors.size());
        for (int k = 0; k < survivors.size(); k++) {
            out.add(survivors.get(k).withWeight(weights[k]));
        }
        out.sort(Comparator.comparingDouble(Atom::weight).reversed());
        return List.copyOf(out);
    }

    /**
     * The atoms of one draw: coordinates on the standardised scale of {@code scaling}, weights averaged over
     * {@code xRows}.
     *
     * @param draw the draw on the data's original scale (as draws.csv holds it)
     * @param scaling the data's standardisation (centring and sample standard deviations of x and y)
     * @param xRows the observed x (original scale), one array of p values per row; not modified
     */
    public static List<Atom> atoms(Params draw, Scaling scaling, double[][] xRows) {
        int experts = draw.experts();
        int d = draw.dim();
        if (xRows.length == 0) {
            throw new IllegalArgumentException("gate weights need at least one x");
        }
        // softmax probabilities do not change under the affine map to the standardised scale, so the weights are
        // computed with the original-scale draw and x
        double[] weights = new double[experts];
        double[] eta = new double[experts];
        double[] row = new double[d];
        row[0] = 1.0;
        for (double[] x : xRows) {
            if (x.length != d - 1) {
                throw new IllegalArgumentException("x rows need " + (d - 1) + " values, got " + x.length);
            }
            System.arraycopy(x, 0, row, 1, d - 1);
            draw.gateLogits(row, eta);
            double lse = Params.logSumExp(eta, experts);
            for (int k = 0; k < experts; k++) {
                weights[k] += Math.exp(eta[k] - lse);
            }
        }
        Params std = scaling.toStandardized(draw);
        List<Atom> atoms = new ArrayList<>(experts);
        for (int k = 0; k < experts; k++) {
            double[] slopes = k < experts - 1 ? Arrays.copyOfRange(std.w()[k], 1, d) : new double[d - 1];
            atoms.add(new Atom(weights[k] / xRows.length, slopes, std.beta()[k], std.s2()[k]));
        }
        return atoms;
    }

    /** Stage 1: the closest pair first, while closer than C. */
    private static List<Atom> mergeClosePairs(List<Atom> atoms, Thresholds t) {
        while (atoms.size() > 1) {
            int bestA = -1;
            int bestB = -1;
            double best = Double.POSITIVE_INFINITY;
            for (int a = 0; a < atoms.size(); a++) {
                for (int b = a + 1; b < atoms.size(); b++) {
                    double d = distance(atoms.get(a), atoms.get(b), t);
                    if (d < best) {
                        best = d;
                        bestA = a;
                        bestB = b;
                    }
                }
            }
            if (!(best < t.mergeDistance())) {
                break;
            }
            Atom merged = merge(atoms.get(bestA), atoms.get(bestB));
            atoms.remove(bestB);
            atoms.set(bestA, merged);
        }
        return atoms;
    }

    /** Weights add; coordinates are averaged with the weights (plainly when both weigh nothing). */
    private static Atom merge(Atom a, Atom b) {
        double total = a.weight + b.weight;
        // fb = b / total rather than 1 - fa: the same bits whichever atom comes first
        double fa = total > 0 ? a.weight / total : 0.5;
        double fb = total > 0 ? b.weight / total : 0.5;
        double[] slopes = new double[a.gateSlopes.length];
        for (int j = 0; j < slopes.length; j++) {
            slopes[j] = fa * a.gateSlopes[j] + fb * b.gateSlopes[j];
        }
        double[] beta = new double[a.beta.length];
        for (int j = 0; j < beta.length; j++) {
            beta[j] = fa * a.beta[j] + fb * b.beta[j];
        }
        return new Atom(total, slopes, beta, fa * a.s2 + fb * b.s2);
    }

    /** The index of the atom of {@code among} nearest to {@code a}; ties go to the first (the heavier). */
    private static int nearest(Atom a, List<Atom> among, Thresholds t) {
        int best = 0;
        double bestDistance = distance(a, among.get(0), t);
        for (int k = 1; k < among.size(); k++) {
            double d = distance(a, among.get(k), t);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best;
    }

    private static void checkSameShape(Atom a, Atom b) {
        if (a.gateSlopes.length != b.gateSlopes.length) {
            throw new IllegalArgumentException("atoms with different numbers of covariates: " + a.gateSlopes.length
                    + " and " + b.gateSlopes.length);
        }
    }

    private static double square(double v) {
        return v * v;
    }
}
