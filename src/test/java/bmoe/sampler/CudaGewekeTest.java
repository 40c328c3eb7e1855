package bmoe.sampler;

import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.backend.cuda.CudaTesting;
import bmoe.model.Priors;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Geweke's joint-distribution test (see {@link GewekeTest} for the method and its error budget) with the
 * sweep's kernels on the CUDA device: OpenClGewekeTest's cases, iterations and thresholds, so the same
 * false-alarm rate and the same negative control (a 30% wrong prior must show as |z| &gt; 2 x 4.5). Skipped with
 * "skipped: no CUDA device" without one; with BMOE_REQUIRE_CUDA=1 it fails instead.
 */
@Tag("statistical")
class CudaGewekeTest {
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

    private static void assertInvariant(String sweepName, GewekeTest.Sweep sweep, int experts, int p) {
        int device = CudaTesting.deviceIndex();
        long start = System.nanoTime();
        double[] z = GewekeTest.zScores(experts, p, PRIORS, PRIORS, 11, sweep, () -> CudaTesting.backend(64), ITERS);
        double worst = Arrays.stream(z).map(Math::abs).max().orElseThrow();
        System.out.printf("CUDA Geweke %s, K = %d, p = %d: largest |z| = %.2f over %d functionals (%.0f s)%n",
                sweepName, experts, p, worst, z.length, (System.nanoTime() - start) / 1e9);
        assertTrue(Arrays.stream(z).allMatch(Double::isFinite), Arrays.toString(z));
        assertTrue(worst < Z_MAX, "device " + device + ", " + sweepName + " sweep: largest |z| = " + worst + ": "
                + Arrays.toString(z));
    }

    @ParameterizedTest(name = "negative control, K = {0}")
    @CsvSource({"2"})
    void deviceTestStillSeesAWrongConditional(int experts) {
        CudaTesting.deviceIndex();
        Priors wrong = new Priors(PRIORS.gateSd(), 1.3, PRIORS.sigmaShape(), PRIORS.sigmaScale());
        double[] z = GewekeTest.zScores(experts, 1, PRIORS, wrong, 12, GibbsSweep::polyaGamma,
                () -> CudaTesting.backend(64), ITERS);
        double worst = Arrays.stream(z).map(Math::abs).max().orElseThrow();
        assertTrue(worst > 2 * Z_MAX, "the device test failed to see a wrong prior: largest |z| = " + worst);
    }
}
