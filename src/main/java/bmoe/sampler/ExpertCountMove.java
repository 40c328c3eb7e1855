package bmoe.sampler;

import bmoe.model.ExpertsPrior;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.RngStream;

/**
 * The move between K and K + 1 experts when K is a parameter: a reversible-jump birth or death (Green 1995) on the
 * target with the allocations summed out,
 * <pre>
 *   pi(K, theta | y) ∝ p(K) p(theta | K) L(theta),   L(theta) = prod_i sum_k pi_k(x_i; w) N(y_i | beta_k' x~_i, s2_k)
 * </pre>
 * where theta = (w_1..w_{K-1}, beta_1..beta_K, s2_1..s2_K) is labelled, p(theta | K) is the product of the
 * per-coordinate priors (the gates N(0, s_w^2), each expert NIG(a0, b0, s_b)) given the chain's current b0 and
 * s_w ({@link StartSearch#logPrior}, normalised, as the dimension changes; its terms in b0 and s_w cancel), and
 * expert K is the reference, its gate 0.
 *
 * <p><b>Birth</b> at K (chosen with probability b_K): a position j uniform on 1..K+1 and a newborn u = (v, beta, s2)
 * ~ q(u | theta) ({@link BirthProposal}), v its gate against the current reference. For j &lt;= K the newborn is
 * inserted as expert j with gate v and every other coordinate kept (the old reference stays the reference); for
 * j = K + 1 the newborn becomes the reference, so every gate, the old reference's 0 included, is shifted by -v:
 * w'_i = g_i - v. Both maps are volume preserving (the second is unit triangular up to the sign of -v), so the
 * Jacobian is 1. <b>Death</b> at K + 1 (probability d_{K+1}): expert j is chosen with probability
 * r_j(theta') ({@link BirthProposal#deathProbabilities}: mostly the experts the gates give least data) and removed,
 * and if it was the reference the last remaining expert becomes it (every gate shifted by minus its gate); u is
 * what the removed expert was, relative to the new reference. Birth at position j and death of expert j are each
 * other's inverse, so
 * <pre>
 *   log alpha_birth = log p(K+1) - log p(K) + log p(theta' | K+1) - log p(theta | K) + log L(theta') - log L(theta)
 *                     + log d_{K+1} - log b_K + log r_j(theta') + log(K+1) - log q(u | theta)
 * </pre>
 * and a death's log alpha is the same with theta' and theta exchanged (theta the state after the death, q
 * evaluated there). b_1 = 1, b_KMAX = 0, otherwise b_K = d_K = 1/2. The two likelihoods are two passes over the
 * data ({@link LogLikelihood}); everything else is on the host. b0 and s_w stay as they are: the move is
 * conditional on them, and their own steps then see the new K.
 */
public final class ExpertCountMove {
    private ExpertCountMove() {}

    /**
     * The outcome.
     *
     * @param params the new parameters: the proposal if accepted, else the old ones
     * @param birth whether a birth (else a death) was proposed
     * @param acceptProb min(1, alpha); 0 when alpha is not a number
     */
    public record Result(Params params, boolean birth, boolean accepted, double acceptProb) {}

    /** sum_i log p(y_i | x_i, theta), the allocations summed out: one pass over the data at any K. */
    public interface LogLikelihood {
        double at(Params params);
    }

    /** A term of log alpha a negative control may leave out. */
    enum Term { NONE, MOVE_CHOICE, DEATH_CHOICE }

    /** One birth-or-death move from the chain's state, given its b0 and s_w (which the move leaves as they are). */
    public static Result step(SweepState state, ExpertsPrior kPrior, Priors priors, BirthProposal births,
                              LogLikelihood logLik, RngStream rng) {
        return step(state, kPrior, priors, births, logLik, rng, Term.NONE);
    }

    static Result step(SweepState state, ExpertsPrior kPrior, Priors priors, BirthProposal births,
                       LogLikelihood logLik, RngStream rng, Term omitted) {
        Params current = state.params();
        Priors given = GibbsSweep.conditional(priors, state);
        int k = current.experts();
        int kmax = kPrior.maxExperts();
        if (kmax == 1) {
            return new Result(current, false, false, 0.0);
        }
        boolean birth = rng.uniform() < birthProbability(k, kmax);
        Params small;
        Params large;
        BirthProposal.Newborn u;
        int position;
        if (birth) {
            position = Math.min(k, (int) (rng.uniform() * (k + 1)));
            u = births.draw(current, given, rng);
            small = current;
            large = insert(current, position, u);
        } else {
            position = pick(births.deathProbabilities(current), rng.uniform());
            Removed removed = remove(current, position);
            u = removed.expert();
            small = removed.params();
            large = current;
        }
        double u01 = rng.uniform();
        int ks = small.experts();
        double logAlphaBirth = kPrior.logMass(ks + 1) - kPrior.logMass(ks)
                + StartSearch.logPrior(state.withParams(large), priors)
                - StartSearch.logPrior(state.withParams(small), priors)
                + logLik.at(large) - logLik.at(small)
                - births.logDensity(small, given, u);
        if (omitted != Term.MOVE_CHOICE) {
            logAlphaBirth += Math.log(1 - birthProbability(ks + 1, kmax)) - Math.log(birthProbability(ks, kmax));
        }
        if (omitted != Term.DEATH_CHOICE) {
            // the death that undoes this birth picks the newborn with r_j(theta'); the birth put it at j w.p. 1/(K+1)
            logAlphaBirth += Math.log(births.deathProbabilities(large)[position]) + Math.log(ks + 1);
        }
        double logAlpha = birth ? logAlphaBirth : -logAlphaBirth;
        if (Double.isNaN(logAlpha)) {
            return new Result(current, birth, false, 0.0);
        }
        boolean accept = Math.log(u01) < logAlpha;
        return new Result(accept ? (birth ? large : small) : current, birth, accept,
                Math.exp(Math.min(0.0, logAlpha)));
    }

    /** The first k whose cumulative probability exceeds u (the last if rounding leaves u above the total). */
    private static int pick(double[] probabilities, double u) {
        double cumulative = 0;
        for (int k = 0; k < probabilities.length - 1; k++) {
            cumulative += probabilities[k];
            if (u < cumulative) {
                return k;
            }
        }
        return probabilities.length - 1;
    }

    /** b_K: 1 at K = 1, 0 at K = KMAX, else 1/2. */
    static double birthProbability(int k, int kmax) {
        return k >= kmax ? 0.0 : k == 1 ? 1.0 : 0.5;
    }

    /** The gates of every expert, the reference's 0 included (K rows of d; the split/merge move's too). */
    static double[][] fullGates(Params params) {
        int k = params.experts();
        double[][] g = new double[k][];
        for (int i = 0; i < k - 1; i++) {
            g[i] = params.w()[i];
        }
        g[k - 1] = new double[params.dim()];
        return g;
    }

    /**
     * The K + 1 experts with {@code u} inserted at 0-based {@code position} (0..K); position K makes it the
     * reference, every gate shifted by -v.
     */
    static Params insert(Params params, int position, BirthProposal.Newborn u) {
        int k = params.experts();
        int d = params.dim();
        double[][] g = fullGates(params);
        double[][] gates = new double[k + 1][];
        double[][] beta = new double[k + 1][];
        double[] s2 = new double[k + 1];
        for (int i = 0, from = 0; i <= k; i++) {
            if (i == position) {
                gates[i] = u.gate();
                beta[i] = u.beta();
                s2[i] = u.s2();
            } else {
                gates[i] = g[from];
                beta[i] = params.beta()[from];
                s2[i] = params.s2()[from];
                from++;
            }
        }
        double[] shift = gates[k];
        double[][] w = new double[k][d];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < d; j++) {
                w[i][j] = gates[i][j] - shift[j];
            }
        }
        return new Params(w, beta, s2);
    }

    /** The experts after a death, and what the dead expert was relative to their reference. */
    record Removed(Params params, BirthProposal.Newborn expert) {}

    /** Removes the expert at 0-based {@code position} (0..K-1) of K >= 2; the last remaining one is the reference. */
    static Removed remove(Params params, int position) {
        int k = params.experts();
        int d = params.dim();
        double[][] g = fullGates(params);
        double[] shift = g[position == k - 1 ? k - 2 : k - 1];
        double[][] w = new double[k - 2][d];
        double[][] beta = new double[k - 1][];
        double[] s2 = new double[k - 1];
        for (int i = 0, to = 0; i < k; i++) {
            if (i == position) {
                continue;
            }
            if (to < k - 2) {
                for (int j = 0; j < d; j++) {
                    w[to][j] = g[i][j] - shift[j];
                }
            }
            beta[to] = params.beta()[i];
            s2[to] = params.s2()[i];
            to++;
        }
        double[] v = new double[d];
        for (int j = 0; j < d; j++) {
            v[j] = g[position][j] - shift[j];
        }
        return new Removed(new Params(w, beta, s2), new BirthProposal.Newborn(v, params.beta()[position],
                params.s2()[position]));
    }
}
