package bmoe.sampler;

import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.backend.Backend;
import bmoe.model.Priors;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Geweke's joint-distribution test (see {@link GewekeTest} for the method and its error budget) with the
 * sweep's kernels on a GPU backend, written once for every such backend. Each iteration uploads the new y and
 * launches about ten small kernels (0.3 ms on PoCL), so this runs half the CPU version's iterations: the standard
 * errors, batch means included, come from the draws themselves, so |z| &lt; 4.5 keeps its false-alarm rate; power
 * drops by sqrt(2), still enough to flag the 30% wrong prior of the CPU test's negative control by a wide margin
 * (|z| 23.7 at 1e5 iterations there; checked here against 2 x 4.5). How a test skips without a device is the
 * backend's testing helper's rule.
 */
@Tag("statistical")
abstract class DeviceGewekeTest {
    /** The backend's name in messages. */
    abstract String name();

    /** The test device's number (a skip or a failure when there is none). */
    abstract int deviceIndex();

    /** The backend under test on that device. */
    abstract Backend device(int blockSize);

    private static final int ITERS = 50_000;
    private static final double Z_MAX = 4.5;
    private static final Priors PRIORS = new Priors(1.5, 1.0, 6.0, 5.0);

    @ParameterizedTest(name = "K = {0}, p = {1}")
    @CsvSource({"2, 1", "3, 1"})
    void sweepOnTheDeviceLeavesTheJointInvariant(int experts, int p) {
        assertInvariant("Polya-Gamma", GibbsSweep::polyaGamma, experts, p);
    }

    /**
     * The default sweep: kernel (b) twice (gates and proposal) and the fused kernel (a) on the device, the MALA
     * move at the harness's fixed step size eps = 1 (StepSize.initial(), never adapted here).
     */
    @ParameterizedTest(name = "collapsed, K = {0}, p = {1}")
    @CsvSource({"2, 1", "3, 1", "2, 2"})
    void collapsedSweepOnTheDeviceLeavesTheJointInvariant(int experts, int p) {
        assertInvariant("collapsed", GibbsSweep::collapsed, experts, p);
    }

    private void assertInvariant(String sweepName, GewekeTest.Sweep sweep, int experts, int p) {
        int device = deviceIndex();
        long start = System.nanoTime();
        double[] z = GewekeTest.zScores(experts, p, PRIORS, PRIORS, 11, sweep, () -> device(64), ITERS);
        double worst = Arrays.stream(z).map(Math::abs).max().orElseThrow();
        System.out.printf("%s Geweke %s, K = %d, p = %d: largest |z| = %.2f over %d functionals (%.0f s)%n",
                name(), sweepName, experts, p, worst, z.length, (System.nanoTime() - start) / 1e9);
        assertTrue(Arrays.stream(z).allMatch(Double::isFinite), Arrays.toString(z));
        assertTrue(worst < Z_MAX, "device " + device + ", " + sweepName + " sweep: largest |z| = " + worst + ": "
                + Arrays.toString(z));
    }

    @ParameterizedTest(name = "negative control, K = {0}")
    @CsvSource({"2"})
    void deviceTestStillSeesAWrongConditional(int experts) {
        deviceIndex();
        Priors wrong = new Priors(PRIORS.gateSd(), 1.3, PRIORS.sigmaShape(), PRIORS.sigmaScale());
        double[] z = GewekeTest.zScores(experts, 1, PRIORS, wrong, 12, GibbsSweep::polyaGamma,
                () -> device(64), ITERS);
        double worst = Arrays.stream(z).map(Math::abs).max().orElseThrow();
        assertTrue(worst > 2 * Z_MAX, "the device test failed to see a wrong prior: largest |z| = " + worst);
    }
}
