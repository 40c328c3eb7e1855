package bmoe.analysis;

import java.util.Arrays;

/**
 * The linear assignment problem on a square cost matrix: the permutation a minimising
 * sum_i cost[i][a[i]]. Relabelling needs it once per posterior draw (rows = labels, columns = experts),
 * and commons-math3 has no solver for it.
 *
 * <p>An entry of +Infinity forbids that pairing; NaN and -Infinity are rejected.
 */
public final class Assignment {
    private Assignment() {}

    /**
     * The Hungarian method with row and column potentials (Kuhn 1955, Munkres 1957), in the O(n^3)
     * shortest-augmenting-path form of Jonker and Volgenant (1987): rows are added one at a time and each
     * is routed along a shortest alternating path in the reduced costs cost[i][j] - u[i] - v[j] >= 0.
     *
     * <p>Deterministic: when several columns tie for the smallest reduced cost the lowest index is taken,
     * so equal matrices give equal answers.
     *
     * @param cost n x n costs, finite or +Infinity (forbidden). Not modified.
     * @return a[i] = the column assigned to row i; empty for n = 0
     * @throws IllegalArgumentException if the matrix is not square, holds NaN or -Infinity, or every
     *     assignment uses a forbidden entry
     */
    public static int[] minimumCost(double[][] cost) {
        int[] assigned = solve(cost, checkSquare(cost));
        if (assigned == null) {
            throw new IllegalArgumentException("no assignment avoids the forbidden (+Infinity) entries");
        }
        return assigned;
    }

    /** {@link #minimumCost} on a checked matrix; null when every assignment uses a forbidden entry. */
    private static int[] solve(double[][] cost, int n) {
        // 1-based as in the usual presentation: column 0 is a virtual column holding the row being added.
        double[] u = new double[n + 1];
        double[] v = new double[n + 1];
        int[] rowOfColumn = new int[n + 1];
        int[] previousColumn = new int[n + 1];
        double[] minReduced = new double[n + 1];
        boolean[] inTree = new boolean[n + 1];
        for (int row = 1; row <= n; row++) {
            rowOfColumn[0] = row;
            int column = 0;
            Arrays.fill(minReduced, Double.POSITIVE_INFINITY);
            Arrays.fill(inTree, false);
            // 1. Grow the alternating tree until it reaches a free column.
            do {
                inTree[column] = true;
                int treeRow = rowOfColumn[column];
                double delta = Double.POSITIVE_INFINITY;
                int next = -1;
                for (int j = 1; j <= n; j++) {
                    if (!inTree[j]) {
                        double reduced = cost[treeRow - 1][j - 1] - u[treeRow] - v[j];
                        if (reduced < minReduced[j]) {
                            minReduced[j] = reduced;
                            previousColumn[j] = column;
                        }
                        if (minReduced[j] < delta) {
                            delta = minReduced[j];
                            next = j;
                        }
                    }
                }
                // By Hall's theorem an infinite step means the rows in the tree have too few allowed columns.
                if (next < 0) {
                    return null;
                }
                // 2. Shift the potentials so the new edge becomes tight and the tree's edges stay tight.
                for (int j = 0; j <= n; j++) {
                    if (inTree[j]) {
                        u[rowOfColumn[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minReduced[j] -= delta;
                    }
                }
                column = next;
            } while (rowOfColumn[column] != 0);
            // 3. Augment: flip the matching along the path back to the virtual column.
            do {
                int previous = previousColumn[column];
                rowOfColumn[column] = rowOfColumn[previous];
                column = previous;
            } while (column != 0);
        }
        int[] assigned = new int[n];
        for (int j = 1; j <= n; j++) {
            assigned[rowOfColumn[j] - 1] = j - 1;
        }
        return assigned;
    }

    /**
     * The cheapest assignment other than {@code excluded}, by Murty's (1968) partition: every other
     * permutation differs from {@code excluded} in some row i, so the answer is the cheapest of the n
     * problems with entry (i, excluded[i]) forbidden. Exact (a three-cycle can beat every pair swap, so
     * swaps alone would only bound it), at the price of n solves, O(n^4).
     *
     * @param cost n x n costs as for {@link #minimumCost}. Not modified.
     * @param excluded a permutation of 0..n-1. Not modified.
     * @return the cheapest permutation different from {@code excluded} (the lowest forbidden row wins a
     *     tie), or null when n <= 1 and there is none
     * @throws IllegalArgumentException for a bad matrix, or if {@code excluded} is not a permutation of the
     *     right length
     */
    public static int[] minimumCostExcluding(double[][] cost, int[] excluded) {
        int n = checkSquare(cost);
        checkPermutation(excluded, n);
        int[] best = null;
        double bestCost = Double.POSITIVE_INFINITY;
        double[][] restricted = new double[n][];
        for (int i = 0; i < n; i++) {
            restricted[i] = cost[i].clone();
        }
        for (int i = 0; i < n; i++) {
            restricted[i][excluded[i]] = Double.POSITIVE_INFINITY;
            int[] candidate = solve(restricted, n);
            restricted[i][excluded[i]] = cost[i][excluded[i]];
            if (candidate != null) {
                double c = total(cost, candidate);
                if (best == null || c < bestCost) {
                    best = candidate;
                    bestCost = c;
                }
            }
        }
        return best;
    }

    /** sum_i cost[i][assigned[i]]. Neither argument is modified. */
    public static double total(double[][] cost, int[] assigned) {
        double s = 0;
        for (int i = 0; i < assigned.length; i++) {
            s += cost[i][assigned[i]];
        }
        return s;
    }

    static void checkPermutation(int[] sigma, int n) {
        if (sigma == null || sigma.length != n) {
            throw new IllegalArgumentException("permutation must have length " + n);
        }
        boolean[] seen = new boolean[n];
        for (int s : sigma) {
            if (s < 0 || s >= n || seen[s]) {
                throw new IllegalArgumentException("not a permutation of 0.." + (n - 1) + ": "
                        + Arrays.toString(sigma));
            }
            seen[s] = true;
        }
    }

    private static int checkSquare(double[][] cost) {
        if (cost == null) {
            throw new IllegalArgumentException("cost matrix is null");
        }
        int n = cost.length;
        for (int i = 0; i < n; i++) {
            if (cost[i] == null || cost[i].length != n) {
                throw new IllegalArgumentException("cost matrix must be square: row " + i + " of " + n + " rows has "
                        + (cost[i] == null ? "no" : String.valueOf(cost[i].length)) + " entries");
            }
            for (int j = 0; j < n; j++) {
                double c = cost[i][j];
                if (Double.isNaN(c) || c == Double.NEGATIVE_INFINITY) {
                    throw new IllegalArgumentException("cost[" + i + "][" + j + "] is " + c
                            + "; costs must be finite or +Infinity");
                }
            }
        }
        return n;
    }
}
