package bmoe.rng;

/**
 * A sequence of uniforms for one (key, index, sweep, step): block j of the sequence is Philox at counter
 * (index, sweep, step, j), each block giving two 53-bit uniforms.
 *
 * <p>Mutable and cheap; never shared between threads. Hot loops keep one per thread and
 * {@link #reset} it per observation. The distributions built on it ({@link Draws}) consume uniforms in a
 * fixed order, so a draw depends only on its counter, not on which thread or device computed it.
 */
public final class RngStream {
    private final int k0;
    private final int k1;
    private int c0;
    private int c1;
    private int c2;
    private int block;
    private final int[] words = new int[4];
    private int used;

    /** A stream under this key, positioned at (0, 0, 0); call {@link #reset} before use. */
    public RngStream(RngKey key) {
        this.k0 = key.k0();
        this.k1 = key.k1();
        reset(0, 0, 0);
    }

    /** Moves to the start of the stream (index, sweep, step). */
    public RngStream reset(int index, int sweep, int step) {
        this.c0 = index;
        this.c1 = sweep;
        this.c2 = step;
        this.block = 0;
        this.used = 2;
        return this;
    }

    /** A uniform in the open interval (0, 1). */
    public double uniform() {
        if (used == 2) {
            Philox4x32.block(c0, c1, c2, block++, k0, k1, words);
            used = 0;
        }
        double u = used == 0 ? Philox4x32.toOpenUnit(words[0], words[1]) : Philox4x32.toOpenUnit(words[2], words[3]);
        used++;
        return u;
    }
}
