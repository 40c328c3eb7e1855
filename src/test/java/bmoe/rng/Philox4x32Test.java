package bmoe.rng;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Philox4x32Test {

    /** Random123 tests/kat_vectors, the three "philox4x32 10" lines: counter[4], key[2] -> output[4]. */
    private static final int[][] KAT = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {-1, -1, -1, -1, -1, -1, 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0,
            0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
    };

    @Test
    void knownAnswers() {
        int[] out = new int[4];
        for (int[] v : KAT) {
            Philox4x32.block(v[0], v[1], v[2], v[3], v[4], v[5], out);
            assertArrayEquals(new int[] {v[6], v[7], v[8], v[9]}, out);
        }
    }

    @Test
    void uniformsAreInOpenUnitInterval() {
        assertEquals(0x1.0p-53, Philox4x32.toOpenUnit(0, 0));
        assertEquals(1.0 - 0x1.0p-53, Philox4x32.toOpenUnit(-1, -1));
        assertTrue(Philox4x32.toOpenUnit(-1, -1) < 1.0);
    }

    @Test
    void streamIsAPureFunctionOfItsCounter() {
        RngKey key = new RngKey(12345, 2);
        RngStream a = key.stream(7, 3, Step.ALLOCATE);
        double[] first = {a.uniform(), a.uniform(), a.uniform()};
        RngStream b = new RngStream(key);
        b.reset(99, 1, Step.EXPERT).uniform();
        b.reset(7, 3, Step.ALLOCATE);
        assertArrayEquals(first, new double[] {b.uniform(), b.uniform(), b.uniform()});
        // block 0's words give the first two uniforms
        int[] w = new int[4];
        Philox4x32.block(7, 3, Step.ALLOCATE, 0, 12345, 2, w);
        assertEquals(Philox4x32.toOpenUnit(w[0], w[1]), first[0]);
        assertEquals(Philox4x32.toOpenUnit(w[2], w[3]), first[1]);
    }

    @Test
    void chainsAndStepsGetDifferentStreams() {
        double a = new RngKey(1, 0).stream(0, 1, Step.ALLOCATE).uniform();
        assertNotEquals(a, new RngKey(1, 1).stream(0, 1, Step.ALLOCATE).uniform());
        assertNotEquals(a, new RngKey(1, 0).stream(0, 1, Step.pg(0)).uniform());
        assertNotEquals(new RngKey(1, 0).stream(0, 1, Step.pg(0)).uniform(),
                new RngKey(1, 0).stream(0, 1, Step.pg(1)).uniform());
    }
}
