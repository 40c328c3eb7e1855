package bmoe.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** --backend auto's rule with fake drivers: CUDA, else an OpenCL GPU with fp64, else the CPU, in one notice line. */
class BackendsAutoTest {
    /** A machine as the probe sees it; records what was asked, so a CUDA pick can be seen not to touch OpenCL. */
    private static final class Fake implements Backends.Probe {
        final String cuda;
        final String whyNoCuda;
        final Backends.OpenClGpu gpu;
        final String whyNoGpu;
        final List<String> asked = new ArrayList<>();

        Fake(String cuda, String whyNoCuda, Backends.OpenClGpu gpu, String whyNoGpu) {
            this.cuda = cuda;
            this.whyNoCuda = whyNoCuda;
            this.gpu = gpu;
            this.whyNoGpu = whyNoGpu;
        }

        @Override
        public Optional<String> cudaDevice() {
            asked.add("cuda");
            return Optional.ofNullable(cuda);
        }

        @Override
        public String whyNoCuda() {
            asked.add("whyNoCuda");
            return whyNoCuda;
        }

        @Override
        public Optional<Backends.OpenClGpu> openClGpu() {
            asked.add("opencl");
            return Optional.ofNullable(gpu);
        }

        @Override
        public String whyNoOpenClGpu() {
            asked.add("whyNoOpenCl");
            return whyNoGpu;
        }
    }

    @Test
    void aCudaDeviceIsTakenFirstAndOpenClIsNotAsked() {
        Fake machine = new Fake("NVIDIA H200", null, new Backends.OpenClGpu(0, "NVIDIA H200"), null);
        Backends.AutoChoice c = Backends.chooseAuto(machine);
        assertEquals(Backends.Choice.CUDA, c.backend());
        assertEquals(0, c.device());
        assertEquals("using cuda device 0 (NVIDIA H200)", c.notice());
        assertEquals(List.of("cuda"), machine.asked);
    }

    @Test
    void withoutCudaAnOpenClGpuIsTakenAndTheNoticeSaysWhyNotCuda() {
        Fake machine = new Fake(null, "no CUDA driver (libcuda.so.1 not found)", new Backends.OpenClGpu(2, "gfx90a"), null);
        Backends.AutoChoice c = Backends.chooseAuto(machine);
        assertEquals(Backends.Choice.OPENCL, c.backend());
        assertEquals(2, c.device());
        assertEquals("using opencl device 2 (gfx90a): no CUDA device (no CUDA driver (libcuda.so.1 not found))",
                c.notice());
        assertFalse(machine.asked.contains("whyNoOpenCl"));
    }

    @Test
    void withNeitherTheCpuIsTakenAndTheNoticeSaysWhyNotEither() {
        Fake machine = new Fake(null, "this build has no CUDA kernels (nvcc was not on the PATH at build time)", null,
                "OpenCL lists CPU device 0");
        Backends.AutoChoice c = Backends.chooseAuto(machine);
        assertEquals(Backends.Choice.CPU, c.backend());
        assertNull(c.deviceName());
        assertEquals("no CUDA device (this build has no CUDA kernels (nvcc was not on the PATH at build time)) and no "
                + "OpenCL GPU (OpenCL lists CPU device 0); using the cpu backend, see 'bmoe devices'", c.notice());
        assertEquals(1, c.notice().lines().count());
    }

    @Test
    void openWithAutoPrintsExactlyTheOneNoticeAndOpensTheCpu() {
        Fake machine = new Fake(null, "no CUDA driver (libcuda.so.1 not found)", null, "no OpenCL library");
        List<String> notices = new ArrayList<>();
        try (Backend b = Backends.open(Backends.Choice.AUTO, null, 1, 64, notices::add, machine)) {
            assertEquals("cpu", b.name());
            assertEquals(64, b.blockSize());
        }
        assertEquals(1, notices.size());
        assertEquals(Backends.chooseAuto(machine).notice(), notices.get(0));
    }

    /**
     * A CUDA device that is listed but cannot be opened here (on this machine: no driver, or no modules in the
     * jar) is passed over for the next choice, and the one notice says why.
     */
    @Test
    void aListedCudaDeviceThatDoesNotOpenFallsBackWithTheReason() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Backends.MACHINE.cudaDevice().isEmpty(),
                "skipped: this machine has a CUDA device, which opens");
        Fake machine = new Fake("a GPU the probe saw", null, null, "OpenCL lists no device");
        List<String> notices = new ArrayList<>();
        try (Backend b = Backends.open(Backends.Choice.AUTO, null, 1, 64, notices::add, machine)) {
            assertEquals("cpu", b.name());
        }
        assertEquals(1, notices.size());
        String why = notices.get(0);
        assertTrue(why.startsWith("no CUDA device (") && why.endsWith(
                " and no OpenCL GPU (OpenCL lists no device); using the cpu backend, see 'bmoe devices'"), why);
    }

    /** This machine's own probe: without a driver (CI, the build machines) CUDA is not taken, with a reason. */
    @Test
    void theMachinesProbeGivesAReasonWithoutCuda() {
        if (Backends.MACHINE.cudaDevice().isEmpty()) {
            String why = Backends.MACHINE.whyNoCuda();
            assertFalse(why.isBlank());
            assertFalse(why.contains("\n"), why);
        }
    }
}
