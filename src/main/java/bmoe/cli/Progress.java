package bmoe.cli;

import bmoe.sampler.Chain;
import bmoe.sampler.ChainState;
import bmoe.sampler.RunConfig;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The progress line of a fit on stderr,
 * {@code sweep 1200/2000 (warm-up), 85.3 sweeps/s, ETA 0:09, backend cpu (2 threads)}, over all chains
 * together. Chains only record their sweep count (one atomic write per sweep); a timer thread draws the line.
 *
 * <p>When it shows ({@link #mode}): on a terminal it is redrawn in place ('\r') four times a second and ended
 * with a newline; forced on with --progress where there is no terminal (a log file), it is written as a plain
 * line every ten seconds, which a log keeps readable. Java 17 cannot ask whether stderr is a terminal: the
 * test is {@code System.console() != null} (stdin and stdout are a terminal) and TERM is not "dumb", so
 * {@code bmoe fit ... > out.txt} shows no line unless --progress is given.
 */
final class Progress implements Chain.Listener, AutoCloseable {
    /** How the line shows. */
    enum Mode { OFF, IN_PLACE, LINES }

    static final long IN_PLACE_MILLIS = 250;
    static final long LINES_MILLIS = 10_000;

    private final PrintWriter err;
    private final Mode mode;
    private final RunConfig cfg;
    private final String backend;
    private final AtomicIntegerArray done;
    /** 1 for a chain whose start search has not ended yet (a chain resumed, or without a search, has none). */
    private final AtomicIntegerArray choosing;
    private final long startSweeps;
    private final long t0 = System.nanoTime();
    private final ScheduledExecutorService timer;
    private int lastWidth;
    private boolean closed;

    private Progress(PrintWriter err, Mode mode, RunConfig cfg, String backend, List<ChainState> starts) {
        this.err = err;
        this.mode = mode;
        this.cfg = cfg;
        this.backend = backend;
        this.done = new AtomicIntegerArray(cfg.chains());
        this.choosing = new AtomicIntegerArray(cfg.chains());
        long sum = 0;
        for (int c = 0; c < starts.size(); c++) {
            int s = starts.get(c) == null ? 0 : starts.get(c).sweep();
            done.set(c, s);
            sum += s;
            choosing.set(c, starts.get(c) == null && cfg.init().searches() ? 1 : 0);
        }
        this.startSweeps = sum;
        if (mode == Mode.OFF) {
            timer = null;
        } else {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "bmoe-progress");
                t.setDaemon(true);
                return t;
            });
            long period = mode == Mode.IN_PLACE ? IN_PLACE_MILLIS : LINES_MILLIS;
            timer.scheduleAtFixedRate(this::draw, period, period, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Starts the line (nothing shows in mode OFF).
     *
     * @param starts each chain's starting state, null for sweep 0. Not modified.
     */
    static Progress start(PrintWriter err, Mode mode, RunConfig cfg, String backend, List<ChainState> starts) {
        return new Progress(err, mode, cfg, backend, starts);
    }

    /** Whether stderr is (by Java 17's best guess) an interactive terminal; see the class comment. */
    static boolean interactive() {
        return System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }

    /** --progress shows the line anywhere; --quiet hides it; otherwise it shows on a terminal. */
    static Mode mode(boolean quiet, boolean forced, boolean interactive) {
        if (interactive && (forced || !quiet)) {
            return Mode.IN_PLACE;
        }
        return forced ? Mode.LINES : Mode.OFF;
    }

    @Override
    public void sweepDone(int chain, ChainState state) {
        done.set(chain, state.sweep());
    }

    @Override
    public void startChosen(int chain) {
        choosing.set(chain, 0);
    }

    private synchronized void draw() {
        if (closed) {
            return;
        }
        String line = line();
        if (mode == Mode.IN_PLACE) {
            // pad over the tail of a longer previous line
            err.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
            lastWidth = line.length();
        } else {
            err.println(line);
        }
        err.flush();
    }

    private String line() {
        long sum = 0;
        boolean warmingUp = false;
        int searching = 0;
        for (int c = 0; c < done.length(); c++) {
            int s = done.get(c);
            sum += s;
            warmingUp |= s < cfg.warmup();
            searching += choosing.get(c);
        }
        double seconds = (System.nanoTime() - t0) * 1e-9;
        return format(sum, (long) cfg.chains() * cfg.sweepsPerChain(), warmingUp, sum - startSweeps, seconds, backend,
                searching, done.length());
    }

    /** Draws the final line and ends it with a newline; the line stops here even if the fit failed. */
    @Override
    public void close() {
        if (timer == null) {
            return;
        }
        timer.shutdownNow();
        draw();
        synchronized (this) {
            closed = true;
            if (mode == Mode.IN_PLACE) {
                err.println();
                err.flush();
            }
        }
    }

    /**
     * The line's text.
     *
     * @param done sweeps completed, all chains together, including any before a resume
     * @param total sweeps in the whole fit, all chains together
     * @param warmingUp whether some chain is still in its warm-up
     * @param doneHere sweeps completed in this session (the rate counts only these)
     * @param seconds time since this session's sampling began
     */
    static String format(long done, long total, boolean warmingUp, long doneHere, double seconds, String backend) {
        return format(done, total, warmingUp, doneHere, seconds, backend, 0, 0);
    }

    /**
     * As {@link #format(long, long, boolean, long, double, String)}, with {@code searching} of {@code chains} chains
     * still choosing their start (at large n a search takes as long as a sweep or more; the line says so).
     */
    static String format(long done, long total, boolean warmingUp, long doneHere, double seconds, String backend,
                         int searching, int chains) {
        double rate = seconds > 0 ? doneHere / seconds : 0;
        double eta = rate > 0 ? (total - done) / rate : Double.NaN;
        String phase = warmingUp ? "warm-up" : "sampling";
        if (searching > 0) {
            phase += "; choosing starts, " + searching + " of " + chains + (chains == 1 ? " chain" : " chains") + " left";
        }
        return "sweep " + done + "/" + total + " (" + phase + "), " + rate(rate)
                + " sweeps/s, ETA " + duration(eta) + ", backend " + backend;
    }

    /** Sweeps per second: one decimal, two below 1 (slow, large fits), none from 1000 on. */
    static String rate(double perSecond) {
        String pattern = perSecond < 1 ? "%.2f" : perSecond < 1000 ? "%.1f" : "%.0f";
        return String.format(Locale.ROOT, pattern, perSecond);
    }

    /** m:ss below an hour, h:mm:ss above; "?" when unknown (no sweep done yet). */
    static String duration(double seconds) {
        if (!(seconds >= 0) || Double.isInfinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        long h = s / 3600;
        long m = (s % 3600) / 60;
        long sec = s % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, sec)
                : String.format(Locale.ROOT, "%d:%02d", m, sec);
    }
}
