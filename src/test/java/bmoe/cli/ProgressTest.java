package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.sampler.ChainState;
import bmoe.sampler.RunConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The progress line: its text (a pure function), when it shows, and how it ends. */
class ProgressTest {
    private static final RunConfig CFG = new RunConfig(2, 2, 100, 900, 1, 1, Priors.DEFAULT);

    @Test
    void lineHasCountsPhaseRateEtaAndBackend() {
        // 1200 of 2000 done, all in this session, in 14 s: 85.714 sweeps/s; 800 left take 9.33 s
        assertEquals("sweep 1200/2000 (sampling), 85.7 sweeps/s, ETA 0:09, backend cpu (2 threads)",
                Progress.format(1200, 2000, false, 1200, 14.0, "cpu (2 threads)"));
        assertEquals("sweep 150/2000 (warm-up), 10.0 sweeps/s, ETA 3:05, backend cpu (1 thread)",
                Progress.format(150, 2000, true, 150, 15.0, "cpu (1 thread)"));
    }

    @Test
    void rateCountsOnlyThisSessionsSweeps() {
        // resumed at 1000 of 2000; 100 sweeps in 10 s here: 10 sweeps/s, not 110, and 900 left take 1:30
        assertEquals("sweep 1100/2000 (sampling), 10.0 sweeps/s, ETA 1:30, backend cpu",
                Progress.format(1100, 2000, false, 100, 10.0, "cpu"));
    }

    @Test
    void beforeTheFirstSweepTheEtaIsUnknown() {
        assertEquals("sweep 0/2000 (warm-up), 0.00 sweeps/s, ETA ?, backend cpu",
                Progress.format(0, 2000, true, 0, 0.0, "cpu"));
        assertEquals("sweep 500/2000 (warm-up), 0.00 sweeps/s, ETA ?, backend cpu",
                Progress.format(500, 2000, true, 0, 3.0, "cpu"));
    }

    @Test
    void whileChainsChooseTheirStartsTheLineSaysHowManyAreLeft() {
        assertEquals("sweep 0/2000 (warm-up; choosing starts, 3 of 4 chains left), 0.00 sweeps/s, ETA ?, backend cpu",
                Progress.format(0, 2000, true, 0, 5.0, "cpu", 3, 4));
        assertEquals("sweep 0/3 (warm-up; choosing starts, 1 of 1 chain left), 0.00 sweeps/s, ETA ?, backend cpu",
                Progress.format(0, 3, true, 0, 5.0, "cpu", 1, 1));
    }

    @Test
    void aSearchingChainShowsUntilItsStartIsChosen() {
        RunConfig searching = new RunConfig(2, 2, 100, 900, 1, 1, Priors.DEFAULT, bmoe.sampler.GateMethod.MALA,
                bmoe.sampler.GateMetric.FROZEN, RunConfig.AUTO_MOVES, new bmoe.sampler.StartSearch.Plan(4, 10));
        StringWriter err = new StringWriter();
        try (Progress p = Progress.start(new PrintWriter(err), Progress.Mode.LINES, searching, "cpu",
                Arrays.asList(null, state(40)))) {
            // chain 2 was resumed at sweep 40 (no search); chain 1 is still searching when the line is drawn
        }
        assertTrue(err.toString().startsWith("sweep 40/2000 (warm-up; choosing starts, 1 of 2 chains left), "),
                err.toString());
        StringWriter after = new StringWriter();
        try (Progress p = Progress.start(new PrintWriter(after), Progress.Mode.LINES, searching, "cpu",
                Arrays.asList(null, state(40)))) {
            p.startChosen(0);
        }
        assertTrue(after.toString().startsWith("sweep 40/2000 (warm-up), "), after.toString());
    }

    @ParameterizedTest
    @CsvSource({"0, 0:00", "0.4, 0:00", "9.4, 0:09", "59.6, 1:00", "61, 1:01", "3599, 59:59", "3600, 1:00:00",
        "3661, 1:01:01", "360000, 100:00:00", "NaN, ?", "Infinity, ?", "-1, ?"})
    void durations(double seconds, String text) {
        assertEquals(text, Progress.duration(seconds));
    }

    @ParameterizedTest
    @CsvSource({"0, 0.00", "0.044, 0.04", "0.5, 0.50", "1, 1.0", "85.34, 85.3", "999.94, 999.9", "1000, 1000",
        "12345.6, 12346"})
    void rates(double perSecond, String text) {
        assertEquals(text, Progress.rate(perSecond));
    }

    /** --progress forces it on (plain lines without a terminal), --quiet turns it off, else a terminal decides. */
    @ParameterizedTest
    @CsvSource({
        // quiet, forced, interactive, mode
        "false, false, true,  IN_PLACE",
        "false, false, false, OFF",
        "true,  false, true,  OFF",
        "true,  false, false, OFF",
        "false, true,  true,  IN_PLACE",
        "false, true,  false, LINES",
        "true,  true,  true,  IN_PLACE",
        "true,  true,  false, LINES"})
    void whenItShows(boolean quiet, boolean forced, boolean interactive, Progress.Mode mode) {
        assertEquals(mode, Progress.mode(quiet, forced, interactive));
    }

    @Test
    void testsAreNotInteractive() {
        // surefire runs without a console, so no test ever sees the line unless it asks for it
        assertFalse(Progress.interactive());
    }

    @Test
    void inPlaceLineEndsWithANewline() {
        StringWriter err = new StringWriter();
        try (Progress p = start(err, Progress.Mode.IN_PLACE)) {
            p.sweepDone(0, state(1000));
            p.sweepDone(1, state(50));
        }
        String text = err.toString();
        assertTrue(text.startsWith("\r") && text.endsWith(System.lineSeparator()), text);
        String last = text.substring(text.lastIndexOf('\r') + 1).strip();
        assertTrue(last.matches("sweep 1050/2000 \\(warm-up\\), [0-9.]+ sweeps/s, ETA .*, backend cpu \\(2 threads\\)"),
                last);
    }

    @Test
    void plainLinesForLogs() {
        StringWriter err = new StringWriter();
        try (Progress p = start(err, Progress.Mode.LINES)) {
            p.sweepDone(0, state(1000));
            p.sweepDone(1, state(1000));
        }
        List<String> lines = err.toString().lines().toList();
        assertEquals(1, lines.size(), "one final line (the next would come after 10 s)");
        assertTrue(lines.get(0).startsWith("sweep 2000/2000 (sampling), "), lines.get(0));
        assertFalse(err.toString().contains("\r"));
    }

    @Test
    void offPrintsNothing() {
        StringWriter err = new StringWriter();
        try (Progress p = start(err, Progress.Mode.OFF)) {
            p.sweepDone(0, state(1000));
        }
        assertEquals("", err.toString());
    }

    private static Progress start(StringWriter err, Progress.Mode mode) {
        return Progress.start(new PrintWriter(err), mode, CFG, "cpu (2 threads)", Arrays.asList(null, null));
    }

    private static ChainState state(int sweep) {
        return new ChainState(new Params(new double[1][2], new double[2][2], new double[] {1, 1}), sweep, 0);
    }

    @Test
    void aFitsReportGivesSecondsASweepWhenSweepsTakeLongerThanASecond() {
        assertEquals("525 sweeps/s", FitRun.speed(525.2));
        assertEquals("1 sweeps/s", FitRun.speed(1.0));
        // 3 sweeps of n = 1e8 in 435 s
        assertEquals("145.0 s a sweep", FitRun.speed(3 / 435.0));
    }
}
