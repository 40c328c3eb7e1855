package bmoe.cli;

import bmoe.io.UserError;
import bmoe.io.AtomicFiles;
import bmoe.io.DrawsFile;
import bmoe.io.Stats;
import bmoe.model.Params;
import bmoe.plot.Plots;
import bmoe.sampler.DrawColumns;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "plot", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"PNG plots of a run: traces, E[y|x] with its band, predictive densities; with K a parameter "
                + "(fit --experts-prior) also the trace of K and the posterior of K beside its prior (experts.png).",
            "Trace plots of label-invariant quantities (log-likelihood, non-empty experts, E[y|x] at the tracked "
                + "points), E[y|x] with its 90%% band over the data (p = 1) and the predictive density p(y|x) with "
                + "its 90%% band at chosen x. Axes and legends name the fit's columns."})
final class PlotCommand implements Callable<Integer> {
    /** Draws used for bands: evenly spaced, enough for 5% and 95% quantiles to be stable to about 1%. */
    static final int BAND_DRAWS = 1000;
    static final int GRID = 120;
    /** The files plot writes; {@link RunFiles} knows them for bmoe's in RUN/plots. */
    static final Pattern FILE_NAMES =
            Pattern.compile("trace-(log_lik|nonempty|experts|regression-\\d+)\\.png|regression\\.png|density\\.png"
                    + "|experts\\.png");
    /** Longest list of x names that conditions an axis label ("E[y | a, b]"); a longer one reads "x". */
    static final int MAX_GIVEN_LENGTH = 40;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    FittedRun fitted = new FittedRun();

    @Option(names = "--at", split = ";", paramLabel = "X",
            description = "x at which to plot p(y|x): p comma-separated values; repeat or separate by ';' "
                    + "(default: the 10%%, 50%% and 90%% quantiles of x when p = 1, the mean of x otherwise).")
    List<String> at;

    @Option(names = "--out", description = "Folder for the PNG files (default: RUN/plots).")
    Path out;

    @Override
    public Integer call() {
        DrawsFile.Contents fit = fitted.read();
        Path folder = out != null ? out : fitted.run.resolve(RunFiles.PLOTS);
        int p = fit.xNames().size();
        List<double[]> atPoints = parseAt(p, fit);
        RunInputs.Observed obs = fitted.observed(fit);
        double[][] x = obs.x();
        double[] y = obs.y();
        AtomicFiles.prepareFolder(folder);
        List<Path> written = new ArrayList<>();

        List<PosteriorReport.ChainDraws> chains = SummaryCommand.chains(fit);
        int length = chains.stream().mapToInt(c -> c.draws().length).min().orElse(0);
        if (length >= 2) {
            if (fit.logLik() != null) {
                written.add(trace(folder, "trace-log_lik.png", "data log-likelihood", "log-likelihood", chains, length,
                        (c, t) -> c.logLik()[t]));
            }
            if (fit.nonEmpty() != null) {
                written.add(trace(folder, "trace-nonempty.png", "non-empty experts", "experts", chains, length,
                        (c, t) -> c.nonEmpty()[t]));
            }
            if (fit.variableExperts()) {
                written.add(trace(folder, "trace-experts.png", "number of experts K", "K", chains, length,
                        (c, t) -> DrawColumns.expertsIn(c.draws()[t], fit.experts(), p)));
            }
            double[][] points = SummaryCommand.points(fitted.run, fit);
            for (int q = 0; q < points.length; q++) {
                double[] row = designRow(points[q]);
                written.add(trace(folder, "trace-regression-" + (q + 1) + ".png",
                        "E[" + fit.yName() + " | " + at(fit.xNames(), points[q]) + "]", regressionLabel(fit), chains,
                        length, (c, t) -> DrawColumns.unflatten(c.draws()[t], fit.experts(), p).regression(row)));
            }
        }
        if (fit.variableExperts()) {
            ExpertsCommand.Sampled k = ExpertsCommand.Sampled.of(fit);
            double[] posterior = new double[fit.experts()];
            for (int e = 1; e <= fit.experts(); e++) {
                posterior[e - 1] = k.draws()[e] / (double) k.total();
            }
            Path png = folder.resolve("experts.png");
            Plots.counts(png, "posterior of the number of experts (prior " + k.prior().spec() + ")", "K", posterior,
                    k.prior().probabilities());
            written.add(png);
        }
        List<Params> draws = RunInputs.evenlySpaced(fit, BAND_DRAWS);
        if (p == 1) {
            written.add(regression(folder, fit, draws, x[0], y));
        }
        written.add(densities(folder, fit, draws, atPoints != null ? atPoints : defaultAt(x), y));
        PrintWriter o = spec.commandLine().getOut();
        written.forEach(w -> {
            RunFiles.noteOutput(fitted.run, w);
            o.println("wrote " + w);
        });
        o.flush();
        return Main.EXIT_OK;
    }

    interface Quantity {
        double at(PosteriorReport.ChainDraws chain, int t);
    }

    private static Path trace(Path folder, String name, String title, String yLabel,
                              List<PosteriorReport.ChainDraws> chains, int length, Quantity q) {
        double[][] v = new double[chains.size()][length];
        for (int c = 0; c < chains.size(); c++) {
            for (int t = 0; t < length; t++) {
                v[c][t] = q.at(chains.get(c), t);
            }
        }
        Path png = folder.resolve(name);
        Plots.trace(png, title, yLabel, v);
        return png;
    }

    private static Path regression(Path folder, DrawsFile.Contents fit, List<Params> draws, double[] x, double[] y) {
        double lo = Arrays.stream(x).min().orElseThrow();
        double hi = Arrays.stream(x).max().orElseThrow();
        double[] grid = grid(lo, hi);
        double[] mean = new double[GRID];
        double[] q5 = new double[GRID];
        double[] q95 = new double[GRID];
        double[] f = new double[draws.size()];
        for (int g = 0; g < GRID; g++) {
            double[] row = {1.0, grid[g]};
            for (int s = 0; s < f.length; s++) {
                f[s] = draws.get(s).regression(row);
            }
            Stats st = Stats.of(f);
            mean[g] = st.mean();
            q5[g] = st.q5();
            q95[g] = st.q95();
        }
        Path png = folder.resolve("regression.png");
        Plots.regressionBand(png, regressionLabel(fit) + ": posterior mean and 90% band (K = " + fit.experts() + ")", x,
                y, grid, mean, q5, q95, fit.xNames().get(0), fit.yName());
        return png;
    }

    private static Path densities(Path folder, DrawsFile.Contents fit, List<Params> draws, List<double[]> at, double[] y) {
        double lo = Arrays.stream(y).min().orElseThrow();
        double hi = Arrays.stream(y).max().orElseThrow();
        double pad = 0.1 * (hi - lo) + 1e-9;
        double[] grid = grid(lo - pad, hi + pad);
        List<String> labels = new ArrayList<>();
        List<double[]> means = new ArrayList<>();
        List<double[]> q5s = new ArrayList<>();
        List<double[]> q95s = new ArrayList<>();
        double[] dens = new double[draws.size()];
        for (double[] x : at) {
            double[] row = designRow(x);
            double[] mean = new double[GRID];
            double[] q5 = new double[GRID];
            double[] q95 = new double[GRID];
            for (int g = 0; g < GRID; g++) {
                for (int s = 0; s < dens.length; s++) {
                    dens[s] = Math.exp(draws.get(s).logDensity(row, grid[g]));
                }
                Stats st = Stats.of(dens);
                mean[g] = st.mean();
                q5[g] = st.q5();
                q95[g] = st.q95();
            }
            labels.add(at(fit.xNames(), x));
            means.add(mean);
            q5s.add(q5);
            q95s.add(q95);
        }
        Path png = folder.resolve("density.png");
        String density = "p(" + fit.yName() + " | " + given(fit.xNames()) + ")";
        Plots.densities(png, density + ": posterior mean and 90% band", grid, labels, means, q5s, q95s, fit.yName(),
                density);
        return png;
    }

    /** "E[accel | times]": the regression function in the fit's names. */
    static String regressionLabel(DrawsFile.Contents fit) {
        return "E[" + fit.yName() + " | " + given(fit.xNames()) + "]";
    }

    /** The x names a quantity is conditioned on, or "x" where they would not fit on an axis. */
    static String given(List<String> xNames) {
        String all = String.join(", ", xNames);
        return all.length() <= MAX_GIVEN_LENGTH ? all : "x";
    }

    /** A point in the fit's names: "times = 0.5, dose = 2.00". */
    static String at(List<String> xNames, double[] x) {
        List<String> parts = new ArrayList<>();
        for (int j = 0; j < x.length; j++) {
            parts.add(xNames.get(j) + " = " + String.format(Locale.ROOT, "%.3g", x[j]));
        }
        return String.join(", ", parts);
    }

    private static double[] designRow(double[] x) {
        double[] row = new double[x.length + 1];
        row[0] = 1.0;
        System.arraycopy(x, 0, row, 1, x.length);
        return row;
    }

    private static double[] grid(double lo, double hi) {
        double[] g = new double[GRID];
        for (int i = 0; i < GRID; i++) {
            g[i] = lo + (hi - lo) * i / (GRID - 1);
        }
        return g;
    }

    private List<double[]> parseAt(int p, DrawsFile.Contents fit) {
        if (at == null || at.isEmpty()) {
            return null;
        }
        List<double[]> points = new ArrayList<>();
        for (String spec : at) {
            String[] parts = spec.split(",");
            if (parts.length != p) {
                throw new UserError("--at '" + spec + "' has " + parts.length + " values; the fit has p = " + p);
            }
            double[] x = new double[p];
            for (int j = 0; j < p; j++) {
                try {
                    x[j] = Double.parseDouble(parts[j].strip());
                } catch (NumberFormatException e) {
                    throw new UserError("--at '" + spec + "': not a number: '" + parts[j].strip() + "'");
                }
                if (!Double.isFinite(x[j])) {
                    throw new UserError("--at '" + spec + "': values must be finite");
                }
            }
            points.add(x);
        }
        // each point is one curve, named by its values to 3 digits: two points that read the same would be two
        // curves no one can tell apart (and the chart refuses them), so say so before anything is drawn
        Set<String> names = new HashSet<>();
        for (double[] x : points) {
            String name = at(fit.xNames(), x);
            if (!names.add(name)) {
                throw new UserError("--at gives the point " + name + " twice (points are told apart to 3 significant "
                        + "digits); give distinct points");
            }
        }
        return points;
    }

    /** The 10/50/90% quantiles of x for p = 1; the mean of x otherwise. */
    private static List<double[]> defaultAt(double[][] x) {
        if (x.length == 1) {
            double[] sorted = x[0].clone();
            Arrays.sort(sorted);
            return List.of(new double[] {Stats.quantile(sorted, 0.1)}, new double[] {Stats.quantile(sorted, 0.5)},
                    new double[] {Stats.quantile(sorted, 0.9)});
        }
        double[] mean = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            mean[j] = Arrays.stream(x[j]).average().orElse(0);
        }
        return List.of(mean);
    }
}
