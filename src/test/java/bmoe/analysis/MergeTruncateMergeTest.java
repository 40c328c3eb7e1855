package bmoe.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.analysis.MergeTruncateMerge.Atom;
import bmoe.analysis.MergeTruncateMerge.Thresholds;
import bmoe.model.Params;
import bmoe.model.Scaling;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Merge-truncate-merge on hand-built mixing measures whose answer is known, the thresholds' scaling with n, and
 * the atoms of a draw (weights from its gates over x, coordinates on the standardised scale).
 */
class MergeTruncateMergeTest {
    private static final double EXACT = 1e-12;
    private static final Thresholds N1000 = Thresholds.defaults(1000);

    /** Three experts far apart on the standardised scale (p = 1). */
    private static final Atom A = new Atom(0.5, new double[] {2.0}, new double[] {1.0, -1.0}, 0.1);
    private static final Atom B = new Atom(0.3, new double[] {-1.0}, new double[] {-1.0, 1.0}, 0.2);
    private static final Atom C = new Atom(0.2, new double[] {0.0}, new double[] {0.0, 0.0}, 0.5);

    @Test
    void twoCoincidentAtomsBecomeOneWithTheirSummedWeight() {
        Atom half1 = new Atom(0.25, new double[] {2.0}, new double[] {1.0, -1.0}, 0.1);
        Atom half2 = new Atom(0.25, new double[] {2.0}, new double[] {1.0, -1.0}, 0.1);
        List<Atom> out = MergeTruncateMerge.reduce(List.of(half1, B, half2, C), N1000);
        assertEquals(3, out.size(), out.toString());
        Atom merged = out.get(0);
        assertEquals(0.5, merged.weight(), EXACT);
        assertArrayEquals(new double[] {2.0}, merged.gateSlopes(), EXACT);
        assertArrayEquals(new double[] {1.0, -1.0}, merged.beta(), EXACT);
        assertEquals(0.1, merged.s2(), EXACT);
        assertEquals(0.3, out.get(1).weight(), EXACT);
        assertEquals(0.2, out.get(2).weight(), EXACT);
    }

    /** Two copies that differ a little: the merged atom sits at their weighted mean. */
    @Test
    void nearbyAtomsMergeAtTheirWeightedMean() {
        Atom a = new Atom(0.3, new double[] {2.2}, new double[] {1.01, -1.0}, 0.1);
        Atom b = new Atom(0.1, new double[] {1.8}, new double[] {0.97, -1.0}, 0.14);
        assertTrue(MergeTruncateMerge.distance(a, b, N1000) < MergeTruncateMerge.DEFAULT_MERGE_DISTANCE);
        List<Atom> out = MergeTruncateMerge.reduce(List.of(a, b, B, weighing(C, 0.3)), N1000);
        assertEquals(3, out.size(), out.toString());
        Atom merged = out.stream().filter(x -> Math.abs(x.weight() - 0.4) < EXACT).findFirst().orElseThrow();
        assertArrayEquals(new double[] {0.75 * 2.2 + 0.25 * 1.8}, merged.gateSlopes(), EXACT);
        assertArrayEquals(new double[] {0.75 * 1.01 + 0.25 * 0.97, -1.0}, merged.beta(), EXACT);
        assertEquals(0.75 * 0.1 + 0.25 * 0.14, merged.s2(), EXACT);
    }

    @Test
    void aNegligibleAtomIsDroppedAndItsWeightGoesToTheNearestExpert() {
        // far from every expert; its weight goes to whichever is nearest in d
        Atom tiny = new Atom(1e-4, new double[] {0.1}, new double[] {5.0, 5.0}, 0.5);
        List<Atom> atoms = List.of(weighing(A, 0.5), weighing(B, 0.3),
                weighing(C, 0.2 - 1e-4), tiny);
        int nearest = 0;
        for (int k = 1; k < 3; k++) {
            if (MergeTruncateMerge.distance(tiny, atoms.get(k), N1000)
                    < MergeTruncateMerge.distance(tiny, atoms.get(nearest), N1000)) {
                nearest = k;
            }
        }
        List<Atom> out = MergeTruncateMerge.reduce(atoms, N1000);
        assertEquals(3, out.size(), out.toString());
        double total = out.stream().mapToDouble(Atom::weight).sum();
        assertEquals(1.0, total, EXACT);
        Atom receiver = atoms.get(nearest);
        Atom after = out.stream().filter(x -> x.s2() == receiver.s2()).findFirst().orElseThrow();
        assertEquals(receiver.weight() + 1e-4, after.weight(), EXACT);
    }

    @Test
    void threeSeparatedAtomsAllStayAsTheyAre() {
        List<Atom> out = MergeTruncateMerge.reduce(List.of(C, A, B), N1000);
        assertEquals(3, out.size(), out.toString());
        assertEquals(A.toString(), out.get(0).toString());
        assertEquals(B.toString(), out.get(1).toString());
        assertEquals(C.toString(), out.get(2).toString());
    }

    @Test
    void theAnswerDoesNotDependOnTheOrderOfTheLabels() {
        Atom copy = new Atom(0.1, new double[] {1.9}, new double[] {1.02, -0.98}, 0.11);
        Atom tiny = new Atom(0.001, new double[] {-3.0}, new double[] {3.0, 3.0}, 2.0);
        List<Atom> atoms = new ArrayList<>(List.of(weighing(A, 0.4), copy, weighing(B, 0.299), C, tiny));
        String expected = MergeTruncateMerge.reduce(atoms, N1000).toString();
        for (int shift = 1; shift < atoms.size(); shift++) {
            Collections.rotate(atoms, 1);
            assertEquals(expected, MergeTruncateMerge.reduce(atoms, N1000).toString(), "rotation " + shift);
        }
        Collections.reverse(atoms);
        assertEquals(expected, MergeTruncateMerge.reduce(atoms, N1000).toString(), "reversed");
    }

    /**
     * The third stage: an atom just outside the merge distance C of a heavier one is absorbed when its weight is
     * small enough that q d^2 &le; c, and kept otherwise.
     */
    @Test
    void theSecondMergeWeighsDistanceAgainstWeight() {
        double rho = N1000.expertRate();
        double d = 3.1; // in units of the rates: just above C = 3
        Atom heavy = new Atom(0.7, new double[] {0.0}, new double[] {0.0, 0.0}, 0.2);
        Atom light = new Atom(0.1, new double[] {0.0}, new double[] {0.0, d * rho}, 0.2);
        Atom far = new Atom(0.2, new double[] {5.0}, new double[] {5.0, 5.0}, 1.0);
        assertEquals(d, MergeTruncateMerge.distance(heavy, light, N1000), 1e-12);
        assertTrue(light.weight() >= N1000.weightThreshold(), "light is not truncated in stage 2");
        // 0.1 * 3.1^2 = 0.961 <= 1: absorbed by heavy
        List<Atom> out = MergeTruncateMerge.reduce(List.of(heavy, light, far), N1000);
        assertEquals(2, out.size(), out.toString());
        assertEquals(0.8, out.get(0).weight(), EXACT);
        // at weight 0.2: 0.2 * 3.1^2 = 1.92 > 1, kept
        Atom heavier = new Atom(0.2, new double[] {0.0}, new double[] {0.0, d * rho}, 0.2);
        out = MergeTruncateMerge.reduce(List.of(weighing(heavy, 0.6), heavier, far), N1000);
        assertEquals(3, out.size(), out.toString());
    }

    /** rho_g = L^(1/8), rho_e = L^(1/4), eps_n = c L^(1/2) with L = log n / n. */
    @Test
    void thresholdsShrinkWithNAtTheTheorysRates() {
        for (long n : new long[] {10, 600, 5000, 1_000_000, 100_000_000}) {
            Thresholds t = new Thresholds(n, 2.0, 0.5);
            double l = Math.log(n) / n;
            assertEquals(Math.pow(l, 0.125), t.gateRate(), 1e-15 * t.gateRate());
            assertEquals(Math.pow(l, 0.25), t.expertRate(), 1e-15 * t.expertRate());
            assertEquals(0.5 * Math.sqrt(l), t.weightThreshold(), 1e-15 * t.weightThreshold());
        }
        // 0.3 apart in an expert slope: one expert at n = 100 (rho_e = 0.46, d = 0.65), two at n = 10^8 (d = 14.5)
        Atom a = new Atom(0.5, new double[] {1.0}, new double[] {0.0, 1.0}, 0.2);
        Atom b = new Atom(0.5, new double[] {1.0}, new double[] {0.0, 1.3}, 0.2);
        assertEquals(1, MergeTruncateMerge.reduce(List.of(a, b), Thresholds.defaults(100)).size());
        assertEquals(2, MergeTruncateMerge.reduce(List.of(a, b), Thresholds.defaults(100_000_000)).size());
        // an expert far from the others with 2% of the weight: dropped at n = 1000 (eps 0.083), kept at n = 10^6
        // (eps 0.0037)
        Atom small = new Atom(0.02, new double[] {-4.0}, new double[] {4.0, -4.0}, 1.0);
        List<Atom> three = List.of(weighing(A, 0.49), weighing(B, 0.49), small);
        assertEquals(2, MergeTruncateMerge.reduce(three, Thresholds.defaults(1000)).size());
        assertEquals(3, MergeTruncateMerge.reduce(three, Thresholds.defaults(1_000_000)).size());
    }

    @Test
    void badThresholdsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Thresholds(2, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> new Thresholds(100, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Thresholds(100, Double.NaN, 1));
        assertThrows(IllegalArgumentException.class, () -> new Thresholds(100, 3, -0.1));
        assertThrows(IllegalArgumentException.class, () -> MergeTruncateMerge.reduce(List.of(), N1000));
    }

    /**
     * A draw's atoms: weights are the gate probabilities averaged over the x given, coordinates the draw on the
     * standardised scale, and neither depends on which expert carries the zero gate.
     */
    @Test
    void atomsOfADrawAreItsStandardisedExpertsWithAverageGateWeights() {
        // gate of expert 1: w = (0, 2) on x in {-1, 0, 1}: pi_1 = e^(2x) / (1 + e^(2x))
        Params draw = new Params(new double[][] {{0.0, 2.0}}, new double[][] {{1.0, 3.0}, {-2.0, 0.5}},
                new double[] {0.4, 0.9});
        double[][] x = {{-1.0}, {0.0}, {1.0}};
        Scaling scaling = new Scaling(new double[] {0.0}, new double[] {2.0}, 1.0, 3.0);
        List<Atom> atoms = MergeTruncateMerge.atoms(draw, scaling, x);
        double q1 = (logistic(-2) + 0.5 + logistic(2)) / 3;
        assertEquals(q1, atoms.get(0).weight(), EXACT);
        assertEquals(1 - q1, atoms.get(1).weight(), EXACT);
        // standardised: slopes times x_sd (gates) and x_sd / y_sd (experts); intercept (b0 + b1 xMean - yMean) / ySd
        assertArrayEquals(new double[] {4.0}, atoms.get(0).gateSlopes(), EXACT);
        assertArrayEquals(new double[] {0.0}, atoms.get(1).gateSlopes(), EXACT);
        assertArrayEquals(new double[] {0.0, 2.0}, atoms.get(0).beta(), EXACT);
        assertArrayEquals(new double[] {-1.0, 1.0 / 3}, atoms.get(1).beta(), EXACT);
        assertEquals(0.4 / 9, atoms.get(0).s2(), EXACT);

        // the same draw with the labels swapped (expert 2's gate is now the free one)
        Params swapped = new Params(new double[][] {{0.0, -2.0}}, new double[][] {{-2.0, 0.5}, {1.0, 3.0}},
                new double[] {0.9, 0.4});
        List<Atom> again = MergeTruncateMerge.atoms(swapped, scaling, x);
        assertEquals(atoms.get(0).weight(), again.get(1).weight(), EXACT);
        double[] difference = {again.get(1).gateSlopes()[0] - again.get(0).gateSlopes()[0]};
        assertArrayEquals(new double[] {atoms.get(0).gateSlopes()[0] - atoms.get(1).gateSlopes()[0]}, difference,
                EXACT);
        assertEquals(MergeTruncateMerge.distance(atoms.get(0), atoms.get(1), N1000),
                MergeTruncateMerge.distance(again.get(0), again.get(1), N1000), EXACT);
    }

    private static Atom weighing(Atom a, double weight) {
        return new Atom(weight, a.gateSlopes(), a.beta(), a.s2());
    }

    private static double logistic(double t) {
        return 1 / (1 + Math.exp(-t));
    }
}
