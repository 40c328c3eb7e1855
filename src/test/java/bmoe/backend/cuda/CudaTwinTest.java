package bmoe.backend.cuda;

import bmoe.backend.Backend;
import bmoe.backend.DeviceTwinTest;
import com.sun.jna.Memory;
import java.util.List;

/**
 * {@link DeviceTwinTest} on the CUDA backend, with the same tolerances and equalities as on OpenCL; the probe kernels
 * (src/test/kernels/probes.cl) come built for CUDA by scripts/build-ptx --probes. Skipped with "skipped: no CUDA
 * device" without one (fails instead under BMOE_REQUIRE_CUDA=1).
 */
class CudaTwinTest extends DeviceTwinTest {
    /** Threads per block of the probe launches; every probe buffer is padded to a multiple of it. */
    private static final int PROBE_BLOCK = 64;

    @Override
    protected String name() {
        return "CUDA";
    }

    @Override
    protected Backend device(int blockSize) {
        return CudaTesting.backend(blockSize);
    }

    @Override
    protected int[] philoxProbe(int n, int k0, int k1, int sweep, int step) {
        int[] device = new int[4 * n];
        try (Probe probe = new Probe()) {
            long out = probe.output(4L * n * Integer.BYTES);
            probe.run("philoxProbe", n, k0, k1, sweep, step, out);
            probe.read(out, n * 4L * Integer.BYTES).read(0, device, 0, device.length);
        }
        return device;
    }

    @Override
    protected double[] pgProbe(double[] c, int k0, int k1, int sweep, int step) {
        int n = c.length;
        double[] device = new double[n];
        try (Probe probe = new Probe()) {
            long in = probe.input(c);
            long out = probe.output((long) n * Double.BYTES);
            probe.run("pgProbe", n, in, k0, k1, sweep, step, out);
            probe.read(out, (long) n * Double.BYTES).read(0, device, 0, n);
        }
        return device;
    }

    @Override
    protected double[] erfcxProbe(double[] x) {
        int n = x.length;
        double[] device = new double[n];
        try (Probe probe = new Probe()) {
            long in = probe.input(x);
            long out = probe.output((long) n * Double.BYTES);
            probe.run("erfcxProbe", n, in, out);
            probe.read(out, (long) n * Double.BYTES).read(0, device, 0, n);
        }
        return device;
    }

    /** The probe module (target/test-classes/cuda/probes.fatbin, built by scripts/build-ptx --probes) on the test device. */
    private static final class Probe implements AutoCloseable {
        private final CudaDriver driver;
        private final CudaDevices.Device device;
        private final long module;
        private final List<Long> buffers = new java.util.ArrayList<>();
        private Memory host;

        Probe() {
            int index = CudaTesting.deviceIndex();
            driver = CudaDriver.load();
            device = CudaDevices.list().get(index);
            driver.setCurrent(driver.retainPrimaryContext(device.handle()));
            module = driver.loadModule(CudaBackend.readResource("cuda/probes.fatbin"), "probes.fatbin");
        }

        private static long padded(long bytes, int elementBytes) {
            long elements = bytes / elementBytes;
            return (elements + PROBE_BLOCK - 1) / PROBE_BLOCK * PROBE_BLOCK * elementBytes;
        }

        /** The values, padded with zeros to whole blocks (the probes have no bounds check, as under OpenCL). */
        long input(double[] values) {
            long bytes = padded((long) values.length * Double.BYTES, Double.BYTES);
            long p = output(bytes);
            try (Memory m = new Memory(bytes)) {
                m.clear();
                m.write(0, values, 0, values.length);
                driver.copyToDevice(p, m, bytes);
                driver.synchronize();
            }
            return p;
        }

        long output(long bytes) {
            long p = driver.alloc(padded(bytes, 4));
            buffers.add(p);
            return p;
        }

        /** Runs the probe over n threads (whole blocks); arguments in order: Integer values, Long device pointers. */
        void run(String name, int n, Object... args) {
            CudaDriver.KernelArgs a = new CudaDriver.KernelArgs(args.length);
            for (int i = 0; i < args.length; i++) {
                if (args[i] instanceof Long p) {
                    a.setPointer(i, p);
                } else {
                    a.setInt(i, (Integer) args[i]);
                }
            }
            int blocks = (n + PROBE_BLOCK - 1) / PROBE_BLOCK;
            driver.launch(driver.function(module, name), blocks, PROBE_BLOCK, 0, 0L, a, name);
            driver.synchronize();
        }

        /** The first bytes of a device buffer, in host memory valid until the next read or close. */
        Memory read(long buffer, long bytes) {
            if (host != null) {
                host.close();
            }
            host = new Memory(bytes);
            driver.copyToHostAsync(host, buffer, bytes, 0L);
            driver.synchronize();
            return host;
        }

        @Override
        public void close() {
            buffers.forEach(driver::free);
            driver.unloadModule(module);
            driver.releasePrimaryContext(device.handle());
            if (host != null) {
                host.close();
            }
        }
    }
}
