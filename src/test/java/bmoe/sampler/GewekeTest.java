package bmoe.sampler;

import static bmoe.testing.Moments.mean;
import static bmoe.testing.Moments.variance;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.backend.Allocation;
import bmoe.backend.Backend;
import bmoe.backend.ExpertStats;
import bmoe.backend.GateGradient;
import bmoe.backend.GateStats;
import bmoe.backend.ParamsBlock;
import bmoe.backend.cpu.CpuBackend;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.Draws;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import bmoe.rng.Step;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Geweke's (2004) joint-distribution test of the whole sweep on tiny data, for both sweeps (the default
 * collapsed one with its MALA gate move at a fixed step size eps = 1, and the Polya-Gamma one). The
 * marginal-conditional simulator draws (theta, z, y) iid from prior and likelihood; the successive-conditional
 * simulator alternates one sweep (z, theta | y) with y | (theta, z). Both target the same joint, so every
 * functional has the same mean under both.
 *
 * <p>Error budget: the iid side's standard error is sd / sqrt(M); the sweep side's comes from batch
 * means over 100 batches (autocorrelation included). |z| &lt; 4.5 per functional: with ~20 functionals
 * per case the family-wise false-alarm rate is about 20 * P(|t_99| > 4.5) = 4e-4 (over 36 other seeds
 * the largest |z| per Polya-Gamma case ranged 1.2 to 2.9). Negative controls show the machinery has power,
 * each required to exceed 2 x 4.5: a sampler whose expert prior is off by 30%; one that updates the PG gates
 * from stale offsets; a MALA move without its Hastings correction; and the collapsed sweep in the wrong order
 * (experts updated from a z drawn before the gate move), which only the functional mean_i log pi_{z_i}(x_i)
 * exposes strongly (|z| 22 there, 3.8 at most among the others). The several-moves cases: at seed 11 the
 * largest |z| is 4.13 (K = 3, p = 2, 2 moves, 34 functionals) and 3.35; over seeds 12 to 14 the same cases gave
 * 1.7 to 2.8, as one move does, so 4.13 is the tail of 34 near-normal scores, not a bias.
 */
@Tag("statistical")
class GewekeTest {
    private static final int N = 12;
    private static final int ITERS = 100_000;
    private static final int BATCHES = 100;
    private static final double Z_MAX = 4.5;
    private static final Priors PRIORS = new Priors(1.5, 1.0, 6.0, 5.0);
    /** b0 sampled from Gamma(2, rate 0.4), mean 5 as PRIORS' fixed b0. */
    private static final Priors SAMPLED_SCALE = Priors.sampledScale(1.5, 1.0, 6.0, 2.0, 0.4);
    /** b0 as SAMPLED_SCALE, and s_w^2 ~ InvGamma(4, 7.5), mode 1.5 as PRIORS' fixed s_w^2 = 2.25 roughly. */
    private static final Priors SAMPLED_SCALES = SAMPLED_SCALE.withSampledGateScale(4.0, 7.5);

    /** Both sweeps with b0 and s_w sampled (b0, s_w and their logs among the functionals). */
    @ParameterizedTest(name = "sampled b0 and s_w, {0}, K = {1}, p = {2}")
    @CsvSource({"PG, 2, 1", "MALA, 2, 1", "MALA, 3, 2"})
    void sweepWithSampledPriorScalesLeavesTheJointInvariant(GateMethod method, int experts, int p) {
        double[] z = zScores(experts, p, SAMPLED_SCALES, SAMPLED_SCALES, 11,
                (backend, ws, state, key, priors) -> GibbsSweep.step(method, backend, ws, state, key, priors));
        double worst = Arrays.stream(z).map(Math::abs).max().orElseThrow();
        System.out.printf("Geweke %s, sampled b0 and s_w, K = %d, p = %d: largest |z| = %.2f over %d functionals%n",
                method, experts, p, worst, z.length);
        assertTrue(worst < Z_MAX, "largest |z| = " + worst + ": " + Arrays.toString(z));
    }

    /** The s_w step counting one gate coefficient too few (shape a_w + (D - 1) / 2): the test must see it. */
    @Test
    void negativeControlDetectsAWrongGateScaleStep() {
        double[] z = zScores(2, 1, SAMPLED_SCALES, SAMPLED_SCALES, 11, (backend, ws, state, key, priors) -> {
            GibbsSweep.Result r = GibbsSweep.collapsed(backend, ws, state, key, priors);
            double sumSquares = 0;
            int count = 0;
            for (double[] wk : r.state().params().w()) {
                for (double v : wk) {
                    sumSquares += v * v;
                    count++;
                }
            }
            double wrong = Math.sqrt(Draws.inverseGamma(key.stream(0, r.state().sweep(), Step.GATE_SCALE),
                    priors.gateVarShape() + 0.5 * (count - 1), priors.gateVarScale() + 0.5 * sumSquares));
            return new GibbsSweep.Result(r.state().withGateSd(wrong), r.info());
        });
        double worst = Arrays.stream(z).map(Math::abs).max().orElseThrow();
        System.out.printf("Geweke negative control (%s): largest |z| = %.1f%n", "s_w step short of one coefficient", worst);
        assertTrue(worst > 2 * Z_MAX, "the test failed to see an s_w step short of one coefficient: largest |z| = " + worst);
    }

    /**
     * Both sweeps with b0 ~ Gamma(g, h) sampled by its conjugate step (b0 and log b0 among the functionals). The
     * negative control below shows the functionals see a wrong b0 step.
     */
    @ParameterizedTest(name = "sampled b0, {0}, K = {1}, p = {2}")
    @CsvSource({"PG, 2, 1", "MALA, 2, 1", "MALA, 3, 2"})
    void sweepWithASampledNoiseScaleLeavesTheJointInvariant(GateMethod method, int experts, int p) {
        double[] z = zScores(experts, p, SAMPLED_SCALE, SAMPLED_SCALE, 11,
                (backend, ws, state, key, priors) -> GibbsSweep.step(method, backend, ws, state, key, priors));
        double worst = Arrays.stream(z).map(Math::abs).max().orElseThrow();
        System.out.printf("Geweke %s, sampled b0, K = %d, p = %d: largest |z| = %.2f over %d functionals%n", method,
                experts, p, worst, z.length);
        assertTrue(worst < Z_MAX, "largest |z| = " + worst + ": " + Arrays.toString(z));
    }

    /**
     * The b0 step with its shape off by one (Gamma(g + K a0 + 1, h + sum 1/s2), b0 about 7% too large here): the
     * test must see it. (Leaving h out altogether is seen too, but as a chain that collapses to s2 = 0.)
     */
    @Test
    void negativeControlDetectsAWrongNoiseScaleStep() {
        double[] z = zScores(2, 1, SAMPLED_SCALE, SAMPLED_SCALE, 11, (backend, ws, state, key, priors) -> {
            GibbsSweep.Result r = GibbsSweep.collapsed(backend, ws, state, key, priors);
            double rate = priors.scaleRate();
            for (double s2 : r.state().params().s2()) {
                rate += 1 / s2;
            }
            double shape = priors.scaleShape() + r.state().params().experts() * priors.sigmaShape() + 1;
            double wrong = Draws.gamma(key.stream(0, r.state().sweep(), Step.SIGMA_SCALE), shape) / rate;
            return new GibbsSweep.Result(r.state().withSigmaScale(wrong), r.info());
        });
        double worst = Arrays.stream(z).map(Math::abs).max().orElseThrow();
        System.out.printf("Geweke negative control (%s): largest |z| = %.1f%n", "b0 step with its shape off by one", worst);
        assertTrue(worst > 2 * Z_MAX, "the test failed to see a b0 step with its shape off by one: largest |z| = " + worst);
    }

    /** Several gate moves per sweep (what K > 2 gets by default): each starts from the last one's sums. */
    @ParameterizedTest(name = "{2} moves, K = {0}, p = {1}")
    @CsvSource({"2, 1, 3", "3, 2, 2"})
    void sweepWithSeveralGateMovesLeavesTheJointInvariant(int experts, int p, int moves) {
        double[] z = zScores(experts, p, PRIORS, PRIORS, 11, (backend, ws, state, key, priors) ->
                GibbsSweep.collapsed(backend, ws, state, key, priors, moves));
        double worst = Arrays.stream(z).map(Math::abs).max().orElseThrow();
        System.out.printf("Geweke MALA, %d moves, K = %d, p = %d: largest |z| = %.2f over %d functionals%n", moves,
                experts, p, worst, z.length);
        assertTrue(worst < Z_MAX, "largest |z| = " + worst + ": " + Arrays.toString(z));
    }

    @ParameterizedTest(name = "{0}, K = {1}, p = {2}")
    @CsvSource({"PG, 2, 1", "PG, 3, 1", "PG, 2, 2", "MALA, 2, 1", "MALA, 3, 1", "MALA, 2, 2", "MALA, 3, 2"})
    void sweepLeavesTheJointInvariant(GateMethod method, int experts, int p) {
        double[] z = zScores(experts, p, PRIORS, PRIORS, 11,
                (backend, ws, state, key, priors) -> GibbsSweep.step(method, backend, ws, state, key, priors));
        double worst = 0;
        for (double v : z) {
            assertTrue(Double.isFinite(v));
            worst = Math.max(worst, Math.abs(v));
        }
        System.out.printf("Geweke %s, K = %d, p = %d: largest |z| = %.2f over %d functionals%n", method, experts, p,
                worst, z.length);
        assertTrue(worst < Z_MAX, "largest |z| = " + worst + " over " + z.length + " functionals: "
                + java.util.Arrays.toString(z));
    }

    /**
     * The collapsed sweep with a frozen metric (preconditioned MALA, what a chain uses after the first half of
     * warm-up with --gate-metric frozen): the metric is a fixed matrix, here the prior precision plus a fixed
     * positive definite part, so the test does not depend on where a chain happened to freeze it.
     */
    @ParameterizedTest(name = "frozen metric, K = {0}, p = {1}")
    @CsvSource({"2, 1", "3, 2"})
    void sweepWithAFrozenMetricLeavesTheJointInvariant(int experts, int p) {
        int free = (experts - 1) * (p + 1);
        double[][] metric = new double[free][free];
        for (int u = 0; u < free; u++) {
            for (int v = 0; v < free; v++) {
                metric[u][v] = (u == v ? 1 / (PRIORS.gateSd() * PRIORS.gateSd()) + 2.0 : 0.0) + 0.5 / (1 + Math.abs(u - v));
            }
        }
        double[] z = zScores(experts, p, PRIORS, PRIORS, 11, (backend, ws, state, key, priors) ->
                GibbsSweep.collapsed(backend, ws, state.withFrozenMetric(metric), key, priors));
        double worst = Arrays.stream(z).map(Math::abs).max().orElseThrow();
        System.out.printf("Geweke MALA, frozen metric, K = %d, p = %d: largest |z| = %.2f over %d functionals%n",
                experts, p, worst, z.length);
        assertTrue(worst < Z_MAX, "largest |z| = " + worst + ": " + Arrays.toString(z));
    }

    /**
     * The collapsed sweep with the joint move of gates and experts after its gate move (HMC with the allocations
     * summed out, {@link JointMove}), at a fixed step and a fixed inverse mass matrix (what a chain uses after its
     * warm-up), so the test does not depend on a chain's tuning; with b0 and s_w sampled in one case, so the move
     * sees the chain's current prior scales.
     */
    @ParameterizedTest(name = "joint move, {2} leapfrog steps, K = {0}, p = {1}, sampled scales {3}")
    @CsvSource({"2, 1, 3, false", "3, 1, 5, true", "2, 2, 4, true"})
    void sweepWithAJointMoveLeavesTheJointInvariant(int experts, int p, int steps, boolean sampledScales) {
        Priors priors = sampledScales ? SAMPLED_SCALES : PRIORS;
        JointState tuned = fixedJointTuning(experts, p);
        double[] z = zScores(experts, p, priors, priors, 11, (backend, ws, state, key, given) ->
                GibbsSweep.collapsed(backend, ws, state.withJoint(tuned), key, given, 1, steps));
        double worst = Arrays.stream(z).map(Math::abs).max().orElseThrow();
        System.out.printf("Geweke MALA + joint move (%d steps), K = %d, p = %d: largest |z| = %.2f over %d functionals%n",
                steps, experts, p, worst, z.length);
        assertTrue(worst < Z_MAX, "largest |z| = " + worst + ": " + Arrays.toString(z));
    }

    /**
     * The joint move on its own, then z | theta (and b0, s_w when sampled): a sampler of the joint on its own, so
     * this checks the move itself with nothing after it to mend a bias (in the whole sweep the experts are redrawn
     * given z right after it).
     */
    @ParameterizedTest(name = "joint move alone, {2} leapfrog steps, K = {0}, p = {1}, sampled scales {3}")
    @CsvSource({"2, 1, 3, false", "3, 1, 4, true"})
    void jointMoveAloneLeavesTheJointInvariant(int experts, int p, int steps, boolean sampledScales) {
        Priors priors = sampledScales ? SAMPLED_SCALES : PRIORS;
        JointState tuned = fixedJointTuning(experts, p);
        double[] z = zScores(experts, p, priors, priors, 11, (backend, ws, state, key, given) ->
                jointMoveAlone(backend, ws, state, key, given, tuned, steps, 1.0));
        double worst = Arrays.stream(z).map(Math::abs).max().orElseThrow();
        System.out.printf("Geweke joint move alone (%d steps), K = %d, p = %d: largest |z| = %.2f over %d functionals%n",
                steps, experts, p, worst, z.length);
        assertTrue(worst < Z_MAX, "largest |z| = " + worst + ": " + Arrays.toString(z));
    }

    /** One joint move from the chain's state, then z | theta, then b0 | s2 and s_w | w where sampled. */
    private static GibbsSweep.Result jointMoveAlone(Backend backend, Backend.Workspace ws, SweepState state, RngKey key,
                                                    Priors priors, JointState tuned, int steps, double jacobian) {
        int sweep = state.sweep() + 1;
        Priors given = GibbsSweep.conditional(priors, state);
        Params params = state.params();
        GateGradient here = backend.gateGradient(ws, ParamsBlock.of(params), null, false);
        JointMove.Result move = JointMove.step(params, here, tuned.stepSize().eps(), steps,
                JointMove.cholesky(tuned.covariance()), given, at -> backend.gateGradient(ws, ParamsBlock.of(at), null,
                        false), key.stream(0, sweep, Step.JOINT_MOVE), jacobian);
        params = move.params();
        Allocation allocation = backend.allocate(ws, ParamsBlock.of(params), key, sweep);
        double b0 = GibbsSweep.updateSigmaScale(params, priors, state, key, sweep);
        double sw = GibbsSweep.updateGateSd(params, priors, state, key, sweep);
        return new GibbsSweep.Result(new SweepState(params, sweep, state.stepSize(), null, b0, sw),
                new SweepInfo(allocation.logLikelihood(), new double[params.experts()], 0, 0, 0, 1.0, null));
    }

    /**
     * The joint move without the Jacobian of u = log s2 (the variances' density used as if it were u's), a
     * mistake HMC on a transformed parameter invites: the test must see it.
     */
    @Test
    void negativeControlDetectsAJointMoveWithoutItsJacobian() {
        JointState tuned = fixedJointTuning(2, 1);
        double[] z = zScores(2, 1, PRIORS, PRIORS, 11, (backend, ws, state, key, given) ->
                jointMoveAlone(backend, ws, state, key, given, tuned, 3, 0.0));
        double worst = Arrays.stream(z).map(Math::abs).max().orElseThrow();
        System.out.printf("Geweke negative control (%s): largest |z| = %.1f%n", "a joint move without its Jacobian", worst);
        assertTrue(worst > 2 * Z_MAX, "the test failed to see a joint move without its Jacobian: largest |z| = " + worst);
    }

    /**
     * A fixed tuning of the joint move: step 0.4 and an inverse mass matrix with unit variances and some
     * correlation, about the prior's scale of these tiny data sets (acceptance near 0.8).
     */
    private static JointState fixedJointTuning(int experts, int p) {
        int n = JointMove.dimension(experts, p + 1);
        double[][] cov = new double[n][n];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                cov[a][b] = (a == b ? 0.6 : 0.0) + 0.2 / (1 + Math.abs(a - b));
            }
        }
        return new JointState(StepSize.fixed(0.4), Acceptance.NONE, 0, new double[n], new double[n][n], cov);
    }

    /**
     * The collapsed gate move with its Hastings correction left out (log q(w | w*) - log q(w* | w) dropped, as if
     * the Langevin proposal were symmetric): no longer invariant, and the test must see it.
     */
    @Test
    void negativeControlDetectsAMissingProposalTerm() {
        double[] z = zScores(2, 1, PRIORS, PRIORS, 11, (backend, ws, state, key, priors) ->
                collapsedWith(backend, ws, state, key, priors, GewekeTest::moveWithoutHastings, false));
        double worst = Arrays.stream(z).map(Math::abs).max().orElseThrow();
        System.out.printf("Geweke negative control (%s): largest |z| = %.1f%n", "a missing proposal term", worst);
        assertTrue(worst > 2 * Z_MAX, "the test failed to see a missing proposal term: largest |z| = " + worst);
    }

    /**
     * The collapsed sweep in the wrong order: z drawn before the gate move and the experts then updated from
     * that stale z (the partially collapsed Gibbs pitfall of van Dyk and Jiao). The test must see it.
     */
    @Test
    void negativeControlDetectsTheWrongStepOrder() {
        double[] z = zScores(2, 1, PRIORS, PRIORS, 11, (backend, ws, state, key, priors) ->
                collapsedWith(backend, ws, state, key, priors, GateMove::step, true));
        double worst = Arrays.stream(z).map(Math::abs).max().orElseThrow();
        System.out.printf("Geweke negative control (%s): largest |z| = %.1f%n", "experts updated from a stale z", worst);
        assertTrue(worst > 2 * Z_MAX, "the test failed to see experts updated from a stale z: largest |z| = " + worst);
    }

    /** A gate move's signature, so that a negative control can swap in a broken one. */
    interface Move {
        GateMove.Result step(double[] w, GateGradient here, double eps, Priors priors,
                             Function<double[], GateGradient> atProposal, RngStream rng);
    }

    /**
     * GibbsSweep.collapsed with the given move; with {@code staleAllocations} the allocations are drawn before
     * the move and the experts updated from them (and the returned z is that stale one).
     */
    static GibbsSweep.Result collapsedWith(Backend backend, Backend.Workspace ws, SweepState state, RngKey key,
                                                   Priors priors, Move move, boolean staleAllocations) {
        int sweep = state.sweep() + 1;
        Params params = state.params();
        ParamsBlock block = ParamsBlock.of(params);
        Allocation stale = staleAllocations ? backend.allocate(ws, block, key, sweep) : null;
        GateGradient here = backend.gateGradient(ws, block, null, true);
        GateMove.Result m = move.step(block.w(), here, state.stepSize().eps(), priors,
                proposal -> backend.gateGradient(ws, block.withGates(proposal), block.w(), true),
                key.stream(0, sweep, Step.GATE_MOVE));
        params = params.withGates(m.gates());
        Allocation allocation = stale != null ? stale : backend.allocate(ws, block.withGates(m.gates()), key, sweep);
        GibbsSweep.Experts experts = GibbsSweep.updateExperts(params, allocation.stats(), key, sweep, priors);
        return new GibbsSweep.Result(new SweepState(experts.params(), sweep, state.stepSize()),
                new SweepInfo(here.logLikelihood(), experts.counts(), experts.clamped(), 1, m.accepted() ? 1 : 0,
                        m.acceptProb(),
                        m.metric()));
    }

    /** GateMove.step with log alpha = L(w*) - L(w) only. */
    static GateMove.Result moveWithoutHastings(double[] w, GateGradient here, double eps, Priors priors,
                                                       Function<double[], GateGradient> atProposal, RngStream rng) {
        GateMove.Point from = GateMove.point(w, here, priors, eps, null);
        double[] proposal = Mvn.draw(from.proposal(), eps * eps, rng);
        double u = rng.uniform();
        GateGradient there = atProposal.apply(proposal);
        GateMove.Point to = GateMove.point(proposal, there, priors, eps, null);
        double logAlpha = there.logLikelihoodDiff() + to.logPrior() - from.logPrior();
        boolean accept = Math.log(u) < logAlpha;
        return new GateMove.Result(accept ? proposal : w.clone(), accept, Math.exp(Math.min(0, logAlpha)),
                accept ? to.metric() : from.metric());
    }

    @Test
    void negativeControlDetectsAWrongConditional() {
        // The sweep samples with s_b = 1.3 while the data come from s_b = 1.0.
        Priors wrong = new Priors(PRIORS.gateSd(), 1.3, PRIORS.sigmaShape(), PRIORS.sigmaScale());
        double[] z = zScores(2, 1, PRIORS, wrong, 12, GibbsSweep::polyaGamma);
        double worst = 0;
        for (double v : z) {
            worst = Math.max(worst, Math.abs(v));
        }
        System.out.printf("Geweke negative control (%s): largest |z| = %.1f%n", "a wrong prior", worst);
        assertTrue(worst > 2 * Z_MAX, "the test failed to see a wrong prior: largest |z| = " + worst);
    }

    /**
     * MODEL.md's warning: updating every gate from offsets C computed before any gate moved is not a
     * valid Gibbs step. Such a sweep must fail the test (its gate pairs w_k w_l come out biased).
     */
    @Test
    void negativeControlDetectsGatesUpdatedFromStaleOffsets() {
        double[] z = zScores(3, 1, PRIORS, PRIORS, 11, GewekeTest::staleGateSweep);
        double worst = 0;
        for (double v : z) {
            worst = Math.max(worst, Math.abs(v));
        }
        System.out.printf("Geweke negative control (%s): largest |z| = %.1f%n", "stale gate offsets", worst);
        assertTrue(worst > 2 * Z_MAX, "the test failed to see stale gate offsets: largest |z| = " + worst);
    }

    /** GibbsSweep.step with one defect: every gate's kernel (c) sees the gates as they were before step 3. */
    private static GibbsSweep.Result staleGateSweep(Backend backend, Backend.Workspace ws, SweepState state, RngKey key,
                                                    Priors priors) {
        int sweep = state.sweep() + 1;
        Params params = state.params();
        Allocation allocation = backend.allocate(ws, ParamsBlock.of(params), key, sweep);
        double logLik = allocation.logLikelihood();
        ExpertStats stats = allocation.stats();
        for (int k = 0; k < params.experts(); k++) {
            ExpertUpdate.Draw draw = ExpertUpdate.draw(ExpertUpdate.posterior(stats.count(k), stats.gram(k),
                    stats.crossProduct(k), stats.sumSquares(k), priors), key.stream(k, sweep, Step.EXPERT));
            params = params.withExpert(k, draw.beta(), draw.s2());
        }
        ParamsBlock stale = ParamsBlock.of(params);
        for (int k = 0; k < params.experts() - 1; k++) {
            GateStats g = backend.gateStats(ws, stale, k, key, sweep);
            params = params.withGate(k, GateUpdate.draw(g.weightedGram(), g.weightedResponse(), priors,
                    key.stream(0, sweep, Step.gate(k))));
        }
        return new GibbsSweep.Result(new SweepState(params, sweep), new SweepInfo(logLik, new double[params.experts()], 0, 0, 0, 1.0, null));
    }

    static double[] zScores(int experts, int p, Priors truth, Priors sampler, long seed, Sweep sweep) {
        return zScores(experts, p, truth, sampler, seed, sweep, () -> new CpuBackend(1), ITERS);
    }

    /** One sweep of some sampler: the real one, or a deliberately broken one for a negative control. */
    public interface Sweep {
        GibbsSweep.Result step(Backend backend, Backend.Workspace ws, SweepState state, RngKey key, Priors priors);
    }

    /**
     * The z-scores with the sweep's kernels on the given backend, over {@code iters} draws per simulator.
     * Public so each backend's own test can run the same check on its kernels.
     */
    public static double[] zScores(int experts, int p, Priors truth, Priors sampler, long seed, Sweep sweep,
                                   Supplier<Backend> backends, int iters) {
        int d = p + 1;
        float[] x = new float[N * p];
        RngStream design = new RngKey(seed, 7).stream(0, 0, 0);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (2 * design.uniform() - 1);
        }
        // marginal-conditional: iid
        List<double[]> mc = new ArrayList<>(iters);
        RngStream rng = new RngStream(new RngKey(seed, 1));
        for (int t = 0; t < iters; t++) {
            rng.reset(t, 0, 0);
            PriorSampler.Draw prior = PriorSampler.drawWithScale(truth, experts, d, rng);
            Params theta = prior.params();
            byte[] zs = new byte[N];
            float[] y = new float[N];
            drawAllocationsAndResponse(theta, x, p, rng, zs, y, true);
            mc.add(functionals(theta, prior.sigmaScale(), prior.gateSd(), x, zs, y));
        }
        // successive-conditional: Gibbs sweep, then y | theta, z
        List<double[]> sc = new ArrayList<>(iters);
        RngKey sweepKey = new RngKey(seed, 2);
        RngStream yRng = new RngStream(new RngKey(seed, 3));
        PriorSampler.Draw first = PriorSampler.drawWithScale(truth, experts, d, yRng.reset(0, 0, 1));
        Params theta = first.params();
        byte[] zs = new byte[N];
        float[] y = new float[N];
        drawAllocationsAndResponse(theta, x, p, yRng, zs, y, true);
        Dataset data = Dataset.standardizedView(x, y, p);
        try (Backend backend = backends.get()) {
            SweepState state = new SweepState(theta, 0, StepSize.initial(), null, first.sigmaScale(), first.gateSd());
            for (int t = 0; t < iters; t++) {
                byte[] alloc;
                // y changes every iteration, so the data go up again; both are freed at once on a device
                try (Backend.Resident resident = backend.upload(data);
                     Backend.Workspace ws = backend.workspace(resident, experts)) {
                    state = sweep.step(backend, ws, state, sweepKey, sampler).state();
                    alloc = backend.allocations(ws);
                }
                drawAllocationsAndResponse(state.params(), x, p, yRng.reset(t + 1, 0, 2), alloc, y, false);
                data = data.withResponse(y);
                sc.add(functionals(state.params(), state.sigmaScale(), state.gateSd(), x, alloc, y));
            }
        }
        int f = mc.get(0).length;
        double[] z = new double[f];
        for (int j = 0; j < f; j++) {
            double[] a = column(mc, j);
            double[] b = column(sc, j);
            double se2 = variance(a) / a.length + batchMeansVariance(b) / b.length;
            z[j] = (mean(a) - mean(b)) / Math.sqrt(se2);
        }
        return z;
    }

    /** z ~ p(z | theta, x) when drawZ, then y ~ p(y | theta, z). */
    private static void drawAllocationsAndResponse(Params theta, float[] x, int p, RngStream rng, byte[] z, float[] y,
                                                   boolean drawZ) {
        double[] row = new double[p + 1];
        for (int i = 0; i < y.length; i++) {
            row[0] = 1;
            for (int j = 0; j < p; j++) {
                row[j + 1] = x[i * p + j];
            }
            if (drawZ) {
                z[i] = (byte) theta.sampleExpert(row, rng.uniform());
            }
            int k = z[i];
            y[i] = (float) (Params.dot(theta.beta()[k], row) + Math.sqrt(theta.s2()[k]) * Draws.normal(rng));
        }
    }

    /** Parameters, their squares for the variances, b0 and s_w when sampled (else NaN), and a few data summaries. */
    private static double[] functionals(Params theta, double sigmaScale, double gateSd, float[] x, byte[] z,
                                        float[] y) {
        List<Double> g = new ArrayList<>();
        if (!Double.isNaN(sigmaScale)) {
            g.add(sigmaScale);
            g.add(Math.log(sigmaScale));
        }
        if (!Double.isNaN(gateSd)) {
            g.add(gateSd);
            g.add(Math.log(gateSd));
        }
        for (double[] wk : theta.w()) {
            for (double v : wk) {
                g.add(v);
                g.add(v * v);
            }
        }
        for (double[] bk : theta.beta()) {
            for (double v : bk) {
                g.add(v);
            }
        }
        for (double s : theta.s2()) {
            g.add(s);
            g.add(Math.log(s));
        }
        // pairs of gates: a sweep that updates the gates jointly from stale offsets gets these wrong
        double[][] w = theta.w();
        for (int k = 0; k < w.length; k++) {
            for (int l = k + 1; l < w.length; l++) {
                for (int j = 0; j < w[k].length; j++) {
                    g.add(w[k][j] * w[l][j]);
                }
            }
        }
        double sy = 0;
        double syy = 0;
        double first = 0;
        for (int i = 0; i < y.length; i++) {
            sy += y[i];
            syy += y[i] * y[i];
            first += z[i] == 0 ? 1 : 0;
        }
        g.add(sy / y.length);
        g.add(syy / y.length);
        g.add(first / y.length);
        // how well the allocations fit the gates, mean_i log pi_{z_i}(x_i): a sweep whose z does not belong to
        // its w (z drawn before the gate move) gets this wrong
        double[] eta = new double[theta.experts()];
        double[] xTilde = new double[theta.dim()];
        double fit = 0;
        for (int i = 0; i < y.length; i++) {
            xTilde[0] = 1;
            for (int j = 1; j < xTilde.length; j++) {
                xTilde[j] = x[i * (xTilde.length - 1) + j - 1];
            }
            theta.gateLogits(xTilde, eta);
            fit += (eta[z[i]] - Params.logSumExp(eta, eta.length)) / y.length;
        }
        g.add(fit);
        return g.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double[] column(List<double[]> rows, int j) {
        double[] c = new double[rows.size()];
        for (int i = 0; i < c.length; i++) {
            c[i] = rows.get(i)[j];
        }
        return c;
    }

    /** Batch-means estimate of the long-run variance sigma^2 such that Var(mean) ~ sigma^2 / n. */
    static double batchMeansVariance(double[] v) {
        int size = v.length / BATCHES;
        double[] means = new double[BATCHES];
        for (int b = 0; b < BATCHES; b++) {
            double s = 0;
            for (int i = b * size; i < (b + 1) * size; i++) {
                s += v[i];
            }
            means[b] = s / size;
        }
        return size * variance(means);
    }
}
