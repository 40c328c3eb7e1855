package bmoe.cli;

import bmoe.analysis.Convergence;
import bmoe.analysis.MergeTruncateMerge;
import bmoe.io.AtomicFiles;
import bmoe.io.DrawsFile;
import bmoe.io.Json;
import bmoe.io.UserError;
import bmoe.model.Dataset;
import bmoe.model.ExpertsPrior;
import bmoe.model.Params;
import bmoe.model.Scaling;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "experts", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The posterior of the number of experts of a run; writes RUN/experts.json.",
            "For a fit with --experts-prior (K a parameter): the share of draws at each K, and at each number of "
                + "non-empty experts K+, with the prior of K beside them and R-hat and ESS of K over the chains.",
            "For a fit with a fixed K: each draw's number of experts by merge-truncate-merge (Guha, Ho and Nguyen "
                + "2021): atoms closer than --merge-distance are merged, atoms with gate weight below --min-weight's "
                + "threshold dropped, then light atoms near heavier ones merged again; the posterior is the share "
                + "of draws per count. Fit K generously above the number you expect."})
final class ExpertsCommand implements Callable<Integer> {
    /** The file written into the run folder; {@link RunFiles} knows it for bmoe's. */
    static final String FILE = "experts.json";
    /**
     * Rows over which the gate weights q_k are averaged, at most, evenly spaced through the file: the weights are
     * means of probabilities, so 10^4 rows give them to within 0.005 (half the binomial sd bound 0.5 / 100), a
     * tenth of the smallest weight threshold a fit that large meets (eps_n = 0.03 at n = 10^4).
     */
    static final int WEIGHT_ROWS = 10_000;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    FittedRun fitted = new FittedRun();

    @Option(names = "--merge-distance", defaultValue = "" + MergeTruncateMerge.DEFAULT_MERGE_DISTANCE,
            paramLabel = "C", description = "Atoms closer than C are merged, the distance in units of the theory's "
                + "rates on the standardised scale: L^(1/8) for gate slopes and expert intercepts, L^(1/4) for "
                + "expert slopes and variances, L = log(n) / n (default ${DEFAULT-VALUE}).")
    double mergeDistance;

    @Option(names = "--min-weight", defaultValue = "" + MergeTruncateMerge.DEFAULT_MIN_WEIGHT, paramLabel = "c",
            description = "Atoms whose gate weight (gate probability averaged over the data's x) is below "
                + "c L^(1/2) are dropped, and a lighter atom i joins its nearest heavier atom j when "
                + "q_i d(i, j)^2 <= c; 0 drops nothing (default ${DEFAULT-VALUE}).")
    double minWeight;

    @Option(names = "--max-draws", defaultValue = "4000",
            description = "Use at most this many draws, evenly spaced over all chains (default ${DEFAULT-VALUE}).")
    int maxDraws;

    @Option(names = "--threads", description = "Worker threads (default: available processors).")
    Integer threads;

    @Option(names = "--out", description = "Write the JSON here instead of RUN/" + FILE + ".")
    Path out;

    @Option(names = "--force", description = "Replace the output file if it exists (by default an existing one, "
            + "an earlier result, is kept and the command refuses).")
    boolean force;

    /** Each draw's number of experts and what it was computed with. */
    record Counts(int fitted, long n, MergeTruncateMerge.Thresholds thresholds, int weightRows, int[] perDraw) {
        /** Draws per count 1..K (index 0 unused). */
        long[] histogram() {
            long[] h = new long[fitted + 1];
            for (int c : perDraw) {
                h[c]++;
            }
            return h;
        }

        /** The most frequent count; ties go to the smaller one. */
        int mode() {
            long[] h = histogram();
            int mode = 1;
            for (int k = 2; k <= fitted; k++) {
                if (h[k] > h[mode]) {
                    mode = k;
                }
            }
            return mode;
        }

        double mean() {
            return IntStream.of(perDraw).average().orElse(Double.NaN);
        }
    }

    @Override
    public Integer call() {
        if (maxDraws < 1) {
            throw new UserError("--max-draws must be >= 1, got " + maxDraws);
        }
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (nThreads < 1) {
            throw new UserError("--threads must be >= 1, got " + nThreads);
        }
        if (!(mergeDistance > 0) || !Double.isFinite(mergeDistance)) {
            throw new UserError("--merge-distance must be a positive number, got " + mergeDistance);
        }
        if (!(minWeight >= 0) || !Double.isFinite(minWeight)) {
            throw new UserError("--min-weight must be a number >= 0, got " + minWeight);
        }
        DrawsFile.Contents fit = fitted.read();
        Path target = out != null ? out : fitted.run.resolve(FILE);
        if (Files.exists(target) && !force) {
            throw new UserError(target + " exists (an earlier result); give --force to replace it, or --out to write "
                    + "elsewhere");
        }
        AtomicFiles.checkWritable(target);
        if (fit.variableExperts()) {
            // K is a parameter: its posterior is the share of draws at each K; no thresholds, no data needed
            Sampled sampled = Sampled.of(fit);
            sampled.print(spec.commandLine().getOut(), target);
            Json.write(target, sampled.json(fitted.run));
            RunFiles.noteOutput(fitted.run, target);
            return Main.EXIT_OK;
        }
        // K fixed: each draw's count comes from merge-truncate-merge
        RunInputs.Observed obs = fitted.observed(fit);
        Counts counts = mtm(fit, obs, mergeDistance, minWeight, maxDraws, nThreads);
        print(spec.commandLine().getOut(), counts, obs.file(), fit.draws().length, target);
        Json.write(target, json(counts, fitted.run, obs.file()));
        RunFiles.noteOutput(fitted.run, target);
        return Main.EXIT_OK;
    }

    /**
     * The posterior of K of a run whose K is a parameter, and of K+ (experts holding data in the sweep), from all
     * kept draws.
     *
     * @param perChainK each chain's K per kept draw, for R-hat and ESS
     */
    record Sampled(ExpertsPrior prior, long[] draws, long[] nonEmpty, int total, Convergence.Summary k,
                   double[][] perChainShare) {
        static Sampled of(DrawsFile.Contents fit) {
            int kmax = fit.experts();
            ExpertsPrior prior;
            try {
                prior = ExpertsPrior.parse(fit.config().get(DrawsFile.EXPERTS_PRIOR), kmax);
            } catch (IllegalArgumentException e) {
                throw new UserError("draws.csv: bad '" + DrawsFile.EXPERTS_PRIOR + "' line: " + e.getMessage());
            }
            long[] draws = new long[kmax + 1];
            long[] nonEmpty = new long[kmax + 1];
            Map<Integer, List<Double>> chains = new TreeMap<>();
            for (int r = 0; r < fit.draws().length; r++) {
                int k = fit.expertsAt(r);
                draws[k]++;
                nonEmpty[Math.max(1, Math.min(kmax, fit.nonEmpty()[r]))]++;
                chains.computeIfAbsent(fit.chain()[r], c -> new ArrayList<>()).add((double) k);
            }
            int length = chains.values().stream().mapToInt(List::size).min().orElse(0);
            double[][] perChain = chains.values().stream()
                    .map(v -> v.subList(0, length).stream().mapToDouble(Double::doubleValue).toArray())
                    .toArray(double[][]::new);
            double[][] share = new double[perChain.length][kmax + 1];
            for (int c = 0; c < perChain.length; c++) {
                for (double k : perChain[c]) {
                    share[c][(int) k] += 1.0 / length;
                }
            }
            Convergence.Summary summary = length >= 4 ? Convergence.summarize("K", perChain) : null;
            return new Sampled(prior, draws, nonEmpty, fit.draws().length, summary, share);
        }

        int mode(long[] h) {
            int mode = 1;
            for (int k = 2; k < h.length; k++) {
                if (h[k] > h[mode]) {
                    mode = k;
                }
            }
            return mode;
        }

        void print(PrintWriter o, Path target) {
            double[] p = prior.probabilities();
            o.printf(Locale.ROOT, "posterior of the number of experts K (prior %s on 1..%d) over %d draws of %d chains%n",
                    prior.spec(), prior.maxExperts(), total, perChainShare.length);
            StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "  %7s %8s %10s %10s %8s", "experts",
                    "draws", "P(K|y)", "P(K+|y)", "prior"));
            for (int c = 0; c < perChainShare.length; c++) {
                head.append(String.format(Locale.ROOT, " %8s", "chain " + (c + 1)));
            }
            o.println(head);
            for (int k = 1; k <= prior.maxExperts(); k++) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %7d %8d %10.3f %10.3f %8.3f", k,
                        draws[k], draws[k] / (double) total, nonEmpty[k] / (double) total, p[k - 1]));
                for (double[] share : perChainShare) {
                    line.append(String.format(Locale.ROOT, " %8.3f", share[k]));
                }
                o.println(line);
            }
            int mode = mode(draws);
            o.printf(Locale.ROOT, "mode: K = %d (posterior %.3f); mode of K+ (non-empty experts): %d (posterior %.3f)%n",
                    mode, draws[mode] / (double) total, mode(nonEmpty), nonEmpty[mode(nonEmpty)] / (double) total);
            if (k != null) {
                o.printf(Locale.ROOT, "K over the chains: mean %.3f, R-hat %.3f, bulk ESS %.0f%s%n", k.mean(), k.rhat(),
                        k.essBulk(), k.warn() ? " (" + k.reason() + ": run longer chains before trusting these shares)"
                                : "");
            }
            o.println("wrote " + target);
            o.flush();
        }

        ObjectNode json(Path run) {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.put("method", "prior");
            root.put("run", run.toString());
            root.put("experts_prior", prior.spec());
            root.put("max_experts", prior.maxExperts());
            root.put("draws", total);
            double[] p = prior.probabilities();
            ObjectNode posterior = root.putObject("posterior");
            ObjectNode nonEmptyPosterior = root.putObject("posterior_nonempty");
            ObjectNode priorNode = root.putObject("prior");
            ObjectNode counts = root.putObject("draws_per_count");
            for (int k = 1; k <= prior.maxExperts(); k++) {
                posterior.put(Integer.toString(k), draws[k] / (double) total);
                nonEmptyPosterior.put(Integer.toString(k), nonEmpty[k] / (double) total);
                priorNode.put(Integer.toString(k), p[k - 1]);
                counts.put(Integer.toString(k), draws[k]);
            }
            root.put("mode", mode(draws));
            root.put("mode_nonempty", mode(nonEmpty));
            if (k != null) {
                root.put("mean", k.mean());
                if (Double.isFinite(k.rhat())) {
                    root.put("rhat", k.rhat());
                    root.put("ess_bulk", k.essBulk());
                }
            }
            root.put("note", "K is a parameter of the fit (reversible-jump birth and death); P(K+|y) counts the "
                    + "experts that hold data in each kept sweep");
            return root;
        }
    }

    /** Merge-truncate-merge on at most {@code maxDraws} draws of the fit, in parallel over draws. */
    static Counts mtm(DrawsFile.Contents fit, RunInputs.Observed obs, double mergeDistance, double minWeight,
                      int maxDraws, int threads) {
        int n = obs.n();
        if (n < 3) {
            throw new UserError(obs.file() + ": merge-truncate-merge needs at least 3 observations, got " + n);
        }
        MergeTruncateMerge.Thresholds t = new MergeTruncateMerge.Thresholds(n, mergeDistance, minWeight);
        Scaling scaling;
        try {
            scaling = Dataset.standardScaling(obs.x(), obs.y(), fit.xNames(), fit.yName());
        } catch (IllegalArgumentException e) {
            throw new UserError(obs.file() + ": " + e.getMessage());
        }
        double[][] rows = weightRows(obs.x(), n);
        List<Params> draws = RunInputs.evenlySpaced(fit, maxDraws);
        int[] perDraw = new int[draws.size()];
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            pool.submit(() -> IntStream.range(0, draws.size()).parallel().forEach(s -> perDraw[s] =
                    MergeTruncateMerge.reduce(MergeTruncateMerge.atoms(draws.get(s), scaling, rows), t).size()))
                    .join();
        } finally {
            pool.shutdown();
        }
        return new Counts(fit.experts(), n, t, rows.length, perDraw);
    }

    /** At most {@link #WEIGHT_ROWS} rows of x, evenly spaced, one array of p values each. */
    private static double[][] weightRows(double[][] xColumns, int n) {
        int count = Math.min(n, WEIGHT_ROWS);
        double[][] rows = new double[count][xColumns.length];
        for (int r = 0; r < count; r++) {
            int i = (int) ((long) r * n / count);
            for (int j = 0; j < xColumns.length; j++) {
                rows[r][j] = xColumns[j][i];
            }
        }
        return rows;
    }

    static void print(PrintWriter o, Counts c, Path file, int totalDraws, Path target) {
        MergeTruncateMerge.Thresholds t = c.thresholds();
        o.printf(Locale.ROOT, "merge-truncate-merge over %d draws (of %d) of a K = %d fit to %d observations of %s%n",
                c.perDraw().length, totalDraws, c.fitted(), c.n(), file);
        o.printf(Locale.ROOT, "merged below d = %s (rates %.3f for gate slopes and expert intercepts, %.3f for expert "
                + "slopes and variances), dropped below weight %.4f%n", t.mergeDistance(), t.gateRate(),
                t.expertRate(), t.weightThreshold());
        o.printf(Locale.ROOT, "  %7s %8s %10s%n", "experts", "draws", "posterior");
        long[] h = c.histogram();
        for (int k = 1; k <= c.fitted(); k++) {
            o.printf(Locale.ROOT, "  %7d %8d %10.3f%n", k, h[k], (double) h[k] / c.perDraw().length);
        }
        int mode = c.mode();
        o.printf(Locale.ROOT, "mode: %d expert%s (posterior %.3f); mean %.2f%n", mode, mode == 1 ? "" : "s",
                (double) h[mode] / c.perDraw().length, c.mean());
        if (h[c.fitted()] > 0) {
            o.printf(Locale.ROOT, "note: %d draws keep all K = %d experts; a fit with more experts may find more%n",
                    h[c.fitted()], c.fitted());
        }
        o.println("wrote " + target);
        o.flush();
    }

    static ObjectNode json(Counts c, Path run, Path file) {
        MergeTruncateMerge.Thresholds t = c.thresholds();
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("method", "mtm");
        root.put("run", run.toString());
        root.put("data", file.toString());
        root.put("n", c.n());
        root.put("experts_fitted", c.fitted());
        root.put("draws", c.perDraw().length);
        long[] h = c.histogram();
        ObjectNode posterior = root.putObject("posterior");
        ObjectNode draws = root.putObject("draws_per_count");
        for (int k = 1; k <= c.fitted(); k++) {
            posterior.put(Integer.toString(k), (double) h[k] / c.perDraw().length);
            draws.put(Integer.toString(k), h[k]);
        }
        root.put("mode", c.mode());
        root.put("mean", c.mean());
        ObjectNode th = root.putObject("thresholds");
        th.put("merge_distance", t.mergeDistance());
        th.put("min_weight", t.minWeight());
        th.put("gate_rate", t.gateRate());
        th.put("expert_rate", t.expertRate());
        th.put("weight_threshold", t.weightThreshold());
        th.put("weight_rows", c.weightRows());
        root.put("note", "merge-truncate-merge (Guha, Ho and Nguyen 2021) per draw on the data's standardised scale: "
                + "atoms (gate slopes, expert coefficients, variance) closer than merge_distance in units of the "
                + "rates L^(1/8) (gate slopes, expert intercepts) and L^(1/4) (expert slopes, variances), L = log(n)/n,"
                + " are merged; atoms whose gate probability averaged over x is below weight_threshold = min_weight "
                + "L^(1/2) are dropped; a lighter atom i then joins its nearest heavier atom j when q_i d^2 <= "
                + "min_weight");
        return root;
    }
}
