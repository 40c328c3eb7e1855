package bmoe.bench;

import bmoe.backend.Backend;
import bmoe.backend.ChainBatch;
import bmoe.backend.cpu.CpuBackend;
import bmoe.backend.cuda.CudaBackend;
import bmoe.backend.opencl.OpenClBackend;
import bmoe.backend.opencl.OpenClDevices;
import bmoe.model.Dataset;
import bmoe.model.Priors;
import bmoe.rng.RngKey;
import bmoe.sampler.GateMethod;
import bmoe.sampler.GibbsSweep;
import bmoe.sampler.SweepState;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Several chains per pass over the data: the time per chain and sweep with C chains whose kernel calls share
 * passes (mode pass: one {@link ChainBatch}, each round's calls of one kernel one pass, one launch on a device)
 * and with the same C chains each call a pass of its own (mode apart: how the sampler ran chains before), C = 1
 * being one chain alone. Each chain runs in its own thread, as {@code Sampler} runs them.
 *
 * <p>Not JMH: on a shared machine a burst of load would land on whichever configuration JMH measured then. Here
 * every configuration is set up once (per backend one instance, the data resident once per configuration) and
 * the samples go round-robin over all configurations, the starting one rotating from round to round, so a burst
 * spreads over them and their medians stay comparable. A sample is {@code --sweeps} sweeps of every chain of a
 * configuration; its time / (sweeps C) is one per-chain figure.
 *
 * <p>The sweep is the default sweep as a fit makes it after warm-up: gates by MALA with the metric frozen and
 * K - 1 moves per sweep, so K + 1 passes (K of kernel (b) without the metric, then kernel (a)); {@code --gates pg}
 * the Polya-Gamma sweep (kernel (a), then K - 1 of kernel (c)). Every chain starts from the state
 * {@link Fixture#warmState} reaches (the metric frozen at its gates), each on its own key; p = 7.
 *
 * <pre>
 *   java -cp bench/target/benchmarks.jar bmoe.bench.ChainsPerPass [--backends cpu,opencl] [--chains 1,2,4,8]
 *       [--n 100000] [--experts 8] [--gates mala|pg] [--rounds 9] [--warmup 2] [--sweeps 1] [--out FILE.json]
 * </pre>
 * The OpenCL device is {@code -Dbmoe.device=N} or the first GPU with fp64, else device 0; CUDA device 0 unless
 * {@code -Dbmoe.device} says otherwise. bench/run-chains.sh runs it; bench/summarize_chains.py makes the table
 * from the JSON ({@code [{backend, n, experts, gates, chains, mode, chains_per_pass, ms_per_chain_sweep: [...]}]}).
 */
public final class ChainsPerPass {
    private ChainsPerPass() {}

    /** One configuration: C chains on one backend, their threads, workspaces and states. */
    static final class Config {
        final String backend;
        final int chains;
        final String mode;
        final Backend calls;
        final ChainBatch batch;
        final ExecutorService[] threads;
        final Backend.Workspace[] ws;
        final SweepState[] states;
        final RngKey[] keys;
        final List<Double> samples = new ArrayList<>();

        Config(String backend, Backend opened, Dataset data, SweepState warm, int chains, String mode, int experts)
                throws InterruptedException, ExecutionException {
            this.backend = backend;
            this.chains = chains;
            this.mode = mode;
            boolean pass = mode.equals("pass");
            this.batch = pass && chains > 1 ? new ChainBatch(opened, chains, ChainBatch.STRAGGLER_WAIT_MS) : null;
            this.calls = batch != null ? batch : opened;
            Backend.Resident resident = pass ? calls.upload(data, chains) : calls.upload(data);
            threads = new ExecutorService[chains];
            ws = new Backend.Workspace[chains];
            states = new SweepState[chains];
            keys = new RngKey[chains];
            for (int c = 0; c < chains; c++) {
                threads[c] = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "chain");
                    t.setDaemon(true);
                    return t;
                });
                // a chain takes part in the batch's rounds from the thread that opened its workspace
                ws[c] = threads[c].submit(() -> calls.workspace(resident, experts)).get();
                states[c] = warm;
                keys[c] = new RngKey(Fixture.SEED, c);
            }
        }

        /** Sweeps every chain {@code sweeps} times, each chain in its thread; the milliseconds per chain and sweep. */
        double sample(GateMethod method, int moves, Priors priors, int sweeps) throws InterruptedException,
                ExecutionException {
            long t0 = System.nanoTime();
            List<Future<SweepState>> done = new ArrayList<>(chains);
            for (int c = 0; c < chains; c++) {
                int chain = c;
                done.add(threads[c].submit(() -> {
                    SweepState s = states[chain];
                    for (int i = 0; i < sweeps; i++) {
                        s = GibbsSweep.step(method, moves, calls, ws[chain], s, keys[chain], priors).state();
                    }
                    return s;
                }));
            }
            for (int c = 0; c < chains; c++) {
                states[c] = done.get(c).get();
            }
            return (System.nanoTime() - t0) * 1e-6 / (sweeps * (double) chains);
        }

        void close() throws InterruptedException, ExecutionException {
            for (int c = 0; c < chains; c++) {
                int chain = c;
                threads[c].submit(() -> ws[chain].close()).get();
                threads[c].shutdown();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        List<String> backends = List.of(o.getOrDefault("backends", "cpu,opencl").split(","));
        int[] chainCounts = Arrays.stream(o.getOrDefault("chains", "1,2,4,8").split(",")).mapToInt(Integer::parseInt)
                .toArray();
        int n = Integer.parseInt(o.getOrDefault("n", "100000"));
        int experts = Integer.parseInt(o.getOrDefault("experts", "8"));
        String gates = o.getOrDefault("gates", "mala");
        int rounds = Integer.parseInt(o.getOrDefault("rounds", "9"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", "2"));
        int sweeps = Integer.parseInt(o.getOrDefault("sweeps", "1"));
        GateMethod method = switch (gates) {
            case "mala" -> GateMethod.MALA;
            case "pg" -> GateMethod.PG;
            default -> throw new IllegalArgumentException("--gates must be mala or pg, got " + gates);
        };
        int moves = experts - 1;
        Priors priors = Priors.DEFAULT;
        int most = Arrays.stream(chainCounts).max().orElse(1);

        Dataset data = Fixture.data(n);
        List<Backend> opened = new ArrayList<>();
        List<Config> configs = new ArrayList<>();
        try {
            for (String name : backends) {
                Backend b = open(name.strip(), most);
                opened.add(b);
                RngKey first = new RngKey(Fixture.SEED, 0);
                SweepState warm = Fixture.warmState(b, experts, first, priors);
                if (method == GateMethod.MALA) {
                    warm = freezeMetric(b, warm, first, experts, priors);
                }
                System.out.printf(Locale.ROOT, "# %s: %s%n", name, b.describe());
                for (int c : chainCounts) {
                    configs.add(new Config(name.strip(), b, data, warm, c, "pass", experts));
                    if (c > 1) {
                        configs.add(new Config(name.strip(), b, data, warm, c, "apart", experts));
                    }
                }
            }
            System.out.printf(Locale.ROOT, "# n = %d, p = %d, K = %d, %s, %d sweep(s) per sample, %d warm-up and %d "
                    + "measured rounds over %d configurations%n", n, data.p(), experts, gates, sweeps, warmup, rounds,
                    configs.size());
            for (int r = 0; r < warmup + rounds; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < configs.size(); i++) {
                    Config c = configs.get((i + r) % configs.size());
                    double ms = c.sample(method, moves, priors, sweeps);
                    if (r >= warmup) {
                        c.samples.add(ms);
                    }
                }
                System.out.printf(Locale.ROOT, "# round %d%s: %.1f s%n", r + 1, r < warmup ? " (warm-up)" : "",
                        (System.nanoTime() - t0) * 1e-9);
            }
            StringBuilder json = new StringBuilder("[\n");
            for (int i = 0; i < configs.size(); i++) {
                Config c = configs.get(i);
                double perPass = c.batch != null ? c.batch.passedCalls() / (double) c.batch.passes() : 1.0;
                double[] s = c.samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                System.out.printf(Locale.ROOT, "%-7s C = %d %-6s ms per chain and sweep: median %.1f (%.1f-%.1f), "
                        + "%.2f chains per pass%n", c.backend, c.chains, c.chains == 1 ? "alone" : c.mode, median(s),
                        s[0], s[s.length - 1],
                        perPass);
                json.append(String.format(Locale.ROOT, "  {\"backend\": \"%s\", \"n\": %d, \"experts\": %d, "
                        + "\"gates\": \"%s\", \"chains\": %d, \"mode\": \"%s\", \"chains_per_pass\": %.4f, "
                        + "\"ms_per_chain_sweep\": %s}%s%n", c.backend, n, experts, gates, c.chains,
                        c.chains == 1 ? "alone" : c.mode, perPass, Arrays.toString(c.samples.toArray()),
                        i + 1 < configs.size() ? "," : ""));
            }
            json.append("]\n");
            if (o.containsKey("out")) {
                write(Path.of(o.get("out")), json.toString());
            }
            for (Config c : configs) {
                c.close();
            }
        } finally {
            for (Backend b : opened) {
                b.close();
            }
        }
    }

    static double median(double[] sorted) {
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : 0.5 * (sorted[m - 1] + sorted[m]);
    }

    /** The Fisher metric at the warmed-up gates, frozen there, as a chain does half way through warm-up. */
    static SweepState freezeMetric(Backend b, SweepState state, RngKey key, int experts, Priors priors) {
        Dataset rows = Fixture.data(Fixture.WARM_ROWS);
        try (Backend.Resident r = b.upload(rows); Backend.Workspace w = b.workspace(r, experts)) {
            GibbsSweep.Result step = GibbsSweep.step(GateMethod.MALA, 1, b, w, state, key, priors);
            return state.withFrozenMetric(step.info().gateMetric());
        }
    }

    static Backend open(String name, int perPass) {
        String chosen = System.getProperty("bmoe.device");
        return switch (name) {
            case "cpu" -> new CpuBackend(Runtime.getRuntime().availableProcessors(), CpuBackend.DEFAULT_BLOCK_SIZE,
                    perPass);
            case "opencl" -> OpenClBackend.open(chosen != null ? Integer.parseInt(chosen.strip())
                    : OpenClBackend.firstGpu().map(OpenClDevices.Device::index).orElse(0), OpenClBackend.DEFAULT_CHUNK,
                    perPass);
            case "cuda" -> CudaBackend.open(chosen != null ? Integer.parseInt(chosen.strip()) : 0,
                    CudaBackend.DEFAULT_CHUNK, perPass);
            default -> throw new IllegalArgumentException("backend must be cpu, opencl or cuda, got " + name);
        };
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("options are --name value, got " + String.join(" ", args));
            }
            o.put(args[i].substring(2), args[++i]);
        }
        return o;
    }

    private static void write(Path file, String text) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
