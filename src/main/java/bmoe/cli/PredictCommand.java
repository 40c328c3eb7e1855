package bmoe.cli;

import bmoe.analysis.Predictive;
import bmoe.io.AtomicFiles;
import bmoe.io.DrawsFile;
import bmoe.io.Stats;
import bmoe.io.Table;
import bmoe.io.UserError;
import bmoe.model.Params;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import bmoe.rng.Step;
import bmoe.sampler.DrawColumns;
import java.io.IOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Posterior of E[y|x] at given points (mean, sd, 5%% and 95%% quantiles over the",
            "draws) and the posterior predictive distribution of y there: its variance, exact",
            "quantiles and, with --draws, draws of y. When the points file has the response",
            "column, also the posterior mean of p(y|x) and its log."})
final class PredictCommand implements Callable<Integer> {
    /** Points per work block: each point's numbers depend on that point alone, so threads cannot change them. */
    static final int BLOCK = 64;

    @Option(names = "--run", required = true, description = "Run folder written by 'bmoe fit'.")
    Path run;

    @Option(names = "--points", required = true, description = "Points with the fit's x columns (and optionally y): delimited text or Parquet, as fit's --data.")
    Path points;

    @Option(names = "--out", required = true, description = "CSV file to write (replaced if it exists).")
    Path out;

    @Option(names = "--quantiles", defaultValue = "0.05,0.5,0.95", paramLabel = "P,P,...",
            description = {"Quantiles of the predictive distribution of y to write, as columns y_q<100 P>: "
                + "y_q5, y_q50, y_q95, y_q2.5 for 0.025 (default ${DEFAULT-VALUE})."})
    String quantiles;

    @Option(names = "--draws", defaultValue = "0", paramLabel = "N",
            description = "Also write N draws of y per point from the posterior predictive (default: none).")
    int draws;

    @Option(names = "--draws-out", paramLabel = "FILE",
            description = "Where --draws go (default: --out with .csv replaced by .draws.csv; replaced if it exists).")
    Path drawsOut;

    @Option(names = "--seed", description = "Seed of the predictive draws, in [0, 4294967295] (default: the run's seed).")
    Long seed;

    @Option(names = "--threads", description = "Worker threads (default: available processors).")
    Integer threads;

    @picocli.CommandLine.Mixin
    DataOptions dataOptions = new DataOptions();

    /** A probability as given, p and 1 - p both exact to a double's precision, and its column name. */
    record Probability(double p, double complement, String column) {}

    @Override
    public Integer call() {
        List<Probability> probabilities = parseQuantiles(quantiles);
        if (draws < 0) {
            throw new UserError("--draws must be >= 0, got " + draws);
        }
        if (draws == 0 && drawsOut != null) {
            throw new UserError("--draws-out needs --draws N");
        }
        if (draws == 0 && seed != null) {
            throw new UserError("--seed is for the predictive draws: it needs --draws N (the quantiles are exact)");
        }
        if (seed != null && (seed < 0 || seed > RngKey.MAX_SEED)) {
            throw new UserError("--seed must be in [0, " + RngKey.MAX_SEED + "], got " + seed);
        }
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (nThreads < 1) {
            throw new UserError("--threads must be >= 1, got " + nThreads);
        }
        Path drawsFile = draws > 0 ? (drawsOut != null ? drawsOut : defaultDrawsFile(out)) : null;
        refuseToOverwrite(out, "--out", points, "--points");
        if (drawsFile != null) {
            refuseToOverwrite(drawsFile, drawsOut != null ? "--draws-out" : "the draws file " + drawsFile, points,
                    "--points");
            refuseToOverwrite(drawsFile, drawsOut != null ? "--draws-out" : "the draws file " + drawsFile, out, "--out");
            AtomicFiles.checkWritable(drawsFile);
        }
        AtomicFiles.checkWritable(out);
        DrawsFile.Contents run = DrawsFile.read(this.run);
        long drawSeed = draws > 0 ? (seed != null ? seed : recordedSeed(run)) : 0;
        Table table = Table.read(points, name -> run.xNames().contains(name) || name.equals(run.yName()),
                dataOptions.dialect());
        List<String> xNames = run.xNames();
        int p = xNames.size();
        double[][] x = new double[p][];
        for (int j = 0; j < p; j++) {
            x[j] = table.column(xNames.get(j));
        }
        boolean withY = table.has(run.yName());
        double[] y = withY ? table.column(run.yName()) : null;
        List<Params> posterior = new ArrayList<>(run.draws().length);
        for (double[] row : run.draws()) {
            posterior.add(DrawColumns.unflatten(row, run.experts(), p));
        }
        int m = table.rows();
        double[][] result = compute(posterior, x, y, m, probabilities, nThreads);

        List<String> header = new ArrayList<>(xNames);
        if (withY) {
            header.add(run.yName());
        }
        header.addAll(List.of("mean", "sd", "q5", "q95"));
        if (withY) {
            header.addAll(List.of("density", "log_density"));
        }
        header.add("y_var");
        for (Probability q : probabilities) {
            header.add(q.column());
        }
        Map<Path, AtomicFiles.Body> files = new LinkedHashMap<>();
        if (drawsFile != null) {
            files.put(drawsFile, w -> writeDraws(w, posterior, x, xNames, m, draws, drawSeed));
        }
        // pred.csv last: it is renamed into place after the draws file
        files.put(out, w -> {
            w.write(String.join(",", header));
            w.write('\n');
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < m; i++) {
                line.setLength(0);
                for (int j = 0; j < p; j++) {
                    line.append(x[j][i]).append(',');
                }
                if (withY) {
                    line.append(y[i]).append(',');
                }
                for (int c = 0; c < result[i].length; c++) {
                    line.append(c > 0 ? "," : "").append(result[i][c]);
                }
                line.append('\n');
                w.write(line.toString());
            }
        });
        AtomicFiles.writeAll(files);
        RunFiles.noteOutput(this.run, out);
        if (drawsFile != null) {
            RunFiles.noteOutput(this.run, drawsFile);
        }
        return Main.EXIT_OK;
    }

    /**
     * Per point: mean, sd, q5, q95 of E[y|x] over the draws; with y, the posterior mean density and its log;
     * then the predictive variance and the requested predictive quantiles. Blocks of points in parallel.
     */
    static double[][] compute(List<Params> posterior, double[][] x, double[] y, int m, List<Probability> probabilities,
                              int threads) {
        int p = x.length;
        double[][] result = new double[m][];
        int blocks = (m + BLOCK - 1) / BLOCK;
        Runnable work = () -> IntStream.range(0, blocks).parallel().forEach(b -> {
            double[] point = new double[p];
            double[] row = new double[p + 1];
            double[] logDens = new double[posterior.size()];
            for (int i = b * BLOCK; i < Math.min(m, (b + 1) * BLOCK); i++) {
                row[0] = 1.0;
                for (int j = 0; j < p; j++) {
                    point[j] = x[j][i];
                    row[j + 1] = x[j][i];
                }
                Predictive predictive = Predictive.at(posterior, point);
                Stats st = Stats.of(predictive.regressionDraws());
                List<Double> values = new ArrayList<>(List.of(st.mean(), st.sd(), st.q5(), st.q95()));
                if (y != null) {
                    for (int s = 0; s < posterior.size(); s++) {
                        logDens[s] = posterior.get(s).logDensity(row, y[i]);
                    }
                    // log of the posterior mean density, by log-sum-exp over draws
                    double logMean = Params.logSumExp(logDens, logDens.length) - Math.log(logDens.length);
                    values.add(Math.exp(logMean));
                    values.add(logMean);
                }
                values.add(predictive.variance());
                for (Probability q : probabilities) {
                    values.add(predictive.quantile(q.p(), q.complement()));
                }
                result[i] = values.stream().mapToDouble(Double::doubleValue).toArray();
            }
        });
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            pool.submit(work).join();
        } finally {
            pool.shutdown();
        }
        return result;
    }

    /**
     * Long format, one row per (point, draw): {@code point,draw,<x columns>,y_rep}, point and draw numbered from
     * 1 (point i is row i of --points and of --out). Draw d at point i comes from the stream (i - 1, d - 1,
     * PREDICT) under key (seed, 0), see {@link Predictive#sample}: the same command gives the same draws.
     */
    static void writeDraws(Writer w, List<Params> posterior, double[][] x, List<String> xNames, int m, int perPoint,
                           long seed) throws IOException {
        w.write("point,draw");
        for (String name : xNames) {
            w.write(',');
            w.write(name);
        }
        w.write(",y_rep\n");
        RngStream rng = new RngStream(new RngKey(seed, 0));
        double[] point = new double[x.length];
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < x.length; j++) {
                point[j] = x[j][i];
            }
            Predictive predictive = Predictive.at(posterior, point);
            StringBuilder xs = new StringBuilder();
            for (int j = 0; j < x.length; j++) {
                xs.append(',').append(point[j]);
            }
            for (int d = 0; d < perPoint; d++) {
                rng.reset(i, d, Step.PREDICT);
                line.setLength(0);
                line.append(i + 1).append(',').append(d + 1).append(xs).append(',').append(predictive.sample(rng))
                        .append('\n');
                w.write(line.toString());
            }
        }
    }

    /**
     * The --quantiles list: probabilities strictly between 0 and 1, each once, as decimals (so that 1 - p is
     * exact) and named y_q followed by 100 p without trailing zeros: distinct probabilities get distinct names.
     */
    static List<Probability> parseQuantiles(String list) {
        List<Probability> out = new ArrayList<>();
        List<BigDecimal> seen = new ArrayList<>();
        for (String token : list.split(",", -1)) {
            String t = token.trim();
            BigDecimal value;
            try {
                value = new BigDecimal(t);
            } catch (NumberFormatException e) {
                throw new UserError("--quantiles: '" + t + "' is not a probability (give e.g. 0.05,0.5,0.95)");
            }
            if (value.signum() <= 0 || value.compareTo(BigDecimal.ONE) >= 0) {
                throw new UserError("--quantiles: " + t + " is not strictly between 0 and 1");
            }
            for (BigDecimal before : seen) {
                if (before.compareTo(value) == 0) {
                    throw new UserError("--quantiles lists " + t + " twice");
                }
            }
            seen.add(value);
            String percent = value.movePointRight(2).stripTrailingZeros().toPlainString();
            out.add(new Probability(value.doubleValue(), BigDecimal.ONE.subtract(value).doubleValue(), "y_q" + percent));
        }
        return out;
    }

    /** pred.csv -> pred.draws.csv; a name without .csv gets .draws.csv appended. */
    static Path defaultDrawsFile(Path out) {
        String name = out.getFileName().toString();
        String stem = name.toLowerCase(Locale.ROOT).endsWith(".csv") ? name.substring(0, name.length() - 4) : name;
        return out.resolveSibling(stem + ".draws.csv");
    }

    private static long recordedSeed(DrawsFile.Contents run) {
        String recorded = run.config().get("seed");
        try {
            if (recorded != null) {
                return Long.parseLong(recorded);
            }
        } catch (NumberFormatException e) {
            // reported below, as a missing seed
        }
        throw new UserError("the run's draws.csv records no seed; give --seed for the predictive draws");
    }

    /** An output must not be one of the inputs: writing it would destroy what was read. */
    private static void refuseToOverwrite(Path output, String outputName, Path input, String inputName) {
        Path a = output.toAbsolutePath().normalize();
        Path b = input.toAbsolutePath().normalize();
        boolean same = a.equals(b);
        if (!same && Files.exists(a) && Files.exists(b)) {
            try {
                same = Files.isSameFile(a, b);
            } catch (IOException e) {
                same = false;
            }
        }
        if (same) {
            throw new UserError(outputName + " is the same file as " + inputName + " (" + input + "); choose another name");
        }
    }
}
