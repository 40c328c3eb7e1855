package bmoe.cli;

import bmoe.analysis.Criteria;
import bmoe.analysis.ModelComparison;
import bmoe.backend.Backend;
import bmoe.io.DrawsFile;
import bmoe.io.Json;
import bmoe.io.UserError;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.sampler.Chain;
import bmoe.sampler.DrawColumns;
import bmoe.sampler.RunConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "select", mixinStandardHelpOptions = true, sortOptions = false,
        customSynopsis = "bmoe select --data=FILE --experts=FROM..TO|K,K,... --out=DIR [--max-draws=N] [--reloo-max=N] [fit options]",
        description = {"Fit each number of experts K in --experts and rank the fits by PSIS-LOO, as loo_compare does "
                + "(elpd, its difference to the best and that difference's standard error), and by WAIC.",
            "Observations whose Pareto k is above loo's threshold (PSIS-LOO unreliable for them, and optimistic) get "
                + "their exact elpd_loo_i from a fit without them, as loo's reloo does (see --reloo-max).",
            "Writes one run folder per K (OUT/K1, OUT/K2, ...) and OUT/select.json; best is the K with the highest "
                + "elpd_loo. Every option of 'bmoe fit' but --experts, --out, --resume and --force is passed to each "
                + "fit (see 'bmoe fit --help'), the same for every K; without --seed one seed is drawn for all."})
final class SelectCommand implements Callable<Integer>, Main.LoadsOpenCl {
    static final String FILE = "select.json";
    /** Options of fit that select sets itself, or that would not make a new fit per K. */
    private static final List<String> NOT_PASSED = List.of("--experts", "-K", "--out", "--resume", "--force");
    private static final Pattern RANGE = Pattern.compile("\\s*(\\d+)\\s*\\.\\.\\s*(\\d+)\\s*");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", required = true,
            description = "The data, as fit's --data (delimited text or Parquet), fitted at each K.")
    Path data;

    @Option(names = {"--experts", "-K"}, required = true, paramLabel = "FROM..TO|K,K,...",
            description = "The numbers of experts to fit: a range such as 1..6 or a list such as 1,2,4 (at least two).")
    String experts;

    @Option(names = "--out", required = true, description = "A new or empty folder for the runs and select.json.")
    Path out;

    @Option(names = "--max-draws", defaultValue = "4000",
            description = "Draws per fit for PSIS-LOO and WAIC, evenly spaced over its chains (default ${DEFAULT-VALUE}).")
    int maxDraws;

    @Option(names = "--reloo-max", defaultValue = "10", paramLabel = "N",
            description = "Refit a K without each observation whose Pareto k is above the threshold, up to N "
                    + "observations per K (default ${DEFAULT-VALUE}; each is one more fit of that K, with the same "
                    + "priors, scaling and seed); a K with more keeps PSIS's estimates and is flagged. 0: no refits.")
    int relooMax;

    @CommandLine.Unmatched
    List<String> fitOptions = new ArrayList<>();

    @Override
    public boolean mayLoadOpenCl() {
        try {
            return parseFit(fitArguments(1, Path.of("K1"), null)).mayLoadOpenCl();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * One K's fit: its run and what the comparison needs of it.
     *
     * @param refits the observations given their exact elpd_loo_i by a fit without them
     * @param unreliable observations still with a PSIS estimate above the k threshold
     */
    private record Model(int experts, Path run, int draws, ModelComparison.Pointwise pointwise, List<String> warnings,
                         List<Refit> refits, int unreliable) {}

    /** An observation refitted out: its k-hat, PSIS's elpd_loo_i and the exact one (0-based observation). */
    record Refit(int observation, double paretoK, double psis, double exact) {}

    @Override
    public Integer call() {
        List<Integer> ks = parseExperts(experts);
        if (maxDraws < 2) {
            throw new UserError("--max-draws must be >= 2, got " + maxDraws);
        }
        if (relooMax < 0) {
            throw new UserError("--reloo-max must be >= 0 (0: no refits), got " + relooMax);
        }
        checkNewFolder(out);
        for (String option : fitOptions) {
            String name = option.contains("=") ? option.substring(0, option.indexOf('=')) : option;
            if (NOT_PASSED.contains(name)) {
                throw new UserError("select sets --experts and --out of each fit itself, and --resume and --force do "
                        + "not apply to it; remove " + name);
            }
        }
        // every fit's options are checked before the first fit runs
        FitCommand first = parseFit(fitArguments(ks.get(0), out.resolve("K" + ks.get(0)), null));
        first.backendOptions.validate();
        long seed = first.seed != null ? first.seed : new SecureRandom().nextInt() & 0xFFFFFFFFL;
        for (int k : ks) {
            parseFit(fitArguments(k, out.resolve("K" + k), seed));
        }
        boolean quiet = given("--quiet");
        int threads = first.backendOptions.threads();
        PrintWriter o = spec.commandLine().getOut();
        if (!quiet) {
            o.printf(Locale.ROOT, "select: K = %s on %s, seed %d; runs in %s%n", join(ks), data, seed, out);
            o.flush();
        }
        // the first fit creates the folder once its options and data have passed its checks

        List<Model> models = new ArrayList<>();
        RunInputs.Observed obs = null;
        for (int k : ks) {
            Path run = out.resolve("K" + k);
            long t0 = System.nanoTime();
            FitCommand fitCommand = parseFit(fitArguments(k, run, seed));
            FitCommand.Prepared prepared = fitCommand.prepare();
            fitCommand.run(prepared);
            double seconds = (System.nanoTime() - t0) * 1e-9;
            DrawsFile.Contents fit = DrawsFile.read(run);
            if (obs == null) {
                obs = RunInputs.observed(fit, data);
            }
            // the draws criteria would take, with r_eff from the chains where it can be had
            CriteriaCommand.Selection selection = CriteriaCommand.select(fit, maxDraws);
            List<Params> draws = selection.draws();
            if (draws.size() < 2) {
                throw new UserError(run + " holds " + draws.size() + " draw; PSIS-LOO needs at least 2");
            }
            ModelComparison.Pointwise pw = ModelComparison.pointwise(draws, selection.chains(), obs.x(), obs.y(),
                    threads);
            int[] unreliable = pw.unreliable();
            List<Refit> refits = new ArrayList<>();
            double relooSeconds = 0;
            boolean local = prepared.loaded().dataset().isLocal();
            if (unreliable.length > 0 && unreliable.length <= relooMax && local) {
                long r0 = System.nanoTime();
                double[] exact = new double[unreliable.length];
                // one backend for this K's refits (a device is set up once, not per observation)
                try (Backend backend = fitCommand.backendOptions.open(true, spec.commandLine().getErr())) {
                    for (int r = 0; r < unreliable.length; r++) {
                        int i = unreliable[r];
                        exact[r] = exactLoo(backend, prepared, i, obs, threads);
                        refits.add(new Refit(i, pw.terms().paretoK()[i], pw.elpdLoo()[i], exact[r]));
                    }
                }
                pw = pw.withExactLoo(unreliable, exact);
                relooSeconds = (System.nanoTime() - r0) * 1e-9;
            }
            Model m = new Model(k, run, draws.size(), pw, warnings(run), refits, pw.unreliable().length);
            models.add(m);
            if (!quiet) {
                o.printf(Locale.ROOT, "K = %d: fitted in %.1f s, elpd_loo %.2f (se %.2f)%n", k, seconds,
                        pw.totals().elpdLoo().estimate(), pw.totals().elpdLoo().se());
                if (!refits.isEmpty()) {
                    o.printf(Locale.ROOT, "  %d observation%s with Pareto k > %.2f refitted out (%.1f s), their exact "
                            + "elpd_loo in it%n", refits.size(), refits.size() == 1 ? "" : "s",
                            pw.totals().paretoK().threshold(), relooSeconds);
                }
                if (!m.warnings().isEmpty()) {
                    o.printf(Locale.ROOT, "  %d warning%s: 'bmoe summary --run %s' lists %s%n",
                            m.warnings().size(), m.warnings().size() == 1 ? "" : "s", run,
                            m.warnings().size() == 1 ? "it" : "them");
                }
                o.flush();
            }
        }
        List<Model> ranked = new ArrayList<>(models);
        ranked.sort(Comparator.comparingDouble((Model m) -> -m.pointwise().totals().elpdLoo().estimate())
                .thenComparingInt(Model::experts));
        print(o, ranked, obs.n(), data);
        Path target = out.resolve(FILE);
        Json.write(target, json(ranked, ks, seed, obs.n()));
        o.println("wrote " + target);
        o.flush();
        return Main.EXIT_OK;
    }

    /** "1..6" or "1,2,4" as sorted distinct K, at least two, each at least 1. */
    static List<Integer> parseExperts(String value) {
        String bad = "--experts must be a range such as 1..6 or a list such as 1,2,4 of two or more K >= 1, got '"
                + value + "'";
        TreeSet<Integer> ks = new TreeSet<>();
        try {
            Matcher range = RANGE.matcher(value);
            if (range.matches()) {
                int from = Integer.parseInt(range.group(1));
                int to = Integer.parseInt(range.group(2));
                if (from < 1 || to <= from) {
                    throw new UserError(bad);
                }
                for (int k = from; k <= to; k++) {
                    ks.add(k);
                }
            } else {
                for (String part : value.split(",", -1)) {
                    int k = Integer.parseInt(part.strip());
                    if (k < 1 || !ks.add(k)) {
                        throw new UserError(bad);
                    }
                }
            }
        } catch (NumberFormatException e) {
            throw new UserError(bad);
        }
        if (ks.size() < 2) {
            throw new UserError(bad);
        }
        return List.copyOf(ks);
    }

    /** A folder select may write into: absent, or an empty folder. */
    private static void checkNewFolder(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new UserError("--out is not a folder: " + dir);
        }
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                names.add(entry.getFileName().toString());
            }
        } catch (IOException e) {
            throw new UserError("cannot list " + dir + ": " + Main.oneLine(e.getMessage()));
        }
        if (!names.isEmpty()) {
            names.sort(Comparator.naturalOrder());
            String shown = String.join(", ", names.subList(0, Math.min(3, names.size())))
                    + (names.size() > 3 ? " and " + (names.size() - 3) + " more" : "");
            throw new UserError(dir + " is not empty (it holds " + shown + "); select writes its runs and " + FILE
                    + " into a new or empty folder: choose another --out");
        }
    }

    /** fit's command line for one K: the data, K, its run folder, quiet, the seed (null: as given), the rest. */
    private List<String> fitArguments(int k, Path run, Long seed) {
        List<String> args = new ArrayList<>(List.of("--data", data.toString(), "--experts", Integer.toString(k),
                "--out", run.toString()));
        if (!given("--quiet")) {
            args.add("--quiet"); // select prints one line per fit instead
        }
        if (!given("--seed") && seed != null) {
            args.add("--seed");
            args.add(Long.toString(seed));
        }
        args.addAll(fitOptions);
        return args;
    }

    /** Whether a fit option was given (as "--name VALUE", "--name=VALUE" or a flag). */
    private boolean given(String name) {
        return fitOptions.stream().anyMatch(a -> a.equals(name) || a.startsWith(name + "="));
    }

    /** A fit command with these arguments parsed; an option fit does not know is reported as select's. */
    private FitCommand parseFit(List<String> args) {
        FitCommand fit = new FitCommand();
        CommandLine cl = new CommandLine(fit);
        cl.setOut(spec.commandLine().getOut());
        cl.setErr(spec.commandLine().getErr());
        try {
            cl.parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new UserError(Main.oneLine(e.getMessage()) + " (options of select and of 'bmoe fit'; see their "
                    + "--help)");
        }
        return fit;
    }

    /**
     * The exact elpd_loo_i = log p(y_i | y_-i) of observation i: the same fit (options, seed, priors and scaling, all
     * of the full data's: the model is the same, only row i is left out) of the other rows, then
     * log((1/S) sum_s p(y_i | x_i, theta_s)) over its draws, thinned as the criteria's (at most --max-draws, evenly
     * spaced in each chain). The draws are i.i.d. from p(theta | y_-i) only up to MCMC error, which for a mean of
     * densities is small beside PSIS's bias when k > 0.7.
     */
    private double exactLoo(Backend backend, FitCommand.Prepared prepared, int i, RunInputs.Observed obs,
                            int threads) {
        Dataset without = prepared.loaded().dataset().withoutRows(new int[] {i});
        RunConfig cfg = prepared.config();
        FitRun refit = FitRun.fit(backend, backend.blockSize(), threads, without, cfg,
                Collections.nCopies(cfg.chains(), null), null);
        int p = obs.x().length;
        double[] row = new double[p + 1];
        row[0] = 1.0;
        for (int j = 0; j < p; j++) {
            row[j + 1] = obs.x()[j][i];
        }
        int perChain = Math.max(1, maxDraws / cfg.chains());
        double[] logLik = new double[perChain * cfg.chains()];
        int s = 0;
        for (Chain.Result chain : refit.chains()) {
            int length = chain.draws().length;
            int take = Math.min(length, perChain);
            for (int t = 0; t < take; t++) {
                double[] draw = chain.draws()[(int) ((long) t * length / take)];
                logLik[s++] = DrawColumns.unflatten(draw, cfg.experts(), p).logDensity(row, obs.y()[i]);
            }
        }
        return Params.logSumExp(logLik, s) - Math.log(s);
    }

    /** The fit's warnings (summary.json's diagnostics.warnings); none when it cannot be read. */
    private static List<String> warnings(Path run) {
        List<String> out = new ArrayList<>();
        try {
            JsonNode w = Json.MAPPER.readTree(run.resolve(RunFolder.SUMMARY).toFile()).path("diagnostics")
                    .path("warnings");
            w.forEach(line -> out.add(line.asText()));
        } catch (IOException e) {
            // the run's own files say more; the comparison does not depend on them
        }
        return out;
    }

    private static void print(PrintWriter o, List<Model> ranked, int n, Path data) {
        Model best = ranked.get(0);
        o.printf(Locale.ROOT, "%d observations of %s; ranked by PSIS-LOO (diff and se_diff as loo_compare: against the "
                + "best, from the pointwise differences)%n", n, data);
        o.printf(Locale.ROOT, "  %3s %11s %8s %10s %8s %7s %11s %10s %8s %6s %6s%n", "K", "elpd_loo", "se",
                "elpd_diff", "se_diff", "p_loo", "elpd_waic", "waic_diff", "se_diff", "bad_k", "refit");
        for (Model m : ranked) {
            Criteria.Result r = m.pointwise().totals();
            ModelComparison.Difference loo = ModelComparison.difference(m.pointwise().elpdLoo(), best.pointwise().elpdLoo());
            ModelComparison.Difference waic = ModelComparison.difference(m.pointwise().elpdWaic(),
                    best.pointwise().elpdWaic());
            o.printf(Locale.ROOT, "  %3d %11.2f %8.2f %10.2f %8.2f %7.2f %11.2f %10.2f %8.2f %6d %6d%n",
                    m.experts(), r.elpdLoo().estimate(), r.elpdLoo().se(), loo.elpdDiff(), loo.se(),
                    r.pLoo().estimate(), r.elpdWaic().estimate(), waic.elpdDiff(), waic.se(),
                    r.paretoK().bad() + r.paretoK().veryBad(), m.refits().size());
        }
        o.printf(Locale.ROOT, "best: K = %d (highest elpd_loo)%n", best.experts());
        List<String> close = new ArrayList<>();
        for (Model m : ranked.subList(1, ranked.size())) {
            ModelComparison.Difference d = ModelComparison.difference(m.pointwise().elpdLoo(), best.pointwise().elpdLoo());
            if (-d.elpdDiff() < 2 * d.se()) {
                close.add(Integer.toString(m.experts()));
            }
        }
        if (!close.isEmpty()) {
            o.printf(Locale.ROOT, "within 2 se_diff of the best: K = %s (the data do not tell them apart from it)%n",
                    String.join(", ", close));
            o.printf(Locale.ROOT, "fewest experts within 2 se_diff of the best: K = %d%n", parsimonious(ranked));
        }
        if (ranked.stream().anyMatch(m -> !m.refits().isEmpty())) {
            o.printf(Locale.ROOT, "observations with Pareto k above loo's threshold (bad_k) have their exact elpd_loo "
                    + "from a fit without them (refit), as loo's reloo%n");
        }
        long unreliable = ranked.stream().filter(m -> m.unreliable() > 0).count();
        if (unreliable > 0) {
            o.printf(Locale.ROOT, "warning: %d fit%s observations with Pareto k above loo's threshold that were not "
                    + "refitted (more than --reloo-max, refits off, or rows held by another engine): PSIS-LOO is "
                    + "unreliable for those; 'bmoe criteria --run' on the run shows them, and a larger --reloo-max "
                    + "refits them%n", unreliable,
                    unreliable == 1 ? " has" : "s have");
        }
    }

    /**
     * The smallest K whose elpd_loo is within 2 se_diff of the best's (the best itself when none is): the
     * parsimonious reading of loo_compare, as its documentation advises when differences are small against their
     * standard errors.
     */
    static int parsimonious(List<Model> ranked) {
        Model best = ranked.get(0);
        int k = best.experts();
        for (Model m : ranked.subList(1, ranked.size())) {
            ModelComparison.Difference d = ModelComparison.difference(m.pointwise().elpdLoo(), best.pointwise().elpdLoo());
            if (-d.elpdDiff() < 2 * d.se()) {
                k = Math.min(k, m.experts());
            }
        }
        return k;
    }

    private ObjectNode json(List<Model> ranked, List<Integer> ks, long seed, int n) {
        Model best = ranked.get(0);
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("data", data.toAbsolutePath().normalize().toString());
        root.put("n", n);
        ks.forEach(root.putArray("experts")::add);
        root.put("seed", seed);
        fitOptions.forEach(root.putArray("fit_options")::add);
        root.put("criterion", "elpd_loo");
        root.put("best", best.experts());
        root.put("fewest_within_2se", parsimonious(ranked));
        ArrayNode list = root.putArray("models");
        for (Model m : ranked) {
            Criteria.Result r = m.pointwise().totals();
            ObjectNode e = list.addObject();
            e.put("K", m.experts());
            e.put("run", out.relativize(m.run()).toString());
            e.put("draws", m.draws());
            estimate(e, "elpd_loo", r.elpdLoo());
            difference(e, "elpd_diff", "se_diff",
                    ModelComparison.difference(m.pointwise().elpdLoo(), best.pointwise().elpdLoo()));
            estimate(e, "p_loo", r.pLoo());
            estimate(e, "looic", r.looic());
            estimate(e, "elpd_waic", r.elpdWaic());
            difference(e, "elpd_waic_diff", "se_waic_diff",
                    ModelComparison.difference(m.pointwise().elpdWaic(), best.pointwise().elpdWaic()));
            estimate(e, "p_waic", r.pWaic());
            estimate(e, "waic", r.waic());
            CriteriaCommand.paretoK(e, r.paretoK());
            ArrayNode refits = e.putArray("refits");
            for (Refit f : m.refits()) {
                ObjectNode one = refits.addObject();
                one.put("observation", f.observation() + 1);
                number(one, "pareto_k", f.paretoK());
                one.put("psis_elpd_loo", f.psis());
                one.put("elpd_loo", f.exact());
            }
            e.put("unreliable_not_refitted", m.unreliable());
            m.warnings().forEach(e.putArray("warnings")::add);
        }
        root.put("method", "each K fitted with the same fit options and seed; PSIS-LOO and WAIC as 'bmoe criteria' "
                + "(r_eff from the chains where criteria has it); elpd_diff = sum_i (elpd_i(K) - elpd_i(best)) and "
                + "se_diff = sqrt(n) sd_i of those differences, as loo_compare; observations with Pareto k above the "
                + "threshold (at most reloo_max per K) have elpd_loo_i = log mean_s p(y_i | theta_s) over the draws of "
                + "the same fit without them (refits), as loo's reloo; best = the K with the highest elpd_loo");
        root.put("reloo_max", relooMax);
        return root;
    }

    private static void estimate(ObjectNode parent, String key, Criteria.Estimate e) {
        ObjectNode o = parent.putObject(key);
        o.put("estimate", e.estimate());
        number(o, "se", e.se());
    }

    private static void difference(ObjectNode parent, String diffKey, String seKey, ModelComparison.Difference d) {
        parent.put(diffKey, d.elpdDiff());
        number(parent, seKey, d.se());
    }

    private static void number(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }

    private static String join(List<Integer> ks) {
        return String.join(", ", ks.stream().map(String::valueOf).toList());
    }
}
