package bmoe.cli;

import bmoe.io.UserError;
import bmoe.analysis.Hellinger;
import bmoe.analysis.VoronoiLoss;
import bmoe.io.AtomicFiles;
import bmoe.io.DrawsFile;
import bmoe.io.Json;
import bmoe.io.Stats;
import bmoe.model.Params;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import bmoe.rng.Step;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Losses of a fit against the true model of a simulation (Voronoi D1 or D2, Hellinger).",
            "The truth is bmoe simulate's .truth.json. D1 (K = K*) or D2 (K > K*) is the seed paper's Voronoi loss;",
            "the Hellinger distance is between the fitted and true conditional densities; each is computed per",
            "draw and then averaged over the draws."})
final class EvaluateCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--run", required = true, description = "Run folder written by 'bmoe fit'.")
    Path run;

    @Option(names = "--truth", required = true, description = "The .truth.json written by 'bmoe simulate'.")
    Path truth;

    @Option(names = "--x-samples", defaultValue = "200",
            description = "x points drawn from the truth's x law for the Hellinger average (default ${DEFAULT-VALUE}).")
    int xSamples;

    @Option(names = "--max-draws", defaultValue = "1000",
            description = "Use at most this many draws, evenly spaced over all chains (default ${DEFAULT-VALUE}).")
    int maxDraws;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the x points (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", description = "Also write the results as JSON to this file.")
    Path out;

    @Override
    public Integer call() {
        if (xSamples < 1) {
            throw new UserError("--x-samples must be >= 1, got " + xSamples);
        }
        if (maxDraws < 1) {
            throw new UserError("--max-draws must be >= 1, got " + maxDraws);
        }
        if (seed < 0 || seed > RngKey.MAX_SEED) {
            throw new UserError("--seed must be in [0, 4294967295], got " + seed);
        }
        if (out != null) {
            AtomicFiles.checkWritable(out);
        }
        DrawsFile.Contents fit = DrawsFile.read(run);
        Truth t = Truth.read(truth);
        int p = fit.xNames().size();
        if (t.params().dim() != p + 1) {
            throw new UserError(truth + " has p = " + (t.params().dim() - 1) + " covariates but the fit has " + p);
        }
        if (!t.xNames().isEmpty() && !t.xNames().equals(fit.xNames())) {
            throw new UserError(truth + " names x columns " + t.xNames() + " but the fit used " + fit.xNames());
        }
        List<Params> draws = RunInputs.evenlySpaced(fit, maxDraws);
        int trueK = t.params().experts();
        int k = fit.experts();
        double[][] xs = xPoints(t, p, xSamples, seed);

        // each draw's own loss: D2 when it has more experts than the truth, D1 otherwise (K a parameter of the fit:
        // the draws' K differ, and each is scored by its own)
        List<Double> d1 = new ArrayList<>();
        List<Double> d2 = new ArrayList<>();
        double[] hellinger = new double[draws.size()];
        for (int s = 0; s < draws.size(); s++) {
            VoronoiLoss.Result r = VoronoiLoss.compute(t.params(), draws.get(s));
            (draws.get(s).experts() > trueK ? d2 : d1).add(draws.get(s).experts() > trueK ? r.d2() : r.d1());
            hellinger[s] = Hellinger.distance(t.params(), draws.get(s), xs);
        }
        String lossName = k > trueK ? "D2" : "D1";
        Stats lossD1 = d1.isEmpty() ? null : Stats.of(d1.stream().mapToDouble(Double::doubleValue).toArray());
        Stats lossD2 = d2.isEmpty() ? null : Stats.of(d2.stream().mapToDouble(Double::doubleValue).toArray());
        Stats loss = k > trueK ? lossD2 : lossD1;
        Stats h = Stats.of(hellinger);

        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "fit: K = %s, p = %d, %d draws used (of %d); truth: K* = %d%s%n",
                fit.variableExperts() ? "1.." + k + " (a parameter)" : Integer.toString(k), p, draws.size(),
                fit.draws().length, trueK, k < trueK ? " (fewer experts than the truth: D1 counts the empty cells)" : "");
        o.printf(Locale.ROOT, "  %-10s %12s %12s %12s %12s%s%n", "loss", "mean", "sd", "5%", "95%",
                fit.variableExperts() ? "        draws" : "");
        if (fit.variableExperts()) {
            if (lossD1 != null) {
                line(o, "D1 (K<=K*)", lossD1, " " + String.format(Locale.ROOT, "%12d", d1.size()));
            }
            if (lossD2 != null) {
                line(o, "D2 (K>K*)", lossD2, " " + String.format(Locale.ROOT, "%12d", d2.size()));
            }
        } else {
            line(o, lossName, loss, "");
        }
        line(o, "Hellinger", h, fit.variableExperts() ? " " + String.format(Locale.ROOT, "%12d", draws.size()) : "");
        o.printf(Locale.ROOT, "per draw, then averaged over draws; Hellinger over %d x points from %s%n", xs.length,
                t.xLaw());
        o.flush();
        if (out != null) {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.put("run", run.toString());
            root.put("truth", truth.toString());
            root.put("K", k);
            root.put("K_true", trueK);
            root.put("p", p);
            root.put("draws_used", draws.size());
            if (fit.variableExperts()) {
                // K is a parameter: D1 over the draws with K <= K*, D2 over those with K > K*
                root.put("loss", "D1 for draws with K <= K*, D2 for draws with K > K*");
                if (lossD1 != null) {
                    put(root.putObject("voronoi_d1"), lossD1);
                    root.with("voronoi_d1").put("draws", d1.size());
                }
                if (lossD2 != null) {
                    put(root.putObject("voronoi_d2"), lossD2);
                    root.with("voronoi_d2").put("draws", d2.size());
                }
            } else {
                root.put("loss", lossName);
                put(root.putObject("voronoi"), loss);
            }
            put(root.putObject("hellinger"), h);
            root.put("x_points", xs.length);
            root.put("x_law", t.xLaw());
            root.put("note", "each loss is computed per draw and then averaged; never on averaged parameters");
            Json.write(out, root);
            RunFiles.noteOutput(run, out);
        }
        return Main.EXIT_OK;
    }

    private static void line(PrintWriter o, String name, Stats s, String tail) {
        o.printf(Locale.ROOT, "  %-10s %12.6g %12.6g %12.6g %12.6g%s%n", name, s.mean(), s.sd(), s.q5(), s.q95(), tail);
    }

    private static void put(ObjectNode node, Stats s) {
        node.put("mean", s.mean());
        node.put("sd", s.sd());
        node.put("q5", s.q5());
        node.put("q50", s.q50());
        node.put("q95", s.q95());
    }

    /** x points from the truth's uniform law, from the SIMULATE stream under (seed, chain 1). */
    static double[][] xPoints(Truth t, int p, int count, long seed) {
        RngStream rng = new RngStream(new RngKey(seed, 1));
        double[][] xs = new double[count][p];
        for (int i = 0; i < count; i++) {
            rng.reset(i, 0, Step.SIMULATE);
            for (int j = 0; j < p; j++) {
                xs[i][j] = t.lower() + (t.upper() - t.lower()) * rng.uniform();
            }
        }
        return xs;
    }

    /** The parts of a .truth.json this command reads. */
    record Truth(Params params, List<String> xNames, double lower, double upper) {
        String xLaw() {
            return "independent U[" + lower + ", " + upper + "]";
        }

        static Truth read(Path file) {
            JsonNode root;
            try {
                root = Json.MAPPER.readTree(Files.readString(file));
            } catch (IOException e) {
                throw new UserError("cannot read " + file + ": " + Main.oneLine(e.getMessage()));
            }
            if (root == null || !root.isObject()) {
                throw new UserError(file + " is not a JSON object; expected a .truth.json from 'bmoe simulate'");
            }
            double[][] beta = matrix(root, "beta", file);
            double[] s2 = vector(root, "sigma2", file);
            double[][] w = root.has("w") ? matrix(root, "w", file) : new double[0][];
            try {
                Params params = new Params(w, beta, s2);
                for (double v : s2) {
                    if (!(v > 0) || !Double.isFinite(v)) {
                        throw new IllegalArgumentException("sigma2 must be positive, got " + v);
                    }
                }
                int d = beta[0].length;
                for (double[] row : beta) {
                    check(row.length == d, file, "beta rows differ in length");
                }
                for (double[] row : w) {
                    check(row.length == d, file, "w rows must have the length of beta rows");
                }
                List<String> names = new ArrayList<>();
                if (root.has("x_columns")) {
                    root.get("x_columns").forEach(n -> names.add(n.asText()));
                }
                double lower = number(root, "x_lower", file);
                double upper = number(root, "x_upper", file);
                check(lower < upper, file, "x_lower must be below x_upper");
                return new Truth(params, names, lower, upper);
            } catch (IllegalArgumentException e) {
                throw new UserError(file + ": " + e.getMessage());
            }
        }

        private static void check(boolean ok, Path file, String message) {
            if (!ok) {
                throw new UserError(file + ": " + message);
            }
        }

        private static double number(JsonNode root, String key, Path file) {
            JsonNode n = root.get(key);
            check(n != null && n.isNumber(), file, "missing number '" + key + "'");
            return n.asDouble();
        }

        private static double[] vector(JsonNode root, String key, Path file) {
            JsonNode n = root.get(key);
            check(n != null && n.isArray() && n.size() > 0, file, "missing array '" + key + "'");
            double[] v = new double[n.size()];
            for (int i = 0; i < v.length; i++) {
                check(n.get(i).isNumber(), file, "'" + key + "' holds a non-number");
                v[i] = n.get(i).asDouble();
            }
            return v;
        }

        private static double[][] matrix(JsonNode root, String key, Path file) {
            JsonNode n = root.get(key);
            check(n != null && n.isArray(), file, "missing array '" + key + "'");
            double[][] m = new double[n.size()][];
            for (int i = 0; i < m.length; i++) {
                JsonNode row = n.get(i);
                check(row.isArray() && row.size() > 0, file, "'" + key + "' must be an array of arrays");
                m[i] = new double[row.size()];
                for (int j = 0; j < m[i].length; j++) {
                    check(row.get(j).isNumber(), file, "'" + key + "' holds a non-number");
                    m[i][j] = row.get(j).asDouble();
                }
            }
            check(!(key.equals("beta") && m.length == 0), file, "'beta' is empty");
            return m;
        }
    }
}
