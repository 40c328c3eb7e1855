package bmoe.bench;

import bmoe.analysis.Convergence;
import bmoe.analysis.Relabel;
import bmoe.backend.cpu.CpuBackend;
import bmoe.io.Json;
import bmoe.io.Table;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.sampler.Acceptance;
import bmoe.sampler.Chain;
import bmoe.sampler.DrawColumns;
import bmoe.sampler.GateMethod;
import bmoe.sampler.GateMetric;
import bmoe.sampler.RunConfig;
import bmoe.sampler.Sampler;
import bmoe.sim.Preset;
import bmoe.sim.Simulator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.IntStream;

/**
 * How well the two gate updates mix for the time they take: effective sample size per sweep and per second of
 * {@code --gates pg} (Polya-Gamma Gibbs, K passes over the data per sweep) against {@code --gates mala} (the
 * collapsed MALA move, 3 passes), measured side by side in one run on the same data, chains and seed.
 *
 * <p>Per case and method: {@link Sampler#run} on {@code CpuBackend(threads)} with {@code threads} chains at once
 * (as {@code bmoe fit} runs on the CPU), timed by the wall clock around that call (warm-up included, the
 * analysis not). Then, from the kept draws' parameters (original scale), the bulk ESS (rank-normalised split
 * chains, {@link Convergence#essBulk}) and R-hat ({@link Convergence#rhat}) of
 * <ul>
 *   <li>label-invariant quantities at {@value #POINTS} x points: E[y|x], Var[y|x] = sum_k pi_k (mu_k^2 + s2_k) -
 *       E[y|x]^2, and log p(y|x) at {@value #Y_VALUES} y values per point (a 50 x 40 grid);
 *   <li>the gates' coefficients after relabelling ({@link Relabel}, as {@code bmoe fit}'s report relabels), and,
 *       as a gate quantity needing no relabelling, max_k pi_k(x) at the same points (pi_k(x) itself is not label
 *       invariant: its k moves with the labels);
 *   <li>for reference (JSON and the second table): the log-likelihood of each kept sweep and the experts'
 *       relabelled coefficients and variances.
 * </ul>
 * x points: for p = 1, evenly spaced from the smallest to the largest x; for p > 1, {@code --points data}
 * (default) takes {@value #POINTS} distinct rows of the data at random (fixed seed), {@code --points line}
 * evenly spaced x_1 over its range with the other coordinates at their means. y values at a point: evenly
 * spaced from the smallest to the largest y of the max(50, n / 50) observations nearest to it (distance
 * after dividing each coordinate by its sd).
 *
 * <p>Usage: {@code java -cp benchmarks.jar bmoe.bench.GateMixing [options]}, normally through bench/run-gates.sh;
 * {@code --help} lists the options. Prints a Markdown report on stdout and writes it to OUT/gates.md, with
 * everything in OUT/gates.json.
 */
public final class GateMixing {
    static final int POINTS = 50;
    static final int Y_VALUES = 40;
    /** Seed of the random data rows used as x points; fixed so both methods and all runs share them. */
    static final long POINTS_SEED = 20240607L;
    /** Rows and sweeps of the untimed run that compiles the hot code before the first timed one. */
    static final int JIT_WARMUP_ROWS = 2000;
    static final int JIT_WARMUP_SWEEPS = 20;

    /**
     * Case (c)'s truth, p = 7 and K = 4 on x ~ U[-1, 1]^7, written as a {@link Preset} holds one: gates with
     * slopes of 2 to 3 along different coordinates (transitions about a third of the range wide), four distinct
     * planes, variances 0.1 to 0.25.
     */
    static final Params P7K4 = new Params(
            new double[][] {
                {0.5, 3.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.5},
                {0.0, -1.5, 2.5, 0.0, 0.0, 1.0, 0.0, 0.0},
                {-0.5, 0.0, -1.0, 2.0, 0.0, 0.0, -1.0, 0.0}},
            new double[][] {
                {1.0, 2.0, -1.0, 0.5, 0.0, 0.0, 1.0, 0.0},
                {-2.0, 0.5, 1.5, 0.0, -1.0, 0.0, 0.0, 0.5},
                {0.5, -1.0, 0.0, -2.0, 0.0, 1.0, 0.0, 0.0},
                {0.0, 0.0, -0.5, 1.0, 1.5, 0.0, -1.0, 0.0}},
            new double[] {0.1, 0.2, 0.15, 0.25});

    /** One benchmark case: a truth to simulate from (x uniform on [lower, upper]^p), its size and the fit's settings. */
    record Case(String id, String label, Params truth, double lower, double upper, int n, Priors priors,
                boolean standardize) {
        int experts() {
            return truth.experts();
        }

        int p() {
            return truth.dim() - 1;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("neurips23", "(a) neurips23", Preset.NEURIPS23.truth(), Preset.NEURIPS23.lower(),
                        Preset.NEURIPS23.upper(), 10_000, new Priors(10, 10, 2, 1), false),
                new Case("planes3", "(b) planes3", Preset.PLANES3.truth(), Preset.PLANES3.lower(),
                        Preset.PLANES3.upper(), 10_000, Priors.DEFAULT, true),
                new Case("p7k4", "(c) p = 7, K = 4", P7K4, -1.0, 1.0, 100_000, Priors.DEFAULT, true));
    }

    /**
     * A sampler to compare: the gate method and, for mala, the metric and the moves per sweep (0: auto, K - 1);
     * named as on the command line, e.g. pg, mala, mala-frozen, mala-fisher:1 (one move per sweep).
     */
    record Variant(String name, GateMethod method, GateMetric metric, int moves) {
        static Variant parse(String name) {
            String[] parts = name.split(":", 2);
            int moves = parts.length == 2 ? Integer.parseInt(parts[1]) : RunConfig.AUTO_MOVES;
            return switch (parts[0]) {
                case "pg" -> new Variant(name, GateMethod.PG, GateMetric.FROZEN, RunConfig.AUTO_MOVES);
                case "mala" -> new Variant(name, GateMethod.MALA, GateMetric.FROZEN, moves);
                case "mala-fisher" -> new Variant(name, GateMethod.MALA, GateMetric.FISHER, moves);
                case "mala-frozen" -> new Variant(name, GateMethod.MALA, GateMetric.FROZEN, moves);
                default -> throw new IllegalArgumentException("--methods: unknown '" + name
                        + "'; known: pg, mala (the default), mala-fisher, mala-frozen, each mala one with :N for N moves");
            };
        }

        boolean isMala() {
            return method == GateMethod.MALA;
        }
    }

    /** The command line, checked. */
    record Options(List<Case> cases, List<Variant> methods, Integer n, int warmup, int draws, int chains,
                   int threads, long seed, long dataSeed, boolean linePoints, Path data, Path out, boolean jitWarmup,
                   List<String> notes) {}

    public static void main(String[] args) {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("GateMixing: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (o == null) {
            System.out.println(USAGE);
            return;
        }
        List<CaseResult> results = new ArrayList<>();
        for (Case c : o.cases()) {
            results.add(run(c, o));
        }
        String markdown = markdown(o, results);
        System.out.print(markdown);
        try {
            Files.createDirectories(o.out());
            Files.writeString(o.out().resolve("gates.md"), markdown);
            Files.writeString(o.out().resolve("gates.json"), Json.MAPPER.writeValueAsString(json(o, results)) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.err.println("GateMixing: wrote " + o.out().resolve("gates.md") + " and " + o.out().resolve("gates.json"));
    }

    static final String USAGE = """
            usage: GateMixing [options]
              --cases LIST     neurips23,planes3,p7k4 (default: all, in that order)
              --methods LIST   of pg, mala (the default frozen metric), mala-fisher, mala-frozen; a mala one with :N
                               makes N gate moves per sweep (default: auto, K - 1)
                               (default pg,mala-fisher,mala-frozen; the order they run in, per case)
              --quick          n = 2000 for every case, 200 warm-up + 200 draws
              --n N            n for every case (default: 1e4, 1e4, 1e5)
              --warmup W       warm-up sweeps per chain (default 1000)
              --draws D        kept draws per chain, no thinning (default 1000)
              --chains C       chains (default 4)
              --threads T      CpuBackend threads, also the chains run at once (default 2)
              --seed S         the chains' seed (default 11)
              --data-seed S    the simulation's seed (default: the chains' seed)
              --points data|line   x points for p > 1 (default data)
              --data FILE      a CSV made by `bmoe simulate` (header x1..xp,y) instead of simulating; one case only
              --out DIR        where gates.md and gates.json go (default bench/target)
              --no-jit-warmup  skip the untimed short run that compiles the hot code first
              --note TEXT      a line for the report's head (repeatable): machine, commit, load
            """;

    static Options parse(String[] args) {
        List<Case> all = cases();
        List<Case> chosen = all;
        List<Variant> methods = Stream.of("pg", "mala-fisher", "mala-frozen").map(Variant::parse).toList();
        Integer n = null;
        int warmup = 1000;
        int draws = 1000;
        int chains = 4;
        int threads = 2;
        long seed = 11;
        Long dataSeed = null;
        boolean line = false;
        Path data = null;
        Path out = Path.of("bench", "target");
        boolean jit = true;
        boolean quick = false;
        Integer warmupSet = null;
        Integer drawsSet = null;
        List<String> notes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--quick" -> quick = true;
                case "--no-jit-warmup" -> jit = false;
                case "--cases" -> {
                    List<Case> picked = new ArrayList<>();
                    for (String id : value(args, ++i, a).split(",")) {
                        picked.add(all.stream().filter(c -> c.id().equals(id.strip())).findFirst().orElseThrow(
                                () -> new IllegalArgumentException("--cases: unknown case '" + id + "'; known: "
                                        + all.stream().map(Case::id).collect(Collectors.joining(", ")))));
                    }
                    chosen = picked;
                }
                case "--methods" -> methods = Arrays.stream(value(args, ++i, a).split(","))
                        .map(s -> Variant.parse(s.strip())).toList();
                case "--n" -> n = positive(a, value(args, ++i, a));
                case "--warmup" -> warmupSet = Integer.parseInt(value(args, ++i, a));
                case "--draws" -> drawsSet = positive(a, value(args, ++i, a));
                case "--chains" -> chains = positive(a, value(args, ++i, a));
                case "--threads" -> threads = positive(a, value(args, ++i, a));
                case "--seed" -> seed = Long.parseLong(value(args, ++i, a));
                case "--data-seed" -> dataSeed = Long.parseLong(value(args, ++i, a));
                case "--points" -> {
                    String v = value(args, ++i, a);
                    if (!v.equals("data") && !v.equals("line")) {
                        throw new IllegalArgumentException("--points must be data or line, got " + v);
                    }
                    line = v.equals("line");
                }
                case "--data" -> data = Path.of(value(args, ++i, a));
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--note" -> notes.add(value(args, ++i, a));
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (quick) {
            n = n != null ? n : 2000;
            warmup = 200;
            draws = 200;
        }
        warmup = warmupSet != null ? warmupSet : warmup;
        draws = drawsSet != null ? drawsSet : draws;
        if (data != null && chosen.size() != 1) {
            throw new IllegalArgumentException("--data needs exactly one case (--cases ID)");
        }
        if (draws < 8) {
            throw new IllegalArgumentException("--draws must be at least 8 (an ESS needs 4 draws per half chain)");
        }
        return new Options(chosen, methods, n, warmup, draws, chains, threads, seed, dataSeed != null ? dataSeed : seed,
                line, data, out, jit, notes);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int positive(String option, String v) {
        int x = Integer.parseInt(v);
        if (x < 1) {
            throw new IllegalArgumentException(option + " must be >= 1, got " + v);
        }
        return x;
    }

    // ---- one case ----------------------------------------------------------------------------------------

    /** The data on the original scale (columns) and as the sampler sees it. */
    record CaseData(double[][] xColumns, double[] y, Dataset dataset, String source) {}

    /** Where the invariant quantities are evaluated, on the original scale. */
    record Grid(double[][] x, double[][] y, String description) {}

    /** Bulk ESS and R-hat of one quantity. */
    record Diagnostic(String name, double essBulk, double rhat) {}

    /** The worst of a family of quantities: the smallest bulk ESS and the largest R-hat, with their names. */
    record Worst(int quantities, int undefined, Diagnostic minEss, Diagnostic maxRhat) {
        static Worst of(List<Diagnostic> ds) {
            Diagnostic minEss = null;
            Diagnostic maxRhat = null;
            int undefined = 0;
            for (Diagnostic d : ds) {
                if (Double.isNaN(d.essBulk()) || Double.isNaN(d.rhat())) {
                    undefined++;
                }
                if (!Double.isNaN(d.essBulk()) && (minEss == null || d.essBulk() < minEss.essBulk())) {
                    minEss = d;
                }
                if (!Double.isNaN(d.rhat()) && (maxRhat == null || d.rhat() > maxRhat.rhat())) {
                    maxRhat = d;
                }
            }
            return new Worst(ds.size(), undefined, minEss, maxRhat);
        }

        double ess() {
            return minEss == null ? Double.NaN : minEss.essBulk();
        }

        double rhat() {
            return maxRhat == null ? Double.NaN : maxRhat.rhat();
        }
    }

    /** One method on one case. */
    record MethodResult(Variant method, int passes, double seconds, long sweeps, String loadBefore,
                        String loadAfter, Map<String, Worst> families, Worst invariants, Worst gates,
                        double[] acceptance, double[] meanAcceptProb, double[] stepSize, String relabel) {
        double secondsPerSweep() {
            return seconds / sweeps;
        }
    }

    record CaseResult(Case spec, int n, String source, Grid grid, List<MethodResult> methods) {}

    static CaseResult run(Case c, Options o) {
        int n = o.n() != null ? o.n() : c.n();
        CaseData data = o.data() != null ? read(o.data(), c) : simulate(c, n, o.dataSeed());
        n = data.y().length;
        Grid grid = grid(data, o.linePoints());
        log("%s: n = %d, p = %d, K = %d, %s; %d chains x (%d + %d) sweeps per method", c.label(), n, c.p(),
                c.experts(), data.source(), o.chains(), o.warmup(), o.draws());
        if (o.jitWarmup()) {
            // untimed: without it the first timed run would also pay for compiling the kernels' hot loops
            Dataset few = head(data, Math.min(n, JIT_WARMUP_ROWS), c.standardize());
            for (Variant m : o.methods()) {
                RunConfig cfg = new RunConfig(c.experts(), 1, JIT_WARMUP_SWEEPS, JIT_WARMUP_SWEEPS, 1, o.seed(),
                        c.priors(), m.method(), m.metric(), m.moves());
                try (CpuBackend backend = new CpuBackend(o.threads())) {
                    Sampler.run(backend, few, cfg, 1, Chain.Listener.NONE);
                }
            }
        }
        List<MethodResult> methods = new ArrayList<>();
        for (Variant m : o.methods()) {
            methods.add(runMethod(c, data, grid, m, o));
        }
        return new CaseResult(c, n, data.source(), grid, methods);
    }

    static MethodResult runMethod(Case c, CaseData data, Grid grid, Variant method, Options o) {
        RunConfig cfg = new RunConfig(c.experts(), o.chains(), o.warmup(), o.draws(), 1, o.seed(), c.priors(),
                method.method(), method.metric(), method.moves());
        String loadBefore = loadAverage();
        List<Chain.Result> chains;
        long t0;
        long t1;
        try (CpuBackend backend = new CpuBackend(o.threads())) {
            t0 = System.nanoTime();
            // as bmoe fit on the CPU: as many chains at once as the backend has threads
            chains = Sampler.run(backend, data.dataset(), cfg, o.threads(), Chain.Listener.NONE);
            t1 = System.nanoTime();
        }
        String loadAfter = loadAverage();
        double seconds = (t1 - t0) * 1e-9;
        long sweeps = (long) o.chains() * cfg.sweepsPerChain();
        log("  %s: %.1f s sampling (%.2f ms per sweep), load %s -> %s", method.name(), seconds,
                1e3 * seconds / sweeps, loadBefore, loadAfter);

        long analysisStart = System.nanoTime();
        int experts = c.experts();
        int p = c.p();
        int kept = cfg.keptPerChain();
        List<List<Params>> draws = new ArrayList<>();
        double[][] logLik = new double[o.chains()][];
        double[] acceptance = new double[o.chains()];
        double[] meanAcceptProb = new double[o.chains()];
        double[] stepSize = new double[o.chains()];
        for (Chain.Result r : chains) {
            draws.add(Arrays.stream(r.draws()).map(row -> DrawColumns.unflatten(row, experts, p)).toList());
            logLik[r.chain()] = r.logLikelihood();
            Acceptance a = r.acceptance();
            acceptance[r.chain()] = a.rate();
            meanAcceptProb[r.chain()] = a.meanAcceptProb();
            stepSize[r.chain()] = method.isMala() ? r.stepSize() : Double.NaN;
        }

        Map<String, List<Diagnostic>> families = new LinkedHashMap<>();
        invariants(draws, grid, kept, families);
        families.put("log_lik", List.of(diagnostic("log_lik", logLik)));
        Relabel.Result relabel = Relabel.run(draws, logLik);
        List<String> names = DrawColumns.names(experts, p);
        List<Diagnostic> gates = new ArrayList<>();
        List<Diagnostic> experts2 = new ArrayList<>();
        double[][][] columns = new double[names.size()][o.chains()][kept];
        for (int ch = 0; ch < o.chains(); ch++) {
            for (int t = 0; t < kept; t++) {
                double[] row = DrawColumns.flatten(relabel.draws().get(ch).get(t));
                for (int j = 0; j < names.size(); j++) {
                    columns[j][ch][t] = row[j];
                }
            }
        }
        for (int j = 0; j < names.size(); j++) {
            (names.get(j).startsWith("w.") ? gates : experts2).add(diagnostic(names.get(j), columns[j]));
        }
        families.put("gates (relabelled)", gates);
        families.put("experts (relabelled)", experts2);
        Map<String, Worst> worst = new LinkedHashMap<>();
        families.forEach((k, v) -> worst.put(k, Worst.of(v)));
        List<Diagnostic> invariant = new ArrayList<>();
        for (String f : List.of("E[y|x]", "Var[y|x]", "log p(y|x)")) {
            invariant.addAll(families.get(f));
        }
        long relabelled = relabel.chains().stream().filter(Relabel.ChainSummary::relabelled).count();
        String relabelNote = String.format(Locale.ROOT, "%d of %d chains relabelled, %d draws permuted, %.1f%% ambiguous%s",
                relabelled, relabel.chains().size(), relabel.permutedDraws(), 100 * relabel.ambiguousFraction(),
                relabel.converged() ? "" : ", did not settle");
        log("  %s: analysed in %.1f s", method.name(), (System.nanoTime() - analysisStart) * 1e-9);
        int passes = method.isMala() ? cfg.gateMovesPerSweep() + 2 : experts;
        return new MethodResult(method, passes, seconds, sweeps, loadBefore, loadAfter, worst, Worst.of(invariant),
                worst.get("gates (relabelled)"), acceptance, meanAcceptProb, stepSize, relabelNote);
    }

    /**
     * E[y|x], Var[y|x] and max_k pi_k(x) at every point, and log p(y|x) on the grid, per kept draw; adds their
     * diagnostics to {@code families} under "E[y|x]", "Var[y|x]", "log p(y|x)" and "max_k pi_k(x)".
     */
    static void invariants(List<List<Params>> draws, Grid grid, int kept, Map<String, List<Diagnostic>> families) {
        int chains = draws.size();
        int points = grid.x().length;
        int ys = grid.y()[0].length;
        double[][][] mean = new double[points][chains][kept];
        double[][][] variance = new double[points][chains][kept];
        double[][][] maxGate = new double[points][chains][kept];
        double[][][][] logDensity = new double[points][ys][chains][kept];
        int experts = draws.get(0).get(0).experts();
        double[] xTilde = new double[grid.x()[0].length + 1];
        double[] eta = new double[experts];
        double[] mu = new double[experts];
        double[] terms = new double[experts];
        double[] logWeightNorm = new double[experts];
        double[] halfPrecision = new double[experts];
        for (int i = 0; i < points; i++) {
            xTilde[0] = 1.0;
            System.arraycopy(grid.x()[i], 0, xTilde, 1, xTilde.length - 1);
            for (int ch = 0; ch < chains; ch++) {
                for (int t = 0; t < kept; t++) {
                    Params prm = draws.get(ch).get(t);
                    prm.gateLogits(xTilde, eta);
                    double lse = Params.logSumExp(eta, experts);
                    double m = 0;
                    double second = 0;
                    double top = 0;
                    for (int k = 0; k < experts; k++) {
                        double logPi = eta[k] - lse;
                        double pi = Math.exp(logPi);
                        mu[k] = Params.dot(prm.beta()[k], xTilde);
                        m += pi * mu[k];
                        second += pi * (mu[k] * mu[k] + prm.s2()[k]);
                        top = Math.max(top, pi);
                        logWeightNorm[k] = logPi - 0.5 * Math.log(2 * Math.PI * prm.s2()[k]);
                        halfPrecision[k] = 0.5 / prm.s2()[k];
                    }
                    mean[i][ch][t] = m;
                    variance[i][ch][t] = second - m * m;
                    maxGate[i][ch][t] = top;
                    for (int j = 0; j < ys; j++) {
                        double y = grid.y()[i][j];
                        for (int k = 0; k < experts; k++) {
                            double r = y - mu[k];
                            terms[k] = logWeightNorm[k] - halfPrecision[k] * r * r;
                        }
                        logDensity[i][j][ch][t] = Params.logSumExp(terms, experts);
                    }
                }
            }
        }
        List<Diagnostic> e = new ArrayList<>();
        List<Diagnostic> v = new ArrayList<>();
        List<Diagnostic> g = new ArrayList<>();
        List<Diagnostic> l = new ArrayList<>();
        for (int i = 0; i < points; i++) {
            String at = "x" + (i + 1);
            e.add(diagnostic("E[y|" + at + "]", mean[i]));
            v.add(diagnostic("Var[y|" + at + "]", variance[i]));
            g.add(diagnostic("max_k pi_k(" + at + ")", maxGate[i]));
            for (int j = 0; j < ys; j++) {
                l.add(diagnostic("log p(y" + (j + 1) + "|" + at + ")", logDensity[i][j]));
            }
        }
        families.put("E[y|x]", e);
        families.put("Var[y|x]", v);
        families.put("log p(y|x)", l);
        families.put("max_k pi_k(x)", g);
    }

    static Diagnostic diagnostic(String name, double[][] chains) {
        return new Diagnostic(name, Convergence.essBulk(chains), Convergence.rhat(chains));
    }

    // ---- data and grid -----------------------------------------------------------------------------------

    /** Simulates as {@code bmoe simulate} does (the same Simulator call), so the data equal that command's CSV. */
    static CaseData simulate(Case c, int n, long seed) {
        Simulator.Sample s = Simulator.simulate(c.truth(), c.lower(), c.upper(), n, seed);
        List<String> names = IntStream.rangeClosed(1, c.p()).mapToObj(j -> "x" + j).toList();
        Dataset dataset = Dataset.fromColumns(s.xColumns(), s.y(), names, "y", c.standardize());
        return new CaseData(s.xColumns(), s.y(), dataset, "simulated in-process (seed " + seed + ")");
    }

    /** The first {@code rows} observations as a data set of their own. */
    static Dataset head(CaseData data, int rows, boolean standardize) {
        double[][] x = Arrays.stream(data.xColumns()).map(col -> Arrays.copyOf(col, rows)).toArray(double[][]::new);
        List<String> names = IntStream.rangeClosed(1, x.length).mapToObj(j -> "x" + j).toList();
        return Dataset.fromColumns(x, Arrays.copyOf(data.y(), rows), names, "y", standardize);
    }

    /** A CSV with a column y and the covariates x1..xp of the case, as {@code bmoe simulate} writes it. */
    static CaseData read(Path file, Case c) {
        Table table = Table.read(file);
        List<String> names = IntStream.rangeClosed(1, c.p()).mapToObj(j -> "x" + j).toList();
        double[][] x = names.stream().map(table::column).toArray(double[][]::new);
        double[] y = table.column("y");
        Dataset dataset = Dataset.fromColumns(x, y, names, "y", c.standardize());
        return new CaseData(x, y, dataset, "read from " + file);
    }

    static Grid grid(CaseData data, boolean line) {
        double[][] cols = data.xColumns();
        int p = cols.length;
        int n = data.y().length;
        double[] mean = new double[p];
        double[] sd = new double[p];
        double[] min = new double[p];
        double[] max = new double[p];
        for (int j = 0; j < p; j++) {
            double[] col = cols[j];
            min[j] = Arrays.stream(col).min().orElseThrow();
            max[j] = Arrays.stream(col).max().orElseThrow();
            mean[j] = Arrays.stream(col).average().orElseThrow();
            double m = mean[j];
            sd[j] = Math.sqrt(Arrays.stream(col).map(v -> (v - m) * (v - m)).sum() / (n - 1));
        }
        double[][] x = new double[POINTS][p];
        String description;
        if (p == 1 || line) {
            for (int i = 0; i < POINTS; i++) {
                x[i] = mean.clone();
                x[i][0] = min[0] + (max[0] - min[0]) * i / (POINTS - 1);
            }
            description = p == 1 ? POINTS + " x evenly spaced over [min x, max x]"
                    : POINTS + " points with x1 evenly spaced over its range, the other coordinates at their means";
        } else {
            // a partial Fisher-Yates shuffle: POINTS distinct rows
            SplittableRandom r = new SplittableRandom(POINTS_SEED);
            int[] rows = IntStream.range(0, n).toArray();
            for (int i = 0; i < POINTS; i++) {
                int j = i + r.nextInt(n - i);
                int tmp = rows[i];
                rows[i] = rows[j];
                rows[j] = tmp;
                for (int k = 0; k < p; k++) {
                    x[i][k] = cols[k][rows[i]];
                }
            }
            description = POINTS + " distinct rows of the data drawn at random (seed " + POINTS_SEED + ")";
        }
        int neighbours = Math.min(n, Math.max(50, n / 50));
        double[][] y = new double[POINTS][Y_VALUES];
        double[] distance = new double[n];
        for (int i = 0; i < POINTS; i++) {
            for (int row = 0; row < n; row++) {
                double s = 0;
                for (int k = 0; k < p; k++) {
                    double z = (cols[k][row] - x[i][k]) / sd[k];
                    s += z * z;
                }
                distance[row] = s;
            }
            double[] sorted = distance.clone();
            Arrays.sort(sorted);
            double radius = sorted[neighbours - 1];
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (int row = 0; row < n; row++) {
                if (distance[row] <= radius) {
                    lo = Math.min(lo, data.y()[row]);
                    hi = Math.max(hi, data.y()[row]);
                }
            }
            for (int j = 0; j < Y_VALUES; j++) {
                y[i][j] = lo + (hi - lo) * j / (Y_VALUES - 1);
            }
        }
        description += "; y: " + Y_VALUES + " evenly spaced from the min to the max y of the " + neighbours
                + " observations nearest each point (coordinates in sd units)";
        return new Grid(x, y, description);
    }

    // ---- output ------------------------------------------------------------------------------------------

    static String markdown(Options o, List<CaseResult> results) {
        StringBuilder md = new StringBuilder();
        md.append("# Gate mixing: --gates pg against --gates mala\n\n");
        for (String note : o.notes()) {
            md.append("- ").append(note).append('\n');
        }
        md.append(String.format(Locale.ROOT, "- %d chains x (%d warm-up + %d draws), thin 1, chain seed %d; CpuBackend(%d), "
                        + "%d chains at once; Java %s, %d processors available%n", o.chains(), o.warmup(), o.draws(),
                o.seed(), o.threads(), o.threads(), System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors()));
        for (CaseResult r : results) {
            Case c = r.spec();
            md.append(String.format(Locale.ROOT, "- %s: n = %d, p = %d, K = %d, priors (gate sd %s, expert sd %s, sigma shape %s, "
                            + "scale %s), %s; data %s%n", c.label(), r.n(), c.p(), c.experts(), num(c.priors().gateSd()),
                    num(c.priors().expertSd()), num(c.priors().sigmaShape()), num(c.priors().sigmaScale()),
                    c.standardize() ? "standardised" : "not standardised", r.source()));
            md.append("  - points: ").append(r.grid().description()).append('\n');
        }
        md.append("\n| case | gates | passes / sweep | sampling s | ms / sweep | min bulk ESS, invariants | max R-hat, invariants "
                + "| ESS / draw | ESS / s | gate bulk ESS (relabelled) | max gate R-hat | gate ESS / s | acceptance per chain "
                + "| step size per chain |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
        for (CaseResult r : results) {
            for (MethodResult m : r.methods()) {
                long draws = (long) o.chains() * o.draws();
                md.append(String.format(Locale.ROOT, "| %s | %s | %d | %.1f | %.2f | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                        r.spec().label(), m.method().name(), m.passes(), m.seconds(), 1e3 * m.secondsPerSweep(),
                        ess(m.invariants().ess()), rhat(m.invariants().rhat()), sig(m.invariants().ess() / draws),
                        sig(m.invariants().ess() / m.seconds()), ess(m.gates().ess()), rhat(m.gates().rhat()),
                        sig(m.gates().ess() / m.seconds()),
                        m.method().isMala() ? list(m.acceptance(), "%.2f") : "— (Gibbs)",
                        m.method().isMala() ? list(m.stepSize(), "%.3g") : "—"));
            }
        }
        md.append('\n');
        for (CaseResult r : results) {
            MethodResult pg = r.methods().stream().filter(m -> !m.method().isMala()).findFirst().orElse(null);
            for (MethodResult mala : r.methods().stream().filter(m -> m.method().isMala()).toList()) {
                if (pg == null) {
                    break;
                }
                md.append(String.format(Locale.ROOT, "- %s, %s / pg: min invariant ESS per s %s, gate ESS per s %s, "
                                + "time per sweep %s%n", r.spec().label(), mala.method().name(),
                        ratio(mala.invariants().ess() / mala.seconds(), pg.invariants().ess() / pg.seconds()),
                        ratio(mala.gates().ess() / mala.seconds(), pg.gates().ess() / pg.seconds()),
                        ratio(mala.secondsPerSweep(), pg.secondsPerSweep())));
            }
        }
        md.append("\nBy family: min bulk ESS (max R-hat); the worst quantity of each is in gates.json.\n\n");
        List<String> families = results.get(0).methods().get(0).families().keySet().stream().toList();
        // a bare | inside a cell would end it: E[y|x] must be written E[y\|x]
        md.append("| case | gates | ").append(families.stream().map(f -> f.replace("|", "\\|"))
                .collect(Collectors.joining(" | "))).append(" |\n");
        md.append("|---|---|").append("---:|".repeat(families.size())).append('\n');
        for (CaseResult r : results) {
            for (MethodResult m : r.methods()) {
                md.append("| ").append(r.spec().label()).append(" | ").append(m.method().name()).append(" | ");
                md.append(families.stream().map(f -> {
                    Worst w = m.families().get(f);
                    return ess(w.ess()) + " (" + rhat(w.rhat()) + ")" + (w.undefined() > 0 ? ", " + w.undefined() + " undefined" : "");
                }).collect(Collectors.joining(" | ")));
                md.append(" |\n");
            }
        }
        md.append('\n');
        for (CaseResult r : results) {
            for (MethodResult m : r.methods()) {
                md.append(String.format(Locale.ROOT, "- %s, %s: worst invariant %s (ESS %s), worst R-hat %s; gates: worst %s; "
                                + "relabelling: %s; load %s -> %s%n", r.spec().label(), m.method().name(),
                        name(m.invariants().minEss()), ess(m.invariants().ess()), name(m.invariants().maxRhat()),
                        name(m.gates().minEss()), m.relabel(), m.loadBefore(), m.loadAfter()));
            }
        }
        return md.toString();
    }

    static ObjectNode json(Options o, List<CaseResult> results) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode notes = root.putArray("notes");
        o.notes().forEach(notes::add);
        root.put("chains", o.chains());
        root.put("warmup", o.warmup());
        root.put("draws", o.draws());
        root.put("seed", o.seed());
        root.put("data_seed", o.dataSeed());
        root.put("threads", o.threads());
        root.put("java", System.getProperty("java.version"));
        root.put("processors", Runtime.getRuntime().availableProcessors());
        ArrayNode cases = root.putArray("cases");
        for (CaseResult r : results) {
            Case c = r.spec();
            ObjectNode cn = cases.addObject();
            cn.put("case", c.id());
            cn.put("n", r.n());
            cn.put("p", c.p());
            cn.put("K", c.experts());
            cn.put("standardize", c.standardize());
            ObjectNode pr = cn.putObject("priors");
            pr.put("gate_sd", c.priors().gateSd());
            pr.put("expert_sd", c.priors().expertSd());
            pr.put("sigma_shape", c.priors().sigmaShape());
            pr.put("sigma_scale", c.priors().sigmaScale());
            cn.put("data", r.source());
            cn.put("points", r.grid().description());
            ArrayNode ms = cn.putArray("methods");
            for (MethodResult m : r.methods()) {
                ObjectNode mn = ms.addObject();
                mn.put("gates", m.method().name());
                mn.put("passes_per_sweep", m.passes());
                mn.put("sampling_seconds", m.seconds());
                mn.put("sweeps", m.sweeps());
                mn.put("seconds_per_sweep", m.secondsPerSweep());
                mn.put("load_before", m.loadBefore());
                mn.put("load_after", m.loadAfter());
                long draws = (long) o.chains() * o.draws();
                put(mn, "min_invariant_ess_bulk", m.invariants().ess());
                put(mn, "max_invariant_rhat", m.invariants().rhat());
                put(mn, "min_invariant_ess_per_draw", m.invariants().ess() / draws);
                put(mn, "min_invariant_ess_per_second", m.invariants().ess() / m.seconds());
                put(mn, "min_gate_ess_bulk", m.gates().ess());
                put(mn, "max_gate_rhat", m.gates().rhat());
                put(mn, "min_gate_ess_per_second", m.gates().ess() / m.seconds());
                mn.put("relabelling", m.relabel());
                ArrayNode acc = mn.putArray("acceptance");
                ArrayNode prob = mn.putArray("mean_accept_prob");
                ArrayNode eps = mn.putArray("step_size");
                for (int ch = 0; ch < m.acceptance().length; ch++) {
                    addNumber(acc, m.acceptance()[ch]);
                    addNumber(prob, m.meanAcceptProb()[ch]);
                    addNumber(eps, m.stepSize()[ch]);
                }
                ObjectNode fam = mn.putObject("families");
                m.families().forEach((f, w) -> {
                    ObjectNode fn = fam.putObject(f);
                    fn.put("quantities", w.quantities());
                    fn.put("undefined", w.undefined());
                    put(fn, "min_ess_bulk", w.ess());
                    fn.put("min_ess_quantity", name(w.minEss()));
                    put(fn, "max_rhat", w.rhat());
                    fn.put("max_rhat_quantity", name(w.maxRhat()));
                });
            }
        }
        return root;
    }

    private static void put(ObjectNode node, String field, double v) {
        if (Double.isFinite(v)) {
            node.put(field, v);
        } else {
            node.putNull(field);
        }
    }

    private static void addNumber(ArrayNode a, double v) {
        if (Double.isFinite(v)) {
            a.add(v);
        } else {
            a.addNull();
        }
    }

    private static String name(Diagnostic d) {
        return d == null ? "—" : d.name();
    }

    private static String ess(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.0f", v);
    }

    private static String rhat(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.3f", v);
    }

    /** Three significant digits, without an exponent for the sizes met here. */
    private static String sig(double v) {
        if (!Double.isFinite(v)) {
            return "—";
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    private static String ratio(double a, double b) {
        return Double.isFinite(a / b) ? String.format(Locale.ROOT, "%.2f", a / b) : "—";
    }

    private static String num(double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : Double.toString(v);
    }

    private static String list(double[] v, String format) {
        return Arrays.stream(v).mapToObj(x -> Double.isNaN(x) ? "—" : String.format(Locale.ROOT, format, x))
                .collect(Collectors.joining(", "));
    }

    /** The 1, 5 and 15 minute load averages, or "?" where /proc/loadavg is missing. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static void log(String format, Object... args) {
        System.err.println(String.format(Locale.ROOT, format, args));
        System.err.flush();
    }

    private GateMixing() {}
}
