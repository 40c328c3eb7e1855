package bmoe.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.backend.ParamsBlock;
import bmoe.model.ExpertsPrior;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import bmoe.rng.Step;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Geweke's joint-distribution test for the split-or-merge move ({@link SplitMergeMove}) alone: the within-K sweep
 * followed by a split or merge only (no birth or death) must leave p(K, theta, y) invariant, so the chain's marginal
 * of K must match its prior. The harness, functionals and error budget are {@link ExpertCountGewekeTest}'s (|z| &lt;
 * 4.5 per functional, batch means on the chain's side); the full sweep with both moves is that test's. The negative
 * control leaves the Jacobian 2^(2d+1) s2_j out of the ratio and must give |z| &gt; 9.
 */
@Tag("statistical")
class SplitMergeGewekeTest {
    private static final long SEED = Long.getLong("bmoe.geweke.seed", 31);
    private static final int ITERS = 100_000;
    private static final double Z_MAX = 4.5;
    private static final Priors PRIORS = new Priors(1.5, 1.0, 6.0, 5.0);
    private static final Priors SAMPLED = Priors.sampledScale(1.5, 1.0, 6.0, 2.0, 0.4).withSampledGateScale(4.0, 7.5);

    @ParameterizedTest(name = "{0} gates, prior {1}, KMAX = {2}, p = {3}, sampled scales {4}")
    @CsvSource({"MALA, uniform, 3, 1, false", "MALA, geometric:0.4, 4, 1, true", "PG, poisson:1, 3, 2, false"})
    void splitMergeAloneLeavesTheJointInvariant(GateMethod method, String prior, int kmax, int p, boolean sampled) {
        ExpertsPrior kPrior = ExpertsPrior.parse(prior, kmax);
        Priors priors = sampled ? SAMPLED : PRIORS;
        ExpertCountGewekeTest.Result r = ExpertCountGewekeTest.run(kPrior, p, priors, SEED,
                alone(method, kPrior, priors, SplitMergeMove.Term.NONE), ITERS);
        double worst = Arrays.stream(r.z()).map(Math::abs).max().orElseThrow();
        System.out.printf("Geweke, split/merge alone, %s, %s, KMAX = %d, p = %d%s: largest |z| = %.2f over %d "
                        + "functionals; P(K) prior %s, chain %s; acceptance %.3f%n", method, prior, kmax, p,
                sampled ? ", b0 and s_w sampled" : "", worst, r.z().length, Arrays.toString(kPrior.probabilities()),
                Arrays.toString(r.chainK()), r.splitMergeAcceptance());
        assertTrue(worst < Z_MAX, "largest |z| = " + worst + ": " + Arrays.toString(r.z()));
        assertTrue(r.splitMergeAcceptance() > 0.02, "the move should mix K on this tiny data: acceptance "
                + r.splitMergeAcceptance());
    }

    @Test
    void negativeControlDetectsARatioWithoutTheJacobian() {
        ExpertsPrior kPrior = ExpertsPrior.parse("uniform", 3);
        ExpertCountGewekeTest.Result r = ExpertCountGewekeTest.run(kPrior, 1, PRIORS, SEED,
                alone(GateMethod.MALA, kPrior, PRIORS, SplitMergeMove.Term.JACOBIAN), ITERS);
        double worst = Arrays.stream(r.z()).map(Math::abs).max().orElseThrow();
        System.out.printf("Geweke negative control (split/merge without the Jacobian): largest |z| = %.1f, chain P(K) "
                + "%s%n", worst, Arrays.toString(r.chainK()));
        assertTrue(worst > 2 * Z_MAX, "the test failed to see a ratio missing the Jacobian: largest |z| = " + worst);
    }

    /** The split-or-merge move (its ratio without {@code omitted}), then the sweep at the K it leaves. */
    private static ExpertCountGewekeTest.Sweep alone(GateMethod method, ExpertsPrior kPrior, Priors priors,
                                                     SplitMergeMove.Term omitted) {
        return (backend, spaces, state, key, births) -> {
            SplitMergeMove.Result move = SplitMergeMove.step(state, kPrior, priors,
                    params -> backend.gateGradient(spaces.apply(params.experts()), ParamsBlock.of(params), null,
                            false).logLikelihood(),
                    key.stream(0, state.sweep() + 1, Step.SPLIT_MERGE), omitted);
            GibbsSweep.Result r = GibbsSweep.step(method, backend, spaces.apply(move.params().experts()),
                    state.withParams(move.params()), key, priors);
            return new GibbsSweep.Result(r.state(), r.info(), null, move);
        };
    }

    @Test
    void splitAndMergeAreInverses() {
        RngStream rng = new RngStream(new RngKey(5, 0));
        for (int k = 1; k <= 4; k++) {
            Params theta = PriorSampler.draw(PRIORS, k, 3, rng);
            for (int parent = 0; parent < k; parent++) {
                for (int inserted = 0; inserted <= k; inserted++) {
                    SplitMergeMove.Aux u = new SplitMergeMove.Aux(new double[] {0.3, -1.2, 2.0},
                            new double[] {0.1, 0.2, -0.3}, 0.4);
                    Params large = SplitMergeMove.split(theta, parent, inserted, u);
                    assertEquals(k + 1, large.experts());
                    int kept = parent < inserted ? parent : parent + 1;
                    SplitMergeMove.Merged back = SplitMergeMove.merge(large, kept, inserted);
                    for (int i = 0; i < k - 1; i++) {
                        for (int j = 0; j < 3; j++) {
                            assertEquals(theta.w()[i][j], back.params().w()[i][j], 1e-12);
                        }
                    }
                    for (int e = 0; e < k; e++) {
                        assertEquals(theta.s2()[e], back.params().s2()[e], 1e-12 * theta.s2()[e]);
                        for (int j = 0; j < 3; j++) {
                            assertEquals(theta.beta()[e][j], back.params().beta()[e][j], 1e-12);
                        }
                    }
                    for (int j = 0; j < 3; j++) {
                        assertEquals(u.gate()[j], back.aux().gate()[j], 1e-12);
                        assertEquals(u.beta()[j], back.aux().beta()[j], 1e-12);
                    }
                    assertEquals(u.logS2(), back.aux().logS2(), 1e-12);
                    // at u_g = 0 the children's gate probabilities add up to the parent's
                    Params even = SplitMergeMove.split(theta, parent, inserted,
                            new SplitMergeMove.Aux(new double[3], u.beta(), u.logS2()));
                    double[] x = {1, 0.4, -0.8};
                    double[] before = new double[k];
                    double[] after = new double[k + 1];
                    theta.gateLogits(x, before);
                    even.gateLogits(x, after);
                    double pBefore = Math.exp(before[parent] - Params.logSumExp(before, k));
                    double lse = Params.logSumExp(after, k + 1);
                    double pAfter = Math.exp(after[kept] - lse) + Math.exp(after[inserted] - lse);
                    assertEquals(pBefore, pAfter, 1e-12);
                }
            }
        }
    }
}
