package bmoe.cli;

import bmoe.io.DrawsFile;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** --run and --data of the commands that read a fit together with its data (criteria, plot, experts). */
final class FittedRun {
    @Option(names = "--run", required = true, description = "Run folder written by 'bmoe fit'.")
    Path run;

    @Option(names = "--data", description = "Data with the fit's x and y columns, read as the fit read its own "
            + "(default: the data file the fit read, at the absolute path RUN/run.json records).")
    Path data;

    /** The fit's draws.csv. */
    DrawsFile.Contents read() {
        return DrawsFile.read(run);
    }

    /** The fit's columns from --data, else from the file the fit read. */
    RunInputs.Observed observed(DrawsFile.Contents fit) {
        return RunInputs.observed(fit, RunInputs.dataFile(fit, run, data));
    }
}
