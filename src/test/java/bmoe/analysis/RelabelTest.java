package bmoe.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.model.Params;
import bmoe.rng.Draws;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Relabelling: {@link Relabel#permute} against the density it must preserve and the composition law it
 * documents; {@link Relabel#run} on synthetic chains whose label switches are known, on a posterior with
 * two indistinguishable experts, and on bad input.
 */
class RelabelTest {
    private static final double EXACT = 1e-12;
    private static final double JITTER = 0.05;
    /**
     * Relabelled draws must lie within this of the generating parameters: a coordinate is the truth plus
     * N(0, JITTER^2) jitter, a gate difference of two of them has sd JITTER * sqrt 2, and 8 such sds are
     * exceeded with probability 1.2e-15 per coordinate (about 1e-11 over the ~10^4 checked). The experts
     * are at least 2 apart in beta, so a draw with the wrong label fails by far.
     */
    private static final double CLOSE = 8 * JITTER * Math.sqrt(2);
    private static final int CHAINS = 4;
    private static final int DRAWS = 200;

    /** Three experts (p = 1) far apart in every feature. */
    private static final Params SEPARATED = new Params(
            new double[][] {{1.0, 2.0}, {-1.0, 0.5}},
            new double[][] {{-2.0, 1.0}, {0.0, -1.0}, {3.0, 0.5}},
            new double[] {0.25, 1.0, 0.5});

    /** Experts 0 and 1 identical (same gate, line and variance), expert 2 far from both. */
    private static final Params TWINS = new Params(
            new double[][] {{0.5, 1.0}, {0.5, 1.0}},
            new double[][] {{1.0, 1.0}, {1.0, 1.0}, {-3.0, 2.0}},
            new double[] {0.5, 0.5, 2.0});

    @Test
    void permutePreservesTheConditionalDensity() {
        RngStream rng = new RngKey(7L, 0).stream(0, 0, 0);
        for (int experts = 1; experts <= 5; experts++) {
            Params p = randomParams(rng, experts, 3);
            for (int trial = 0; trial < 20; trial++) {
                int[] sigma = randomPermutation(rng, experts);
                Params q = Relabel.permute(p, sigma);
                double[] xTilde = {1.0, 2 * Draws.normal(rng), 2 * Draws.normal(rng)};
                double y = 3 * Draws.normal(rng);
                double logDensity = p.logDensity(xTilde, y);
                assertEquals(logDensity, q.logDensity(xTilde, y), EXACT * (1 + Math.abs(logDensity)));
                double regression = p.regression(xTilde);
                assertEquals(regression, q.regression(xTilde), EXACT * (1 + Math.abs(regression)));
            }
        }
    }

    @Test
    void permuteByHand() {
        // sigma = (2, 0, 1): new label 0 = old expert 2, 1 = old 0, 2 = old 1. The old gates are
        // (w0, w1, 0); the new ones are old gates minus old w_sigma[2] = w1: (0 - w1, w0 - w1), last 0.
        Params p = new Params(new double[][] {{1, 2}, {3, 5}}, new double[][] {{10, 11}, {20, 21}, {30, 31}},
                new double[] {1, 2, 3});
        Params q = Relabel.permute(p, new int[] {2, 0, 1});
        assertArrayEquals(new double[] {-3, -5}, q.w()[0], EXACT);
        assertArrayEquals(new double[] {-2, -3}, q.w()[1], EXACT);
        assertArrayEquals(new double[] {30, 31}, q.beta()[0], EXACT);
        assertArrayEquals(new double[] {10, 11}, q.beta()[1], EXACT);
        assertArrayEquals(new double[] {20, 21}, q.beta()[2], EXACT);
        assertArrayEquals(new double[] {3, 1, 2}, q.s2(), EXACT);
    }

    @Test
    void permuteIsAGroupAction() {
        // Documented convention: permute(permute(p, sigma), tau) = permute(p, k -> sigma[tau[k]]).
        RngStream rng = new RngKey(7L, 1).stream(0, 0, 0);
        for (int experts = 1; experts <= 5; experts++) {
            Params p = randomParams(rng, experts, 2);
            assertParamsClose(p, Relabel.permute(p, identity(experts)), 0.0);
            for (int trial = 0; trial < 20; trial++) {
                int[] sigma = randomPermutation(rng, experts);
                int[] tau = randomPermutation(rng, experts);
                int[] composed = new int[experts];
                for (int k = 0; k < experts; k++) {
                    composed[k] = sigma[tau[k]];
                }
                assertParamsClose(Relabel.permute(p, composed), Relabel.permute(Relabel.permute(p, sigma), tau), EXACT);
            }
        }
    }

    @Test
    void featuresMoveWithTheirExpert() {
        RngStream rng = new RngKey(7L, 2).stream(0, 0, 0);
        Params p = randomParams(rng, 4, 3);
        int[] sigma = {3, 1, 0, 2};
        double[][] before = Relabel.features(p);
        double[][] after = Relabel.features(Relabel.permute(p, sigma));
        for (int k = 0; k < 4; k++) {
            assertArrayEquals(before[sigma[k]], after[k], EXACT);
        }
    }

    @Test
    @Tag("statistical")
    void recoversKnownLabelSwitches() {
        RngStream rng = new RngKey(11L, 0).stream(0, 0, 0);
        int[][][] generating = new int[CHAINS][DRAWS][];
        int[][] chainPermutations = new int[CHAINS][];
        List<List<Params>> chains = new ArrayList<>();
        for (int c = 0; c < CHAINS; c++) {
            int[] chainPermutation = randomPermutation(rng, 3);
            chainPermutations[c] = chainPermutation;
            List<Params> chain = new ArrayList<>();
            for (int t = 0; t < DRAWS; t++) {
                int[] g = chainPermutation;
                // A tenth of the draws switch once more, as a sampler crossing between modes would.
                if (rng.uniform() < 0.1) {
                    int[] extra = randomPermutation(rng, 3);
                    g = new int[3];
                    for (int k = 0; k < 3; k++) {
                        g[k] = chainPermutation[extra[k]];
                    }
                }
                generating[c][t] = g;
                chain.add(Relabel.permute(jitter(rng, SEPARATED), g));
            }
            chains.add(chain);
        }
        double[][] logLikelihood = new double[CHAINS][DRAWS];
        logLikelihood[2][17] = 1.0;

        for (double[][] ll : new double[][][] {null, logLikelihood}) {
            Relabel.Result result = Relabel.run(chains, ll);
            assertTrue(result.converged());
            // Stored draw = truth relabelled by g, relabelled draw = stored relabelled by sigma, so its
            // label k is true expert g[sigma[k]]: that must be one permutation pi for every draw.
            int[] pi = compose(generating[0][0], result.permutations()[0][0]);
            Params expected = Relabel.permute(SEPARATED, pi);
            int permuted = 0;
            for (int c = 0; c < CHAINS; c++) {
                for (int t = 0; t < DRAWS; t++) {
                    int[] sigma = result.permutations()[c][t];
                    assertArrayEquals(pi, compose(generating[c][t], sigma), "chain " + c + " draw " + t);
                    assertParamsClose(expected, result.draws().get(c).get(t), CLOSE);
                    permuted += Arrays.equals(sigma, identity(3)) ? 0 : 1;
                }
                // Most of the chain keeps its chain permutation, so the modal sigma undoes it.
                int[] chainSigma = compose(inverse(chainPermutations[c]), pi);
                Relabel.ChainSummary summary = result.chains().get(c);
                assertArrayEquals(chainSigma, summary.modalPermutation());
                assertTrue(summary.modalShare() > 0.8);
                assertEquals(!Arrays.equals(chainSigma, identity(3)), summary.relabelled());
            }
            assertEquals(permuted, result.permutedDraws());
            assertEquals(0.0, result.ambiguousFraction());
            assertArrayEquals(new boolean[3], result.labelAmbiguous());
            // The pivot keeps its own labels.
            int[] pivotSigma = ll == null ? result.permutations()[0][0] : result.permutations()[2][17];
            assertArrayEquals(identity(3), pivotSigma);
        }
    }

    /**
     * The twins' labels must be flagged (> 5% ambiguous draws involving them) and the third never involved.
     * Over seeds 1..30 of this set-up the twins' fraction ranged 0.069 to 0.109 (mean 0.089, binomial sd
     * about 0.010 for 800 draws), so the 5% flag sits about 4 sd below the mean; the third label's
     * fraction is exactly 0 because swapping it with a twin costs orders of magnitude more than 10%.
     */
    @Test
    @Tag("statistical")
    void flagsTheTwoIndistinguishableExperts() {
        RngStream rng = new RngKey(13L, 0).stream(0, 0, 0);
        List<List<Params>> chains = new ArrayList<>();
        for (int c = 0; c < CHAINS; c++) {
            int[] chainPermutation = randomPermutation(rng, 3);
            List<Params> chain = new ArrayList<>();
            for (int t = 0; t < DRAWS; t++) {
                chain.add(Relabel.permute(jitter(rng, TWINS), chainPermutation));
            }
            chains.add(chain);
        }
        Relabel.Result result = Relabel.run(chains, null);
        // The label that holds the distinct expert (beta intercept near -3) is never involved.
        int distinct = -1;
        for (int k = 0; k < 3; k++) {
            if (result.draws().get(0).get(0).beta()[k][0] < -2) {
                distinct = k;
            }
        }
        assertTrue(distinct >= 0);
        for (int k = 0; k < 3; k++) {
            assertEquals(k != distinct, result.labelAmbiguous()[k], "label " + k);
        }
        assertEquals(0.0, result.labelAmbiguousFraction()[distinct]);
        assertTrue(result.ambiguousFraction() > 0.05);
    }

    @Test
    void singleExpertIsLeftAlone() {
        Params p = new Params(new double[0][], new double[][] {{1.0, 2.0}}, new double[] {0.5});
        Params q = new Params(new double[0][], new double[][] {{1.1, 1.9}}, new double[] {0.6});
        Relabel.Result result = Relabel.run(List.of(List.of(p, q), List.of(q, p)), null);
        assertEquals(List.of(List.of(p, q), List.of(q, p)), result.draws());
        assertEquals(0, result.permutedDraws());
        assertEquals(0.0, result.ambiguousFraction());
        assertTrue(result.converged());
        assertArrayEquals(new int[] {0}, result.permutations()[1][0]);
    }

    @Test
    void badInputIsRejected() {
        Params three = SEPARATED;
        Params two = new Params(new double[][] {{0, 0}}, new double[][] {{0, 0}, {1, 1}}, new double[] {1, 1});
        Params wider = new Params(new double[][] {{0, 0, 0}}, new double[][] {{0, 0, 0}, {1, 1, 1}},
                new double[] {1, 1});
        Params nan = new Params(new double[][] {{0, Double.NaN}}, new double[][] {{0, 0}, {1, 1}}, new double[] {1, 1});
        assertBad(null, null);
        assertBad(List.of(), null);
        assertBad(List.of(List.of()), null);
        assertBad(List.of(List.of(three, three), List.of(three)), null);
        assertBad(List.of(List.of(three), List.of(two)), null);
        assertBad(List.of(List.of(two, wider)), null);
        assertBad(List.of(List.of(two, nan)), null);
        assertBad(List.of(List.of(two)), new double[][] {{0}, {0}});
        assertBad(List.of(List.of(two)), new double[][] {{0, 1}});
        assertBad(List.of(List.of(two)), new double[][] {{Double.NaN}});
        assertThrows(IllegalArgumentException.class, () -> Relabel.permute(three, new int[] {0, 1}));
        assertThrows(IllegalArgumentException.class, () -> Relabel.permute(three, new int[] {0, 1, 1}));
        assertThrows(IllegalArgumentException.class, () -> new Relabel.Settings(-0.1, 0.05, 100));
        assertThrows(IllegalArgumentException.class, () -> new Relabel.Settings(0.1, 1.0, 100));
        assertThrows(IllegalArgumentException.class, () -> new Relabel.Settings(0.1, 0.05, 0));
    }

    @Test
    void inputIsNotModified() {
        List<Params> chain = List.of(SEPARATED, Relabel.permute(SEPARATED, new int[] {1, 2, 0}));
        Params copy = Relabel.permute(SEPARATED, identity(3));
        Relabel.Result result = Relabel.run(List.of(chain), null);
        assertEquals(copy, SEPARATED);
        assertSame(SEPARATED, chain.get(0));
        assertParamsClose(result.draws().get(0).get(0), result.draws().get(0).get(1), EXACT);
    }

    private static void assertBad(List<List<Params>> chains, double[][] logLikelihood) {
        assertThrows(IllegalArgumentException.class, () -> Relabel.run(chains, logLikelihood));
    }

    private static void assertParamsClose(Params expected, Params actual, double tolerance) {
        assertEquals(expected.experts(), actual.experts());
        for (int k = 0; k < expected.experts(); k++) {
            assertArrayEquals(expected.beta()[k], actual.beta()[k], tolerance);
            assertEquals(Math.log(expected.s2()[k]), Math.log(actual.s2()[k]), tolerance);
        }
        for (int k = 0; k < expected.experts() - 1; k++) {
            assertArrayEquals(expected.w()[k], actual.w()[k], tolerance);
        }
    }

    /** Every free coordinate (w, beta, log s2) plus independent N(0, JITTER^2) noise. */
    private static Params jitter(RngStream rng, Params p) {
        int experts = p.experts();
        double[][] w = new double[experts - 1][];
        double[][] beta = new double[experts][];
        double[] s2 = new double[experts];
        for (int k = 0; k < experts; k++) {
            beta[k] = p.beta()[k].clone();
            for (int j = 0; j < beta[k].length; j++) {
                beta[k][j] += JITTER * Draws.normal(rng);
            }
            s2[k] = p.s2()[k] * Math.exp(JITTER * Draws.normal(rng));
            if (k < experts - 1) {
                w[k] = p.w()[k].clone();
                for (int j = 0; j < w[k].length; j++) {
                    w[k][j] += JITTER * Draws.normal(rng);
                }
            }
        }
        return new Params(w, beta, s2);
    }

    private static Params randomParams(RngStream rng, int experts, int dim) {
        double[][] w = new double[experts - 1][dim];
        double[][] beta = new double[experts][dim];
        double[] s2 = new double[experts];
        for (int k = 0; k < experts; k++) {
            for (int j = 0; j < dim; j++) {
                beta[k][j] = 2 * Draws.normal(rng);
                if (k < experts - 1) {
                    w[k][j] = Draws.normal(rng);
                }
            }
            s2[k] = Math.exp(Draws.normal(rng));
        }
        return new Params(w, beta, s2);
    }

    /** Fisher-Yates from the stream's uniforms. */
    private static int[] randomPermutation(RngStream rng, int n) {
        int[] sigma = identity(n);
        for (int i = n - 1; i > 0; i--) {
            int j = (int) (rng.uniform() * (i + 1));
            int swap = sigma[i];
            sigma[i] = sigma[j];
            sigma[j] = swap;
        }
        return sigma;
    }

    /** k -> first[second[k]]: relabelling by first, then by second. */
    private static int[] compose(int[] first, int[] second) {
        int[] out = new int[first.length];
        for (int k = 0; k < first.length; k++) {
            out[k] = first[second[k]];
        }
        return out;
    }

    private static int[] inverse(int[] sigma) {
        int[] out = new int[sigma.length];
        for (int k = 0; k < sigma.length; k++) {
            out[sigma[k]] = k;
        }
        return out;
    }

    private static int[] identity(int n) {
        int[] id = new int[n];
        for (int k = 0; k < n; k++) {
            id[k] = k;
        }
        return id;
    }
}
