package bmoe.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.io.UserError;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.sampler.Chain;
import bmoe.sampler.ChainState;
import bmoe.sampler.RunConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
