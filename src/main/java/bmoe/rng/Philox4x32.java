package bmoe.rng;

/**
 * Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw (2011), as in Random123.
 *
 * <p>A block is a pure function of a 128-bit counter and a 64-bit key; there is no state. The OpenCL
 * twin lives in {@code kernels/philox.clh} and must produce the same words.
 */
public final class Philox4x32 {
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;
    private static final int ROUNDS = 10;

    private Philox4x32() {}

    /**
     * Encrypts the counter (c0, c1, c2, c3) under the key (k0, k1).
     *
     * @param out receives the four output words. Modified.
     */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int round = 0; round < ROUNDS; round++) {
            if (round > 0) {
                k0 += W0;
                k1 += W1;
            }
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            int n3 = (int) p0;
            c0 = n0;
            c1 = n1;
            c2 = n2;
            c3 = n3;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }

    /**
     * Maps two 32-bit words to a double in the open interval (0, 1) with 52 random bits:
     * {@code ((hi >>> 6) * 2^26 + (lo >>> 6) + 0.5) * 2^-52}. The extreme values 2^-53 and 1 - 2^-53 are
     * exact in double (53 bits would round the top one to 1), so neither log u nor log(1 - u) is infinite.
     */
    public static double toOpenUnit(int hi, int lo) {
        long bits = ((long) (hi >>> 6) << 26) | (lo >>> 6);
        return (bits + 0.5) * 0x1.0p-52;
    }
}
