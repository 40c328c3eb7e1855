package bmoe.cli;

import bmoe.io.DrawsFile;
import bmoe.io.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "summary", mixinStandardHelpOptions = true,
        description = {"Convergence diagnostics (R-hat, bulk and tail ESS) of label-invariant quantities and "
            + "relabelled per-expert summaries of a run, as 'fit' prints them."})
final class SummaryCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--run", required = true, description = "Run folder written by 'bmoe fit'.")
    Path run;

    @Override
    public Integer call() {
        DrawsFile.Contents contents = DrawsFile.read(run);
        int p = contents.xNames().size();
        PosteriorReport report = PosteriorReport.of(contents.experts(), p, points(run, contents), chains(contents));
        report.print(spec.commandLine().getOut());
        return Main.EXIT_OK;
    }

    /** The draws grouped by chain, in file order. */
    static List<PosteriorReport.ChainDraws> chains(DrawsFile.Contents c) {
        Map<Integer, List<Integer>> rows = new LinkedHashMap<>();
        for (int r = 0; r < c.chain().length; r++) {
            rows.computeIfAbsent(c.chain()[r], k -> new ArrayList<>()).add(r);
        }
        List<PosteriorReport.ChainDraws> out = new ArrayList<>();
        for (Map.Entry<Integer, List<Integer>> e : rows.entrySet()) {
            List<Integer> idx = e.getValue();
            double[][] draws = idx.stream().map(r -> c.draws()[r]).toArray(double[][]::new);
            double[] logLik = c.logLik() == null ? null : idx.stream().mapToDouble(r -> c.logLik()[r]).toArray();
            int[] nonEmpty = c.nonEmpty() == null ? null : idx.stream().mapToInt(r -> c.nonEmpty()[r]).toArray();
            out.add(new PosteriorReport.ChainDraws(e.getKey(), draws, logLik, nonEmpty));
        }
        return out;
    }

    /**
     * The points fit tracked (from summary.json), else the mean and sd recorded for standardising, else
     * x = 0 (a run on the original scale without summary.json).
     */
    static double[][] points(Path run, DrawsFile.Contents c) {
        Path summary = run.resolve("summary.json");
        if (Files.isRegularFile(summary)) {
            try {
                JsonNode pts = Json.MAPPER.readTree(Files.readString(summary)).path("diagnostics").path("points");
                if (pts.isArray() && pts.size() > 0) {
                    double[][] out = new double[pts.size()][];
                    for (int i = 0; i < out.length; i++) {
                        JsonNode row = pts.get(i);
                        out[i] = new double[row.size()];
                        for (int j = 0; j < out[i].length; j++) {
                            out[i][j] = row.get(j).asDouble();
                        }
                    }
                    return out;
                }
            } catch (IOException | RuntimeException e) {
                // fall back to the configuration lines
            }
        }
        int p = c.xNames().size();
        double[] mean = parse(c.config().get("x_mean"), p, 0.0);
        double[] sd = parse(c.config().get("x_sd"), p, 1.0);
        return PosteriorReport.points(mean, sd);
    }

    private static double[] parse(String list, int p, double fallback) {
        double[] v = new double[p];
        Arrays.fill(v, fallback);
        if (list == null || list.isBlank()) {
            return v;
        }
        String[] parts = list.split(",");
        for (int j = 0; j < Math.min(p, parts.length); j++) {
            try {
                v[j] = Double.parseDouble(parts[j].strip());
            } catch (NumberFormatException e) {
                v[j] = fallback;
            }
        }
        return v;
    }
}
