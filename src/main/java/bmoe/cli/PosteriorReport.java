package bmoe.cli;

import bmoe.analysis.ChainModes;
import bmoe.analysis.Convergence;
import bmoe.analysis.Relabel;
import bmoe.model.Params;
import bmoe.sampler.DrawColumns;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a statistician reads after a fit, printed by {@code fit} and {@code summary} and stored in
 * summary.json: convergence diagnostics (rank-normalised split R-hat, bulk and tail ESS; Vehtari et al.
 * 2021) of label-invariant quantities, then per-expert summaries after relabelling.
 *
 * <p>Invariant quantities: E[y|x] at a few points (the x means and one sd either side along each of the
 * first four coordinates), the data log-likelihood of each kept sweep, and the number of non-empty experts.
 * Relabelling: {@link Relabel}, a pivot method on parameters (allocations of n = 1e8 rows are not kept per
 * draw, so allocation-based methods such as ECR are out of reach); it permutes whole draws, re-expressing
 * the gates against the new last expert.
 */
final class PosteriorReport {
    /** Draws of one chain: rows in {@link DrawColumns} order; logLik and nonEmpty may be null (older runs). */
    record ChainDraws(int chain, double[][] draws, double[] logLik, int[] nonEmpty) {}

    /**
     * Relabelling solves K assignment problems of size K per draw and pass (O(K^4)): beyond this K it would
     * take longer than the fit, and per-expert summaries of so many experts are rarely read.
     */
    static final int MAX_RELABEL_EXPERTS = 12;

    /** Coordinates along which E[y|x] is tracked, beyond the mean point. */
    private static final int TRACKED_COORDINATES = 4;

    private final int experts;
    private final int p;
    private final double[][] points;
    private final List<Convergence.Summary> invariants;
    private final Relabel.Result relabel;
    private final List<Convergence.Summary> parameters;
    private final String skipped;
    private final String relabelSkipped;
    /** Warnings about the sampler rather than the draws (a gate move that barely accepts); listed first. */
    private final List<String> samplerWarnings;
    /** P(K = k | y) for k = 1..KMAX (index k - 1) over all chains' draws when K is a parameter, else null. */
    private final double[] expertsPosterior;
    /** What to try when an invariant quantity warns ({@link MixingAdvice}); null for none. */
    private final String advice;

    private PosteriorReport(int experts, int p, double[][] points, List<Convergence.Summary> invariants,
                            Relabel.Result relabel, List<Convergence.Summary> parameters, String skipped,
                            String relabelSkipped, List<String> samplerWarnings) {
        this(experts, p, points, invariants, relabel, parameters, skipped, relabelSkipped, samplerWarnings, null);
    }

    private PosteriorReport(int experts, int p, double[][] points, List<Convergence.Summary> invariants,
                            Relabel.Result relabel, List<Convergence.Summary> parameters, String skipped,
                            String relabelSkipped, List<String> samplerWarnings, double[] expertsPosterior) {
        this(experts, p, points, invariants, relabel, parameters, skipped, relabelSkipped, samplerWarnings,
                expertsPosterior, null);
    }

    private PosteriorReport(int experts, int p, double[][] points, List<Convergence.Summary> invariants,
                            Relabel.Result relabel, List<Convergence.Summary> parameters, String skipped,
                            String relabelSkipped, List<String> samplerWarnings, double[] expertsPosterior,
                            String advice) {
        this.advice = advice;
        this.expertsPosterior = expertsPosterior;
        this.experts = experts;
        this.p = p;
        this.points = points;
        this.invariants = invariants;
        this.relabel = relabel;
        this.parameters = parameters;
        this.skipped = skipped;
        this.relabelSkipped = relabelSkipped;
        this.samplerWarnings = List.copyOf(samplerWarnings);
    }

    /** The points x at which E[y|x] is tracked: the mean, and mean +- sd along the first coordinates. */
    static double[][] points(double[] xMean, double[] xSd) {
        List<double[]> pts = new ArrayList<>();
        pts.add(xMean.clone());
        for (int j = 0; j < Math.min(TRACKED_COORDINATES, xMean.length); j++) {
            for (int sign = -1; sign <= 1; sign += 2) {
                double[] x = xMean.clone();
                x[j] += sign * xSd[j];
                pts.add(x);
            }
        }
        return pts.toArray(double[][]::new);
    }

    static PosteriorReport of(int experts, int p, double[][] points, List<ChainDraws> chains) {
        return of(experts, p, points, chains, List.of());
    }

    /**
     * @param samplerWarnings warnings about the sampler ({@link ChainReport#samplerWarnings}), printed and stored
     *     with the others, first
     */
    static PosteriorReport of(int experts, int p, double[][] points, List<ChainDraws> chains,
                              List<String> samplerWarnings) {
        return of(experts, p, points, chains, samplerWarnings, false);
    }

    /**
     * @param variableExperts whether K is a parameter ({@code experts} is then KMAX): K joins the invariant
     *     quantities, its posterior is reported, and per-expert summaries are left out (draws of different K share
     *     no labels)
     */
    static PosteriorReport of(int experts, int p, double[][] points, List<ChainDraws> chains,
                              List<String> samplerWarnings, boolean variableExperts) {
        int length = chains.stream().mapToInt(c -> c.draws().length).min().orElse(0);
        if (chains.stream().anyMatch(c -> c.draws().length != length)) {
            return new PosteriorReport(experts, p, points, List.of(), null, List.of(),
                    "chains hold different numbers of draws", null, samplerWarnings);
        }
        if (length < 4) {
            return new PosteriorReport(experts, p, points, List.of(), null, List.of(),
                    "fewer than 4 draws per chain", null, samplerWarnings);
        }
        int c = chains.size();
        List<List<Params>> params = new ArrayList<>();
        for (ChainDraws ch : chains) {
            params.add(Arrays.stream(ch.draws()).map(r -> DrawColumns.unflatten(r, experts, p)).toList());
        }
        List<Convergence.Summary> invariants = new ArrayList<>();
        double[] row = new double[p + 1];
        row[0] = 1.0;
        for (double[] x : points) {
            System.arraycopy(x, 0, row, 1, p);
            double[][] f = new double[c][length];
            for (int k = 0; k < c; k++) {
                for (int t = 0; t < length; t++) {
                    f[k][t] = params.get(k).get(t).regression(row);
                }
            }
            invariants.add(Convergence.summarize("E[y|x=(" + format(x) + ")]", f));
        }
        boolean haveLogLik = chains.stream().allMatch(ch -> ch.logLik() != null);
        double[][] logLik = haveLogLik ? chains.stream().map(ChainDraws::logLik).toArray(double[][]::new) : null;
        if (haveLogLik) {
            invariants.add(Convergence.summarize("log_lik", logLik));
            ChainModes.Result modes = c > 1 ? ChainModes.compare(logLik) : null;
            if (modes != null && modes.apart()) {
                samplerWarnings = new ArrayList<>(samplerWarnings);
                samplerWarnings.add(modes.warning());
            }
        }
        if (chains.stream().allMatch(ch -> ch.nonEmpty() != null)) {
            double[][] ne = chains.stream().map(ch -> Arrays.stream(ch.nonEmpty()).asDoubleStream().toArray())
                    .toArray(double[][]::new);
            invariants.add(Convergence.summarize("nonempty", ne));
        }
        if (variableExperts) {
            double[][] ks = new double[c][length];
            double[] posterior = new double[experts];
            for (int k = 0; k < c; k++) {
                for (int t = 0; t < length; t++) {
                    ks[k][t] = params.get(k).get(t).experts();
                    posterior[(int) ks[k][t] - 1] += 1.0 / (c * (double) length);
                }
            }
            invariants.add(Convergence.summarize("experts (K)", ks));
            return new PosteriorReport(experts, p, points, invariants, null, List.of(), null,
                    "per-expert summaries are not given when K is a parameter (draws of different K share no labels); "
                            + "'bmoe experts --run RUN' gives the posterior of K, and a fit with --experts at its mode "
                            + "the experts' parameters", samplerWarnings, posterior);
        }
        if (experts > MAX_RELABEL_EXPERTS) {
            return new PosteriorReport(experts, p, points, invariants, null, List.of(),
                    null, "relabelling skipped for K > " + MAX_RELABEL_EXPERTS + " (per-expert summaries omitted)",
                    samplerWarnings);
        }
        Relabel.Result relabel = Relabel.run(params, logLik);
        List<String> names = DrawColumns.names(experts, p);
        List<Convergence.Summary> parameters = new ArrayList<>();
        for (int j = 0; j < names.size(); j++) {
            double[][] v = new double[c][length];
            for (int k = 0; k < c; k++) {
                for (int t = 0; t < length; t++) {
                    v[k][t] = DrawColumns.flatten(relabel.draws().get(k).get(t))[j];
                }
            }
            parameters.add(Convergence.summarize(names.get(j), v));
        }
        return new PosteriorReport(experts, p, points, invariants, relabel, parameters, null, null, samplerWarnings);
    }

    private static String format(double[] x) {
        return Arrays.stream(x).mapToObj(v -> String.format(Locale.ROOT, "%.4g", v)).collect(Collectors.joining(", "));
    }

    /** The same report, saying {@code advice} ({@link MixingAdvice}) when an invariant quantity warns. */
    PosteriorReport withAdvice(String advice) {
        return new PosteriorReport(experts, p, points, invariants, relabel, parameters, skipped, relabelSkipped,
                samplerWarnings, expertsPosterior, advice);
    }

    /** The advice to print: null unless there is some and an invariant quantity warns. */
    String advice() {
        return advice != null && skipped == null && invariants.stream().anyMatch(Convergence.Summary::warn)
                ? advice : null;
    }

    /** Quantities whose diagnostics advise caution, with the reason. */
    List<String> warnings() {
        List<String> w = new ArrayList<>(samplerWarnings);
        if (skipped != null) {
            w.add("no diagnostics: " + skipped);
            return w;
        }
        for (Convergence.Summary s : invariants) {
            if (s.warn()) {
                w.add(s.name() + ": " + s.reason());
            }
        }
        if (relabel == null) {
            return w;
        }
        for (int k = 0; k < experts; k++) {
            if (relabel.labelAmbiguous()[k]) {
                w.add(String.format(Locale.ROOT, "expert %d: relabelling is ambiguous in %.1f%% of draws; its "
                        + "per-expert summaries mix experts (prefer the label-invariant quantities)", k + 1,
                        100 * relabel.labelAmbiguousFraction()[k]));
            }
        }
        if (!relabel.converged()) {
            w.add("relabelling did not settle in " + relabel.iterations() + " passes");
        }
        return w;
    }

    void print(PrintWriter out) {
        if (skipped != null) {
            out.println("diagnostics: not computed (" + skipped + ")");
            samplerWarnings.forEach(w -> out.println("warning: " + w));
            out.flush();
            return;
        }
        out.println("convergence of label-invariant quantities (rank-normalised split R-hat, bulk and tail ESS):");
        header(out, "quantity");
        invariants.forEach(s -> line(out, s));
        if (expertsPosterior != null) {
            StringBuilder pk = new StringBuilder("posterior of K:");
            for (int k = 0; k < expertsPosterior.length; k++) {
                pk.append(String.format(Locale.ROOT, "  %d: %.3f", k + 1, expertsPosterior[k]));
            }
            out.println(pk);
        }
        if (relabel == null) {
            out.println("parameters: " + relabelSkipped);
            warnings().forEach(w -> out.println("warning: " + w));
            printAdvice(out);
            out.flush();
            return;
        }
        long relabelledChains = relabel.chains().stream().filter(Relabel.ChainSummary::relabelled).count();
        out.printf(Locale.ROOT, "parameters, relabelled (pivot on beta, log sigma2 and centred gates; %d of %d chains "
                + "relabelled, %d draws permuted, %.1f%% ambiguous):%n", relabelledChains, relabel.chains().size(),
                relabel.permutedDraws(), 100 * relabel.ambiguousFraction());
        header(out, "name");
        parameters.forEach(s -> line(out, s));
        List<String> warnings = warnings();
        if (warnings.isEmpty()) {
            out.printf(Locale.ROOT, "no warnings (R-hat <= %.2f and ESS >= %.0f for every invariant quantity)%n",
                    Convergence.RHAT_MAX, Convergence.ESS_MIN);
        } else {
            warnings.forEach(w -> out.println("warning: " + w));
            printAdvice(out);
        }
        out.flush();
    }

    private void printAdvice(PrintWriter out) {
        if (advice() != null) {
            out.println("to mix better: " + advice());
        }
    }

    private static void header(PrintWriter out, String first) {
        out.printf(Locale.ROOT, "  %-26s %11s %10s %11s %11s %7s %8s %8s%n", first, "mean", "sd", "5%", "95%", "R-hat",
                "ESS-bulk", "ESS-tail");
    }

    private static void line(PrintWriter out, Convergence.Summary s) {
        out.printf(Locale.ROOT, "  %-26s %11.4g %10.4g %11.4g %11.4g %7s %8s %8s%s%n", s.name(), s.mean(), s.sd(), s.q5(),
                s.q95(), num(s.rhat(), "%.3f"), num(s.essBulk(), "%.0f"), num(s.essTail(), "%.0f"),
                s.warn() ? "  !" : "");
    }

    private static String num(double v, String fmt) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, fmt, v);
    }

    /** The report as summary.json's "diagnostics" and "parameters" entries. */
    void addTo(ObjectNode root) {
        ObjectNode d = root.putObject("diagnostics");
        d.put("method", "rank-normalised split R-hat and bulk/tail ESS (Vehtari et al. 2021); warn when R-hat > "
                + Convergence.RHAT_MAX + " or ESS < " + Convergence.ESS_MIN);
        ArrayNode pts = d.putArray("points");
        for (double[] x : points) {
            ArrayNode a = pts.addArray();
            for (double v : x) {
                a.add(v);
            }
        }
        if (skipped != null) {
            d.put("skipped", skipped);
            // the sampler's warnings hold without diagnostics too ("no diagnostics" itself is said by "skipped")
            samplerWarnings.forEach(d.putArray("warnings")::add);
            return;
        }
        ArrayNode q = d.putArray("quantities");
        invariants.forEach(s -> put(q.addObject(), s));
        ArrayNode warnings = d.putArray("warnings");
        warnings().forEach(warnings::add);
        if (advice() != null) {
            d.put("advice", advice());
        }
        if (expertsPosterior != null) {
            ObjectNode pk = root.putObject("experts_posterior");
            for (int k = 0; k < expertsPosterior.length; k++) {
                pk.put(Integer.toString(k + 1), expertsPosterior[k]);
            }
        }
        ObjectNode r = root.putObject("relabelling");
        if (relabel == null) {
            r.put("skipped", relabelSkipped);
            return;
        }
        r.put("method", "pivot relabelling on (beta, log sigma2, centred gates) with Hungarian assignment; gates "
                + "re-expressed against the new last expert");
        r.put("ambiguous_fraction", relabel.ambiguousFraction());
        ArrayNode amb = r.putArray("label_ambiguous_fraction");
        for (double v : relabel.labelAmbiguousFraction()) {
            amb.add(v);
        }
        r.put("permuted_draws", relabel.permutedDraws());
        r.put("chains_relabelled", relabel.chains().stream().filter(Relabel.ChainSummary::relabelled).count());
        r.put("converged", relabel.converged());
        r.put("iterations", relabel.iterations());
        ObjectNode params = root.putObject("parameters");
        for (Convergence.Summary s : parameters) {
            put(params.putObject(s.name()), s);
        }
    }

    /** JSON has no NaN: an undefined diagnostic (a constant quantity) is null. */
    private static void number(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }

    private static void put(ObjectNode o, Convergence.Summary s) {
        o.put("name", s.name());
        o.put("mean", s.mean());
        o.put("sd", s.sd());
        o.put("q5", s.q5());
        o.put("q50", s.q50());
        o.put("q95", s.q95());
        number(o, "mcse_mean", s.mcseMean());
        number(o, "rhat", s.rhat());
        number(o, "ess_bulk", s.essBulk());
        number(o, "ess_tail", s.essTail());
        o.put("warning", s.reason());
    }
}
