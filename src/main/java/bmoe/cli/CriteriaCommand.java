package bmoe.cli;

import bmoe.io.UserError;
import bmoe.analysis.Criteria;
import bmoe.analysis.RelativeEfficiency;
import bmoe.io.AtomicFiles;
import bmoe.io.DrawsFile;
import bmoe.io.Json;
import bmoe.model.Params;
import bmoe.sampler.DrawColumns;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "criteria", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"WAIC and PSIS-LOO, with Pareto k diagnostics, of a run on its data or on held-out data.",
            "They come from the per-observation log-likelihood draws log p(y_i | x_i, theta_s), computed here;",
            "r_eff, the draws' relative efficiency (loo's relative_eff), is estimated from the chains."})
final class CriteriaCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    FittedRun fitted = new FittedRun();

    @Option(names = "--max-draws", defaultValue = "4000",
            description = {"Use at most this many draws (default ${DEFAULT-VALUE}): the same number from every chain, evenly"
                + " spaced in it, so that r_eff can be estimated from the chains."})
    int maxDraws;

    @Option(names = "--threads", description = "Worker threads (default: available processors).")
    Integer threads;

    @Option(names = "--out", description = "Also write the results as JSON to this file.")
    Path out;

    @Override
    public Integer call() {
        if (maxDraws < 2) {
            throw new UserError("--max-draws must be >= 2, got " + maxDraws);
        }
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (nThreads < 1) {
            throw new UserError("--threads must be >= 1, got " + nThreads);
        }
        if (out != null) {
            AtomicFiles.checkWritable(out);
        }
        DrawsFile.Contents fit = fitted.read();
        RunInputs.Observed obs = fitted.observed(fit);
        Path file = obs.file();
        Selection selection = select(fit, maxDraws);
        Criteria.Result r = compute(selection, obs.x(), obs.y(), nThreads);
        print(spec.commandLine().getOut(), r, selection, file, fit.draws().length);
        if (out != null) {
            Json.write(out, json(r, selection, file));
            RunFiles.noteOutput(fitted.run, out);
        }
        return Main.EXIT_OK;
    }

    /**
     * The draws criteria uses, chain after chain when r_eff comes from the chains.
     *
     * @param chains the chains r_eff is estimated from; 0 when the draws are taken as independent (r_eff = 1)
     * @param independentReason why r_eff = 1, when chains = 0
     */
    record Selection(List<Params> draws, int chains, String independentReason) {
        int drawsPerChain() {
            return chains == 0 ? 0 : draws.size() / chains;
        }
    }

    /**
     * At most max draws. r_eff needs the same number of consecutive (evenly thinned) draws from every chain:
     * floor(max / C) of each of the C chains, evenly spaced in it, all of them when they fit. Where that
     * cannot be had (chains of unequal length, fewer than {@link RelativeEfficiency#MIN_DRAWS_PER_CHAIN} per
     * chain) the draws are evenly spaced over all rows and taken as independent, as loo does without r_eff.
     */
    static Selection select(DrawsFile.Contents fit, int max) {
        Map<Integer, List<Integer>> rowsByChain = new LinkedHashMap<>();
        for (int row = 0; row < fit.chain().length; row++) {
            rowsByChain.computeIfAbsent(fit.chain()[row], c -> new ArrayList<>()).add(row);
        }
        List<List<Integer>> chains = new ArrayList<>(rowsByChain.values());
        int length = chains.get(0).size();
        boolean equal = chains.stream().allMatch(c -> c.size() == length);
        if (!equal) {
            List<Integer> lengths = chains.stream().map(List::size).toList();
            return new Selection(RunInputs.evenlySpaced(fit, max), 0,
                    "the chains have unequal lengths " + lengths);
        }
        int perChain = Math.min(length, max / chains.size());
        if (perChain < RelativeEfficiency.MIN_DRAWS_PER_CHAIN) {
            String what = chains.size() == 1 ? "one chain of " + perChain + " draws"
                    : chains.size() + " chains of " + perChain + " draws";
            return new Selection(RunInputs.evenlySpaced(fit, max), 0, what + "; r_eff needs at least "
                    + RelativeEfficiency.MIN_DRAWS_PER_CHAIN + " draws per chain");
        }
        List<Params> draws = new ArrayList<>(perChain * chains.size());
        for (List<Integer> rows : chains) {
            for (int t = 0; t < perChain; t++) {
                int row = rows.get((int) ((long) t * length / perChain));
                draws.add(DrawColumns.unflatten(fit.draws()[row], fit.experts(), fit.xNames().size()));
            }
        }
        return new Selection(draws, chains.size(), null);
    }

    /** The criteria of the selected draws on the data ({@link Criteria#evaluate}). */
    static Criteria.Result compute(Selection selection, double[][] x, double[] y, int threads) {
        return Criteria.evaluate(selection.draws(), selection.chains(), x, y, threads, null);
    }

    static void print(PrintWriter o, Criteria.Result r, Selection selection, Path file, int totalDraws) {
        o.printf(Locale.ROOT, "%d observations of %s, %d draws (of %d)%n", r.n(), file, r.draws(), totalDraws);
        o.printf(Locale.ROOT, "  %-10s %14s %10s%n", "", "estimate", "se");
        row(o, "elpd_loo", r.elpdLoo());
        row(o, "p_loo", r.pLoo());
        row(o, "looic", r.looic());
        row(o, "elpd_waic", r.elpdWaic());
        row(o, "p_waic", r.pWaic());
        row(o, "waic", r.waic());
        Criteria.ParetoKSummary k = r.paretoK();
        if (Double.isNaN(r.mcseElpdLoo())) {
            o.printf(Locale.ROOT, "Monte Carlo SE of elpd_loo: n/a (some Pareto k > %.2f)%n", k.threshold());
        } else {
            o.printf(Locale.ROOT, "Monte Carlo SE of elpd_loo: %.3f%n", r.mcseElpdLoo());
        }
        Criteria.RelativeEfficiencySummary e = r.relativeEfficiency();
        if (e.fromChains()) {
            o.printf(Locale.ROOT, "r_eff (relative efficiency of each row's likelihood draws) from %d chain%s x %d draws:"
                    + " min %.3f, median %.3f, max %.3f%s%n", e.chains(), e.chains() == 1 ? "" : "s", e.drawsPerChain(),
                    e.min(), e.median(), e.max(),
                    e.undefined() > 0 ? "; " + e.undefined() + " rows without spread got 1" : "");
        } else {
            o.printf(Locale.ROOT, "r_eff = 1, draws taken as independent (%s)%n", selection.independentReason());
        }
        o.printf(Locale.ROOT, "Pareto k (PSIS): %d good (k <= %.2f), %d bad (<= 1), %d very bad; largest %.3f at row %d%s%n",
                k.good(), k.threshold(), k.bad(), k.veryBad(), k.maxK(), k.maxKIndex() + 1,
                k.good() > 0 ? String.format(Locale.ROOT, "; smallest PSIS ESS of the good rows %.0f", k.minEssGood()) : "");
        if (k.bad() + k.veryBad() > 0) {
            o.printf(Locale.ROOT, "warning: %d observations have k > %.2f: PSIS-LOO is unreliable for them%n",
                    k.bad() + k.veryBad(), k.threshold());
        }
        if (r.pWaicAboveWarningLevel() > 0) {
            o.printf(Locale.ROOT, "warning: %d observations have p_waic_i > %.1f: prefer PSIS-LOO to WAIC%n",
                    r.pWaicAboveWarningLevel(), Criteria.P_WAIC_WARNING_LEVEL);
        }
        o.flush();
    }

    private static void row(PrintWriter o, String name, Criteria.Estimate e) {
        o.printf(Locale.ROOT, "  %-10s %14.3f %10.3f%n", name, e.estimate(), e.se());
    }

    /** The Pareto k table as criteria.json and select.json hold it, under "pareto_k" of {@code parent}. */
    static ObjectNode paretoK(ObjectNode parent, Criteria.ParetoKSummary summary) {
        ObjectNode k = parent.putObject("pareto_k");
        k.put("threshold", summary.threshold());
        k.put("good", summary.good());
        k.put("bad", summary.bad());
        k.put("very_bad", summary.veryBad());
        if (Double.isFinite(summary.maxK())) {
            k.put("max", summary.maxK());
        } else {
            k.put("max", String.valueOf(summary.maxK()));
        }
        return k;
    }

    static ObjectNode json(Criteria.Result r, Selection selection, Path file) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("data", file.toString());
        root.put("n", r.n());
        root.put("draws", r.draws());
        root.put("lppd", r.lppd());
        estimate(root, "elpd_loo", r.elpdLoo());
        putFiniteOrNull(root, "mcse_elpd_loo", r.mcseElpdLoo());
        estimate(root, "p_loo", r.pLoo());
        estimate(root, "looic", r.looic());
        estimate(root, "elpd_waic", r.elpdWaic());
        estimate(root, "p_waic", r.pWaic());
        estimate(root, "waic", r.waic());
        root.put("p_waic_above_0.4", r.pWaicAboveWarningLevel());
        ObjectNode k = paretoK(root, r.paretoK());
        k.put("max_row", r.paretoK().maxKIndex() + 1);
        putFiniteOrNull(k, "min_ess_good", r.paretoK().minEssGood());
        Criteria.RelativeEfficiencySummary e = r.relativeEfficiency();
        ObjectNode reff = root.putObject("r_eff");
        if (e.fromChains()) {
            reff.put("source", "chains");
            reff.put("chains", e.chains());
            reff.put("draws_per_chain", e.drawsPerChain());
            reff.put("min", e.min());
            reff.put("median", e.median());
            reff.put("max", e.max());
            reff.put("undefined", e.undefined());
        } else {
            reff.put("source", "independent");
            reff.put("value", 1);
            reff.put("reason", selection.independentReason());
        }
        root.put("method", "PSIS-LOO (Vehtari, Gelman, Gabry 2017; loo 2.x smoothing and truncation) and WAIC; "
                + (e.fromChains() ? "r_eff per row from the chains (loo's relative_eff: ESS of the likelihood draws"
                        + " over the split chains / S), in the Pareto tail length and the Monte Carlo SE"
                        : "draws treated as independent (r_eff = 1)"));
        return root;
    }

    private static void putFiniteOrNull(ObjectNode node, String key, double value) {
        if (Double.isFinite(value)) {
            node.put(key, value);
        } else {
            node.putNull(key);
        }
    }

    private static void estimate(ObjectNode root, String key, Criteria.Estimate e) {
        ObjectNode o = root.putObject(key);
        o.put("estimate", e.estimate());
        if (Double.isFinite(e.se())) {
            o.put("se", e.se());
        } else {
            o.putNull("se");
        }
    }
}
