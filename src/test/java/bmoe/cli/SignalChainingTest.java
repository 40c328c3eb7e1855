package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.backend.opencl.OpenClTesting;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SignalChainingTest {
    @Test
    void onlyCommandsThatMayLoadOpenClAreRelaunched() {
        assertTrue(Main.mayLoadOpenCl(new String[] {"demo"}));
        assertTrue(Main.mayLoadOpenCl(new String[] {"demo", "--backend", "opencl"}));
        assertTrue(Main.mayLoadOpenCl(new String[] {"fit", "--resume", "run"}));
        assertTrue(Main.mayLoadOpenCl(new String[] {"devices"}));
        assertFalse(Main.mayLoadOpenCl(new String[] {"demo", "--backend", "cpu"}));
        assertFalse(Main.mayLoadOpenCl(new String[] {"demo", "--backend=cpu"}));
        assertFalse(Main.mayLoadOpenCl(new String[] {"demo", "--help"}));
        assertFalse(Main.mayLoadOpenCl(new String[] {"summary", "--run", "run"}));
        assertFalse(Main.mayLoadOpenCl(new String[] {"--version"}));
        assertFalse(Main.mayLoadOpenCl(new String[] {"demo", "--no-such-option"}));
        assertFalse(Main.mayLoadOpenCl(new String[] {}));
    }

    /**
     * The regression behind exit code 139 in CI. Each child starts without libjsig, as a bare 'java -jar' would,
     * relaunches itself with it, loads OpenCL and then takes a safepoint on every core at once. Without the
     * relaunch, 7 of 10 such runs died here (2 cores), so five survivors in a row would happen by luck with
     * probability about 0.3^5 = 0.002 if the fix were gone.
     */
    @Test
    void aBareJvmRelaunchesItselfAndSurvivesSafepointsOnceOpenClIsLoaded() throws Exception {
        OpenClTesting.deviceIndex();
        for (int run = 0; run < 5; run++) {
            Probe p = probe(Map.of(), "3");
            assertEquals(3, p.code(), "run " + run + " (139 is the crash): " + p.output());
            assertTrue(p.output().contains("libjsig: true, survived"), p.output());
        }
    }

    private record Probe(int code, String output) {}

    private static Probe probe(Map<String, String> extraEnv, String exitCode) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), SignalChainingProbe.class.getName(),
                exitCode)).redirectErrorStream(true);
        builder.environment().remove("LD_PRELOAD");
        builder.environment().remove(SignalChaining.RELAUNCHED);
        builder.environment().putAll(extraEnv);
        Process p = builder.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Probe(p.waitFor(), output);
    }
}
