package bmoe.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Hungarian solver and Murty's second best against brute force over all n! permutations (n <= 6),
 * on random real matrices (optimum unique with probability 1, so the assignment itself must match) and on
 * small-integer matrices full of ties (only the cost can be compared there).
 */
class AssignmentTest {
    private static final double EXACT = 1e-12;
    private static final int MATRICES_PER_SIZE = 200;
    private static final int MAX_SIZE = 6;

    @Test
    void realCostsMatchBruteForce() {
        RngStream rng = new RngKey(20240601L, 0).stream(0, 0, 0);
        for (int n = 1; n <= MAX_SIZE; n++) {
            List<int[]> all = permutations(n);
            for (int m = 0; m < MATRICES_PER_SIZE; m++) {
                double[][] cost = randomMatrix(rng, n, false);
                int[] expected = cheapest(cost, all, null);
                int[] got = Assignment.minimumCost(cost);
                assertArrayEquals(expected, got, Arrays.deepToString(cost));
            }
        }
    }

    @Test
    void tiedIntegerCostsReachTheBruteForceMinimum() {
        RngStream rng = new RngKey(20240601L, 1).stream(0, 0, 0);
        for (int n = 1; n <= MAX_SIZE; n++) {
            List<int[]> all = permutations(n);
            for (int m = 0; m < MATRICES_PER_SIZE; m++) {
                double[][] cost = randomMatrix(rng, n, true);
                double expected = Assignment.total(cost, cheapest(cost, all, null));
                int[] got = Assignment.minimumCost(cost);
                Assignment.checkPermutation(got, n);
                assertEquals(expected, Assignment.total(cost, got), EXACT);
            }
        }
    }

    @Test
    void secondBestMatchesBruteForce() {
        RngStream rng = new RngKey(20240601L, 2).stream(0, 0, 0);
        for (int n = 2; n <= MAX_SIZE; n++) {
            List<int[]> all = permutations(n);
            for (int m = 0; m < MATRICES_PER_SIZE; m++) {
                boolean ties = m % 2 == 1;
                double[][] cost = randomMatrix(rng, n, ties);
                // Excluding the optimum gives the second best; excluding an arbitrary permutation must
                // work too, since Murty's partition does not need the excluded one to be optimal.
                int[] excluded = m % 4 < 2 ? Assignment.minimumCost(cost) : all.get(m % all.size());
                int[] expected = cheapest(cost, all, excluded);
                int[] got = Assignment.minimumCostExcluding(cost, excluded);
                assertNotNull(got);
                Assignment.checkPermutation(got, n);
                assertEquals(false, Arrays.equals(excluded, got));
                if (ties) {
                    assertEquals(Assignment.total(cost, expected), Assignment.total(cost, got), EXACT);
                } else {
                    assertArrayEquals(expected, got);
                }
            }
        }
    }

    @Test
    void handExample() {
        // cost[i][j] = a_i + b_j: every assignment costs sum a + sum b = 6 + 9 = 15.
        double[][] additive = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};
        assertEquals(15.0, Assignment.total(additive, Assignment.minimumCost(additive)), EXACT);
        double[][] cost = {{4, 1, 3}, {2, 0, 5}, {3, 2, 2}};
        // Brute force by hand: 012: 4+0+2=6, 021: 4+5+2=11, 102: 1+2+2=5, 120: 1+5+3=9, 201: 3+2+2=7,
        // 210: 3+0+3=6. Best 102 (cost 5), second best 012 and 210 (cost 6; 012 is found first).
        assertArrayEquals(new int[] {1, 0, 2}, Assignment.minimumCost(cost));
        int[] second = Assignment.minimumCostExcluding(cost, new int[] {1, 0, 2});
        assertEquals(6.0, Assignment.total(cost, second), EXACT);
    }

    @Test
    void equalCostsGiveTheIdentity() {
        double[][] cost = new double[5][5];
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, Assignment.minimumCost(cost));
    }

    @Test
    void infiniteEntriesAreAvoided() {
        double inf = Double.POSITIVE_INFINITY;
        double[][] cost = {{0, inf, 5}, {inf, 0, inf}, {1, 2, inf}};
        // Row 1 must take column 1; then 2->2 is forbidden, leaving 0->2, 2->0 (cost 5 + 0 + 1 = 6).
        assertArrayEquals(new int[] {2, 1, 0}, Assignment.minimumCost(cost));
        double[][] none = {{inf, inf}, {0, 1}};
        assertThrows(IllegalArgumentException.class, () -> Assignment.minimumCost(none));
    }

    @Test
    void smallSizes() {
        assertArrayEquals(new int[0], Assignment.minimumCost(new double[0][0]));
        assertArrayEquals(new int[] {0}, Assignment.minimumCost(new double[][] {{3.5}}));
        assertNull(Assignment.minimumCostExcluding(new double[][] {{3.5}}, new int[] {0}));
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Assignment.minimumCost(null));
        assertThrows(IllegalArgumentException.class, () -> Assignment.minimumCost(new double[][] {{1, 2}}));
        assertThrows(IllegalArgumentException.class, () -> Assignment.minimumCost(new double[][] {{1, 2}, {3}}));
        assertThrows(IllegalArgumentException.class,
                () -> Assignment.minimumCost(new double[][] {{1, Double.NaN}, {3, 4}}));
        assertThrows(IllegalArgumentException.class,
                () -> Assignment.minimumCost(new double[][] {{1, Double.NEGATIVE_INFINITY}, {3, 4}}));
        double[][] ok = {{1, 2}, {3, 4}};
        assertThrows(IllegalArgumentException.class, () -> Assignment.minimumCostExcluding(ok, new int[] {0, 0}));
        assertThrows(IllegalArgumentException.class, () -> Assignment.minimumCostExcluding(ok, new int[] {0}));
    }

    /** Uniform on [0, 10) or, with ties, integers 0..3. */
    private static double[][] randomMatrix(RngStream rng, int n, boolean ties) {
        double[][] cost = new double[n][n];
        for (double[] row : cost) {
            for (int j = 0; j < n; j++) {
                row[j] = ties ? Math.floor(4 * rng.uniform()) : 10 * rng.uniform();
            }
        }
        return cost;
    }

    /** The cheapest permutation other than {@code excluded} (null: none excluded); the first on a tie. */
    private static int[] cheapest(double[][] cost, List<int[]> all, int[] excluded) {
        int[] best = null;
        double bestCost = Double.POSITIVE_INFINITY;
        for (int[] sigma : all) {
            if (excluded != null && Arrays.equals(sigma, excluded)) {
                continue;
            }
            double c = Assignment.total(cost, sigma);
            if (c < bestCost) {
                best = sigma;
                bestCost = c;
            }
        }
        return best;
    }

    static List<int[]> permutations(int n) {
        List<int[]> out = new ArrayList<>();
        extend(new int[n], new boolean[n], 0, out);
        return out;
    }

    private static void extend(int[] prefix, boolean[] used, int position, List<int[]> out) {
        if (position == prefix.length) {
            out.add(prefix.clone());
            return;
        }
        for (int v = 0; v < prefix.length; v++) {
            if (!used[v]) {
                used[v] = true;
                prefix[position] = v;
                extend(prefix, used, position + 1, out);
                used[v] = false;
            }
        }
    }
}
