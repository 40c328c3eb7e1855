package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.backend.opencl.OpenClTesting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** fit --chains-per-pass: draws.csv's rows are the same bytes whether the chains share passes over the data or not. */
class ChainsPerPassCliTest {
    @TempDir
    static Path shared;

    private static Path data;

    @TempDir
    Path dir;

    @BeforeAll
    static void simulateOnce() {
        data = shared.resolve("data.csv");
        CliRun r = CliRun.of("simulate", "--preset", "planes3", "--n", "900", "--seed", "4", "--out", data.toString());
        assertEquals(0, r.code(), r.err());
    }

    /** draws.csv without its '#' lines. */
    private static String rows(Path run) throws IOException {
        return Files.readAllLines(run.resolve("draws.csv")).stream().filter(l -> !l.startsWith("#"))
                .collect(Collectors.joining("\n"));
    }

    private Path fit(String name, String backend, String gates, String experts, String perPass) {
        Path out = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("fit", "--data", data.toString(), "-K", experts, "--chains", "3",
                "--warmup", "12", "--draws", "12", "--seed", "5", "--gates", gates, "--backend", backend,
                "--block-size", "128", "--threads", "2", "--quiet", "--out", out.toString()));
        if (backend.equals("opencl")) {
            args.addAll(List.of("--device", Integer.toString(OpenClTesting.deviceIndex())));
        }
        if (perPass != null) {
            args.addAll(List.of("--chains-per-pass", perPass));
        }
        CliRun r = CliRun.of(args.toArray(new String[0]));
        assertEquals(0, r.code(), r.err());
        return out;
    }

    @ParameterizedTest(name = "{0}, --gates {1}, K = {2}")
    @CsvSource({"cpu, mala, 3", "cpu, pg, 3", "cpu, mala, 1", "opencl, mala, 3", "opencl, pg, 3", "opencl, mala, 1"})
    void drawsAreTheSameBytesWithAndWithoutSharedPasses(String backend, String gates, String experts)
            throws IOException {
        String apart = rows(fit("apart", backend, gates, experts, "1"));
        assertTrue(apart.lines().count() > 30, apart);
        assertEquals(apart, rows(fit("together", backend, gates, experts, "3")));
        assertEquals(apart, rows(fit("default", backend, gates, experts, null)));
    }
}
