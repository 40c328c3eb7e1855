package bmoe.cli;

import bmoe.backend.opencl.OpenClDevices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the JVM alive once an OpenCL library is loaded.
 *
 * <p>Listing OpenCL platforms makes the ICD loader initialise every installed driver. PoCL's initialises LLVM,
 * which installs its own crash handlers for SIGSEGV, SIGBUS, SIGFPE and SIGILL over the JVM's. HotSpot raises
 * SIGSEGV on purpose (safepoint polls, implicit null checks) and expects its handler to see it; with LLVM's
 * there instead, the process dies with exit code 139 at some random later point of the fit (about one demo
 * run in four here). HotSpot's own remedy is signal chaining: with {@code lib/libjsig.so} preloaded, a
 * library's {@code sigaction} no longer replaces the JVM's handler but is called by it for the signals the JVM
 * does not own.
 *
 * <p>{@code scripts/bmoe} and the test and benchmark set-ups preload it. For a bare {@code java -jar bmoe.jar}
 * of a command that may load OpenCL, {@link Main} runs the same command line again in a child JVM with it
 * preloaded and exits with the child's code.
 */
final class SignalChaining {
    /** Set in the child so that it never relaunches again, whatever its maps say. */
    static final String RELAUNCHED = "BMOE_SIGNAL_CHAINING";

    private SignalChaining() {
    }

    /** Whether libjsig is loaded into this process (Linux; false where that cannot be told). */
    static boolean active() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                if (line.endsWith("/libjsig.so")) {
                    return true;
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    /** The libjsig of the running JVM, if it has one. */
    static Optional<Path> library() {
        Path lib = Path.of(System.getProperty("java.home"), "lib", "libjsig.so");
        return Files.isRegularFile(lib) ? Optional.of(lib) : Optional.empty();
    }

    /**
     * Whether this process should rerun itself with signal chaining before loading OpenCL: on Linux, with an
     * OpenCL library installed, libjsig available and not yet loaded, and not already a relaunched child.
     */
    static boolean wanted() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
                && System.getenv(RELAUNCHED) == null
                && library().isPresent()
                && !active()
                && OpenClDevices.libraryInstalled();
    }

    /**
     * Runs this process's own command line again with libjsig preloaded, waits for it and returns its exit
     * code; empty when the command line cannot be recovered (then the caller carries on in this process).
     * Standard streams are inherited. Ctrl-C reaches the child from the terminal as it reaches this process,
     * so this one only waits for it; a SIGTERM or SIGINT sent to this process alone is passed on as SIGTERM.
     */
    static OptionalInt relaunch() {
        ProcessHandle.Info info = ProcessHandle.current().info();
        Optional<String> java = info.command();
        Optional<String[]> arguments = info.arguments();
        Optional<Path> jsig = library();
        if (java.isEmpty() || arguments.isEmpty() || jsig.isEmpty()) {
            return OptionalInt.empty();
        }
        List<String> command = new ArrayList<>();
        command.add(java.get());
        command.addAll(List.of(arguments.get()));
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        Map<String, String> env = builder.environment();
        String preload = env.get("LD_PRELOAD");
        env.put("LD_PRELOAD", jsig.get() + (preload == null || preload.isBlank() ? "" : ":" + preload));
        env.put(RELAUNCHED, "1");
        Process child;
        try {
            child = builder.start();
        } catch (IOException | RuntimeException e) {
            return OptionalInt.empty();
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(child), "bmoe-relaunch-stop"));
        passOnInterrupts(child);
        while (true) {
            try {
                return OptionalInt.of(child.waitFor());
            } catch (InterruptedException e) {
                // keep waiting: the child's exit code is this process's answer
            }
        }
    }

    private static void stop(Process child) {
        if (child.isAlive()) {
            child.destroy();
            try {
                child.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Without this, Ctrl-C would end this process at once while the child is still writing its run folder. */
    private static void passOnInterrupts(Process child) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), signal -> child.destroy());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // the JVM runs with -Xrs or reserves SIGINT: the default (exit, and the hook stops the child) stands
        }
    }
}
