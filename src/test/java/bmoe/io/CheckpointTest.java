package bmoe.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.io.UserError;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.sampler.Acceptance;
import bmoe.sampler.Chain;
import bmoe.sampler.ChainState;
import bmoe.sampler.RunConfig;
import bmoe.sampler.StepSize;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Checkpoints keep every bit of the parameters; part files append whole rows and cut back to a length. */
class CheckpointTest {
    private static final RunConfig CFG = new RunConfig(2, 2, 10, 20, 2, 1, Priors.DEFAULT);

    @TempDir
    Path dir;

    @Test
    void parametersRoundTripBitForBit() {
        // values whose shortest decimal form is long, the extremes, a subnormal and negative zero
        double[][] w = {{0.1 + 0.2, -Math.PI}};
        double[][] beta = {{Double.MIN_VALUE, -0.0}, {Double.MAX_VALUE, Math.nextUp(1.0)}};
        double[] s2 = {Math.ulp(1e-300), 1.0 / 3};
        Checkpoint cp = new Checkpoint(new ChainState(new Params(w, beta, s2), 17, 4), CFG.keptThrough(17), 321);
        Path file = dir.resolve("chain-2.json");
        cp.write(file, 1);
        Checkpoint back = Checkpoint.read(file, 1, CFG, 2);
        assertEquals(17, back.state().sweep());
        assertEquals(4, back.state().clampedResiduals());
        assertEquals(3, back.keptDraws());
        assertEquals(321, back.partBytes());
        assertBits(w[0], back.state().params().w()[0]);
        assertBits(beta[0], back.state().params().beta()[0]);
        assertBits(beta[1], back.state().params().beta()[1]);
        assertBits(s2, back.state().params().s2());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void gateMoveStateRoundTripsBitForBit(boolean frozen) {
        // what the collapsed gate move's future depends on: a step size mid-adaptation (frozen = false) or
        // frozen, with values whose shortest decimal form is long, a subnormal, negative zero and a count past
        // 2^31 (a long chain's proposals)
        StepSize step = new StepSize(Math.log(0.83), -(0.1 + 0.2), Double.MIN_VALUE, 123_456, frozen);
        Acceptance acc = new Acceptance(3_000_000_000L, 2_100_000_001L, 2_099_999_999.0 + 1.0 / 3);
        Params p = new Params(new double[1][2], new double[2][2], new double[] {1, 1});
        Path file = dir.resolve("chain-1.json");
        double[][] metric = {{Math.PI, -0.1 - 0.2}, {-0.1 - 0.2, Double.MIN_VALUE}};
        new Checkpoint(new ChainState(p, 17, 0, step, acc, frozen ? metric : null), CFG.keptThrough(17), 50)
                .write(file, 0);
        ChainState back = Checkpoint.read(file, 0, CFG, 2).state();
        if (frozen) {
            assertBits(metric[0], back.frozenMetric()[0]);
            assertBits(metric[1], back.frozenMetric()[1]);
        } else {
            assertEquals(null, back.frozenMetric());
        }
        assertEquals(step, back.stepSize(), "records compare doubles by their bits");
        assertBits(new double[] {step.logEps(), step.logEpsBar(), step.hBar()},
                new double[] {back.stepSize().logEps(), back.stepSize().logEpsBar(), back.stepSize().hBar()});
        assertEquals(123_456, back.stepSize().adaptations());
        assertEquals(frozen, back.stepSize().frozen());
        assertEquals(acc.proposed(), back.acceptance().proposed());
        assertEquals(acc.accepted(), back.acceptance().accepted());
        assertBits(new double[] {acc.sumAcceptProb()}, new double[] {back.acceptance().sumAcceptProb()});

        // negative zero survives as well (h-bar starts at 0 and can come back to a signed zero)
        StepSize zero = new StepSize(-0.0, 0.0, -0.0, 1, false);
        new Checkpoint(new ChainState(p, 17, 0, zero, Acceptance.NONE, null), CFG.keptThrough(17), 50).write(file, 0);
        StepSize zeroBack = Checkpoint.read(file, 0, CFG, 2).state().stepSize();
        assertBits(new double[] {-0.0, 0.0, -0.0},
                new double[] {zeroBack.logEps(), zeroBack.logEpsBar(), zeroBack.hBar()});
    }

    @Test
    void aCheckpointWithoutTheGateMoveIsRefused() throws IOException {
        Params p = new Params(new double[1][2], new double[2][2], new double[] {1, 1});
        Path file = dir.resolve("chain-1.json");
        new Checkpoint(new ChainState(p, 17, 0), 3, 100).write(file, 0);
        String text = Files.readString(file);
        // the format before the gate move (no step size to go on with) and a file that lost its gate_move
        Files.writeString(file, text.replace("bmoe checkpoint 2", "bmoe checkpoint 1"));
        UserError old = assertThrows(UserError.class, () -> Checkpoint.read(file, 0, CFG, 2));
        assertTrue(old.getMessage().contains("not a bmoe checkpoint"), old.getMessage());
        Files.writeString(file, text.replace("\"gate_move\"", "\"gate_moved\""));
        UserError none = assertThrows(UserError.class, () -> Checkpoint.read(file, 0, CFG, 2));
        assertTrue(none.getMessage().contains("no gate_move"), none.getMessage());
        Files.writeString(file, text.replace("\"log_step\"", "\"log_stp\""));
        UserError part = assertThrows(UserError.class, () -> Checkpoint.read(file, 0, CFG, 2));
        assertTrue(part.getMessage().contains("log_step"), part.getMessage());
    }

    @Test
    void aCheckpointOfAnotherChainOrRunIsRefused() {
        Params p = new Params(new double[1][2], new double[2][2], new double[] {1, 1});
        Path file = dir.resolve("chain-1.json");
        new Checkpoint(new ChainState(p, 17, 0), 3, 100).write(file, 0);
        UserError other = assertThrows(UserError.class, () -> Checkpoint.read(file, 1, CFG, 2));
        assertTrue(other.getMessage().contains("chain 1's"), other.getMessage());
        RunConfig shorter = new RunConfig(2, 2, 5, 6, 2, 1, Priors.DEFAULT);
        assertThrows(UserError.class, () -> Checkpoint.read(file, 0, shorter, 2), "sweep past the run's end");
        assertThrows(UserError.class, () -> Checkpoint.read(file, 0, CFG, 3), "other dimension");
        new Checkpoint(new ChainState(p, 17, 0), 2, 100).write(file, 0);
        assertThrows(UserError.class, () -> Checkpoint.read(file, 0, CFG, 2), "kept_draws that sweep 17 does not keep");
    }

    @Test
    void partFileAppendsWholeRowsAndCutsBack() throws IOException {
        Path path = dir.resolve("chain-1.part.csv");
        Chain.Draw a = new Chain.Draw(2, -300.25, 2, new double[] {1, 2, 3, 4, 5, 6, 7, 8});
        Chain.Draw b = new Chain.Draw(4, -299.5, 1, new double[] {0.1, 2, 3, 4, 5, 6, 7, 1e-300});
        long afterFirst;
        try (PartFile part = PartFile.open(path, 0, 0)) {
            part.append(a);
            afterFirst = part.length();
            part.append(b);
            assertEquals(Files.size(path), part.length(), "nothing waits in a buffer");
        }
        assertEquals("1,2,-300.25,2,1.0,2.0,3.0,4.0,5.0,6.0,7.0,8.0\n1,4,-299.5,1,0.1,2.0,3.0,4.0,5.0,6.0,7.0,1.0E-300\n",
                Files.readString(path, StandardCharsets.UTF_8));
        Files.writeString(path, Files.readString(path) + "1,6,-29", StandardCharsets.UTF_8); // a torn row
        try (PartFile part = PartFile.open(path, 0, afterFirst)) {
            part.append(b);
        }
        RunConfig one = new RunConfig(2, 1, 0, 4, 2, 1, Priors.DEFAULT);
        Chain.Result r = PartFile.read(path, 0, one, 1, null);
        assertArrayEquals(new int[] {2, 4}, r.iterations());
        assertArrayEquals(new double[] {-300.25, -299.5}, r.logLikelihood(), 0.0);
        assertArrayEquals(new int[] {2, 1}, r.nonEmpty());
        assertArrayEquals(b.values(), r.draws()[1], 0.0);
        assertThrows(UserError.class, () -> PartFile.open(path, 0, Files.size(path) + 1), "shorter than its checkpoint");
        RunConfig more = new RunConfig(2, 1, 0, 6, 2, 1, Priors.DEFAULT);
        assertThrows(UserError.class, () -> PartFile.read(path, 0, more, 1, null), "a draw missing");
        assertThrows(UserError.class, () -> PartFile.read(path, 1, one, 1, null), "another chain's rows");
    }

    private static void assertBits(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        for (int j = 0; j < expected.length; j++) {
            assertEquals(Double.doubleToRawLongBits(expected[j]), Double.doubleToRawLongBits(actual[j]),
                    expected[j] + " vs " + actual[j]);
        }
    }
}
