package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import bmoe.backend.Backends;
import bmoe.backend.cuda.CudaBackend;
import bmoe.backend.opencl.OpenClBackend;
import bmoe.backend.opencl.OpenClTesting;
import bmoe.io.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        assumeFalse(Backends.MACHINE.cudaDevice().isPresent(), "this machine has a CUDA device");
        Path run = dir.resolve("run");
        CliRun r = fit(run);
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("bmoe: no CUDA device ("), r.err());
        assertTrue(r.err().contains(" and no OpenCL GPU ("), r.err());
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

    /** Without a CUDA driver (or a build without CUDA kernels) devices says so in one line and goes on to OpenCL. */
    @Test
    void devicesWithoutCudaSaysWhyInOneLine() {
        assumeFalse(Backends.MACHINE.cudaDevice().isPresent(), "this machine has a CUDA device");
        CliRun r = CliRun.of("devices");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).startsWith("no CUDA: "), r.out());
        assertTrue(lines.get(0).equals("no CUDA: " + CudaBackend.NO_KERNELS)
                || lines.get(0).startsWith("no CUDA: no CUDA driver") || lines.get(0).startsWith("no CUDA: no CUDA device"),
                r.out());
        assertTrue(lines.get(lines.size() - 1).startsWith("--backend auto uses: "), r.out());
    }

    @Test
    void aBadBackendNameIsOneLine() {
        CliRun r = CliRun.of("demo", "--backend", "gpu");
        assertEquals(2, r.code());
        assertEquals("bmoe: --backend must be auto, cpu, opencl or cuda, got 'gpu'", r.err().strip());
    }
}
