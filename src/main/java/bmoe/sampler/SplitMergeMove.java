package bmoe.sampler;

import bmoe.model.ExpertsPrior;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.Draws;
import bmoe.rng.RngStream;

/**
 * The second move between K and K + 1 experts when K is a parameter: a reversible-jump split or merge (Richardson
 * and Green 1997, adapted to softmax gates) on the same target as {@link ExpertCountMove}, the allocations summed
 * out. A birth adds an expert from the data and a death removes one whole, so two experts that share one true
 * expert's data (a copy and its original, each holding part of it) cannot die: removing either leaves its share
 * to the wrong experts. A merge replaces the two by one that holds both shares.
 *
 * <p><b>The map.</b> With full gates g_1..g_K (the reference's 0 included), c = log 2 on the intercept, a split of
 * expert j with u = (u_g, u_b, u_s) makes two children
 * <pre>
 *   g_a = g_j - c e_0 + u_g,   beta_a = beta_j + u_b,   s2_a = s2_j e^{u_s}
 *   g_b = g_j - c e_0 - u_g,   beta_b = beta_j - u_b,   s2_b = s2_j e^{-u_s}
 * </pre>
 * so that at u_g = 0, e^{g_a' x} + e^{g_b' x} = e^{g_j' x}: the children's gate mass together is the parent's at
 * every x. a takes j's place and b is inserted at position i (uniform on 1..K+1) of the list of K + 1; the last
 * expert of that list is the new reference (every gate shifted by minus its full gate, volume preserving as in the
 * birth). A merge at K + 1 picks an ordered pair (s, t), a = s and b = t, removes b and puts
 * <pre>
 *   g_j = (g_a + g_b) / 2 + c e_0,   beta_j = (beta_a + beta_b) / 2,   s2_j = sqrt(s2_a s2_b)
 *   u_g = (g_a - g_b) / 2,            u_b = (beta_a - beta_b) / 2,      u_s = (log s2_a - log s2_b) / 2
 * </pre>
 * in a's place. Split (j, i) and merge (s, t) are each other's inverse with t = i and s = j if j &lt; i, else j + 1
 * (1-based positions as in the code's 0-based ones). The map (g_j, u_g) -&gt; (g_a, g_b) has determinant (-2)^d, so
 * does the coefficients', and (s2_j, u_s) -&gt; (s2_a, s2_b) has -2 s2_j: |J| = 2^(2d+1) s2_j.
 *
 * <p><b>The proposal.</b> At K the move splits with probability s_K (1 at K = 1, 0 at KMAX, else 1/2, as the
 * birth), j uniform on 1..K, i uniform on 1..K+1, u ~ q(u | s2_j, s_w): u_g from the mixture
 * 1/2 N(0, {@link #GATE_SD_NARROW}^2 I) + 1/2 N(0, s_w^2/2 I) (the second is exactly the conditional prior of the
 * gates' difference when two children have the same expert, so copies whose gates drifted apart along that flat
 * direction can still merge), u_b ~ N(0, {@link #BETA_SD}^2 s2_j I), u_s ~ N(0, {@link #LOG_S2_SD}^2). A merge
 * at K + 1 picks the ordered pair (s, t) with probability m_st(theta') proportional to
 * 1 / (D_st + {@link #PAIR_FLOOR}), D_st = |beta_s - beta_t|^2 / (s2_s + s2_t) + (log s2_s - log s2_t)^2 (the
 * coefficients are on the standardised scale), so that the experts most alike are the ones proposed: copies are
 * merged first. Then
 * <pre>
 *   log alpha_split = log p(K+1) - log p(K) + log p(theta' | K+1) - log p(theta | K) + log L(theta') - log L(theta)
 *                     + log(1 - s_{K+1}) + log m_st(theta') - log s_K + log K + log(K+1) - log q(u | s2_j, s_w)
 *                     + log |J|
 * </pre>
 * and a merge's log alpha is minus the same with theta' the state before the merge and theta after it. p(theta | K)
 * is the labelled prior that {@link ExpertCountMove} uses (the positions are drawn uniformly here as there, so no
 * K! appears). b0 and s_w stay as they are.
 */
public final class SplitMergeMove {
    private SplitMergeMove() {}

    /** sd of the narrow component of u_g (the children's gates nearly the parent's, split by a soft boundary). */
    static final double GATE_SD_NARROW = 0.5;
    /** sd of u_b in units of sqrt(s2_j). */
    static final double BETA_SD = 0.5;
    /** sd of u_s. */
    static final double LOG_S2_SD = 0.5;
    /** Floor of D_st in the merge's pair weights 1 / (D_st + floor): two identical experts weigh 100. */
    static final double PAIR_FLOOR = 0.01;
    private static final double LOG2 = Math.log(2.0);

    /**
     * The outcome.
     *
     * @param params the new parameters: the proposal if accepted, else the old ones
     * @param split whether a split (else a merge) was proposed
     * @param acceptProb min(1, alpha); 0 when alpha is not a number
     */
    public record Result(Params params, boolean split, boolean accepted, double acceptProb) {}

    /** A term of log alpha a negative control may leave out. */
    enum Term { NONE, JACOBIAN, PAIR_CHOICE }

    /** The auxiliary variables of a split (or what a merge leaves). */
    record Aux(double[] gate, double[] beta, double logS2) {}

    /** One split-or-merge move from the chain's state, given its b0 and s_w (which the move leaves as they are). */
    public static Result step(SweepState state, ExpertsPrior kPrior, Priors priors,
                              ExpertCountMove.LogLikelihood logLik, RngStream rng) {
        return step(state, kPrior, priors, logLik, rng, Term.NONE);
    }

    static Result step(SweepState state, ExpertsPrior kPrior, Priors priors, ExpertCountMove.LogLikelihood logLik,
                       RngStream rng, Term omitted) {
        Params current = state.params();
        Priors given = GibbsSweep.conditional(priors, state);
        int k = current.experts();
        int kmax = kPrior.maxExperts();
        if (kmax == 1) {
            return new Result(current, false, false, 0.0);
        }
        boolean split = rng.uniform() < ExpertCountMove.birthProbability(k, kmax);
        Params small;
        Params large;
        Aux u;
        int parent; // j, in the small state
        int inserted; // i = t, b's position in the large state
        int kept; // s, a's position in the large state
        if (split) {
            parent = Math.min(k - 1, (int) (rng.uniform() * k));
            inserted = Math.min(k, (int) (rng.uniform() * (k + 1)));
            u = drawAux(current.dim(), current.s2()[parent], given.gateSd(), rng);
            small = current;
            large = split(current, parent, inserted, u);
            kept = parent < inserted ? parent : parent + 1;
        } else {
            int[] pair = pickPair(pairProbabilities(current), rng.uniform());
            kept = pair[0];
            inserted = pair[1];
            Merged m = merge(current, kept, inserted);
            small = m.params();
            u = m.aux();
            parent = kept < inserted ? kept : kept - 1;
            large = current;
        }
        double u01 = rng.uniform();
        int ks = small.experts();
        int d = small.dim();
        double s2j = small.s2()[parent];
        double logAlphaSplit = kPrior.logMass(ks + 1) - kPrior.logMass(ks)
                + StartSearch.logPrior(state.withParams(large), priors)
                - StartSearch.logPrior(state.withParams(small), priors)
                + logLik.at(large) - logLik.at(small)
                + Math.log(1 - ExpertCountMove.birthProbability(ks + 1, kmax))
                - Math.log(ExpertCountMove.birthProbability(ks, kmax))
                + Math.log(ks) + Math.log(ks + 1)
                - logAuxDensity(u, s2j, given.gateSd());
        if (omitted != Term.PAIR_CHOICE) {
            logAlphaSplit += Math.log(pairProbabilities(large)[kept][inserted]);
        } else {
            logAlphaSplit += -Math.log(ks * (ks + 1.0)); // as if the pair were uniform
        }
        if (omitted != Term.JACOBIAN) {
            logAlphaSplit += (2 * d + 1) * LOG2 + Math.log(s2j);
        }
        double logAlpha = split ? logAlphaSplit : -logAlphaSplit;
        if (Double.isNaN(logAlpha)) {
            return new Result(current, split, false, 0.0);
        }
        boolean accept = Math.log(u01) < logAlpha;
        return new Result(accept ? (split ? large : small) : current, split, accept,
                Math.exp(Math.min(0.0, logAlpha)));
    }

    /**
     * u ~ q(u | s2_j, s_w), consuming from rng: one uniform for u_g's component, d normals for u_g, d for u_b, one
     * for u_s.
     */
    static Aux drawAux(int d, double s2j, double gateSd, RngStream rng) {
        double sdGate = rng.uniform() < 0.5 ? GATE_SD_NARROW : gateSd / Math.sqrt(2.0);
        double[] gate = new double[d];
        for (int j = 0; j < d; j++) {
            gate[j] = sdGate * Draws.normal(rng);
        }
        double sdBeta = BETA_SD * Math.sqrt(s2j);
        double[] beta = new double[d];
        for (int j = 0; j < d; j++) {
            beta[j] = sdBeta * Draws.normal(rng);
        }
        return new Aux(gate, beta, LOG_S2_SD * Draws.normal(rng));
    }

    /** log q(u | s2_j, s_w), every normalising constant included (the move's dimension changes). */
    static double logAuxDensity(Aux u, double s2j, double gateSd) {
        double narrow = Math.log(0.5);
        double wide = Math.log(0.5);
        double sdBeta = BETA_SD * Math.sqrt(s2j);
        double t = BirthProposal.logNormal(u.logS2(), 0, LOG_S2_SD);
        for (int j = 0; j < u.gate().length; j++) {
            narrow += BirthProposal.logNormal(u.gate()[j], 0, GATE_SD_NARROW);
            wide += BirthProposal.logNormal(u.gate()[j], 0, gateSd / Math.sqrt(2.0));
            t += BirthProposal.logNormal(u.beta()[j], 0, sdBeta);
        }
        return t + Params.logSumExp(new double[] {narrow, wide}, 2);
    }

    /**
     * m_st(theta): the merge's choice of the ordered pair (s, t), s != t, proportional to 1 / (D_st + floor), a
     * function of the experts' coefficients and variances only ([s][t]; the diagonal 0).
     */
    static double[][] pairProbabilities(Params params) {
        int k = params.experts();
        double[][] m = new double[k][k];
        double total = 0;
        for (int s = 0; s < k; s++) {
            for (int t = 0; t < k; t++) {
                if (s == t) {
                    continue;
                }
                double diff = 0;
                for (int j = 0; j < params.dim(); j++) {
                    double e = params.beta()[s][j] - params.beta()[t][j];
                    diff += e * e;
                }
                double logRatio = Math.log(params.s2()[s]) - Math.log(params.s2()[t]);
                double distance = diff / (params.s2()[s] + params.s2()[t]) + logRatio * logRatio;
                m[s][t] = 1.0 / (distance + PAIR_FLOOR);
                total += m[s][t];
            }
        }
        for (double[] row : m) {
            for (int t = 0; t < k; t++) {
                row[t] /= total;
            }
        }
        return m;
    }

    /** The pair (s, t) whose cumulative probability, in row-major order, first exceeds u. */
    private static int[] pickPair(double[][] m, double u) {
        int k = m.length;
        double cumulative = 0;
        int[] last = null;
        for (int s = 0; s < k; s++) {
            for (int t = 0; t < k; t++) {
                if (s == t) {
                    continue;
                }
                last = new int[] {s, t};
                cumulative += m[s][t];
                if (u < cumulative) {
                    return last;
                }
            }
        }
        return last;
    }

    /** Experts with full gates {@code gates}, the last the reference (every gate shifted by minus its own). */
    private static Params relativeToLast(double[][] gates, double[][] beta, double[] s2) {
        int k = gates.length;
        int d = beta[0].length;
        double[] shift = gates[k - 1];
        double[][] w = new double[k - 1][d];
        for (int i = 0; i < k - 1; i++) {
            for (int j = 0; j < d; j++) {
                w[i][j] = gates[i][j] - shift[j];
            }
        }
        return new Params(w, beta, s2);
    }

    /**
     * Expert {@code parent} (0-based, 0..K-1) split by u into a, at its place, and b, inserted at 0-based
     * {@code inserted} (0..K) of the K + 1.
     */
    static Params split(Params params, int parent, int inserted, Aux u) {
        int k = params.experts();
        int d = params.dim();
        double[][] g = ExpertCountMove.fullGates(params);
        double[] ga = new double[d];
        double[] gb = new double[d];
        double[] ba = new double[d];
        double[] bb = new double[d];
        for (int j = 0; j < d; j++) {
            double centre = g[parent][j] - (j == 0 ? LOG2 : 0.0);
            ga[j] = centre + u.gate()[j];
            gb[j] = centre - u.gate()[j];
            ba[j] = params.beta()[parent][j] + u.beta()[j];
            bb[j] = params.beta()[parent][j] - u.beta()[j];
        }
        double s2 = params.s2()[parent];
        double[][] gates = new double[k + 1][];
        double[][] beta = new double[k + 1][];
        double[] s2s = new double[k + 1];
        for (int i = 0, from = 0; i <= k; i++) {
            if (i == inserted) {
                gates[i] = gb;
                beta[i] = bb;
                s2s[i] = s2 * Math.exp(-u.logS2());
                continue;
            }
            if (from == parent) {
                gates[i] = ga;
                beta[i] = ba;
                s2s[i] = s2 * Math.exp(u.logS2());
            } else {
                gates[i] = g[from];
                beta[i] = params.beta()[from];
                s2s[i] = params.s2()[from];
            }
            from++;
        }
        return relativeToLast(gates, beta, s2s);
    }

    /** The experts after a merge, and the auxiliary variables that the split undoing it would draw. */
    record Merged(Params params, Aux aux) {}

    /** Experts {@code kept} (a) and {@code removed} (b), 0-based and distinct, of K + 1 >= 2 merged at a's place. */
    static Merged merge(Params params, int kept, int removed) {
        int k = params.experts();
        int d = params.dim();
        double[][] g = ExpertCountMove.fullGates(params);
        double[] gj = new double[d];
        double[] bj = new double[d];
        double[] ug = new double[d];
        double[] ub = new double[d];
        for (int j = 0; j < d; j++) {
            gj[j] = 0.5 * (g[kept][j] + g[removed][j]) + (j == 0 ? LOG2 : 0.0);
            ug[j] = 0.5 * (g[kept][j] - g[removed][j]);
            bj[j] = 0.5 * (params.beta()[kept][j] + params.beta()[removed][j]);
            ub[j] = 0.5 * (params.beta()[kept][j] - params.beta()[removed][j]);
        }
        double la = Math.log(params.s2()[kept]);
        double lb = Math.log(params.s2()[removed]);
        double[][] gates = new double[k - 1][];
        double[][] beta = new double[k - 1][];
        double[] s2 = new double[k - 1];
        for (int i = 0, to = 0; i < k; i++) {
            if (i == removed) {
                continue;
            }
            if (i == kept) {
                gates[to] = gj;
                beta[to] = bj;
                s2[to] = Math.exp(0.5 * (la + lb));
            } else {
                gates[to] = g[i];
                beta[to] = params.beta()[i];
                s2[to] = params.s2()[i];
            }
            to++;
        }
        return new Merged(relativeToLast(gates, beta, s2), new Aux(ug, ub, 0.5 * (la - lb)));
    }
}
