package bmoe.cli;

import bmoe.backend.Backend;
import bmoe.io.AtomicFiles;
import bmoe.io.Table;
import bmoe.model.Dataset;
import bmoe.model.Priors;
import bmoe.sampler.RunConfig;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "fit", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fit a K-expert mixture by Gibbs sampling; writes RUN/draws.csv and RUN/summary.json.",
            "x and y are standardised for sampling (priors apply there) and draws are mapped back to the "
                + "original scale, unless --no-standardize."})
final class FitCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", required = true, description = "CSV file with a header row.")
    Path data;

    @Option(names = "--y", defaultValue = "y", description = "Response column (default ${DEFAULT-VALUE}).")
    String y;

    @Option(names = "--x", split = ",", description = "Covariate columns, comma separated (default: all but --y).")
    List<String> x;

    @Option(names = {"--experts", "-K"}, required = true, description = "Number of experts K >= 1.")
    int experts;

    @Option(names = "--chains", defaultValue = "4", description = "Chains (default ${DEFAULT-VALUE}).")
    int chains;

    @Option(names = "--warmup", defaultValue = "1000", description = "Warm-up sweeps per chain (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--draws", defaultValue = "1000", description = "Post-warm-up sweeps per chain (default ${DEFAULT-VALUE}).")
    int draws;

    @Option(names = "--thin", defaultValue = "1", description = "Keep every n-th post-warm-up sweep (default ${DEFAULT-VALUE}).")
    int thin;

    @Option(names = "--seed", description = "Seed in [0, 4294967295] (default: random, printed and recorded).")
    Long seed;

    @Option(names = "--out", required = true, description = "Run folder to write.")
    Path out;

    @Option(names = "--prior-gate-sd", defaultValue = "5.0", description = "s_w: w_k ~ N(0, s_w^2 I) (default ${DEFAULT-VALUE}).")
    double priorGateSd;

    @Option(names = "--prior-expert-sd", defaultValue = "5.0",
            description = "s_b: beta_k | s2_k ~ N(0, s2_k s_b^2 I) (default ${DEFAULT-VALUE}).")
    double priorExpertSd;

    @Option(names = "--prior-sigma-shape", defaultValue = "2.0", description = "a0: s2_k ~ InvGamma(a0, b0) (default ${DEFAULT-VALUE}).")
    double priorSigmaShape;

    @Option(names = "--prior-sigma-scale", defaultValue = "1.0", description = "b0 (default ${DEFAULT-VALUE}).")
    double priorSigmaScale;

    @Option(names = "--no-standardize", description = "Sample on the original scale (priors apply there).")
    boolean noStandardize;

    @CommandLine.Mixin
    BackendOptions backendOptions = new BackendOptions();

    @Option(names = "--quiet", description = "Print nothing on success.")
    boolean quiet;

    @Override
    public Integer call() {
        Priors priors = priors(priorGateSd, priorExpertSd, priorSigmaShape, priorSigmaScale);
        long s = seed != null ? seed : new SecureRandom().nextInt() & 0xFFFFFFFFL;
        RunConfig cfg = config(experts, chains, warmup, draws, thin, s, priors);
        backendOptions.validate();
        // Check the data before touching the file system: bad input must not leave an empty run folder.
        Set<String> wanted = new HashSet<>(x == null ? List.of() : x.stream().map(String::strip).toList());
        wanted.add(y);
        Table table = Table.read(data, name -> x == null || x.isEmpty() || wanted.contains(name));
        Dataset dataset = load(table, y, x, !noStandardize, experts);
        Backend backend = backendOptions.open(quiet, spec.commandLine().getErr());
        try {
            AtomicFiles.prepareFolder(out);
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
        FitRun run = FitRun.fit(backend, dataset, cfg, backendOptions.threads());
        run.write(out, data.toString());
        if (!quiet) {
            run.printSummary(spec.commandLine().getOut());
            spec.commandLine().getOut().println("wrote " + out.resolve("draws.csv") + " and "
                    + out.resolve("summary.json"));
        }
        return Main.EXIT_OK;
    }

    /** The priors, with a bad value reported under its option name. */
    static Priors priors(double gateSd, double expertSd, double shape, double scale) {
        try {
            return new Priors(gateSd, expertSd, shape, scale);
        } catch (IllegalArgumentException e) {
            throw new UserError("--" + e.getMessage());
        }
    }

    /** The run's configuration; RunConfig checks it, and a bad value is reported under its option name. */
    static RunConfig config(int experts, int chains, int warmup, int draws, int thin, long seed, Priors priors) {
        try {
            return new RunConfig(experts, chains, warmup, draws, thin, seed, priors);
        } catch (IllegalArgumentException e) {
            throw new UserError("--" + e.getMessage());
        }
    }

    /** Picks and checks the columns, then standardises. */
    static Dataset load(Table table, String yName, List<String> xNames, boolean standardize, int experts) {
        double[] yCol = table.column(yName);
        List<String> xs = new ArrayList<>();
        if (xNames == null || xNames.isEmpty()) {
            for (String h : table.header()) {
                if (!h.equals(yName)) {
                    xs.add(h);
                }
            }
        } else {
            Set<String> seen = new HashSet<>();
            for (String name : xNames) {
                String n = name.strip();
                if (!seen.add(n)) {
                    throw new UserError("--x names column '" + n + "' twice");
                }
                if (n.equals(yName)) {
                    throw new UserError("column '" + n + "' is both the response and a covariate");
                }
                table.column(n);
                xs.add(n);
            }
        }
        if (table.rows() == 0) {
            throw new UserError(table.file() + ": no data rows after the header");
        }
        if (table.rows() < 2 * experts) {
            throw new UserError(table.file() + ": " + table.rows() + " rows is fewer than 2K = " + 2 * experts);
        }
        double[][] cols = new double[xs.size()][];
        for (int j = 0; j < xs.size(); j++) {
            cols[j] = table.column(xs.get(j));
        }
        try {
            return Dataset.fromColumns(cols, yCol, xs, yName, standardize);
        } catch (IllegalArgumentException e) {
            throw new UserError(table.file() + ": " + e.getMessage());
        }
    }
}
