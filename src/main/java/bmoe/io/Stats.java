package bmoe.io;

import java.util.Arrays;

/** Posterior summaries of one quantity's draws. */
public record Stats(double mean, double sd, double q5, double q50, double q95) {

    public static Stats of(double[] draws) {
        int n = draws.length;
        double mean = 0;
        for (double v : draws) {
            mean += v;
        }
        mean /= n;
        double ss = 0;
        for (double v : draws) {
            ss += (v - mean) * (v - mean);
        }
        double sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0.0;
        double[] sorted = draws.clone();
        Arrays.sort(sorted);
        return new Stats(mean, sd, quantile(sorted, 0.05), quantile(sorted, 0.5), quantile(sorted, 0.95));
    }

    /** Hyndman and Fan type 7 (R's default) on sorted values. */
    public static double quantile(double[] sorted, double prob) {
        double h = (sorted.length - 1) * prob;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
