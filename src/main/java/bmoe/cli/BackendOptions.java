package bmoe.cli;

import bmoe.io.UserError;
import bmoe.backend.Backend;
import bmoe.backend.BackendUnavailableException;
import bmoe.backend.Backends;
import bmoe.backend.ExternalBackend;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** The options that choose where the kernels run, shared by fit and demo. */
final class BackendOptions {
    @Option(names = "--backend", defaultValue = "auto",
            description = "auto (a CUDA device if there is one, else an OpenCL GPU with fp64, else the CPU), cpu, opencl "
                    + "or cuda (default ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--device", description = "Device number of --backend opencl or cuda, as 'bmoe devices' lists them; "
            + "with auto, an OpenCL device (default: what auto takes, or 0).")
    Integer device;

    @Option(names = "--threads", description = "CPU worker threads (default: available processors).")
    Integer threads;

    @Option(names = "--block-size",
            description = "Rows per CPU block or OpenCL work group; the draws depend on it, never on --threads "
                    + "(default: 16384 on cpu, 4096 on opencl).")
    Integer blockSize;

    /** False for an explicit --backend cpu or cuda: auto may list the OpenCL devices, opencl opens one. */
    boolean mayLoadOpenCl() {
        String b = backend.strip();
        return !Backends.Choice.CPU.option().equals(b) && !Backends.Choice.CUDA.option().equals(b);
    }

    int threads() {
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (t < 1) {
            throw new UserError("--threads must be >= 1, got " + t);
        }
        return t;
    }

    Backends.Choice choice() {
        for (Backends.Choice c : Backends.Choice.values()) {
            if (c.option().equals(backend.strip())) {
                return c;
            }
        }
        throw new UserError("--backend must be auto, cpu, opencl or cuda, got '" + backend + "'");
    }

    /** Checks the options without touching a device: bad input fails before any file is written. */
    void validate() {
        choice();
        threads();
        if (blockSize != null && blockSize < 1) {
            throw new UserError("--block-size must be >= 1, got " + blockSize);
        }
        if (device != null && device < 0) {
            throw new UserError("--device must be >= 0, got " + device);
        }
        if (device != null && choice() == Backends.Choice.CPU) {
            throw new UserError("--device selects a CUDA or OpenCL device; it does not apply to --backend cpu");
        }
    }

    /** Opens the backend; auto's fallback notice goes to err unless quiet. */
    Backend open(boolean quiet, PrintWriter err) {
        validate();
        if (ExternalBackend.installed() != null) { // bmoe-spark's SparkMain installs its backend
            return ExternalBackend.installed().open(threads(), blockSize);
        }
        try {
            return Backends.open(choice(), device, threads(), blockSize, msg -> {
                if (!quiet) {
                    err.println("bmoe: " + msg);
                    err.flush();
                }
            });
        } catch (BackendUnavailableException e) {
            throw new UserError("--backend " + choice().option() + ": " + e.getMessage());
        }
    }
}
