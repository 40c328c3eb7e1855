package bmoe.analysis;

/**
 * Count, sum and sum of squared deviations of a stream of values, mergeable, for sums over up to 1e8
 * pointwise terms. The sum is Neumaier-compensated (its error stays near one rounding of the total, not n
 * of them). The squared deviations follow Welford (1962) with the means taken from the compensated sum, and
 * two streams merge by Chan, Golub and LeVeque (1979): M2 = M2_a + M2_b + (mean_b - mean_a)^2 n_a n_b / n.
 * M2 is compensated too. Mutable, not thread-safe.
 */
final class RunningMoments {
    private long count;
    private final CompensatedSum sum = new CompensatedSum();
    private final CompensatedSum squaredDeviations = new CompensatedSum();

    void add(double x) {
        double meanBefore = count == 0 ? x : mean();
        count++;
        sum.add(x);
        squaredDeviations.add((x - meanBefore) * (x - mean()));
    }

    /** Appends other's values to this stream; other is not modified. */
    void merge(RunningMoments other) {
        if (other.count == 0) {
            return;
        }
        if (count == 0) {
            count = other.count;
            sum.set(other.sum);
            squaredDeviations.set(other.squaredDeviations);
            return;
        }
        double delta = other.mean() - mean();
        long total = count + other.count;
        squaredDeviations.add(other.squaredDeviations);
        squaredDeviations.add(delta * delta * ((double) count * other.count / total));
        sum.add(other.sum);
        count = total;
    }

    long count() {
        return count;
    }

    double sum() {
        return sum.value();
    }

    double mean() {
        return sum.value() / count;
    }

    /** The sample variance (divisor n - 1); NaN for fewer than 2 values. */
    double sampleVariance() {
        return count < 2 ? Double.NaN : squaredDeviations.value() / (count - 1);
    }

    /** sqrt(n * sample variance): loo's standard error of a sum of n pointwise terms; NaN for n &lt; 2. */
    double standardErrorOfSum() {
        return Math.sqrt(count * sampleVariance());
    }

    /** Neumaier's (1974) improved Kahan summation. */
    private static final class CompensatedSum {
        private double sum;
        private double compensation;

        void add(double x) {
            double t = sum + x;
            // the low-order bits lost in t, taken from the smaller of the two addends
            if (Math.abs(sum) >= Math.abs(x)) {
                compensation += (sum - t) + x;
            } else {
                compensation += (x - t) + sum;
            }
            sum = t;
        }

        void add(CompensatedSum other) {
            add(other.sum);
            add(other.compensation);
        }

        void set(CompensatedSum other) {
            sum = other.sum;
            compensation = other.compensation;
        }

        double value() {
            return sum + compensation;
        }
    }
}
