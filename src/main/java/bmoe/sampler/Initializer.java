package bmoe.sampler;

import bmoe.backend.ExpertStats;
import bmoe.backend.cpu.CpuKernels;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import bmoe.rng.Step;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.exception.MathIllegalArgumentException;
import org.apache.commons.math3.ml.clustering.CentroidCluster;
import org.apache.commons.math3.ml.clustering.Clusterable;
import org.apache.commons.math3.ml.clustering.KMeansPlusPlusClusterer;
import org.apache.commons.math3.random.AbstractRandomGenerator;

/**
 * Deterministic start of a chain: k-means++ on (x, y) over a random subsample, then each cluster's
 * ridge regression as its expert, and flat gates (w = 0).
 *
 * <p>Why: clusters in the joint (x, y) space separate experts whose lines differ in level or slope, so
 * the first allocation already sees distinct experts, and each chain's subsample and k-means++ seeds come
 * from its own key, so chains start apart. Flat gates let the first allocation be driven by the experts'
 * fit; the gates follow from it in the same sweep. Only a subsample is touched, so a start costs
 * O(SUBSAMPLE) whatever n is, and the same start serves every backend.
 */
public final class Initializer {
    static final int SUBSAMPLE = 2000;
    private static final int KMEANS_ITERATIONS = 25;
    static final double MIN_S2 = 1e-2;

    private Initializer() {}

    public static SweepState initialState(Dataset data, int experts, Priors priors, RngKey key) {
        RngStream rng = key.stream(0, 0, Step.INIT);
        Subsample sub = Subsample.draw(data, rng);
        int m = sub.size();
        int p = data.p();
        float[] xs = sub.x();
        float[] ys = sub.y();
        List<Row> rows = sub.rows();
        byte[] z = cluster(rows, experts, rng);
        double[] stats = new double[experts * ExpertStats.stride(p + 1)];
        double[] row = new double[p + 1];
        row[0] = 1.0;
        for (int s = 0; s < m; s++) {
            for (int j = 0; j < p; j++) {
                row[j + 1] = xs[s * p + j];
            }
            CpuKernels.addExpertRow(row, ys[s], z[s], stats);
        }
        ExpertStats es = new ExpertStats(experts, p + 1, stats);

        double[][] beta = new double[experts][];
        double[] s2 = new double[experts];
        for (int k = 0; k < experts; k++) {
            ExpertUpdate.Posterior post = ExpertUpdate.posterior(es.count(k), es.gram(k), es.crossProduct(k),
                    es.sumSquares(k), priors);
            beta[k] = post.mean();
            // the inverse-gamma mode, floored so a tight cluster cannot start an expert at zero width
            s2[k] = Math.max(MIN_S2, post.scale() / (post.shape() + 1.0));
        }
        double[][] w = new double[experts - 1][p + 1];
        // a sampled b0 or s_w starts where the priors say (Priors.sampledScale, withSampledGateScale); the first
        // sweep draws them given the rest
        double b0 = priors.sigmaScaleSampled() ? priors.sigmaScale() : Double.NaN;
        double sw = priors.gateSdSampled() ? priors.gateSd() : Double.NaN;
        return new SweepState(new Params(w, beta, s2), 0, StepSize.initial(), null, b0, sw);
    }

    static byte[] cluster(List<Row> rows, int experts, RngStream rng) {
        byte[] z = new byte[rows.size()];
        if (experts == 1) {
            return z;
        }
        try {
            KMeansPlusPlusClusterer<Row> kmeans =
                    new KMeansPlusPlusClusterer<>(experts, KMEANS_ITERATIONS, new org.apache.commons.math3.ml.distance.EuclideanDistance(), new StreamGenerator(rng));
            List<CentroidCluster<Row>> clusters = kmeans.cluster(rows);
            for (int k = 0; k < clusters.size(); k++) {
                for (Row r : clusters.get(k).getPoints()) {
                    z[r.index()] = (byte) k;
                }
            }
        } catch (MathIllegalArgumentException e) {
            // fewer distinct points than experts: a random partition is still a valid start
            for (int s = 0; s < z.length; s++) {
                z[s] = (byte) (rng.uniform() * experts);
            }
        }
        return z;
    }

    /**
     * Up to {@link #SUBSAMPLE} rows drawn with replacement by {@code rng} (all rows, in order, when n is no larger):
     * their x (row-major), y, and the points (x, y) that k-means++ clusters.
     */
    record Subsample(float[] x, float[] y, List<Row> rows) {
        int size() {
            return y.length;
        }

        static Subsample draw(Dataset data, RngStream rng) {
            int n = data.n();
            int p = data.p();
            int m = Math.min(n, SUBSAMPLE);
            float[] xs = new float[m * p];
            float[] ys = new float[m];
            List<Row> rows = new ArrayList<>(m);
            int[] picked = new int[m];
            for (int s = 0; s < m; s++) {
                picked[s] = m == n ? s : (int) (rng.uniform() * n);
            }
            // one request for all of them: rows held elsewhere (a cluster) come in one job
            data.rows(picked, xs, ys);
            for (int s = 0; s < m; s++) {
                double[] point = new double[p + 1];
                for (int j = 0; j < p; j++) {
                    point[j] = xs[s * p + j];
                }
                point[p] = ys[s];
                rows.add(new Row(s, point));
            }
            return new Subsample(xs, ys, rows);
        }
    }

    record Row(int index, double[] point) implements Clusterable {
        @Override
        public double[] getPoint() {
            return point;
        }
    }

    /** commons-math3's generator interface over the chain's Philox stream, so k-means++ is reproducible. */
    private static final class StreamGenerator extends AbstractRandomGenerator {
        private final RngStream rng;

        StreamGenerator(RngStream rng) {
            this.rng = rng;
        }

        @Override
        public void setSeed(long seed) {
            throw new UnsupportedOperationException("seeded by the chain's key");
        }

        @Override
        public double nextDouble() {
            return rng.uniform();
        }
    }
}
