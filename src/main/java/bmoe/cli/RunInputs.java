package bmoe.cli;

import bmoe.io.UserError;
import bmoe.io.Dialect;
import bmoe.io.DrawsFile;
import bmoe.io.Table;
import bmoe.model.Params;
import bmoe.sampler.DrawColumns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What the analysis commands (criteria, evaluate, plot) read besides draws.csv: the data, a subset of draws. */
final class RunInputs {
    private RunInputs() {}

    /** The fit's x columns (in its order) and response, read from a CSV file. */
    record Observed(Path file, double[][] x, double[] y) {
        int n() {
            return y.length;
        }
    }

    /** The data file given, else the one the fit read (as recorded in draws.csv). */
    static Path dataFile(DrawsFile.Contents fit, Path given) {
        if (given != null) {
            return given;
        }
        String recorded = fit.config().get("data");
        if (recorded == null || !Files.exists(Path.of(recorded))) {
            throw new UserError("the fit's data file " + (recorded == null ? "is not recorded" : "'" + recorded
                    + "' is not there") + "; give it with --data");
        }
        return Path.of(recorded);
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
