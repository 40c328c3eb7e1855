package bmoe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What scripts/build-ptx put into the jar (target/classes/cuda) when nvcc was on the PATH: a module for every
 * (d, K) of the grid, each a fatbin with compute_75 PTX and sm_90 code; and that a kernel which does not
 * compile under nvcc fails the build with the variant and nvcc's message. Skipped without nvcc, where the
 * build has no CUDA kernels and says so.
 */
class CudaModulesTest {
    private static final int FATBIN_MAGIC = 0xBA55ED50;
    private static final int KIND_PTX = 1;
    private static final int KIND_ELF = 2;

    static boolean nvccOnPath() {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "nvcc"))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void theJarHoldsAModuleWithPtxAndSm90CodeForEveryShapeOfTheGrid() throws IOException {
        assumeTrue(nvccOnPath(), "skipped: nvcc is not on the PATH, so this build has no CUDA kernels");
        assertNull(CudaBackend.kernelsMissing(), "nvcc is on the PATH but the build packaged no CUDA kernels");
        for (int d = CudaKernels.MIN_DIM; d <= CudaKernels.MAX_DIM; d++) {
            for (int k = CudaKernels.MIN_EXPERTS; k <= CudaKernels.MAX_EXPERTS; k++) {
                String name = CudaKernels.moduleResource(d, k);
                byte[] image = CudaBackend.readResource(name);
                List<int[]> entries = fatbinEntries(image, name);
                assertTrue(entries.stream().anyMatch(e -> e[0] == KIND_PTX && e[1] == 75), name + ": no compute_75 PTX");
                assertTrue(entries.stream().anyMatch(e -> e[0] == KIND_ELF && e[1] == 90), name + ": no sm_90 code");
            }
        }
        // and the test-only probes of CudaTwinTest (scripts/build-ptx --probes, target/test-classes)
        List<int[]> probes = fatbinEntries(CudaBackend.readResource("cuda/probes.fatbin"), "probes.fatbin");
        assertTrue(probes.stream().anyMatch(e -> e[0] == KIND_ELF && e[1] == 90), "probes: no sm_90 code");
    }

    @Test
    void withoutTheModulesTheBackendSaysWhyInOneLine() {
        assertEquals("this build has no CUDA kernels (nvcc was not on the PATH at build time)", CudaBackend.NO_KERNELS);
        if (!nvccOnPath()) {
            assertEquals(CudaBackend.NO_KERNELS, CudaBackend.kernelsMissing());
        }
    }

    /** A kernel that nvcc rejects must fail the build, naming the shape and quoting nvcc (one variant: seconds). */
    @Test
    void aKernelThatDoesNotCompileFailsTheBuild(@TempDir Path tmp) throws Exception {
        assumeTrue(nvccOnPath(), "skipped: nvcc is not on the PATH");
        Path kernels = tmp.resolve("kernels");
        Files.createDirectories(kernels);
        try (var files = Files.list(Path.of("kernels"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, kernels.resolve(f.getFileName()));
            }
        }
        Path allocate = kernels.resolve("allocate.cl");
        Files.writeString(allocate, Files.readString(allocate).replace("z[i] = (uchar) pick;", "z[i] = (uchar) pik;"));
        ProcessBuilder pb = new ProcessBuilder("bash", "scripts/build-ptx", tmp.resolve("out/cuda").toString(),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), System.getProperty("java.class.path"))
                .redirectErrorStream(true);
        pb.environment().put("BMOE_KERNELS_DIR", kernels.toString());
        pb.environment().put("BMOE_CUDA_VARIANTS", "2 2");
        Process build = pb.start();
        build.getOutputStream().close();
        String output;
        try (var in = build.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(build.waitFor(120, TimeUnit.SECONDS), "build-ptx did not finish");
        assertNotEquals(0, build.exitValue(), "a broken kernel built: " + output);
        assertTrue(output.contains("do not compile for d = 2, K = 2"), output);
        assertTrue(output.contains("\"pik\" is undefined"), output);
        assertTrue(!Files.exists(tmp.resolve("out/cuda")), "a failed build left modules behind");
    }

    /** (kind, arch) of each entry of a fatbin: header {magic, version, header size, size}, then the entries. */
    static List<int[]> fatbinEntries(byte[] image, String name) {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(FATBIN_MAGIC, b.getInt(0), name + " is not a fatbin");
        int headerSize = b.getShort(6) & 0xffff;
        long size = b.getLong(8);
        assertEquals(image.length, headerSize + size, name + ": size in the header");
        List<int[]> entries = new ArrayList<>();
        long at = headerSize;
        while (at < headerSize + size) {
            int p = (int) at;
            int kind = b.getShort(p) & 0xffff;
            int entryHeader = b.getInt(p + 4);
            long entrySize = b.getLong(p + 8);
            int arch = b.getInt(p + 28);
            entries.add(new int[] {kind, arch});
            at += entryHeader + entrySize;
        }
        return entries;
    }
}
