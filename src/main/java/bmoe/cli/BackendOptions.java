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

    @Option(names = "--chains-per-pass", paramLabel = "N",
            description = "At most N chains' kernels in one pass over the data (one launch on a GPU; chains run at once "
                    + "and their calls are collected each round); 1: each chain's kernels on their own. Speed only: the "
                    + "draws do not depend on it (default: all chains on cuda and on an OpenCL GPU, 1 on cpu and on "
                    + "other OpenCL devices).")
    Integer chainsPerPass;

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
        if (chainsPerPass != null && chainsPerPass < 1) {
            throw new UserError("--chains-per-pass must be >= 1, got " + chainsPerPass);
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
            return ExternalBackend.installed().open(threads(), blockSize, chainsPerPass);
        }
        try {
            return Backends.open(choice(), device, threads(), blockSize, chainsPerPass, msg -> {
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
