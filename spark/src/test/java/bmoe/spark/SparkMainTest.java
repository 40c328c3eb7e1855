package bmoe.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** SparkMain's own options and refusals, each decided before a SparkContext would start. */
class SparkMainTest {
    private record Outcome(int code, String out, String err) {}

    private static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = SparkMain.run(args, o, e);
        }
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anotherBackendIsRefusedInOneLine() {
        for (String[] args : new String[][] {{"fit", "--backend", "cpu", "--data", "d.csv"},
            {"fit", "--device=0", "--data", "d.csv"}}) {
            Outcome o = run(args);
            assertEquals(2, o.code());
            assertEquals(1, o.err().lines().count(), o.err());
            assertTrue(o.err().startsWith("bmoe: --") && o.err().contains("does not apply to the spark engine"), o.err());
        }
    }

    @Test
    void onlyTheSparkEngineIsTaken() {
        Outcome o = run("fit", "--engine", "cpu", "--data", "d.csv");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("--engine cpu does not apply"), o.err());
        assertEquals(2, run("fit", "--master").code());
        for (String bad : new String[] {"0", "x"}) {
            Outcome o2 = run("fit", "--blocks-per-partition=" + bad, "--data", "d.csv");
            assertEquals(2, o2.code());
            assertTrue(o2.err().contains("--blocks-per-partition must be an integer >= 1"), o2.err());
        }
    }

    /** Commands other than fit, and fit's help, are bmoe's own: no Spark starts for them. */
    @Test
    void otherCommandsAreBmoesOwn() {
        Outcome help = run("fit", "--engine", "spark", "--help");
        assertEquals(0, help.code(), help.err());
        assertTrue(help.out().contains("--block-size"), help.out());
        Outcome version = run("--version");
        assertEquals(0, version.code());
        assertTrue(version.out().startsWith("bmoe "), version.out());
        Outcome bad = run("summary", "--run", "/nonexistent/run");
        assertEquals(2, bad.code(), bad.err());
    }
}
