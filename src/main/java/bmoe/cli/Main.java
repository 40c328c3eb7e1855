package bmoe.cli;

import bmoe.io.UserError;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.OptionalInt;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point. Every failure ends as one line on stderr and a non-zero exit code: 2 for bad input or
 * usage (a {@link UserError} or a picocli parameter error), 1 for anything unexpected. Set BMOE_DEBUG=1 to see stack traces.
 */
@Command(name = "bmoe", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Bayesian softmax-gated mixture of experts: an exact Gibbs sampler.",
        subcommands = {SimulateCommand.class, FitCommand.class, PredictCommand.class, DemoCommand.class,
            DevicesCommand.class, SummaryCommand.class, CriteriaCommand.class, EvaluateCommand.class,
            PlotCommand.class, ExpertsCommand.class, SelectCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        if (mayLoadOpenCl(args) && SignalChaining.wanted()) {
            OptionalInt code = SignalChaining.relaunch();
            if (code.isPresent()) {
                System.exit(code.getAsInt());
            }
        }
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Whether the command line names a command that may load an OpenCL library ({@link LoadsOpenCl}); a
     * command line that does not parse is left to {@link #run} to report.
     */
    static boolean mayLoadOpenCl(String[] args) {
        try {
            CommandLine.ParseResult parsed = new CommandLine(new Main()).parseArgs(args);
            while (parsed.hasSubcommand()) {
                parsed = parsed.subcommand();
            }
            return !parsed.isUsageHelpRequested() && !parsed.isVersionHelpRequested()
                    && parsed.commandSpec().userObject() instanceof LoadsOpenCl command && command.mayLoadOpenCl();
        } catch (CommandLine.ParameterException e) {
            return false;
        }
    }

    /** A command that may load an OpenCL library, and with it a driver that replaces the JVM's signal handlers. */
    interface LoadsOpenCl {
        boolean mayLoadOpenCl();
    }

    /** Runs the command line with the given streams; returns the exit code (used by tests as well). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        PrintWriter errWriter = new PrintWriter(err, true);
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(errWriter);
        cl.setParameterExceptionHandler((ex, a) -> {
            String command = ex.getCommandLine().getCommandName();
            errWriter.println("bmoe: " + oneLine(ex.getMessage()) + " (see 'bmoe "
                    + ("bmoe".equals(command) ? "" : command + " ") + "--help')");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (System.getenv("BMOE_DEBUG") != null) {
                ex.printStackTrace(err);
            }
            // Only input problems are exit 2; an IllegalArgumentException from inside the sampler is a bug.
            if (ex instanceof UserError) {
                errWriter.println("bmoe: " + oneLine(ex.getMessage()));
                return EXIT_USAGE;
            }
            errWriter.println("bmoe: internal error: " + oneLine(String.valueOf(ex)));
            return EXIT_FAILURE;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            errWriter.println("bmoe: out of memory; give the JVM more with JAVA_OPTS=-Xmx<size>");
            return EXIT_FAILURE;
        } catch (RuntimeException | Error e) {
            errWriter.println("bmoe: internal error: " + oneLine(String.valueOf(e)));
            return EXIT_FAILURE;
        }
    }

    static String oneLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        return message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"bmoe " + (v == null ? "development build" : v)};
        }
    }
}
