package bmoe.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.airlift.compress.snappy.SnappyCompressor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** bmoe's snappy decoder against aircompressor's encoder: the same bytes back, and one-line errors. */
class PureJavaCodecsTest {
    private static byte[] compress(byte[] data) {
        SnappyCompressor c = new SnappyCompressor();
        byte[] out = new byte[c.maxCompressedLength(data.length)];
        int n = c.compress(data, 0, data.length, out, 0, out.length);
        return Arrays.copyOf(out, n);
    }

    private static byte[] decode(byte[] stored, int length, boolean direct) throws IOException {
        ByteBuffer in = direct ? ByteBuffer.allocateDirect(stored.length + 10) : ByteBuffer.allocate(stored.length + 10);
        in.position(5);
        in.put(stored);
        in.flip().position(5); // the page in the middle of a larger buffer, as in the file window
        byte[] out = new byte[length];
        assertEquals(length, PureJavaCodecs.snappy(in, out, length));
        return out;
    }

    @Test
    void decodesWhatAircompressorEncodes() throws IOException {
        SplittableRandom random = new SplittableRandom(3);
        for (int size : new int[] {0, 1, 59, 60, 61, 255, 256, 4096, 65535, 65536, 65537, 160_000, 1 << 20}) {
            for (int kind = 0; kind < 4; kind++) {
                byte[] data = new byte[size];
                ByteBuffer doubles = ByteBuffer.wrap(data).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < size; i++) {
                    data[i] = switch (kind) {
                        case 0 -> (byte) random.nextInt(); // incompressible: long literals
                        case 1 -> (byte) (i % 7 == 0 ? random.nextInt(3) : 'a'); // runs: overlapping copies
                        case 2 -> (byte) ((i / 13) % 251); // repeats at short and long offsets
                        default -> 0;
                    };
                }
                if (kind == 3) {
                    for (int i = 0; i + 8 <= size; i += 8) {
                        doubles.putDouble(i, random.nextDouble(-1, 1)); // what simulate's pages hold
                    }
                }
                byte[] stored = compress(data);
                assertArrayEquals(data, decode(stored, size, false), "heap, size " + size + " kind " + kind);
                assertArrayEquals(data, decode(stored, size, true), "direct, size " + size + " kind " + kind);
            }
        }
    }

    @Test
    void decodesFourByteOffsetsAndOverlaps() throws IOException {
        // length 12; literal "abc"; copy 2-byte offset 3 length 6 (overlapping); copy 4-byte offset 1 length 3
        byte[] stored = {12, (byte) (2 << 2), 'a', 'b', 'c', (byte) ((6 - 1) << 2 | 2), 3, 0,
            (byte) ((3 - 1) << 2 | 3), 1, 0, 0, 0};
        assertArrayEquals("abcabcabcccc".getBytes(java.nio.charset.StandardCharsets.US_ASCII), decode(stored, 12, false));
    }

    @Test
    void corruptPagesAreIoErrors() {
        byte[] good = compress("the quick brown fox jumps over the lazy dog, the quick brown fox".getBytes(
                java.nio.charset.StandardCharsets.US_ASCII));
        int length = 64;
        for (int cut = 0; cut < good.length; cut++) {
            byte[] truncated = Arrays.copyOf(good, cut);
            assertThrows(IOException.class, () -> decode(truncated, length, false), "cut at " + cut);
        }
        assertThrows(IOException.class, () -> decode(good, length + 1, false), "wrong length");
        byte[] badOffset = {4, (byte) ((4 - 1) << 2 | 2), 9, 0};
        assertThrows(IOException.class, () -> decode(badOffset, 4, false));
        SplittableRandom random = new SplittableRandom(5);
        for (int t = 0; t < 2000; t++) {
            byte[] junk = new byte[1 + random.nextInt(40)];
            random.nextBytes(junk);
            junk[0] = 20;
            try {
                decode(junk, 20, random.nextBoolean());
            } catch (IOException e) {
                // expected for nearly all
            }
        }
    }
}
