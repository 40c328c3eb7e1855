package bmoe.sim;

import bmoe.model.Params;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Built-in true models for simulation studies, in MODEL.md's parametrisation (gate K fixed at 0), with x
 * drawn independently and uniformly on [lower, upper] in every coordinate.
 */
public enum Preset {
    /**
     * The one-dimensional example of the seed paper's simulations: x ~ U[0, 1], K = 2, gate of expert 1
     * (intercept, slope) = (-8, 25), experts (15, -20) and (-5, 20), variances 0.3 and 0.4.
     */
    NEURIPS23("neurips23", 0.0, 1.0, new Params(
            new double[][] {{-8, 25}},
            new double[][] {{15, -20}, {-5, 20}},
            new double[] {0.3, 0.4})),
    /** Two covariates on [-1, 1]^2, three experts with distinct planes and overlapping gates. */
    PLANES3("planes3", -1.0, 1.0, new Params(
            new double[][] {{1.0, 4.0, 0.0}, {0.5, -2.0, 3.0}},
            new double[][] {{1.0, 2.0, -1.0}, {-2.0, 0.5, 1.5}, {0.0, -1.0, -2.0}},
            new double[] {0.1, 0.2, 0.15})),
    /**
     * Seven covariates on [-1, 1]^7 and four experts: the shape of the large-n benchmarks (n up to 1e8,
     * p = 7, K = 4). Each gate and expert leans on a different pair of covariates.
     */
    WIDE7("wide7", -1.0, 1.0, new Params(
            new double[][] {
                {0.5, 3.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0},
                {0.0, 0.0, 3.0, 0.0, 0.0, 1.0, 0.0, 0.0},
                {-0.5, 0.0, 0.0, 3.0, 0.0, 0.0, 1.0, 0.0}},
            new double[][] {
                {1.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0},
                {-1.0, 0.0, 2.0, 0.0, 0.0, 0.5, 0.0, 0.0},
                {0.5, 0.0, 0.0, -2.0, 1.0, 0.0, 0.0, 0.0},
                {0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.5}},
            new double[] {0.1, 0.2, 0.15, 0.25}));

    private final String id;
    private final double lower;
    private final double upper;
    private final Params truth;

    Preset(String id, double lower, double upper, Params truth) {
        this.id = id;
        this.lower = lower;
        this.upper = upper;
        this.truth = truth;
    }

    public String id() {
        return id;
    }

    public double lower() {
        return lower;
    }

    public double upper() {
        return upper;
    }

    public Params truth() {
        return truth;
    }

    public int p() {
        return truth.dim() - 1;
    }

    public static Preset byId(String id) {
        for (Preset p : values()) {
            if (p.id.equals(id.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown preset '" + id + "'; known: " + ids());
    }

    public static String ids() {
        return Arrays.stream(values()).map(Preset::id).collect(Collectors.joining(", "));
    }

    public List<String> xNames() {
        return java.util.stream.IntStream.rangeClosed(1, p()).mapToObj(j -> "x" + j).collect(Collectors.toList());
    }
}
