package bmoe.cli;

import bmoe.io.DrawsFile;
import bmoe.io.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
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
        JsonNode summary = summaryJson(run);
        List<PosteriorReport.ChainDraws> chains = chains(contents);
        // The diagnostics are recomputed from draws.csv (the same doubles fit had, so the same numbers); what
        // draws.csv does not hold (clamps, the gate move's step size and acceptance) comes from summary.json.
        List<ChainReport> lines = chainReports(summary, chains);
        PosteriorReport report = PosteriorReport.of(contents.experts(), p, points(summary, contents), chains,
                ChainReport.samplerWarnings(lines), contents.variableExperts())
                .withAdvice(MixingAdvice.of(contents.config()));
        PrintWriter out = spec.commandLine().getOut();
        lines.forEach(c -> out.println(c.line()));
        report.print(out);
        return Main.EXIT_OK;
    }

    /** RUN/summary.json, or null where there is none or it cannot be read (the draws suffice for the rest). */
    static JsonNode summaryJson(Path run) {
        Path file = run.resolve(RunFolder.SUMMARY);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(Files.readString(file));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * fit's per-chain lines, from summary.json's "chains"; none where it has none or they do not describe the
     * chains of draws.csv (same chain numbers and draw counts), as then they would belong to another fit.
     */
    static List<ChainReport> chainReports(JsonNode summary, List<PosteriorReport.ChainDraws> chains) {
        List<ChainReport> lines = ChainReport.read(summary == null ? null : summary.path("chains"));
        if (lines.size() != chains.size()) {
            return List.of();
        }
        for (int c = 0; c < lines.size(); c++) {
            if (lines.get(c).chain() != chains.get(c).chain()
                    || lines.get(c).keptDraws() != chains.get(c).draws().length) {
                return List.of();
            }
        }
        return lines;
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
        return points(summaryJson(run), c);
    }

    /** As {@link #points(Path, DrawsFile.Contents)}, from summary.json already read (null: none). */
    static double[][] points(JsonNode summary, DrawsFile.Contents c) {
        if (summary != null) {
            try {
                JsonNode pts = summary.path("diagnostics").path("points");
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
            } catch (RuntimeException e) {
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
