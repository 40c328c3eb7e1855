package bmoe.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.backend.Backend;
import bmoe.backend.BackendContractTest;
import bmoe.backend.GateGradient;
import bmoe.backend.ParamsBlock;
import bmoe.backend.cpu.CpuBackend;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.RngKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The joint move's target against closed forms: its log density against the mixture likelihood and the priors
 * written out (normal gates, normal-inverse-gamma experts, the Jacobian of u = log s2), its gradient against
 * finite differences; then the move's bookkeeping (a rejected or non-finite trajectory leaves the state as it was).
 * GewekeTest checks that the sweep with the move samples the right distribution.
 */
class JointMoveTest {
    private static final Priors PRIORS = new Priors(1.5, 2.0, 3.0, 0.7);

    private static double logTarget(Backend backend, Backend.Workspace ws, Params p) {
        return JointMove.point(p, backend.gateGradient(ws, ParamsBlock.of(p), null, false), PRIORS).logTarget();
    }

    /** log p(y | theta) + log p(w) + log p(beta | s2) + log p(s2) + sum_k log s2_k, constants included. */
    private static double closedForm(Dataset data, Params p) {
        double total = 0;
        double[] row = new double[data.dim()];
        for (int i = 0; i < data.n(); i++) {
            data.designRow(i, row);
            total += p.logDensity(row, data.y()[i]);
        }
        int d = p.dim();
        double sw2 = PRIORS.gateSd() * PRIORS.gateSd();
        for (double[] wk : p.w()) {
            for (double v : wk) {
                total += -0.5 * Math.log(2 * Math.PI * sw2) - 0.5 * v * v / sw2;
            }
        }
        double a0 = PRIORS.sigmaShape();
        double b0 = PRIORS.sigmaScale();
        double sb2 = PRIORS.expertSd() * PRIORS.expertSd();
        for (int k = 0; k < p.experts(); k++) {
            double s2 = p.s2()[k];
            for (double v : p.beta()[k]) {
                total += -0.5 * Math.log(2 * Math.PI * s2 * sb2) - 0.5 * v * v / (s2 * sb2);
            }
            total += a0 * Math.log(b0) - org.apache.commons.math3.special.Gamma.logGamma(a0) - (a0 + 1) * Math.log(s2)
                    - b0 / s2;
            total += Math.log(s2); // the Jacobian of s2 = e^u
        }
        return total;
    }

    /** The target differs from the closed form by a constant only: compared between two states, to 1e-9. */
    @ParameterizedTest(name = "K = {0}, p = {1}")
    @CsvSource({"2, 0", "2, 1", "3, 1", "4, 2"})
    void logTargetIsTheCollapsedPosteriorInLogVariances(int experts, int p) {
        Dataset data = BackendContractTest.data(40, p, 31);
        Params a = BackendContractTest.params(experts, p + 1, 32);
        Params b = BackendContractTest.params(experts, p + 1, 33);
        try (Backend backend = new CpuBackend(1, 7)) {
            Backend.Workspace ws = backend.workspace(backend.upload(data), experts);
            double got = logTarget(backend, ws, a) - logTarget(backend, ws, b);
            double expected = closedForm(data, a) - closedForm(data, b);
            assertEquals(expected, got, 1e-9 * (1 + Math.abs(expected)));
        }
    }

    /** Central differences with h = 1e-5 in every coordinate of theta: error ~1e-8 relative. */
    @ParameterizedTest(name = "K = {0}, p = {1}")
    @CsvSource({"2, 0", "2, 1", "3, 1", "4, 2"})
    void gradientMatchesFiniteDifferences(int experts, int p) {
        Dataset data = BackendContractTest.data(40, p, 34);
        Params theta = BackendContractTest.params(experts, p + 1, 35);
        try (Backend backend = new CpuBackend(1, 7)) {
            Backend.Workspace ws = backend.workspace(backend.upload(data), experts);
            JointMove.Point at = JointMove.point(theta, backend.gateGradient(ws, ParamsBlock.of(theta), null, false),
                    PRIORS);
            double[] t = at.theta();
            double h = 1e-5;
            for (int u = 0; u < t.length; u++) {
                double[] plus = t.clone();
                double[] minus = t.clone();
                plus[u] += h;
                minus[u] -= h;
                double fd = (logTarget(backend, ws, JointMove.params(plus, experts, p + 1))
                        - logTarget(backend, ws, JointMove.params(minus, experts, p + 1))) / (2 * h);
                assertEquals(fd, at.gradient()[u], 1e-6 * (1 + Math.abs(fd)), "coordinate " + u);
            }
        }
    }

    @Test
    void thetaAndParamsAreInverses() {
        Params theta = BackendContractTest.params(3, 2, 36);
        Params back = JointMove.params(JointMove.theta(theta), 3, 2);
        for (int k = 0; k < 3; k++) {
            assertEquals(theta.s2()[k], back.s2()[k], 1e-15 * theta.s2()[k]);
            assertEquals(theta.beta()[k][1], back.beta()[k][1]);
        }
        assertEquals(theta.w()[1][0], back.w()[1][0]);
        double[] t = JointMove.theta(theta);
        t[t.length - 1] = 800; // e^800 overflows: not a state
        assertEquals(null, JointMove.params(t, 3, 2));
    }

    /**
     * A trajectory that leaves the finite numbers (a huge step) is rejected, leaves the state and its sums as they
     * were, and counts its passes; a tiny step is accepted nearly always (H is conserved to O(eps^2)).
     */
    @Test
    void aDivergentTrajectoryIsRejectedAndATinyStepAccepted() {
        Dataset data = BackendContractTest.data(40, 1, 37);
        Params theta = BackendContractTest.params(2, 2, 38);
        int n = JointMove.dimension(2, 2);
        double[][] identity = new double[n][n];
        for (int a = 0; a < n; a++) {
            identity[a][a] = 1.0;
        }
        try (Backend backend = new CpuBackend(1, 7)) {
            Backend.Workspace ws = backend.workspace(backend.upload(data), 2);
            GateGradient here = backend.gateGradient(ws, ParamsBlock.of(theta), null, false);
            JointMove.Result far = JointMove.step(theta, here, 1e6, 3, identity, PRIORS,
                    p -> backend.gateGradient(ws, ParamsBlock.of(p), null, false), new RngKey(1, 0).stream(0, 1, 0));
            assertFalse(far.accepted());
            assertEquals(0.0, far.acceptProb());
            assertTrue(far.params() == theta && far.sums() == here);
            assertTrue(far.passes() <= 3);
            int accepted = 0;
            for (int m = 0; m < 50; m++) {
                JointMove.Result near = JointMove.step(theta, here, 1e-3, 3, identity, PRIORS,
                        p -> backend.gateGradient(ws, ParamsBlock.of(p), null, false),
                        new RngKey(1, 0).stream(m, 2, 0));
                assertEquals(3, near.passes());
                accepted += near.accepted() ? 1 : 0;
                assertTrue(near.acceptProb() > 0.99, "acceptance " + near.acceptProb());
            }
            assertTrue(accepted >= 45, accepted + " of 50 accepted");
        }
    }
}
