package bmoe.cli;

import bmoe.backend.Backend;
import bmoe.backend.cpu.CpuBackend;
import bmoe.io.AtomicFiles;
import bmoe.io.DrawsFile;
import bmoe.io.Json;
import bmoe.io.Stats;
import bmoe.model.Dataset;
import bmoe.model.Scaling;
import bmoe.sampler.Chain;
import bmoe.sampler.ChainState;
import bmoe.sampler.DrawColumns;
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

    static FitRun fit(Dataset data, RunConfig cfg, int threads, int blockSize) {
        try (CpuBackend backend = new CpuBackend(threads, blockSize)) {
            return fit(backend, blockSize, threads, data, cfg, Collections.nCopies(cfg.chains(), null), null);
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
        long t0 = System.nanoTime();
        List<Chain.Result> chains = Sampler.run(backend, data, cfg, threads, starts, listener);
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

    /** The configuration lines at the top of draws.csv. */
    Map<String, String> config(String source) {
        Map<String, String> c = new LinkedHashMap<>();
        Scaling s = data.scaling();
        c.put("bmoe", "softmax-gated mixture of experts, exact Gibbs sampler");
        c.put("data", source);
        c.put("y_column", data.yName());
        c.put("x_columns", String.join(",", data.xNames()));
        c.put("n", Integer.toString(data.n()));
        c.put("experts", Integer.toString(cfg.experts()));
        c.put("chains", Integer.toString(cfg.chains()));
        c.put("warmup", Integer.toString(cfg.warmup()));
        c.put("draws", Integer.toString(cfg.draws()));
        c.put("thin", Integer.toString(cfg.thin()));
        c.put("seed", Long.toString(cfg.seed()));
        c.put("prior_gate_sd", Double.toString(cfg.priors().gateSd()));
        c.put("prior_expert_sd", Double.toString(cfg.priors().expertSd()));
        c.put("prior_sigma_shape", Double.toString(cfg.priors().sigmaShape()));
        c.put("prior_sigma_scale", Double.toString(cfg.priors().sigmaScale()));
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

    void write(Path out, String source) {
        Map<String, String> config = config(source);
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
        for (Chain.Result c : chains) {
            ObjectNode o = perChain.addObject();
            o.put("chain", c.chain() + 1);
            o.put("kept_draws", c.draws().length);
            o.put("mean_log_likelihood", mean(c.logLikelihood())); // original scale, as draws.csv's log_lik
            o.put("mean_nonempty_experts", mean(Arrays.stream(c.nonEmpty()).asDoubleStream().toArray()));
            o.put("clamped_residuals", c.clampedResiduals());
        }
        root.put("note", "per-expert summaries pool chains without relabelling: labels may differ between "
                + "chains; E[y|x] and densities (bmoe predict) are label invariant");
        ObjectNode params = root.putObject("parameters");
        List<String> names = DrawColumns.names(cfg.experts(), data.p());
        for (int j = 0; j < names.size(); j++) {
            Stats st = Stats.of(column(j));
            ObjectNode o = params.putObject(names.get(j));
            o.put("mean", st.mean());
            o.put("sd", st.sd());
            o.put("q5", st.q5());
            o.put("q50", st.q50());
            o.put("q95", st.q95());
        }
        // summary.json last: its presence marks a complete run
        Map<Path, AtomicFiles.Body> files = new LinkedHashMap<>();
        files.put(out.resolve(DrawsFile.NAME), DrawsFile.body(config, cfg.experts(), data.p(), chains));
        files.put(out.resolve("summary.json"), Json.body(root));
        AtomicFiles.writeAll(files);
    }

    double[] column(int j) {
        return chains.stream().flatMap(c -> Arrays.stream(c.draws())).mapToDouble(r -> r[j]).toArray();
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }

    void printSummary(PrintWriter out) {
        out.printf(Locale.ROOT, "bmoe fit: n = %d, p = %d, K = %d, %d chains x (%d warm-up + %d draws, thin %d), seed %d%n",
                data.n(), data.p(), cfg.experts(), cfg.chains(), cfg.warmup(), cfg.draws(), cfg.thin(), cfg.seed());
        out.printf(Locale.ROOT, "backend: %s; %.1f s, %.0f sweeps/s; %s%n", backend, seconds, sweepsPerSecond(),
                data.scaling().isIdentity() ? "original scale" : "sampled on standardised x and y, reported on the original scale");
        for (Chain.Result c : chains) {
            out.printf(Locale.ROOT, "chain %d: mean log-likelihood %.2f, mean non-empty experts %.2f%s%n", c.chain() + 1,
                    mean(c.logLikelihood()), mean(Arrays.stream(c.nonEmpty()).asDoubleStream().toArray()),
                    c.clampedResiduals() > 0 ? ", " + c.clampedResiduals() + " clamped residuals" : "");
        }
        out.println("parameters (pooled over chains, not relabelled):");
        out.printf(Locale.ROOT, "  %-14s %12s %12s %12s %12s%n", "name", "mean", "sd", "5%", "95%");
        List<String> names = DrawColumns.names(cfg.experts(), data.p());
        for (int j = 0; j < names.size(); j++) {
            Stats st = Stats.of(column(j));
            out.printf(Locale.ROOT, "  %-14s %12.4f %12.4f %12.4f %12.4f%n", names.get(j), st.mean(), st.sd(), st.q5(), st.q95());
        }
        out.flush();
    }
}
