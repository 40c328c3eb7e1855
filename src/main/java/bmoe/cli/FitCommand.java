package bmoe.cli;

import bmoe.io.UserError;
import bmoe.backend.Backend;
import bmoe.backend.BackendUnavailableException;
import bmoe.backend.Backends;
import bmoe.backend.ExternalBackend;
import bmoe.io.AtomicFiles;
import bmoe.io.Checkpoint;
import bmoe.io.Covariates;
import bmoe.io.DataSource;
import bmoe.io.Dialect;
import bmoe.io.DataFingerprint;
import bmoe.io.ExternalData;
import bmoe.io.RawData;
import bmoe.model.Dataset;
import bmoe.model.ExpertsPrior;
import bmoe.model.Priors;
import bmoe.sampler.Chain;
import bmoe.sampler.ChainState;
import bmoe.sampler.GateMethod;
import bmoe.sampler.GateMetric;
import bmoe.sampler.RunConfig;
import bmoe.sampler.StartSearch;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
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
                + "original scale, unless --no-standardize.",
            "While it runs, kept draws stream to RUN/chain-N.part.csv and chains are checkpointed, so that "
                + "'fit --resume RUN' finishes a fit that was stopped, with the same draws."})
final class FitCommand implements Callable<Integer>, Main.LoadsOpenCl {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    // --data, --experts and --out are required unless --resume is given: checked in call()
    @Option(names = "--data", description = "Data with a header row (required): CSV or other delimited text, a Parquet "
            + "file, or a folder of Parquet part files (with the spark engine also an hdfs:// or s3a:// URI).")
    String data;

    @CommandLine.Mixin
    DataOptions dataOptions = new DataOptions();

    @Option(names = "--y", defaultValue = "y", description = "Response column (default ${DEFAULT-VALUE}).")
    String y;

    @Option(names = "--x", split = ",", description = "Covariate columns, comma separated (default: all but --y).")
    List<String> x;

    @Option(names = {"--experts", "-K"}, description = "Number of experts K >= 1 (required unless --experts-prior).")
    Integer experts;

    @Option(names = "--experts-prior", paramLabel = "poisson:L|geometric:q|uniform",
            description = "Make K a parameter on 1..--max-experts with this prior (instead of --experts): K - 1 ~ "
                + "Poisson(L), P(K) proportional to q (1 - q)^(K - 1), or uniform. Each sweep begins with a "
                + "reversible-jump birth-or-death move (two passes over the data); the gates use the Fisher metric. "
                + "Chains start spread over 1..KMAX. draws.csv gets an experts column; 'bmoe experts' gives the "
                + "posterior of K.")
    String expertsPrior;

    @Option(names = "--max-experts", paramLabel = "KMAX",
            description = "Largest K under --experts-prior (default 10).")
    Integer maxExperts;

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

    @Option(names = "--out", description = "Run folder to write (required): a new or empty folder, unless --force. "
            + "A fit holds its folder until it ends (RUN/.bmoe.lock): another fit or resume there refuses.")
    Path out;

    @Option(names = "--force", description = "Write into --out even if it holds another run or other files: bmoe's "
            + "files there (draws.csv, summary.json, run.json, checkpoint/, chain-N.part.csv, plot's PNGs in plots/, "
            + "and what criteria, evaluate, predict and plot wrote there with --out) are deleted first; files bmoe "
            + "did not write are kept.")
    boolean force;

    @CommandLine.Mixin
    PriorOptions priorOptions = new PriorOptions();

    @Option(names = "--no-standardize", description = "Sample on the original scale (priors apply there).")
    boolean noStandardize;

    @Option(names = "--gates", defaultValue = "mala", paramLabel = "mala|pg",
            description = "How the gates are sampled: mala (default), all gates jointly with the allocations summed "
                + "out, by a Metropolis-adjusted Langevin move whose step size adapts during warm-up; pg, the exact "
                + "Polya-Gamma Gibbs step one gate at a time (mixes slowly when gates are steep).")
    String gates;

    @Option(names = "--gate-metric", defaultValue = "frozen", paramLabel = "frozen|fisher",
            description = "The mala move's metric: frozen (default), the Fisher information until half way through "
                + "warm-up, then fixed (cheaper sweeps); fisher, the Fisher information at every point (follows the "
                + "posterior's local shape at (K-1)(p+1) squared / 2 extra sums per row and pass).")
    String gateMetric;

    @Option(names = "--gate-moves", defaultValue = "auto", paramLabel = "N|auto",
            description = "Gate moves per mala sweep, each one more pass over the data (the experts stay put "
                + "between them); auto (default): K - 1, so a sweep makes K + 1 passes.")
    String gateMoves;

    @Option(names = "--joint-steps", defaultValue = "auto", paramLabel = "L|auto",
            description = "Leapfrog steps of the joint move of gates and experts that follows the gate moves from "
                + "half way through warm-up on: Hamiltonian Monte Carlo on the gates, coefficients and log variances "
                + "with the allocations summed out, so a gate's boundary and the experts beside it move together, "
                + "which small data sets need (each step one more pass over the data; 0: no joint move). auto "
                + "(default): min(" + AUTO_JOINT_MAX_STEPS + ", " + AUTO_JOINT_ROWS + " / n) steps, none where that is "
                + "under " + AUTO_JOINT_MIN_STEPS + " (n > " + AUTO_JOINT_ROWS / AUTO_JOINT_MIN_STEPS + "), so the move "
                + "adds at most about " + AUTO_JOINT_ROWS + " row evaluations per sweep.")
    String jointSteps;

    @Option(names = "--init-starts", defaultValue = "" + DEFAULT_INIT_STARTS, paramLabel = "N",
            description = "Start candidates per chain, each from its own k-means++ start and run for --init-sweeps "
                + "sweeps; each chain starts from its best by log posterior, so chains land in the modes with most "
                + "mass far more often, and still start apart (default ${DEFAULT-VALUE}; 1 with --init-sweeps 0: "
                + "one k-means++ start).")
    int initStarts;

    @Option(names = "--init-sweeps", defaultValue = "" + DEFAULT_INIT_SWEEPS, paramLabel = "SWEEPS",
            description = "Sweeps per start candidate (default ${DEFAULT-VALUE}); the search costs N x SWEEPS sweeps "
                + "per chain, before warm-up.")
    int initSweeps;

    @Option(names = "--init-rows", defaultValue = "" + DEFAULT_INIT_ROWS, paramLabel = "ROWS",
            description = "On data with more rows, the start candidates run on this many rows drawn at random (their "
                + "log-likelihood there scaled up to n), so the search costs the same at n = 1e8 as at 1e5 "
                + "(default ${DEFAULT-VALUE}; 0: on all rows; at least " + StartSearch.Plan.MIN_ROWS + ").")
    int initRows;

    @CommandLine.Mixin
    BackendOptions backendOptions = new BackendOptions();

    @Option(names = "--quiet", description = "Print nothing on success, and no progress line.")
    boolean quiet;

    @Option(names = "--progress", description = "Show the progress line on stderr even where it is not a terminal "
            + "(then a plain line every 10 s, for logs). Default: on a terminal only.")
    boolean progress;

    @Option(names = "--checkpoint-every", defaultValue = "" + DEFAULT_CHECKPOINT_EVERY, paramLabel = "SWEEPS",
            description = "Checkpoint each chain every SWEEPS sweeps, so --resume redoes at most that many; "
                + "0: no checkpoints, --resume reruns every chain (default ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--resume", paramLabel = "RUN",
            description = "Finish the stopped fit in run folder RUN with its recorded settings (RUN/run.json); "
                + "only --threads, --device, --quiet and --progress may be given with it.")
    Path resume;

    /**
     * Sweeps between checkpoints by default. A checkpoint is a small JSON file written and renamed, about 0.3 ms
     * (measured on this project's 2-core test machine); a sweep takes about 0.5 ms per chain at n = 1000 (K = 2)
     * and grows with n, so checkpointing every 100 sweeps costs under 1% from n = 1000 on, and a crash costs at
     * most 100 sweeps per chain. At very large n (seconds per sweep) pass a smaller value to bound lost time.
     * A count rather than a time: where the checkpoints fall is then part of no run's timing.
     */
    static final int DEFAULT_CHECKPOINT_EVERY = 100;

    /** Start candidates per chain by default: see StartSearch and bench/RESULTS.md, "Real data". */
    static final int DEFAULT_INIT_STARTS = 8;

    /** Sweeps per start candidate by default. */
    static final int DEFAULT_INIT_SWEEPS = 50;

    /**
     * Rows the start search runs on by default, on data with more: 400 sweeps of 1e5 rows cost 0.4 full sweeps at
     * n = 1e8 (and 40 at 1e6) instead of 400, and 1e5 rows still give each of a few tens of experts thousands.
     */
    static final int DEFAULT_INIT_ROWS = 100_000;

    /** Options that may be given with --resume: they do not change the draws. */
    static final Set<String> RESUME_OPTIONS = Set.of("--resume", "--threads", "--device", "--chains-per-pass", "--quiet",
            "--progress");

    /** Tests only: told of every sweep after the run folder's own listener (e.g. to stop a fit at a chosen sweep). */
    Chain.Listener testListener;

    @Override
    public boolean mayLoadOpenCl() {
        return backendOptions.mayLoadOpenCl();
    }

    @Override
    public Integer call() {
        if (resume != null) {
            return resume();
        }
        return run(prepare());
    }

    /**
     * A new fit's inputs, checked before anything is written: the data read (and standardised) and the
     * configuration, whose default priors depend on the data.
     */
    record Prepared(String location, Dialect dialect, Loaded loaded, RunConfig config) {}

    /** The options checked, the data read and the configuration built; no file written yet. */
    Prepared prepare() {
        requireOption(data, "--data=<data>");
        ExpertsPrior kPrior = expertsPrior();
        if (kPrior == null) {
            requireOption(experts, "--experts=<experts>");
        }
        int width = kPrior != null ? kPrior.maxExperts() : experts;
        requireOption(out, "--out=<out>");
        priorOptions.check();
        long s = seed != null ? seed : new SecureRandom().nextInt() & 0xFFFFFFFFL;
        GateMethod method = gateMethod(gates);
        GateMetric metric = gateMetric(gateMetric);
        if (kPrior != null && metric.freezes()) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--gate-metric")) {
                throw new UserError("--gate-metric frozen cannot be used with --experts-prior: a frozen metric has the "
                        + "dimension of one K; use fisher (the default with --experts-prior)");
            }
            metric = GateMetric.FISHER;
        }
        int moves = gateMoves(gateMoves);
        backendOptions.validate();
        backendOptions.threads(); // checked here, before the data is read
        if (checkpointEvery < 0) {
            throw new UserError("--checkpoint-every must be >= 0 (0: no checkpoints), got " + checkpointEvery);
        }
        RunFolder.checkNew(out, force);
        // Check the data and open the backend before touching the file system: bad input or a missing
        // device must not leave an empty run folder. The default noise prior's rate depends on the data.
        Dialect dialect = dataOptions.dialect();
        String location = location(data);
        Loaded loaded = read(location, dialect, y, x, !noStandardize, width, backendOptions.blockSize);
        Dataset dataset = loaded.dataset();
        RunConfig cfg = config(width, chains, warmup, draws, thin, s, priorOptions.priors(dataset), method, metric,
                moves, initPlan(initStarts, initSweeps, initRows), kPrior, jointSteps(jointSteps, dataset.n()));
        return new Prepared(location, dialect, loaded, cfg);
    }

    /** The prepared fit, into its new run folder. */
    Integer run(Prepared prepared) {
        String location = prepared.location();
        Dialect dialect = prepared.dialect();
        Loaded loaded = prepared.loaded();
        Dataset dataset = loaded.dataset();
        RunConfig cfg = prepared.config();
        int nThreads = backendOptions.threads();
        try (Backend backend = backendOptions.open(quiet, spec.commandLine().getErr())) {
            AtomicFiles.prepareFolder(out);
            DataFingerprint fp = RunSpec.fingerprint(location);
            RunSpec run = new RunSpec(location, data, fp.size(), fp.sha256(), y,
                    x, !noStandardize, cfg, backend.name(), backend.blockSize(), checkpointEvery, dialect,
                    loaded.dropped());
            printDropped(loaded);
            try (RunFolder folder = RunFolder.startNew(out, run, force)) {
                return fit(folder, run, dataset, backend, nThreads, List.of());
            }
        }
    }

    /** fit --resume: the settings come from RUN/run.json; each chain goes on from its checkpoint. */
    private Integer resume() {
        List<String> extra = spec.commandLine().getParseResult().matchedOptions().stream()
                .map(CommandLine.Model.OptionSpec::longestName).filter(name -> !RESUME_OPTIONS.contains(name))
                .distinct().toList();
        if (!extra.isEmpty()) {
            throw new UserError("--resume takes the fit's settings from RUN/run.json; only --threads, --device, "
                    + "--chains-per-pass, --quiet and --progress may be given with it, not " + String.join(", ", extra));
        }
        try (RunFolder folder = RunFolder.toResume(resume)) {
            return resume(folder);
        }
    }

    /** The resume in the folder it holds. */
    private Integer resume(RunFolder folder) {
        RunSpec run = RunSpec.read(resume);
        run.checkDataUnchanged();
        backendOptions.validate();
        int nThreads = backendOptions.threads();
        Loaded loaded = read(run.data(), run.dialect(), run.y(), run.x(), run.standardize(), run.config().experts(),
                run.blockSize());
        Dataset dataset = loaded.dataset();
        printDropped(loaded);
        List<Checkpoint> from = folder.checkpoints(run.config(), dataset.dim());
        try (Backend backend = backend(run.backend(), nThreads, run.blockSize())) {
            return fit(folder, run, dataset, backend, nThreads, from);
        }
    }

    /**
     * Runs the fit into its folder: part files and checkpoints as it goes, then draws.csv and summary.json.
     *
     * @param from each chain's checkpoint, null (or an empty list) for a chain that starts at sweep 0
     */
    private Integer fit(RunFolder folder, RunSpec run, Dataset dataset, Backend backend, int nThreads,
                        List<Checkpoint> from) {
        RunConfig cfg = run.config();
        List<Checkpoint> checkpoints = new ArrayList<>(Collections.nCopies(cfg.chains(), (Checkpoint) null));
        for (int c = 0; c < from.size(); c++) {
            checkpoints.set(c, from.get(c));
        }
        List<ChainState> starts = checkpoints.stream().map(cp -> cp == null ? null : cp.state()).toList();
        PrintWriter stdout = spec.commandLine().getOut();
        if (!quiet && !from.isEmpty()) {
            List<String> where = new ArrayList<>();
            for (int c = 0; c < cfg.chains(); c++) {
                where.add("chain " + (c + 1) + " at sweep " + (starts.get(c) == null ? 0 : starts.get(c).sweep()));
            }
            stdout.println("resuming " + folder.dir() + ": " + String.join(", ", where) + " of " + cfg.sweepsPerChain());
        }
        String label = backend.name() + " (" + nThreads + (nThreads == 1 ? " thread)" : " threads)");
        Progress.Mode mode = Progress.mode(quiet, progress, Progress.interactive());
        FitRun session;
        try (RunFolder.Recorder recorder = folder.recorder(cfg, run.checkpointEvery(), checkpoints);
             Progress line = Progress.start(spec.commandLine().getErr(), mode, cfg, label, starts)) {
            Chain.Listener listener = recorder.andThen(line);
            if (testListener != null) {
                listener = listener.andThen(testListener);
            }
            session = FitRun.fit(backend, run.blockSize(), nThreads, dataset, cfg, starts, listener);
        }
        FitRun done = session.withChains(folder.readChains(cfg, dataset.p(), session.chains()));
        PosteriorReport report = done.report();
        done.write(folder.dir(), run.dataAsGiven(), run.dialect(), run.rowsDropped(), report);
        folder.removeWorkFiles();
        if (!quiet) {
            done.printSummary(stdout, report);
            stdout.println("wrote " + folder.dir().resolve("draws.csv") + " and " + folder.dir().resolve("summary.json"));
        }
        return Main.EXIT_OK;
    }

    /**
     * The backend run.json names, with its block size: the draws depend on both, so a resume never falls
     * back to another backend (an OpenCL run may pick its device again with --device).
     */
    private Backend backend(String name, int threads, int blockSize) {
        if (ExternalBackend.provides(name)) { // a run of the backend another module installed (bmoe-spark's)
            return ExternalBackend.installed().open(threads, blockSize, backendOptions.chainsPerPass);
        }
        Backends.Choice choice = switch (name) {
            case "cpu" -> Backends.Choice.CPU;
            case "opencl" -> Backends.Choice.OPENCL;
            case "cuda" -> Backends.Choice.CUDA;
            default -> throw new UserError("run.json names backend '" + name + "', which this build does not have");
        };
        try {
            // chains per pass do not change the draws, so a resume may choose its own
            return Backends.open(choice, backendOptions.device, threads, blockSize, backendOptions.chainsPerPass,
                    notice -> { });
        } catch (BackendUnavailableException e) {
            throw new UserError("the run was sampled on the " + name + " backend, which cannot run here: "
                    + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** A required option of a new fit (picocli cannot require it: --resume goes without it). */
    private void requireOption(Object value, String name) {
        if (value == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option: '" + name + "'");
        }
    }

    /** The data set and the rows left out for a missing value (--missing drop). */
    record Loaded(Dataset dataset, long dropped, String firstDropped) {}

    /** Tells how many rows --missing drop left out, on stdout with the fit's other lines. */
    private void printDropped(Loaded loaded) {
        if (!quiet && loaded.dropped() > 0) {
            spec.commandLine().getOut().println("left out " + loaded.dropped() + (loaded.dropped() == 1 ? " row" : " rows")
                    + " with a missing value (--missing drop), the first at " + loaded.firstDropped() + "; n = "
                    + loaded.dataset().n());
        }
    }

    /**
     * --data as a fit records it: a URI of another file system (hdfs://, s3a://) as it is, a local path absolute
     * (a file:// URI as its path), so that a resume works from any working folder.
     */
    static String location(String data) {
        if (ExternalData.isUri(data)) {
            return data;
        }
        Path local;
        try {
            local = data.regionMatches(true, 0, "file:", 0, 5) ? Path.of(java.net.URI.create(data)) : Path.of(data);
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            throw new UserError("--data " + data + ": not a path or URI I can read (" + Main.oneLine(e.getMessage())
                    + ")");
        }
        return local.toAbsolutePath().normalize().toString();
    }

    /**
     * Reads the columns a fit uses from the data at {@code location} (see {@link #location}) straight into float32
     * and builds the data set. The x columns are --x in its order, else every column but y and those without a name
     * (R's and pandas' row names or index). Where an installed external backend reads the
     * data itself (bmoe-spark: its executors read the file), it does, for {@code blockSize} (null: its default), and
     * the rows may stay there. Only such a reader reads a URI.
     */
    static Loaded read(String location, Dialect dialect, String yName, List<String> xNames, boolean standardize,
                       int experts, Integer blockSize) {
        boolean uri = ExternalData.isUri(location);
        ExternalData reader = uri ? RunSpec.uriReader(location)
                : ExternalBackend.installed() instanceof ExternalData installed ? installed : null;
        ExternalData.DataRead elsewhere = reader == null ? null
                : reader.read(location, dialect, yName, xNames, standardize, blockSize);
        if (elsewhere == null && uri) {
            throw new IllegalStateException("the reader of " + location + " read nothing");
        }
        if (elsewhere != null) {
            int n = elsewhere.dataset().n();
            if (n < 2 * experts) {
                throw new UserError(location + ": " + n + " rows is fewer than 2K = " + 2 * experts
                        + (elsewhere.dropped() > 0 ? " (after leaving out " + elsewhere.dropped() + " with missing values)"
                        : ""));
            }
            return new Loaded(elsewhere.dataset(), elsewhere.dropped(), elsewhere.firstDropped());
        }
        return read(Path.of(location), dialect, yName, xNames, standardize, experts);
    }

    /** bmoe's own reader, in this JVM. */
    static Loaded read(Path file, Dialect dialect, String yName, List<String> xNames, boolean standardize, int experts) {
        DataSource source = DataSource.open(file, dialect);
        List<String> xs = Covariates.of(source.columns(), yName, xNames);
        source.requireColumn(yName);
        xs.forEach(source::requireColumn);
        if (source.rows() == 0) {
            throw new UserError(file + ": no data rows after the header");
        }
        RawData raw = RawData.read(source, xs, yName, dialect.missing());
        if (raw.n() == 0) {
            throw new UserError(file + ": no rows left after leaving out " + raw.dropped() + " with missing values");
        }
        if (raw.n() < 2 * experts) {
            throw new UserError(file + ": " + raw.n() + " rows is fewer than 2K = " + 2 * experts
                    + (raw.dropped() > 0 ? " (after leaving out " + raw.dropped() + " with missing values)" : ""));
        }
        try {
            Dataset dataset = Dataset.fromRaw(raw.x(), raw.y(), raw.p(), raw.xShift(), raw.yShift(), xs, yName,
                    standardize);
            return new Loaded(dataset, raw.dropped(), raw.firstDropped());
        } catch (IllegalArgumentException e) {
            throw new UserError(file + ": " + e.getMessage());
        }
    }

    /** The --gates value as a method, or a one-line error. */
    static GateMethod gateMethod(String name) {
        try {
            return GateMethod.parse(name);
        } catch (IllegalArgumentException e) {
            throw new UserError("--" + e.getMessage());
        }
    }

    /** The --gate-moves value ("auto" is {@link RunConfig#AUTO_MOVES}), or a one-line error. */
    static int gateMoves(String value) {
        if (value.equals("auto")) {
            return RunConfig.AUTO_MOVES;
        }
        try {
            int n = Integer.parseInt(value.strip());
            if (n >= 1 && n <= RunConfig.MAX_GATE_MOVES) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below, as an out-of-range value is
        }
        throw new UserError("--gate-moves must be auto or an integer in [1, " + RunConfig.MAX_GATE_MOVES + "], got '"
                + value + "'");
    }

    /** The --gate-metric value, or a one-line error. */
    static GateMetric gateMetric(String name) {
        try {
            return GateMetric.parse(name);
        } catch (IllegalArgumentException e) {
            throw new UserError("--" + e.getMessage());
        }
    }

    /** The --init-starts, --init-sweeps and --init-rows values as a plan, or a one-line error. */
    static StartSearch.Plan initPlan(int starts, int sweeps, int rows) {
        try {
            return new StartSearch.Plan(starts, sweeps, rows);
        } catch (IllegalArgumentException e) {
            throw new UserError("--" + e.getMessage());
        }
    }

    /**
     * --joint-steps auto: L = min(AUTO_JOINT_MAX_STEPS, AUTO_JOINT_ROWS / n) leapfrog steps, none where that is below
     * AUTO_JOINT_MIN_STEPS (n > 1024), so the move adds at most AUTO_JOINT_ROWS row evaluations per sweep, a few
     * seconds per fit: small data sets, whose posteriors are broad and curved, get the long trajectories they need
     * at a small absolute cost; on larger ones the posterior is narrower and the passes cost more than they bring.
     * Measured (bench/RESULTS.md, "Real data" and "The joint move"): on mcycle (n = 133, K = 3) the largest R-hat
     * of the invariant quantities over seeds 1 to 6 was 1.29 without the move, 1.023 with 16 steps, 1.019 with 32,
     * 1.0100 with 64 and 1.006 with 128; on neurips23 and planes3 at n = 2000 the gates mixed without it (bulk ESS
     * over half the draws) and 64 steps cut the ESS per second 8 x and 3 x.
     */
    static final int AUTO_JOINT_MAX_STEPS = 128;
    static final int AUTO_JOINT_MIN_STEPS = 16;
    static final int AUTO_JOINT_ROWS = 16384;

    /** The --joint-steps value for n rows ("auto": see AUTO_JOINT_MAX_STEPS), or a one-line error. */
    static int jointSteps(String value, int n) {
        if ("auto".equals(value)) {
            int steps = Math.min(AUTO_JOINT_MAX_STEPS, AUTO_JOINT_ROWS / Math.max(1, n));
            return steps >= AUTO_JOINT_MIN_STEPS ? steps : 0;
        }
        try {
            int steps = Integer.parseInt(value.trim());
            if (steps >= 0 && steps <= RunConfig.MAX_JOINT_STEPS) {
                return steps;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UserError("--joint-steps must be auto or an integer in [0, " + RunConfig.MAX_JOINT_STEPS + "], got '"
                + value + "'");
    }

    /** Default KMAX of --experts-prior. */
    static final int DEFAULT_MAX_EXPERTS = 10;

    /** --experts-prior and --max-experts as a prior on K, or null when K is fixed; bad combinations in one line. */
    private ExpertsPrior expertsPrior() {
        if (expertsPrior == null) {
            if (maxExperts != null) {
                throw new UserError("--max-experts needs --experts-prior (with --experts, K is fixed)");
            }
            return null;
        }
        if (experts != null) {
            throw new UserError("give either --experts (K fixed) or --experts-prior (K a parameter), not both");
        }
        try {
            return ExpertsPrior.parse(expertsPrior, maxExperts != null ? maxExperts : DEFAULT_MAX_EXPERTS);
        } catch (IllegalArgumentException e) {
            throw new UserError("--" + e.getMessage());
        }
    }

    /** The run's configuration; RunConfig checks it, and a bad value is reported under its option name. */
    static RunConfig config(int experts, int chains, int warmup, int draws, int thin, long seed, Priors priors,
                            GateMethod gates, GateMetric metric, int moves, StartSearch.Plan init) {
        return config(experts, chains, warmup, draws, thin, seed, priors, gates, metric, moves, init, null);
    }

    /** The same with K a parameter under {@code kPrior} (null: K fixed at {@code experts}), no joint move. */
    static RunConfig config(int experts, int chains, int warmup, int draws, int thin, long seed, Priors priors,
                            GateMethod gates, GateMetric metric, int moves, StartSearch.Plan init, ExpertsPrior kPrior) {
        return config(experts, chains, warmup, draws, thin, seed, priors, gates, metric, moves, init, kPrior, 0);
    }

    /** The same with joint moves of {@code jointSteps} leapfrog steps (0: none). */
    static RunConfig config(int experts, int chains, int warmup, int draws, int thin, long seed, Priors priors,
                            GateMethod gates, GateMetric metric, int moves, StartSearch.Plan init, ExpertsPrior kPrior,
                            int jointSteps) {
        try {
            return new RunConfig(experts, chains, warmup, draws, thin, seed, priors, gates, metric, moves, init, kPrior,
                    jointSteps);
        } catch (IllegalArgumentException e) {
            throw new UserError("--" + e.getMessage());
        }
    }
}
