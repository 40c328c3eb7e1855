package bmoe.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.model.Params;
import bmoe.sim.Preset;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The averaged Hellinger distance against closed forms (single Gaussians) and against independent
 * adaptive quadrature (mixtures with awkward scales), plus the properties of a distance.
 */
class HellingerTest {
    /** The quadrature's budget on h^2: the class doc bounds truncation by 1e-22 and measured 2e-11. */
    private static final double QUADRATURE = 1e-9;
    private static final double ROUNDING = 1e-12;

    /** A grid over the PLANES3 x law [-1, 1]^2 (no randomness needed for these checks). */
    private static double[][] planesGrid() {
        double[][] xs = new double[25][];
        int n = 0;
        for (int a = 0; a < 5; a++) {
            for (int b = 0; b < 5; b++) {
                xs[n++] = new double[] {-1 + 0.5 * a, -1 + 0.5 * b};
            }
        }
        return xs;
    }

    /** A K = 1, p = 0 model: y ~ N(mean, sd^2). */
    private static Params gaussian(double mean, double sd) {
        return new Params(new double[0][], new double[][] {{mean}}, new double[] {sd * sd});
    }

    /** A p = 0 mixture of two Gaussians with weights (a, 1 - a): gate intercept log(a / (1 - a)). */
    private static Params twoGaussians(double a, double m1, double sd1, double m2, double sd2) {
        return new Params(new double[][] {{Math.log(a / (1 - a))}}, new double[][] {{m1}, {m2}},
                new double[] {sd1 * sd1, sd2 * sd2});
    }

    /** H^2 between N(m1, s1^2) and N(m2, s2^2): 1 - sqrt(2 s1 s2 / v) exp(-(m1 - m2)^2 / (4 v)), v = s1^2 + s2^2. */
    private static double closedForm(double m1, double s1, double m2, double s2) {
        double v = s1 * s1 + s2 * s2;
        return 1 - Math.sqrt(2 * s1 * s2 / v) * Math.exp(-(m1 - m2) * (m1 - m2) / (4 * v));
    }

    private static final double[][] NO_COVARIATES = {{}};

    @Test
    void singleGaussiansMatchTheClosedForm() {
        double[][] cases = {
            {0, 1, 3, 2},        // the classic example
            {0, 1, 0, 1.001},    // nearly equal: h^2 ~ 1e-7, where 1 - Bhattacharyya would cancel
            {0, 0.01, 0.05, 1},  // scales 100 apart
            {-5, 0.3, 5, 0.3},   // 33 sd apart: h^2 = 1 to double precision
        };
        for (double[] c : cases) {
            double h = Hellinger.distance(gaussian(c[0], c[1]), gaussian(c[2], c[3]), NO_COVARIATES);
            double expected = closedForm(c[0], c[1], c[2], c[3]);
            assertEquals(expected, h * h, QUADRATURE, Arrays.toString(c));
        }
        // The nearly equal case to relative accuracy, which the (sqrt p - sqrt q)^2 form makes possible.
        double h = Hellinger.distance(gaussian(0, 1), gaussian(0, 1.001), NO_COVARIATES);
        double expected = closedForm(0, 1, 0, 1.001);
        assertEquals(expected, h * h, 1e-6 * expected);
    }

    @Test
    void regressionsAreAveragedOverTheRows() {
        // K = 1, p = 1: at x the densities are N(0.5 + 2x, 0.3) and N(0.2 + 2.5x, 0.5); H^2 is the
        // average of the closed form over the rows.
        Params truth = new Params(new double[0][], new double[][] {{0.5, 2.0}}, new double[] {0.3});
        Params fitted = new Params(new double[0][], new double[][] {{0.2, 2.5}}, new double[] {0.5});
        double[][] xs = {{-1.0}, {0.0}, {0.5}, {2.0}};
        double expected = 0;
        for (double[] x : xs) {
            expected += closedForm(0.5 + 2.0 * x[0], Math.sqrt(0.3), 0.2 + 2.5 * x[0], Math.sqrt(0.5)) / xs.length;
        }
        double h = Hellinger.distance(truth, fitted, xs);
        assertEquals(expected, h * h, QUADRATURE);
    }

    @Test
    void mixturesMatchAdaptiveQuadrature() {
        // References: scipy.integrate.quad of (sqrt p - sqrt q)^2 / 2 between breakpoints at every
        // component's mean + j sd (j = -12..12), epsabs 1e-15, epsrel 1e-13; a second method (16-point
        // Gauss-Legendre on half-sd panels to 14 sd) agreed to 1e-16.
        // Weights 0.5/0.5 against 0.2/0.8, standard deviations 100 apart.
        double h = Hellinger.distance(
                twoGaussians(0.5, 0, 0.01, 0.5, 1), twoGaussians(0.2, 0.3, 1, 0, 0.02), NO_COVARIATES);
        assertEquals(0.0972913795489037, h * h, QUADRATURE);
        // The same with standard deviations 1000 apart.
        h = Hellinger.distance(
                twoGaussians(0.5, 0, 0.001, 0.5, 1), twoGaussians(0.2, 0.3, 1, 0, 0.002), NO_COVARIATES);
        assertEquals(0.11376078118876913, h * h, QUADRATURE);
        // Components 30 sd apart, each matched by a slightly different one.
        h = Hellinger.distance(
                twoGaussians(0.5, 0, 1, 30, 1), twoGaussians(0.4, 0.1, 1.1, 29, 0.9), NO_COVARIATES);
        assertEquals(0.0785610765959839, h * h, QUADRATURE);
    }

    @Test
    void theMixtureAtXIsTheModelDensity() {
        Params truth = Preset.PLANES3.truth();
        for (double[] x : planesGrid()) {
            ConditionalMixture m = ConditionalMixture.at(truth, x);
            double[] xTilde = {1, x[0], x[1]};
            for (double y = -4; y <= 4; y += 0.37) {
                double expected = Math.exp(truth.logDensity(xTilde, y));
                assertEquals(expected, m.density(y), ROUNDING * Math.max(1, expected));
            }
        }
    }

    @Test
    void zeroAtTheTruthSymmetricAndBounded() {
        Params truth = Preset.PLANES3.truth();
        Params fitted = new Params(
                new double[][] {{0.8, 3.5, 0.2}, {0.4, -2.5, 3.1}},
                new double[][] {{1.1, 1.8, -1.0}, {-2.0, 0.7, 1.2}, {0.1, -1.0, -2.2}},
                new double[] {0.12, 0.18, 0.2});
        double[][] xs = planesGrid();
        assertEquals(0.0, Hellinger.distance(truth, truth, xs));
        double forward = Hellinger.distance(truth, fitted, xs);
        assertEquals(forward, Hellinger.distance(fitted, truth, xs), ROUNDING);
        assertTrue(forward > 0 && forward < 1);
        // Far apart: every expert shifted by 100 in its intercept.
        Params far = new Params(fitted.w(), new double[][] {{101, 1.8, -1.0}, {98, 0.7, 1.2}, {100, -1.0, -2.2}},
                fitted.s2());
        assertEquals(1.0, Hellinger.distance(truth, far, xs), ROUNDING);
    }

    @Test
    void relabellingTheFitDoesNotChangeTheDistance() {
        Params truth = Preset.PLANES3.truth();
        Params fitted = new Params(
                new double[][] {{0.8, 3.5, 0.2}, {0.4, -2.5, 3.1}},
                new double[][] {{1.1, 1.8, -1.0}, {-2.0, 0.7, 1.2}, {0.1, -1.0, -2.2}},
                new double[] {0.12, 0.18, 0.2});
        double[][] xs = planesGrid();
        double base = Hellinger.distance(truth, fitted, xs);
        for (int[] order : VoronoiLossTest.permutations(3)) {
            Params relabelled = VoronoiLossTest.relabel(fitted, order);
            assertEquals(base, Hellinger.distance(truth, relabelled, xs), ROUNDING);
            assertEquals(0.0, Hellinger.distance(fitted, relabelled, xs), ROUNDING);
        }
    }

    @Test
    void drawsAreScoredOneByOne() {
        Params truth = Preset.NEURIPS23.truth();
        double[][] xs = {{0.1}, {0.3}, {0.35}, {0.6}, {0.9}};
        Params swapped = VoronoiLossTest.relabel(truth, new int[] {1, 0});
        assertEquals(0.0, Hellinger.averageOverDraws(truth, List.of(truth, swapped), xs), ROUNDING);
        Params a = new Params(truth.w(), new double[][] {{14.8, -19.5}, {-5.2, 20.3}}, truth.s2());
        Params b = new Params(truth.w(), truth.beta(), new double[] {0.35, 0.38});
        double mean = (Hellinger.distance(truth, a, xs) + Hellinger.distance(truth, b, xs)) / 2;
        assertEquals(mean, Hellinger.averageOverDraws(truth, List.of(a, b), xs), ROUNDING);
    }

    @Test
    void badInputIsRejected() {
        Params truth = Preset.NEURIPS23.truth();
        double[][] xs = {{0.5}};
        assertThrows(IllegalArgumentException.class,
                () -> Hellinger.distance(truth, Preset.PLANES3.truth(), xs));
        assertThrows(IllegalArgumentException.class, () -> Hellinger.distance(truth, truth, new double[0][]));
        assertThrows(IllegalArgumentException.class,
                () -> Hellinger.distance(truth, truth, new double[][] {{0.5, 0.5}}));
        assertThrows(IllegalArgumentException.class,
                () -> Hellinger.distance(truth, truth, new double[][] {{Double.NaN}}));
        assertThrows(IllegalArgumentException.class, () -> Hellinger.distance(truth, truth, null));
        assertThrows(IllegalArgumentException.class, () -> Hellinger.averageOverDraws(truth, List.of(), xs));
        assertThrows(IllegalArgumentException.class,
                () -> Hellinger.distance(new Params(new double[0][], new double[0][], new double[0]), truth, xs));
    }
}
