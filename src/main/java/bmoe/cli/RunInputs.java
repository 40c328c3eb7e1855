package bmoe.cli;

import bmoe.io.UserError;
import bmoe.io.Dialect;
import bmoe.io.DrawsFile;
import bmoe.io.ExternalData;
import bmoe.io.Table;
import bmoe.model.Params;
import bmoe.sampler.DrawColumns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;

/** What the analysis commands (criteria, evaluate, plot) read besides draws.csv: the data, a subset of draws. */
final class RunInputs {
    private RunInputs() {}

    /** The fit's x columns (in its order) and response, read from the data file. */
    record Observed(Path file, double[][] x, double[] y) {
        int n() {
            return y.length;
        }
    }

    /**
     * The data file given, else the one the fit read: the absolute path run.json records, so that the run's
     * analyses work from any working folder; for a run without run.json, the path draws.csv records as it was
     * typed (relative to the folder the fit ran in, which only works from there).
     */
    static Path dataFile(DrawsFile.Contents fit, Path run, Path given) {
        if (given != null) {
            return given;
        }
        Optional<Path> absolute = RunSpec.recordedData(run);
        if (absolute.isPresent()) {
            if (!Files.exists(absolute.get())) {
                throw new UserError("the fit's data file " + absolute.get() + " is not there; give it with --data");
            }
            return absolute.get();
        }
        String recorded = fit.config().get("data");
        if (recorded == null) {
            throw new UserError("the fit's data file is not recorded; give it with --data");
        }
        if (ExternalData.isUri(recorded)) {
            throw new UserError("the fit's data " + recorded + " lies on a cluster file system, which only the spark "
                    + "engine's fit reads; give a local copy with --data");
        }
        Path typed = Path.of(recorded);
        // a Parquet folder is data as a file is
        if (!Files.exists(typed)) {
            throw new UserError("the fit's data file '" + recorded + "' is not there"
                    + (typed.isAbsolute() ? "" : " (" + typed.toAbsolutePath().normalize() + "; the path is as the fit "
                    + "was given it, relative to the folder it ran in)") + "; give it with --data");
        }
        return typed;
    }

    /** The fit's columns from the file; at least one row. */
    static Observed observed(DrawsFile.Contents fit, Path file) {
        List<String> xNames = fit.xNames();
        Table table = Table.read(file, name -> xNames.contains(name) || name.equals(fit.yName()), dialect(fit));
        double[][] x = new double[xNames.size()][];
        for (int j = 0; j < x.length; j++) {
            x[j] = table.column(xNames.get(j));
        }
        double[] y = table.column(fit.yName());
        if (y.length == 0) {
            throw new UserError(file + ": no data rows after the header");
        }
        return new Observed(file, x, y);
    }

    /** The dialect the fit read its data in, as draws.csv records it (absent: the default). */
    static Dialect dialect(DrawsFile.Contents fit) {
        Map<String, String> c = fit.config();
        return Dialect.parse(c.getOrDefault("data_sep", "auto"), c.getOrDefault("data_decimal", "."),
                c.getOrDefault("data_missing", "fail"));
    }

    /** At most max draws, evenly spaced over the file's rows (all chains). */
    static List<Params> evenlySpaced(DrawsFile.Contents fit, int max) {
        int total = fit.draws().length;
        int count = Math.min(total, max);
        List<Params> out = new ArrayList<>(count);
        for (int s = 0; s < count; s++) {
            int row = (int) ((long) s * total / count);
            out.add(DrawColumns.unflatten(fit.draws()[row], fit.experts(), fit.xNames().size()));
        }
        return out;
    }
}
