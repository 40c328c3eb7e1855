package bmoe.backend;

import bmoe.backend.cpu.CpuBackend;
import bmoe.backend.opencl.OpenClBackend;
import bmoe.backend.opencl.OpenClDevices;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** Picks and opens the backend a run asked for: --backend auto|cpu|opencl, --device N. */
public final class Backends {
    private Backends() {}

    /** What the user asked for. */
    public enum Choice {
        AUTO, CPU, OPENCL;

        /** The option's spelling. */
        public String option() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Opens the backend. {@code auto} takes the first OpenCL GPU with fp64 (or the device given), else the
     * CPU, and then says why in one line to {@code notice}; {@code opencl} never falls back.
     *
     * @param device an OpenCL device number, or null for the default
     * @param blockSize rows per block (CPU) or per work group (OpenCL), or null for the backend's default
     * @throws BackendUnavailableException when the backend asked for cannot run here
     */
    public static Backend open(Choice choice, Integer device, int threads, Integer blockSize, Consumer<String> notice) {
        if (device != null && choice == Choice.CPU) {
            throw new IllegalArgumentException("--device selects an OpenCL device; it does not apply to --backend cpu");
        }
        switch (choice) {
            case CPU:
                return cpu(threads, blockSize);
            case OPENCL:
                return OpenClBackend.open(device != null ? device : 0, chunk(blockSize));
            default:
                if (device != null) {
                    return OpenClBackend.open(device, chunk(blockSize));
                }
                Optional<OpenClDevices.Device> gpu = OpenClBackend.firstGpu();
                if (gpu.isPresent()) {
                    return OpenClBackend.open(gpu.get().index(), chunk(blockSize));
                }
                notice.accept("no OpenCL GPU (" + whyNoGpu() + "); using the cpu backend, see 'bmoe devices'");
                return cpu(threads, blockSize);
        }
    }

    private static Backend cpu(int threads, Integer blockSize) {
        return new CpuBackend(threads, blockSize != null ? blockSize : CpuBackend.DEFAULT_BLOCK_SIZE);
    }

    private static int chunk(Integer blockSize) {
        return blockSize != null ? blockSize : OpenClBackend.DEFAULT_CHUNK;
    }

    /** One phrase: no library, no device, or which devices there are and why none serves. */
    static String whyNoGpu() {
        try {
            List<OpenClDevices.Device> devices = OpenClDevices.list();
            if (devices.isEmpty()) {
                return "OpenCL lists no device";
            }
            return "OpenCL lists " + devices.stream()
                    .map(d -> d.type() + (d.fp64() ? "" : " without fp64") + " device " + d.index())
                    .collect(Collectors.joining(", "));
        } catch (BackendUnavailableException e) {
            return "no OpenCL library";
        }
    }
}
