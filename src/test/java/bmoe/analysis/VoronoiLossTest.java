package bmoe.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.model.Params;
import bmoe.sim.Preset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * D1 and D2 against hand calculations written out below, and the properties a loss against a known truth
 * must have: zero at the truth (and at an exact split of a true atom for D2), invariance to relabelling
 * the fitted experts, first-order growth of D1 near the truth.
 */
class VoronoiLossTest {
    /** Rounding only: every expected value below is a short sum of exact terms. */
    private static final double EXACT = 1e-12;

    /** K* = 2, p = 1: gate of expert 1 (1, 2); experts (0.5, -1) and (2, 1); variances 0.5 and 0.25. */
    private static final Params TRUTH2 = new Params(
            new double[][] {{1.0, 2.0}},
            new double[][] {{0.5, -1.0}, {2.0, 1.0}},
            new double[] {0.5, 0.25});

    private static final double LOG2 = Math.log(2);

    /**
     * The same conditional density under new labels: new expert k is old expert {@code order[k]}, and the
     * gates are re-expressed so that the new last expert has w = 0, i.e. w'_k = w_order[k] - w_order[K-1]
     * with the old last gate taken as 0.
     */
    static Params relabel(Params p, int[] order) {
        int experts = p.experts();
        int d = p.dim();
        double[][] full = new double[experts][];
        for (int k = 0; k < experts; k++) {
            full[k] = k < experts - 1 ? p.w()[k] : new double[d];
        }
        double[] newLast = full[order[experts - 1]];
        double[][] w = new double[experts - 1][d];
        double[][] beta = new double[experts][];
        double[] s2 = new double[experts];
        for (int k = 0; k < experts; k++) {
            if (k < experts - 1) {
                for (int c = 0; c < d; c++) {
                    w[k][c] = full[order[k]][c] - newLast[c];
                }
            }
            beta[k] = p.beta()[order[k]].clone();
            s2[k] = p.s2()[order[k]];
        }
        return new Params(w, beta, s2);
    }

    static List<int[]> permutations(int n) {
        List<int[]> out = new ArrayList<>();
        permute(new int[n], new boolean[n], 0, out);
        return out;
    }

    private static void permute(int[] current, boolean[] used, int position, List<int[]> out) {
        if (position == current.length) {
            out.add(current.clone());
            return;
        }
        for (int v = 0; v < current.length; v++) {
            if (!used[v]) {
                used[v] = true;
                current[position] = v;
                permute(current, used, position + 1, out);
                used[v] = false;
            }
        }
    }

    /** truth + eps * a fixed direction that moves every gate, coefficient and variance. */
    private static Params perturbed(Params truth, double eps) {
        double[][] w = new double[truth.w().length][];
        double[][] beta = new double[truth.experts()][];
        double[] s2 = new double[truth.experts()];
        int n = 0;
        for (int k = 0; k < truth.experts(); k++) {
            if (k < truth.experts() - 1) {
                w[k] = truth.w()[k].clone();
                for (int c = 0; c < w[k].length; c++) {
                    w[k][c] += eps * Math.sin(++n);
                }
            }
            beta[k] = truth.beta()[k].clone();
            for (int c = 0; c < beta[k].length; c++) {
                beta[k][c] += eps * Math.cos(++n);
            }
            s2[k] = truth.s2()[k] * (1 + eps * Math.sin(++n));
        }
        return new Params(w, beta, s2);
    }

    @Test
    void bothLossesVanishAtTheTruth() {
        for (Preset preset : Preset.values()) {
            VoronoiLoss.Result r = VoronoiLoss.compute(preset.truth(), preset.truth());
            assertEquals(0.0, r.d1(), preset.id());
            assertEquals(0.0, r.d2(), preset.id());
            for (int k = 0; k < preset.truth().experts(); k++) {
                assertEquals(k, r.cellOf().get(k));
                assertEquals(1, r.cellSizes().get(k));
            }
            assertEquals(List.of(preset.truth().experts() - 1), r.referenceAtoms());
        }
    }

    @Test
    void d1ByHandOnTwoExperts() {
        // Fitted, same labels: gate 1 (1.2, 1.5); experts (0.7, -1) and (2, 1.3); variances 0.5 and 0.35.
        Params fitted = new Params(
                new double[][] {{1.2, 1.5}},
                new double[][] {{0.7, -1.0}, {2.0, 1.3}},
                new double[] {0.5, 0.35});
        // Reference: fitted 2 is nearest the true last atom in (beta, s2), and its gate is already 0, so no
        // shift. Cells: fitted 1 -> true 1 (distance sqrt(0.5^2 + 0.2^2) against ~2.9), fitted 2 -> true 2.
        // Masses: |e^1.2 - e^1| + |e^0 - e^0|.
        // Atom 1: e^1.2 (|1.5 - 2| + |(0.2, 0)| + 0)   = e^1.2 * 0.7
        // Atom 2: e^0   (0        + |(0, 0.3)| + 0.1) = 0.4
        double expected = (Math.exp(1.2) - Math.exp(1.0)) + Math.exp(1.2) * 0.7 + 0.4;
        VoronoiLoss.Result r = VoronoiLoss.compute(TRUTH2, fitted);
        assertEquals(3.32591694, expected, 1e-8); // the same sum, evaluated by hand
        assertEquals(expected, r.d1(), EXACT);
        assertEquals(expected, r.d2(), EXACT); // one atom per cell: D2 = D1
        assertEquals(List.of(0, 1), r.cellOf());
        assertEquals(List.of(1), r.referenceAtoms());

        // Swapped labels: the gate re-expressed relative to the new last expert is -(1.2, 1.5).
        VoronoiLoss.Result swapped = VoronoiLoss.compute(TRUTH2, relabel(fitted, new int[] {1, 0}));
        assertEquals(expected, swapped.d1(), EXACT);
        assertEquals(List.of(1, 0), swapped.cellOf());
        assertEquals(List.of(0), swapped.referenceAtoms());
    }

    @Test
    void lossesDoNotDependOnTheFittedLabels() {
        Params truth = Preset.PLANES3.truth();
        Params fitted = perturbed(truth, 0.05);
        VoronoiLoss.Result base = VoronoiLoss.compute(truth, fitted);
        assertTrue(base.d1() > 0);
        for (int[] order : permutations(3)) {
            VoronoiLoss.Result r = VoronoiLoss.compute(truth, relabel(fitted, order));
            assertEquals(base.d1(), r.d1(), EXACT);
            assertEquals(base.d2(), r.d2(), EXACT);
            for (int k = 0; k < 3; k++) {
                assertEquals(base.cellOf().get(order[k]), r.cellOf().get(k));
            }
        }
    }

    @Test
    void d1GrowsLinearlyNearTheTruth() {
        // D1 is first order in the perturbation: D1(eps) = c eps + O(eps^2), so D1(2 eps) / D1(eps) = 2
        // up to a relative O(eps) = 1e-4 term; 1e-3 leaves room for the constant.
        for (Preset preset : Preset.values()) {
            double eps = 1e-4;
            double small = VoronoiLoss.d1(preset.truth(), perturbed(preset.truth(), eps));
            double twice = VoronoiLoss.d1(preset.truth(), perturbed(preset.truth(), 2 * eps));
            assertTrue(small > 0, preset.id());
            assertEquals(2.0, twice / small, 1e-3, preset.id());
        }
    }

    /** TRUTH2 with true atom 1 split into two halves: intercepts log(e^1 / 2) = 1 - log 2 each. */
    private static Params splitFirst(double[] slopeShiftA, double[] betaShiftA, double s2ShiftA,
                                     double[] slopeShiftB, double[] betaShiftB, double s2ShiftB) {
        return new Params(
                new double[][] {{1 - LOG2, 2.0 + slopeShiftA[0]}, {1 - LOG2, 2.0 + slopeShiftB[0]}},
                new double[][] {
                    {0.5 + betaShiftA[0], -1.0 + betaShiftA[1]},
                    {0.5 + betaShiftB[0], -1.0 + betaShiftB[1]},
                    {2.0, 1.0}},
                new double[] {0.5 + s2ShiftA, 0.5 + s2ShiftB, 0.25});
    }

    @Test
    void d2VanishesOnAnExactSplit() {
        double[] none = {0.0, 0.0};
        VoronoiLoss.Result r = VoronoiLoss.compute(TRUTH2, splitFirst(none, none, 0, none, none, 0));
        assertEquals(0.0, r.d2(), EXACT);
        assertEquals(0.0, r.d1(), EXACT);
        assertEquals(List.of(2, 1), r.cellSizes());
    }

    @Test
    void d2VanishesWhenTheTrueLastAtomIsSplit() {
        // True atom 2 (gate 0) split into halves with intercepts log(1/2). Stored with the last gate at 0,
        // both halves carry gate 0 and true atom 1's gate becomes (1 + log 2, 2). Anchoring on one half
        // alone would leave a mass error of 1 in each cell; the log-sum-exp shift over both does not.
        Params fitted = new Params(
                new double[][] {{1 + LOG2, 2.0}, {0.0, 0.0}},
                new double[][] {{0.5, -1.0}, {2.0, 1.0}, {2.0, 1.0}},
                new double[] {0.5, 0.25, 0.25});
        VoronoiLoss.Result r = VoronoiLoss.compute(TRUTH2, fitted);
        assertEquals(List.of(1, 2), r.referenceAtoms());
        assertEquals(0.0, r.d2(), EXACT);
        assertEquals(List.of(1, 2), r.cellSizes());
        for (int[] order : permutations(3)) {
            assertEquals(0.0, VoronoiLoss.d2(TRUTH2, relabel(fitted, order)), EXACT);
        }
    }

    @Test
    void d2ByHandOnAPerturbedSplit() {
        // Half A: gate slope +0.1, expert slope +0.2. Half B: expert intercept +0.1, variance +0.1.
        // The cell of true atom 1 holds two atoms, so r = rbar(2) = 4: gate slope and expert intercept
        // enter to the 4th power, expert slope and variance to the 2nd. Masses still add up: 2 e/2 = e.
        //   D2 = e/2 (0.1^4 + 0.2^2) + e/2 (0.1^4 + 0.1^2) = e/2 * 0.0502
        // D1 uses first powers: e/2 (0.1 + 0.2) + e/2 (0.1 + 0.1) = e/2 * 0.5.
        Params fitted = splitFirst(new double[] {0.1}, new double[] {0.0, 0.2}, 0,
                new double[] {0.0}, new double[] {0.1, 0.0}, 0.1);
        VoronoiLoss.Result r = VoronoiLoss.compute(TRUTH2, fitted);
        assertEquals(List.of(0, 0, 1), r.cellOf());
        assertEquals(Math.E / 2 * 0.0502, r.d2(), EXACT);
        assertEquals(0.06822887, r.d2(), 1e-8); // the same, evaluated by hand
        assertEquals(Math.E / 2 * 0.5, r.d1(), EXACT);
    }

    @Test
    void anEmptyCellAddsItsTrueMass() {
        // K = 2 < K* = 3: the fit holds true atoms 1 and 3 exactly; true atom 2 (gate intercept 0.5) has
        // an empty cell and adds |0 - e^0.5|.
        Params truth = Preset.PLANES3.truth();
        Params fitted = new Params(
                new double[][] {truth.w()[0].clone()},
                new double[][] {truth.beta()[0].clone(), truth.beta()[2].clone()},
                new double[] {truth.s2()[0], truth.s2()[2]});
        VoronoiLoss.Result r = VoronoiLoss.compute(truth, fitted);
        assertEquals(Math.exp(0.5), r.d1(), EXACT);
        assertEquals(Math.exp(0.5), r.d2(), EXACT);
        assertEquals(List.of(1, 0, 1), r.cellSizes());
    }

    @Test
    void rbarIsTheKnownExponentsAndTwiceTheCellSizeBeyond() {
        assertEquals(4, VoronoiLoss.rbar(2));
        assertEquals(6, VoronoiLoss.rbar(3));
        assertEquals(8, VoronoiLoss.rbar(4));
        assertEquals(10, VoronoiLoss.rbar(5));
        assertThrows(IllegalArgumentException.class, () -> VoronoiLoss.rbar(1));
    }

    @Test
    void drawsAreScoredOneByOneNotAveragedFirst() {
        // Two draws of the same density under swapped labels: each has loss 0, so the average is 0,
        // while the average of their parameters would mix the two experts.
        Params truth = Preset.NEURIPS23.truth();
        List<Params> draws = List.of(truth, relabel(truth, new int[] {1, 0}));
        assertEquals(0.0, VoronoiLoss.averageOverDraws(truth, draws, false), EXACT);
        Params a = perturbed(truth, 0.01);
        Params b = perturbed(truth, 0.03);
        double mean = (VoronoiLoss.d2(truth, a) + VoronoiLoss.d2(truth, b)) / 2;
        assertEquals(mean, VoronoiLoss.averageOverDraws(truth, List.of(a, b), true), EXACT);
    }

    @Test
    void anOverflowingGateGivesAnInfiniteLossNotNaN() {
        Params fitted = new Params(new double[][] {{800.0, 2.0}}, TRUTH2.beta(), TRUTH2.s2());
        VoronoiLoss.Result r = VoronoiLoss.compute(TRUTH2, fitted);
        assertEquals(Double.POSITIVE_INFINITY, r.d1());
        assertFalse(Double.isNaN(r.d2()));
    }

    @Test
    void badInputIsRejected() {
        Params wider = new Params(new double[][] {{0, 0, 0}}, new double[][] {{0, 0, 0}, {1, 1, 1}},
                new double[] {1, 1});
        assertThrows(IllegalArgumentException.class, () -> VoronoiLoss.compute(TRUTH2, wider));
        // K* = 0 cannot even be built: Params rejects it before the loss sees it.
        assertThrows(IllegalArgumentException.class,
                () -> VoronoiLoss.compute(new Params(new double[0][], new double[0][], new double[0]), TRUTH2));
        Params ragged = new Params(new double[][] {{1.0}}, TRUTH2.beta(), TRUTH2.s2());
        assertThrows(IllegalArgumentException.class, () -> VoronoiLoss.compute(TRUTH2, ragged));
        Params zeroVariance = new Params(TRUTH2.w(), TRUTH2.beta(), new double[] {0.5, 0.0});
        assertThrows(IllegalArgumentException.class, () -> VoronoiLoss.compute(zeroVariance, TRUTH2));
        Params nan = new Params(new double[][] {{Double.NaN, 2.0}}, TRUTH2.beta(), TRUTH2.s2());
        assertThrows(IllegalArgumentException.class, () -> VoronoiLoss.compute(TRUTH2, nan));
        assertThrows(IllegalArgumentException.class, () -> VoronoiLoss.compute(null, TRUTH2));
        assertThrows(IllegalArgumentException.class, () -> VoronoiLoss.averageOverDraws(TRUTH2, List.of(), false));
    }
}
