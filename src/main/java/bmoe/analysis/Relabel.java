package bmoe.analysis;

import bmoe.model.Params;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Relabelling of posterior draws so that expert k means the same expert in every draw and every chain
 * (label switching: the likelihood is invariant under permuting experts, so chains settle on different
 * labellings and may switch within a run, which makes per-expert means and R-hat meaningless).
 *
 * <h2>Convention</h2>
 * A permutation sigma (0-based) says: new label k takes old expert sigma[k]. Applying sigma and then tau
 * gives new label k the old expert sigma[tau[k]], i.e. {@code permute(permute(p, sigma), tau) ==
 * permute(p, compose(sigma, tau))} with {@code compose(sigma, tau)[k] = sigma[tau[k]]}.
 *
 * <h2>Method</h2>
 * An iterative pivot relabelling on parameters in the spirit of Stephens (2000) and Celeux (1998); it
 * needs no allocations, which are never stored (n may be 1e8). Each expert of a draw is described by the
 * feature vector (beta_k, log s2_k, g_k) with g_k = w_k - (1/K) sum_j w_j (w_K = 0): the gate logits
 * centred on their mean across experts, which, unlike w_k itself, belong to expert k alone and move with
 * it under any permutation. Starting from the pivot draw (highest log-likelihood, else the first draw),
 * each pass
 * <ol>
 *   <li>takes per-label centres mu[k][f] and scales sd[k][f] (the pivot and the pooled sd of every
 *       feature in the first pass; the per-label means and sds of the current labelling afterwards);
 *   <li>gives each draw the permutation minimising sum_k sum_f ((x[sigma[k]][f] - mu[k][f]) / sd[k][f])^2,
 *       an assignment problem solved by {@link Assignment#minimumCost}; a draw keeps its current
 *       permutation unless the new one is strictly cheaper, so ties never make it oscillate.
 * </ol>
 * It stops after a pass with data-based centres changes nothing (at most {@link Settings#maxIterations}
 * passes). Both halves of a pass lower the classification objective sum_t sum_k [distance + sum_f log sd^2]
 * (the log term does not depend on the permutation; the means and divisor-N sds minimise it given the
 * labels), so it reaches a local optimum in finitely many passes; only the sd floor can break the descent,
 * and the cap guards that case. It is deterministic: equal input gives equal output.
 *
 * <h2>Ambiguity</h2>
 * With the final centres, the gap of a draw is (second-best cost - best cost) / best cost, the second best
 * found exactly by {@link Assignment#minimumCostExcluding}. A draw with gap below
 * {@link Settings#ambiguousGap} is ambiguous, and it involves the labels on which its best and second-best
 * permutations differ. A label is flagged when more than {@link Settings#labelFlagFraction} of all draws
 * are ambiguous and involve it: its posterior has mass on more than one expert, and its summaries mix them.
 * The fraction understates how mixed such labels are: for two exchangeable experts the relabelling splits
 * their common cloud in two, and only the draws near the split (about 9% with the defaults, in
 * RelabelTest's twin example) fall below a 10% gap. The flag, not the fraction, is the signal.
 */
public final class Relabel {
    /** Below this relative improvement a new permutation counts as a tie and the draw keeps its own. */
    private static final double TIE_TOLERANCE = 1e-12;
    /** Per-label sds are floored at this fraction of the pooled sd, so a label whose draws agree exactly
     *  does not make every distance to it infinite. */
    private static final double SD_FLOOR = 1e-6;

    private Relabel() {}

    /**
     * Tuning of {@link #run}.
     *
     * @param ambiguousGap a draw is ambiguous when its relative cost gap is below this (default 0.10)
     * @param labelFlagFraction a label is flagged when more than this fraction of draws are ambiguous and
     *     involve it (default 0.05)
     * @param maxIterations the cap on relabelling passes (default 100)
     */
    public record Settings(double ambiguousGap, double labelFlagFraction, int maxIterations) {
        public static final Settings DEFAULT = new Settings(0.10, 0.05, 100);

        public Settings {
            if (!(ambiguousGap >= 0) || Double.isInfinite(ambiguousGap)) {
                throw new IllegalArgumentException("ambiguousGap must be finite and >= 0, got " + ambiguousGap);
            }
            if (!(labelFlagFraction >= 0 && labelFlagFraction < 1)) {
                throw new IllegalArgumentException("labelFlagFraction must be in [0, 1), got " + labelFlagFraction);
            }
            if (maxIterations < 1) {
                throw new IllegalArgumentException("maxIterations must be >= 1, got " + maxIterations);
            }
        }
    }

    /**
     * What relabelling did to one chain. Chains usually settle on one labelling each, so a chain whose
     * draws mostly share one non-identity permutation was relabelled as a whole.
     *
     * @param modalPermutation the permutation most of the chain's draws received (the first seen on a tie)
     * @param modalShare the fraction of the chain's draws that received it
     * @param permutedDraws the chain's draws whose permutation is not the identity
     * @param relabelled whether the modal permutation is not the identity and covers more than half the draws
     */
    public record ChainSummary(int[] modalPermutation, double modalShare, int permutedDraws, boolean relabelled) {}

    /**
     * The relabelled draws and diagnostics; arrays are fresh and belong to the caller.
     *
     * @param draws the relabelled draws, same shape as the input
     * @param permutations permutations[c][t] = sigma of draw t of chain c: new label k is input expert sigma[k]
     * @param gaps gaps[c][t] = (second-best - best cost) / best cost under the final centres (+Infinity
     *     when K = 1 or the best cost is 0 and the second is not; 0 when both are 0)
     * @param ambiguousFraction the fraction of all draws whose gap is below the threshold
     * @param labelAmbiguousFraction per label, the fraction of all draws that are ambiguous and involve it
     * @param labelAmbiguous per label, whether that fraction exceeds {@link Settings#labelFlagFraction}
     * @param permutedDraws the number of draws whose permutation is not the identity
     * @param chains one summary per chain
     * @param iterations relabelling passes run
     * @param converged whether the last pass changed no permutation (false when the cap was hit)
     */
    public record Result(
            List<List<Params>> draws,
            int[][][] permutations,
            double[][] gaps,
            double ambiguousFraction,
            double[] labelAmbiguousFraction,
            boolean[] labelAmbiguous,
            int permutedDraws,
            List<ChainSummary> chains,
            int iterations,
            boolean converged) {}

    /** {@link #run(List, double[][], Settings)} with {@link Settings#DEFAULT}. */
    public static Result run(List<List<Params>> chains, double[][] logLikelihood) {
        return run(chains, logLikelihood, Settings.DEFAULT);
    }

    /**
     * Relabels the draws of all chains to one common labelling (see the class comment for the method).
     *
     * @param chains chains of draws on any one scale; all chains equally long, all draws with the same K
     *     and d, finite values and positive variances. Not modified.
     * @param logLikelihood per draw, same shape as {@code chains}, used only to pick the pivot (the
     *     highest; the first on a tie); null to pivot on the first draw of the first chain. Not modified.
     * @throws IllegalArgumentException for empty, ragged or mismatched input, non-finite parameters,
     *     non-positive variances or NaN log-likelihoods
     */
    public static Result run(List<List<Params>> chains, double[][] logLikelihood, Settings settings) {
        if (settings == null) {
            throw new IllegalArgumentException("settings is null");
        }
        Shape shape = checkDraws(chains);
        int pivot = pivot(logLikelihood, shape);
        int total = shape.chains * shape.length;
        int experts = shape.experts;
        double[][][] features = new double[total][][];
        for (int t = 0; t < total; t++) {
            features[t] = features(chains.get(t / shape.length).get(t % shape.length));
        }
        int[][] permutation = new int[total][];
        for (int t = 0; t < total; t++) {
            permutation[t] = identity(experts);
        }
        double[] pooledSd = pooledSd(features);

        double[][] centre = copy(features[pivot]);
        double[][] scale = new double[experts][];
        for (int k = 0; k < experts; k++) {
            scale[k] = pooledSd.clone();
        }
        int iterations = 0;
        boolean converged = false;
        while (iterations < settings.maxIterations()) {
            iterations++;
            int changed = 0;
            double[][] cost = new double[experts][experts];
            for (int t = 0; t < total; t++) {
                costMatrix(features[t], centre, scale, cost);
                int[] best = Assignment.minimumCost(cost);
                double current = Assignment.total(cost, permutation[t]);
                if (Assignment.total(cost, best) < current - TIE_TOLERANCE * Math.abs(current)) {
                    permutation[t] = best;
                    changed++;
                }
            }
            // The pivot pass only seeds the labelling; convergence needs a pass with data-based centres.
            // On convergence the centres already are those of the final labelling, as the summary needs.
            if (changed == 0 && iterations > 1) {
                converged = true;
                break;
            }
            labelMoments(features, permutation, pooledSd, centre, scale);
        }
        return summarise(chains, shape, features, permutation, centre, scale, settings, iterations, converged);
    }

    /**
     * The draw with its experts relabelled by sigma: new label k takes old expert sigma[k]. The gates are
     * re-expressed because the zero gate belongs to the last label: new w_k = old w_sigma[k] - old
     * w_sigma[K-1] (with old w_{K-1} = 0) for k = 0..K-2, which leaves every gate probability, hence
     * p(y | x), unchanged.
     *
     * @param p the draw. Not modified.
     * @param sigma a permutation of 0..K-1. Not modified.
     * @throws IllegalArgumentException if sigma is not a permutation of 0..K-1
     */
    public static Params permute(Params p, int[] sigma) {
        int experts = p.experts();
        Assignment.checkPermutation(sigma, experts);
        int d = p.dim();
        double[] shift = gate(p, sigma[experts - 1], d);
        double[][] w = new double[experts - 1][d];
        for (int k = 0; k < experts - 1; k++) {
            double[] old = gate(p, sigma[k], d);
            for (int j = 0; j < d; j++) {
                w[k][j] = old[j] - shift[j];
            }
        }
        double[][] beta = new double[experts][];
        double[] s2 = new double[experts];
        for (int k = 0; k < experts; k++) {
            beta[k] = p.beta()[sigma[k]].clone();
            s2[k] = p.s2()[sigma[k]];
        }
        return new Params(w, beta, s2);
    }

    /**
     * Per expert the label-equivariant features (beta_k[0..d-1], log s2_k, g_k[0..d-1]) with g_k the gate
     * coefficients centred on their mean over experts: permuting the draw permutes these rows.
     */
    static double[][] features(Params p) {
        int experts = p.experts();
        int d = p.dim();
        double[] meanGate = new double[d];
        for (int k = 0; k < experts - 1; k++) {
            for (int j = 0; j < d; j++) {
                meanGate[j] += p.w()[k][j] / experts;
            }
        }
        double[][] f = new double[experts][2 * d + 1];
        for (int k = 0; k < experts; k++) {
            System.arraycopy(p.beta()[k], 0, f[k], 0, d);
            f[k][d] = Math.log(p.s2()[k]);
            double[] g = gate(p, k, d);
            for (int j = 0; j < d; j++) {
                f[k][d + 1 + j] = g[j] - meanGate[j];
            }
        }
        return f;
    }

    private static double[] gate(Params p, int k, int d) {
        return k < p.experts() - 1 ? p.w()[k] : new double[d];
    }

    /** cost[k][j] = standardised squared distance of input expert j to label k's centre. Fills cost. */
    private static void costMatrix(double[][] x, double[][] centre, double[][] scale, double[][] cost) {
        for (int k = 0; k < centre.length; k++) {
            for (int j = 0; j < x.length; j++) {
                double s = 0;
                for (int f = 0; f < x[j].length; f++) {
                    double z = (x[j][f] - centre[k][f]) / scale[k][f];
                    s += z * z;
                }
                cost[k][j] = s;
            }
        }
    }

    /**
     * Per-label means and sds (divisor N, the maximum-likelihood values the objective needs) of the
     * features under the given permutations. Overwrites centre and scale; reads the rest.
     */
    private static void labelMoments(double[][][] features, int[][] permutation, double[] pooledSd,
            double[][] centre, double[][] scale) {
        int experts = centre.length;
        int width = pooledSd.length;
        int total = features.length;
        for (int k = 0; k < experts; k++) {
            double[] sum = new double[width];
            for (int t = 0; t < total; t++) {
                double[] x = features[t][permutation[t][k]];
                for (int f = 0; f < width; f++) {
                    sum[f] += x[f];
                }
            }
            double[] squares = new double[width];
            for (int f = 0; f < width; f++) {
                centre[k][f] = sum[f] / total;
            }
            // Two-pass variance: the features are far from zero relative to their spread.
            for (int t = 0; t < total; t++) {
                double[] x = features[t][permutation[t][k]];
                for (int f = 0; f < width; f++) {
                    double r = x[f] - centre[k][f];
                    squares[f] += r * r;
                }
            }
            for (int f = 0; f < width; f++) {
                scale[k][f] = Math.max(Math.sqrt(squares[f] / total), SD_FLOOR * pooledSd[f]);
            }
        }
    }

    /**
     * The sd of each feature over all draws and experts together: label invariant, so it can scale the
     * pivot pass before any labelling exists. A constant feature gets 1 (its distances are all 0).
     */
    private static double[] pooledSd(double[][][] features) {
        int width = features[0][0].length;
        double count = 0;
        double[] mean = new double[width];
        for (double[][] draw : features) {
            for (double[] x : draw) {
                count++;
                for (int f = 0; f < width; f++) {
                    mean[f] += x[f];
                }
            }
        }
        for (int f = 0; f < width; f++) {
            mean[f] /= count;
        }
        double[] sd = new double[width];
        for (double[][] draw : features) {
            for (double[] x : draw) {
                for (int f = 0; f < width; f++) {
                    double r = x[f] - mean[f];
                    sd[f] += r * r;
                }
            }
        }
        for (int f = 0; f < width; f++) {
            sd[f] = Math.sqrt(sd[f] / count);
            if (!(sd[f] > 0)) {
                sd[f] = 1.0;
            }
        }
        return sd;
    }

    private static Result summarise(List<List<Params>> chains, Shape shape, double[][][] features,
            int[][] permutation, double[][] centre, double[][] scale, Settings settings, int iterations,
            boolean converged) {
        int experts = shape.experts;
        int total = features.length;
        double[][] gaps = new double[shape.chains][shape.length];
        int[] involved = new int[experts];
        int ambiguous = 0;
        double[][] cost = new double[experts][experts];
        for (int t = 0; t < total; t++) {
            costMatrix(features[t], centre, scale, cost);
            int[] best = Assignment.minimumCost(cost);
            int[] second = Assignment.minimumCostExcluding(cost, best);
            double gap = relativeGap(Assignment.total(cost, best),
                    second == null ? Double.POSITIVE_INFINITY : Assignment.total(cost, second));
            gaps[t / shape.length][t % shape.length] = gap;
            if (gap < settings.ambiguousGap()) {
                ambiguous++;
                for (int k = 0; k < experts; k++) {
                    if (second[k] != best[k]) {
                        involved[k]++;
                    }
                }
            }
        }
        double[] labelFraction = new double[experts];
        boolean[] flagged = new boolean[experts];
        for (int k = 0; k < experts; k++) {
            labelFraction[k] = involved[k] / (double) total;
            flagged[k] = labelFraction[k] > settings.labelFlagFraction();
        }

        List<List<Params>> relabelled = new ArrayList<>(shape.chains);
        int[][][] byChain = new int[shape.chains][shape.length][];
        List<ChainSummary> summaries = new ArrayList<>(shape.chains);
        int permuted = 0;
        for (int c = 0; c < shape.chains; c++) {
            List<Params> out = new ArrayList<>(shape.length);
            for (int t = 0; t < shape.length; t++) {
                int[] sigma = permutation[c * shape.length + t];
                byChain[c][t] = sigma.clone();
                out.add(permute(chains.get(c).get(t), sigma));
            }
            relabelled.add(List.copyOf(out));
            ChainSummary summary = chainSummary(byChain[c]);
            summaries.add(summary);
            permuted += summary.permutedDraws();
        }
        return new Result(List.copyOf(relabelled), byChain, gaps, ambiguous / (double) total, labelFraction,
                flagged, permuted, List.copyOf(summaries), iterations, converged);
    }

    private static double relativeGap(double best, double second) {
        if (best > 0) {
            return (second - best) / best;
        }
        return second > 0 ? Double.POSITIVE_INFINITY : 0.0;
    }

    private static ChainSummary chainSummary(int[][] permutations) {
        Map<List<Integer>, Integer> counts = new LinkedHashMap<>();
        int permuted = 0;
        for (int[] sigma : permutations) {
            counts.merge(Arrays.stream(sigma).boxed().toList(), 1, Integer::sum);
            if (!isIdentity(sigma)) {
                permuted++;
            }
        }
        List<Integer> modal = null;
        int modalCount = 0;
        for (Map.Entry<List<Integer>, Integer> e : counts.entrySet()) {
            if (e.getValue() > modalCount) {
                modal = e.getKey();
                modalCount = e.getValue();
            }
        }
        int[] mode = modal.stream().mapToInt(Integer::intValue).toArray();
        double share = modalCount / (double) permutations.length;
        return new ChainSummary(mode, share, permuted, !isIdentity(mode) && share > 0.5);
    }

    private static boolean isIdentity(int[] sigma) {
        for (int k = 0; k < sigma.length; k++) {
            if (sigma[k] != k) {
                return false;
            }
        }
        return true;
    }

    private static int[] identity(int n) {
        int[] id = new int[n];
        for (int k = 0; k < n; k++) {
            id[k] = k;
        }
        return id;
    }

    private static double[][] copy(double[][] a) {
        double[][] b = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            b[i] = a[i].clone();
        }
        return b;
    }

    private record Shape(int chains, int length, int experts, int dim) {}

    private static Shape checkDraws(List<List<Params>> chains) {
        if (chains == null || chains.isEmpty()) {
            throw new IllegalArgumentException("need at least one chain of draws");
        }
        List<Params> first = chains.get(0);
        if (first == null || first.isEmpty() || first.get(0) == null) {
            throw new IllegalArgumentException("chain 0 has no draws");
        }
        int length = first.size();
        int experts = first.get(0).experts();
        int dim = first.get(0).dim();
        for (int c = 0; c < chains.size(); c++) {
            List<Params> chain = chains.get(c);
            if (chain == null || chain.size() != length) {
                throw new IllegalArgumentException("chain " + c + " has " + (chain == null ? 0 : chain.size())
                        + " draws but chain 0 has " + length + "; chains must be equally long");
            }
            for (int t = 0; t < length; t++) {
                checkDraw(chain.get(t), c, t, experts, dim);
            }
        }
        return new Shape(chains.size(), length, experts, dim);
    }

    private static void checkDraw(Params p, int c, int t, int experts, int dim) {
        String where = "chain " + c + " draw " + t;
        if (p == null) {
            throw new IllegalArgumentException(where + " is null");
        }
        if (p.experts() != experts) {
            throw new IllegalArgumentException(where + " has K = " + p.experts() + " experts, expected " + experts);
        }
        for (int k = 0; k < experts; k++) {
            checkRow(p.beta()[k], dim, where + " beta[" + k + "]");
            double s2 = p.s2()[k];
            if (!(s2 > 0) || Double.isInfinite(s2)) {
                throw new IllegalArgumentException(
                        where + " s2[" + k + "] = " + s2 + "; variances must be positive and finite");
            }
        }
        for (int k = 0; k < experts - 1; k++) {
            checkRow(p.w()[k], dim, where + " w[" + k + "]");
        }
    }

    private static void checkRow(double[] row, int dim, String what) {
        if (row == null || row.length != dim) {
            throw new IllegalArgumentException(what + " has " + (row == null ? 0 : row.length)
                    + " coefficients, expected d = " + dim);
        }
        for (double v : row) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException(what + " holds " + v + "; parameters must be finite");
            }
        }
    }

    /** The pivot's flat index c * length + t: the highest log-likelihood, else draw 0 of chain 0. */
    private static int pivot(double[][] logLikelihood, Shape shape) {
        if (logLikelihood == null) {
            return 0;
        }
        if (logLikelihood.length != shape.chains) {
            throw new IllegalArgumentException("logLikelihood has " + logLikelihood.length + " chains, draws have "
                    + shape.chains);
        }
        int best = 0;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < shape.chains; c++) {
            if (logLikelihood[c] == null || logLikelihood[c].length != shape.length) {
                int values = logLikelihood[c] == null ? 0 : logLikelihood[c].length;
                throw new IllegalArgumentException(
                        "logLikelihood of chain " + c + " has " + values + " values, expected " + shape.length);
            }
            for (int t = 0; t < shape.length; t++) {
                double v = logLikelihood[c][t];
                if (Double.isNaN(v)) {
                    throw new IllegalArgumentException("logLikelihood of chain " + c + " draw " + t + " is NaN");
                }
                if (v > bestValue) {
                    bestValue = v;
                    best = c * shape.length + t;
                }
            }
        }
        return best;
    }
}
