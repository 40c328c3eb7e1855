package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import bmoe.backend.opencl.OpenClBackend;
import bmoe.backend.opencl.OpenClTesting;
import bmoe.io.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --backend, --device and `bmoe devices` through the real entry point. */
class BackendCliTest {
    @TempDir
    static Path shared;

    private static Path data;

    @TempDir
    Path dir;

    @BeforeAll
    static void simulateOnce() {
        data = shared.resolve("data.csv");
        CliRun r = CliRun.of("simulate", "--preset", "neurips23", "--n", "300", "--seed", "7", "--out", data.toString());
        assertEquals(0, r.code(), r.err());
    }

    private CliRun fit(Path out, String... backend) {
        String[] base = {"fit", "--data", data.toString(), "-K", "2", "--chains", "2", "--warmup", "10", "--draws",
            "10", "--seed", "3", "--threads", "1", "--out", out.toString()};
        String[] args = new String[base.length + backend.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(backend, 0, args, base.length, backend.length);
        return CliRun.of(args);
    }

    private static JsonNode config(Path run) throws IOException {
        return Json.MAPPER.readTree(Files.readString(run.resolve("summary.json"))).get("config");
    }

    @Test
    void autoWithoutAGpuFallsBackToTheCpuWithOneNotice() throws IOException {
        assumeFalse(OpenClBackend.firstGpu().isPresent(), "this machine has an OpenCL GPU");
        Path run = dir.resolve("run");
        CliRun r = fit(run);
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("bmoe: no OpenCL GPU ("), r.err());
        assertTrue(r.err().contains("using the cpu backend"), r.err());
        assertTrue(r.out().contains("backend: cpu"), r.out());
        assertEquals("cpu", config(run).get("backend").asText());
        // --quiet silences the notice too
        CliRun q = fit(dir.resolve("quiet"), "--quiet");
        assertEquals(0, q.code(), q.err());
        assertEquals("", q.err());
    }

    @Test
    void openclFitSaysSoInTheOutputAndTheRecords() throws IOException {
        int device = OpenClTesting.deviceIndex();
        Path run = dir.resolve("run");
        CliRun r = fit(run, "--backend", "opencl", "--device", Integer.toString(device));
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        assertTrue(r.out().contains("backend: opencl (device " + device + ": "), r.out());
        JsonNode config = config(run);
        assertEquals("opencl", config.get("backend").asText());
        assertEquals(Integer.toString(OpenClBackend.DEFAULT_CHUNK), config.get("block_size").asText());
        assertTrue(config.get("backend_detail").asText().startsWith("opencl (device " + device), config.toString());
        String draws = Files.readString(run.resolve("draws.csv"));
        assertTrue(draws.contains("# backend = opencl"), draws.substring(0, 400));
    }

    @Test
    void devicesListsWhatAutoWouldUse() {
        CliRun r = CliRun.of("devices");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        assertTrue(r.out().contains("--backend auto uses: "), r.out());
        if (OpenClBackend.firstGpu().isEmpty()) {
            assertTrue(r.out().contains("--backend auto uses: cpu"), r.out());
        }
        int device = OpenClTesting.deviceIndex();
        assertTrue(r.out().contains("device " + device + ": "), r.out());
    }
}
