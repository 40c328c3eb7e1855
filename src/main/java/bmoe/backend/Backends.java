package bmoe.backend;

import bmoe.backend.cpu.CpuBackend;
import bmoe.backend.cuda.CudaBackend;
import bmoe.backend.cuda.CudaDevices;
import bmoe.backend.opencl.OpenClBackend;
import bmoe.backend.opencl.OpenClDevices;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** Picks and opens the backend a run asked for: --backend auto|cpu|opencl|cuda, --device N. */
public final class Backends {
    private Backends() {}

    /** What the user asked for. */
    public enum Choice {
        AUTO, CPU, OPENCL, CUDA;

        /** The option's spelling. */
        public String option() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What {@code auto} looks at, in its order: a CUDA device, then an OpenCL GPU with fp64. An interface so the
     * choice can be tested with fakes; {@link #MACHINE} asks the drivers.
     */
    public interface Probe {
        /** The first usable CUDA device, or empty. */
        Optional<String> cudaDevice();

        /** Why there is no usable CUDA device (one phrase); called only when {@link #cudaDevice()} is empty. */
        String whyNoCuda();

        /** The first OpenCL GPU with fp64 as (index, name), or empty. */
        Optional<OpenClGpu> openClGpu();

        /** Why there is no OpenCL GPU (one phrase); called only when {@link #openClGpu()} is empty. */
        String whyNoOpenClGpu();
    }

    /** An OpenCL GPU that auto may take. */
    public record OpenClGpu(int index, String name) {}

    /**
     * Auto's decision: the backend, its device (-1 for the CPU) and the device's name (null for the CPU), why the
     * backends before it were not taken (empty for CUDA), and the one notice line.
     */
    public record AutoChoice(Choice backend, int device, String deviceName, String whyNotOthers, String notice) {}

    /**
     * Auto's rule: a CUDA device, else an OpenCL GPU with fp64, else the CPU; the notice names what was taken
     * and why each backend before it was not. Asks the OpenCL probe only when CUDA is not taken, so a CUDA
     * machine never loads OpenCL.
     */
    public static AutoChoice chooseAuto(Probe probe) {
        Optional<String> cuda = probe.cudaDevice();
        if (cuda.isPresent()) {
            return new AutoChoice(Choice.CUDA, 0, cuda.get(), "", "using cuda device 0 (" + cuda.get() + ")");
        }
        String noCuda = "no CUDA device (" + probe.whyNoCuda() + ")";
        Optional<OpenClGpu> gpu = probe.openClGpu();
        if (gpu.isPresent()) {
            return new AutoChoice(Choice.OPENCL, gpu.get().index(), gpu.get().name(), noCuda, "using opencl device "
                    + gpu.get().index() + " (" + gpu.get().name() + "): " + noCuda);
        }
        String none = noCuda + " and no OpenCL GPU (" + probe.whyNoOpenClGpu() + ")";
        return new AutoChoice(Choice.CPU, -1, null, none, none + "; using the cpu backend, see 'bmoe devices'");
    }

    /** The probe with CUDA taken out for the reason given. */
    static Probe withoutCuda(Probe probe, String why) {
        return new Probe() {
            @Override
            public Optional<String> cudaDevice() {
                return Optional.empty();
            }

            @Override
            public String whyNoCuda() {
                return why;
            }

            @Override
            public Optional<OpenClGpu> openClGpu() {
                return probe.openClGpu();
            }

            @Override
            public String whyNoOpenClGpu() {
                return probe.whyNoOpenClGpu();
            }
        };
    }

    /** The probe of this machine's drivers. Nothing of CUDA loads when the jar has no CUDA kernels. */
    public static final Probe MACHINE = new Probe() {
        @Override
        public Optional<String> cudaDevice() {
            if (CudaBackend.kernelsMissing() != null) {
                return Optional.empty();
            }
            try {
                return CudaDevices.list().stream().findFirst().map(CudaDevices.Device::name);
            } catch (BackendUnavailableException e) {
                return Optional.empty();
            }
        }

        @Override
        public String whyNoCuda() {
            String missing = CudaBackend.kernelsMissing();
            if (missing != null) {
                return missing;
            }
            try {
                return CudaDevices.list().isEmpty() ? "the CUDA driver lists none" : "none usable";
            } catch (BackendUnavailableException e) {
                return e.getMessage().replaceFirst("^no CUDA device \\((.*)\\)$", "$1");
            }
        }

        @Override
        public Optional<OpenClGpu> openClGpu() {
            return OpenClBackend.firstGpu().map(d -> new OpenClGpu(d.index(), d.name()));
        }

        @Override
        public String whyNoOpenClGpu() {
            return whyNoGpu();
        }
    };

    /**
     * Opens the backend. {@code auto} takes what {@link #chooseAuto} decides (or, with a device given, that
     * OpenCL device as before) and says it in one line to {@code notice}; {@code opencl} and {@code cuda}
     * never fall back.
     *
     * @param device a device number of the backend asked for (with auto: an OpenCL device), or null for the default
     * @param blockSize rows per block (CPU) or per work group (OpenCL, CUDA), or null for the backend's default
     * @throws BackendUnavailableException when the backend asked for cannot run here
     */
    public static Backend open(Choice choice, Integer device, int threads, Integer blockSize, Consumer<String> notice) {
        return open(choice, device, threads, blockSize, null, notice, MACHINE);
    }

    /**
     * {@link #open(Choice, Integer, int, Integer, Consumer)} with at most {@code chainsPerPass} chains' kernels in one
     * pass over the data (null: the backend's default; see {@link Backend#chainsPerPass}).
     */
    public static Backend open(Choice choice, Integer device, int threads, Integer blockSize, Integer chainsPerPass,
                               Consumer<String> notice) {
        return open(choice, device, threads, blockSize, chainsPerPass, notice, MACHINE);
    }

    static Backend open(Choice choice, Integer device, int threads, Integer blockSize, Consumer<String> notice,
                        Probe probe) {
        return open(choice, device, threads, blockSize, null, notice, probe);
    }

    static Backend open(Choice choice, Integer device, int threads, Integer blockSize, Integer chainsPerPass,
                        Consumer<String> notice, Probe probe) {
        if (chainsPerPass != null && chainsPerPass < 1) {
            throw new IllegalArgumentException("chains per pass must be >= 1, got " + chainsPerPass);
        }
        if (device != null && choice == Choice.CPU) {
            throw new IllegalArgumentException("--device selects a CUDA or OpenCL device; it does not apply to --backend cpu");
        }
        switch (choice) {
            case CPU:
                return cpu(threads, blockSize, chainsPerPass);
            case OPENCL:
                return opencl(device != null ? device : 0, blockSize, chainsPerPass);
            case CUDA:
                return cuda(device != null ? device : 0, blockSize, chainsPerPass);
            default:
                if (device != null) {
                    return opencl(device, blockSize, chainsPerPass);
                }
                AutoChoice pick = chooseAuto(probe);
                if (pick.backend() == Choice.CUDA) {
                    try {
                        Backend cuda = cuda(pick.device(), blockSize, chainsPerPass);
                        notice.accept(pick.notice());
                        return cuda;
                    } catch (BackendUnavailableException e) {
                        // listed but not usable (a module the GPU cannot load, say): the next choice, saying why
                        pick = chooseAuto(withoutCuda(probe, e.getMessage()));
                    }
                }
                notice.accept(pick.notice());
                return pick.backend() == Choice.OPENCL ? opencl(pick.device(), blockSize, chainsPerPass)
                        : cpu(threads, blockSize, chainsPerPass);
        }
    }

    private static Backend cpu(int threads, Integer blockSize, Integer chainsPerPass) {
        return new CpuBackend(threads, blockSize != null ? blockSize : CpuBackend.DEFAULT_BLOCK_SIZE,
                chainsPerPass != null ? chainsPerPass : CpuBackend.DEFAULT_CHAINS_PER_PASS);
    }

    private static Backend opencl(int device, Integer blockSize, Integer chainsPerPass) {
        return OpenClBackend.open(device, blockSize != null ? blockSize : OpenClBackend.DEFAULT_CHUNK, chainsPerPass);
    }

    private static Backend cuda(int device, Integer blockSize, Integer chainsPerPass) {
        return CudaBackend.open(device, blockSize != null ? blockSize : CudaBackend.DEFAULT_CHUNK,
                chainsPerPass != null ? chainsPerPass : CudaBackend.DEFAULT_CHAINS_PER_PASS);
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
