package bmoe.cli;

import bmoe.backend.Backend;
import bmoe.backend.cpu.CpuBackend;
import bmoe.io.AtomicFiles;
import bmoe.io.Dialect;
import bmoe.io.DrawsFile;
import bmoe.io.Json;
import bmoe.model.Dataset;
import bmoe.model.Scaling;
import bmoe.sampler.Chain;
import bmoe.sampler.ChainState;
import bmoe.sampler.GateMethod;
import bmoe.sampler.RunConfig;
import bmoe.sampler.Sampler;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A finished fit: the chains' draws and what is needed to write and summarise them.
 *
 * @param backend what ran the kernels, in full (threads included): for people, not part of the run's definition
 * @param backendName the backend's short name, which with the block size defines the draws
 * @param seconds the sampling time of this session
 * @param sweeps the sweeps run in this session, all chains together (fewer than all when it resumed a fit)
 */
record FitRun(Dataset data, RunConfig cfg, String backend, String backendName, int blockSize, int threads,
              List<Chain.Result> chains, double seconds, long sweeps) {

    /** A whole fit from sweep 0 without a run folder (the demo); closes the backend. */
    static FitRun fit(Backend backend, Dataset data, RunConfig cfg, int threads) {
        try (backend) {
            return fit(backend, backend.blockSize(), threads, data, cfg, Collections.nCopies(cfg.chains(), null), null);
        }
    }

    /**
     * Runs every chain from its start (null: sweep 0) to its end, as {@link Sampler#run} does; a chain that
     * starts from a state keeps only the draws after it.
     *
     * @param starts one entry per chain. Not modified.
     * @param listener told of every kept draw and sweep; null for none
     */
    static FitRun fit(Backend backend, int blockSize, int threads, Dataset data, RunConfig cfg,
                      List<ChainState> starts, Chain.Listener listener) {
        // On the CPU chains share the worker threads; a device runs all chains at once (each has its own
        // queue, and the host work between kernels is small).
        int parallelChains = backend instanceof CpuBackend ? threads : cfg.chains();
        long t0 = System.nanoTime();
        List<Chain.Result> chains = Sampler.run(backend, data, cfg, parallelChains, starts, listener);
        double seconds = (System.nanoTime() - t0) * 1e-9;
        long sweeps = 0;
        for (ChainState start : starts) {
            sweeps += cfg.sweepsPerChain() - (start == null ? 0 : start.sweep());
        }
        return new FitRun(data, cfg, backend.describe(), backend.name(), blockSize, threads, chains, seconds, sweeps);
    }

    /** The same fit with other results for its chains (all of each chain's draws, read back from disk). */
    FitRun withChains(List<Chain.Result> all) {
        return new FitRun(data, cfg, backend, backendName, blockSize, threads, List.copyOf(all), seconds, sweeps);
    }

    double sweepsPerSecond() {
        return sweeps / seconds;
    }

    /** The fit's speed for its report: sweeps a second, or, below one (n = 1e8 on a CPU), seconds a sweep. */
    static String speed(double sweepsPerSecond) {
        return sweepsPerSecond >= 1 || !(sweepsPerSecond > 0)
                ? String.format(Locale.ROOT, "%.0f sweeps/s", sweepsPerSecond)
                : String.format(Locale.ROOT, "%.1f s a sweep", 1 / sweepsPerSecond);
    }

    /** The configuration lines at the top of draws.csv. */
    Map<String, String> config(String source) {
        Map<String, String> c = new LinkedHashMap<>();
        Scaling s = data.scaling();
        c.put("bmoe", "softmax-gated mixture of experts, exact MCMC");
        c.put("data", source);
        c.put("y_column", data.yName());
        c.put("x_columns", String.join(",", data.xNames()));
        c.put("n", Integer.toString(data.n()));
        c.put("experts", Integer.toString(cfg.experts()));
        if (cfg.variableExperts()) {
            c.put(DrawsFile.EXPERTS_PRIOR, cfg.expertsPrior().spec()); // "experts" is then KMAX
        }
        c.put("chains", Integer.toString(cfg.chains()));
        c.put("warmup", Integer.toString(cfg.warmup()));
        c.put("draws", Integer.toString(cfg.draws()));
        c.put("thin", Integer.toString(cfg.thin()));
        c.put("seed", Long.toString(cfg.seed()));
        if (cfg.priors().gateSdSampled()) {
            c.put("prior_gate_sd", "sqrt(inv_gamma(" + cfg.priors().gateVarShape() + ", " + cfg.priors().gateVarScale()
                    + "))");
        } else {
            c.put("prior_gate_sd", Double.toString(cfg.priors().gateSd()));
        }
        c.put("prior_expert_sd", Double.toString(cfg.priors().expertSd()));
        c.put("prior_sigma_shape", Double.toString(cfg.priors().sigmaShape()));
        if (cfg.priors().sigmaScaleSampled()) {
            c.put("prior_sigma_scale", "gamma(" + cfg.priors().scaleShape() + ", rate " + cfg.priors().scaleRate() + ")");
        } else {
            c.put("prior_sigma_scale", Double.toString(cfg.priors().sigmaScale()));
        }
        c.put("gates", cfg.gates().cliName());
        c.put("gate_metric", cfg.gateMetric().cliName());
        c.put("gate_moves", cfg.gateMoves() == RunConfig.AUTO_MOVES && cfg.variableExperts() ? "auto (K - 1)"
                : Integer.toString(cfg.gateMovesPerSweep()));
        c.put("joint_steps", Integer.toString(cfg.jointStartSweep() > 0 ? cfg.jointSteps() : 0));
        c.put("init", cfg.init().starts() + " starts x " + cfg.init().sweeps() + " sweeps");
        c.put("standardize", Boolean.toString(!s.isIdentity()));
        c.put("x_mean", join(s.xMean()));
        c.put("x_sd", join(s.xSd()));
        c.put("y_mean", Double.toString(s.yMean()));
        c.put("y_sd", Double.toString(s.ySd()));
        c.put("priors_apply_on", s.isIdentity() ? "original scale" : "standardised scale");
        c.put("draws_scale", "original");
        // what defines the draws: the backend and the block size, not the thread count, so that
        // draws.csv is byte-identical for any --threads (the thread count goes to summary.json)
        c.put("backend", backendName);
        c.put("block_size", Integer.toString(blockSize));
        return c;
    }

    private static String join(double[] v) {
        return Arrays.stream(v).mapToObj(Double::toString).collect(Collectors.joining(","));
    }

    /** Diagnostics and relabelled summaries of this fit's chains (the costly part of writing it up). */
    PosteriorReport report() {
        List<PosteriorReport.ChainDraws> draws = chains.stream().map(c -> new PosteriorReport.ChainDraws(c.chain() + 1,
                c.draws(), c.logLikelihood(), c.nonEmpty())).toList();
        // the advice reads the configuration lines as summary does from draws.csv, so both say the same
        return PosteriorReport.of(cfg.experts(), data.p(), trackedPoints(), draws,
                ChainReport.samplerWarnings(chainReports()), cfg.variableExperts())
                .withAdvice(MixingAdvice.of(config("")));
    }

    /** Each chain's line of the report (its gate move's record for a mala run). */
    List<ChainReport> chainReports() {
        return ChainReport.of(chains, cfg);
    }

    /** Where E[y|x] is tracked: around the x means, one sd either way, on the original scale. */
    double[][] trackedPoints() {
        Scaling s = data.scaling();
        if (!s.isIdentity()) {
            return PosteriorReport.points(s.xMean(), s.xSd());
        }
        double[][] moments = data.xMoments();
        return PosteriorReport.points(moments[0], moments[1]);
    }

    void write(Path out, String source, PosteriorReport report) {
        write(out, source, Dialect.DEFAULT, 0, report);
    }

    /**
     * Writes draws.csv and summary.json; a data file read in another dialect than the default has it recorded
     * in draws.csv (data_sep, data_decimal, data_missing), so the analysis commands read the same rows.
     */
    void write(Path out, String source, Dialect dialect, long rowsDropped, PosteriorReport report) {
        Map<String, String> config = config(source);
        if (!dialect.equals(Dialect.DEFAULT)) {
            Map<String, String> withDialect = new LinkedHashMap<>();
            config.forEach((key, value) -> {
                withDialect.put(key, value);
                if (key.equals("data")) {
                    withDialect.put("data_sep", dialect.separatorName());
                    withDialect.put("data_decimal", dialect.decimalName());
                    withDialect.put("data_missing", dialect.missingName());
                    withDialect.put("data_rows_dropped", Long.toString(rowsDropped));
                }
            });
            config = withDialect;
        }
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode conf = root.putObject("config");
        config.forEach(conf::put);
        conf.put("threads", threads);
        conf.put("backend_detail", backend);
        ObjectNode timing = root.putObject("timing");
        timing.put("seconds", seconds);
        timing.put("sweeps", sweeps);
        timing.put("sweeps_per_second", sweepsPerSecond());
        ArrayNode perChain = root.putArray("chains");
        chainReports().forEach(c -> c.addTo(perChain.addObject()));
        report.addTo(root);
        // summary.json last: its presence marks a complete run
        Map<Path, AtomicFiles.Body> files = new LinkedHashMap<>();
        files.put(out.resolve(DrawsFile.NAME), DrawsFile.body(config, cfg.experts(), data.p(), chains));
        files.put(out.resolve("summary.json"), Json.body(root));
        AtomicFiles.writeAll(files);
    }

    void printSummary(PrintWriter out, PosteriorReport report) {
        String moves = cfg.variableExperts() && cfg.gateMoves() == RunConfig.AUTO_MOVES ? "K - 1 moves)"
                : cfg.gateMovesPerSweep() + (cfg.gateMovesPerSweep() == 1 ? " move)" : " moves)");
        out.printf(Locale.ROOT, "bmoe fit: n = %d, p = %d, K = %s, %d chains x (%d warm-up + %d draws, thin %d), seed %d, "
                + "gates %s%n", data.n(), data.p(), cfg.variableExperts()
                        ? "1.." + cfg.experts() + " (prior " + cfg.expertsPrior().spec() + ")" : "" + cfg.experts(),
                cfg.chains(), cfg.warmup(), cfg.draws(), cfg.thin(),
                cfg.seed(), cfg.gates().cliName() + (cfg.gates() == GateMethod.MALA && cfg.experts() > 1
                        ? (cfg.gateMetric().freezes() ? " (frozen metric" : " (fisher metric") + ", " + moves
                        : ""));
        out.printf(Locale.ROOT, "backend: %s; %.1f s, %s; %s%n", backend, seconds, speed(sweepsPerSecond()),
                data.scaling().isIdentity() ? "original scale" : "sampled on standardised x and y, reported on the original scale");
        chainReports().forEach(c -> out.println(c.line()));
        report.print(out);
        out.flush();
    }
}
