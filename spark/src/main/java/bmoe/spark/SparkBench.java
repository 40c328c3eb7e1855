package bmoe.spark;

import bmoe.backend.Backend;
import bmoe.backend.cpu.CpuBackend;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.RngKey;
import bmoe.sampler.GateMethod;
import bmoe.sampler.GibbsSweep;
import bmoe.sampler.Initializer;
import bmoe.sampler.SweepState;
import bmoe.sim.Preset;
import bmoe.sim.Simulator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The spark backend's costs beside the cpu backend's, side by side in one JVM (bench/RESULTS.md, "Spark"):
 * <ol>
 *   <li>an empty job in local mode: {@code map(x -> x).collect()} over a cached RDD of one partition, and a job
 *       over the n = 1e6 blocks whose tasks return a single 0 (per-task overhead with no kernel);</li>
 *   <li>the default sweep at n, p = 7, K: the collapsed gate move with the frozen metric (the sampling phase of a
 *       fit), K - 1 moves, so K + 1 passes (jobs) a sweep, on the cpu backend with T threads and on spark with
 *       the given master, in rounds that alternate which backend goes first, each round's sweeps of both
 *       backends starting from the same state. The two backends' states must stay bit-identical: a check that the
 *       benchmark measures the same work.</li>
 * </ol>
 *
 * <pre>
 *   java $(cat spark/conf/java-options) -cp spark/target/bmoe-spark.jar:$(cat spark/target/classpath.txt) \
 *       bmoe.spark.SparkBench [n] [experts] [master] [threads] [rounds] [sweeps per round] [blocks per partition]
 * </pre>
 * Defaults: 1000000 4 local[2] 2 5 5 1.
 */
public final class SparkBench {
    private SparkBench() {}

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int experts = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        String master = args.length > 2 ? args[2] : "local[2]";
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        int sweeps = args.length > 5 ? Integer.parseInt(args[5]) : 5;
        int perPartition = args.length > 6 ? Integer.parseInt(args[6]) : 1;
        int block = CpuBackend.DEFAULT_BLOCK_SIZE;

        Preset preset = Preset.WIDE7;
        Simulator.Sample s = Simulator.simulate(preset.truth(), preset.lower(), preset.upper(), n, 1);
        Dataset data = Dataset.fromColumns(s.xColumns(), s.y(), preset.xNames(), "y", true);
        System.out.printf(Locale.ROOT, "n = %d, p = %d, K = %d, blocks of %d rows; cpu %d threads, spark %s; %d rounds"
                + " x %d sweeps; %d blocks a partition%n", n, data.p(), experts, block, threads, master, rounds, sweeps,
                perPartition);

        SparkConf conf = new SparkConf().setMaster(master).setAppName("bmoe SparkBench").set("spark.ui.enabled", "false");
        try (JavaSparkContext sc = new JavaSparkContext(conf);
             CpuBackend cpu = new CpuBackend(threads, block);
             SparkBackend spark = new SparkBackend(sc, block, perPartition)) {
            sc.setLogLevel("WARN");
            Backend.Resident cpuData = cpu.upload(data);
            long t0 = System.nanoTime();
            SparkBackend.Data sparkData = (SparkBackend.Data) spark.upload(data);
            System.out.printf(Locale.ROOT, "spark upload (broadcast and cache %d blocks): %.0f ms%n",
                    sparkData.partitions(), (System.nanoTime() - t0) * 1e-6);

            emptyJobs(sc, sparkData);
            if (rounds == 0) {
                return;
            }

            RngKey key = new RngKey(1, 0);
            Priors priors = Priors.DEFAULT;
            Backend.Workspace cw = cpu.workspace(cpuData, experts);
            Backend.Workspace sw = spark.workspace(sparkData, experts);
            SweepState state = Initializer.initialState(data, experts, priors, key);
            // warm-up's first half: the Fisher metric at every point, then frozen there, as a fit does
            GibbsSweep.Result r = null;
            for (int i = 0; i < 3; i++) {
                r = GibbsSweep.step(GateMethod.MALA, experts - 1, cpu, cw, state, key, priors);
                state = r.state();
            }
            state = state.withFrozenMetric(r.info().gateMetric());
            // JIT and first-call costs on both, untimed
            sweep(spark, sw, state, key, priors, experts, 2);
            sweep(cpu, cw, state, key, priors, experts, 2);

            List<Double> cpuMs = new ArrayList<>();
            List<Double> sparkMs = new ArrayList<>();
            List<Double> ratios = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                Timed a;
                Timed b;
                if (round % 2 == 0) {
                    a = sweep(cpu, cw, state, key, priors, experts, sweeps);
                    b = sweep(spark, sw, state, key, priors, experts, sweeps);
                } else {
                    b = sweep(spark, sw, state, key, priors, experts, sweeps);
                    a = sweep(cpu, cw, state, key, priors, experts, sweeps);
                }
                if (!same(a.end.params(), b.end.params())) {
                    throw new IllegalStateException("round " + round + ": spark's sweeps left other parameters than cpu's");
                }
                cpuMs.addAll(a.ms);
                sparkMs.addAll(b.ms);
                ratios.add(median(b.ms) / median(a.ms));
                System.out.printf(Locale.ROOT, "round %d: cpu %s ms, spark %s ms%n", round + 1, fmt(a.ms), fmt(b.ms));
                state = a.end;
            }
            System.out.printf(Locale.ROOT, "sweep (%d passes): cpu median %.1f ms (%s), spark median %.1f ms (%s); "
                    + "ratio of medians %.3f, per-round ratios %s (median %.3f)%n", experts + 1, median(cpuMs),
                    range(cpuMs), median(sparkMs), range(sparkMs), median(sparkMs) / median(cpuMs), fmt(ratios),
                    median(ratios));
            System.out.printf(Locale.ROOT, "per-round ratios: %s%n", ratios.stream()
                    .map(x -> String.format(Locale.ROOT, "%.2f", x)).reduce((x, y) -> x + " " + y).orElse(""));
            System.out.printf(Locale.ROOT, "spark kernel jobs: %d%n", spark.jobs());
        }
    }

    /** Empty jobs: one cached partition, then the data's partitions with tasks that return 0. */
    static void emptyJobs(JavaSparkContext sc, SparkBackend.Data data) {
        JavaRDD<Integer> one = sc.parallelize(List.of(0), 1).cache();
        one.count();
        for (int i = 0; i < 50; i++) {
            one.map(x -> x).collect();
        }
        List<Double> perJob = new ArrayList<>();
        for (int rep = 0; rep < 7; rep++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                one.map(x -> x).collect();
            }
            perJob.add((System.nanoTime() - t0) * 1e-6 / 100);
        }
        List<Double> perBlockJob = new ArrayList<>();
        for (int rep = 0; rep < 7; rep++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                data.rows.map(b -> 0).collect();
            }
            perBlockJob.add((System.nanoTime() - t0) * 1e-6 / 20);
        }
        List<Integer> indices = new ArrayList<>();
        for (int b = 0; b < data.partitions(); b++) {
            indices.add(b);
        }
        JavaRDD<Integer> plain = sc.parallelize(indices, data.partitions()).cache();
        plain.count();
        List<Double> perPlainJob = new ArrayList<>();
        for (int rep = 0; rep < 7; rep++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                plain.map(b -> 0).collect();
            }
            perPlainJob.add((System.nanoTime() - t0) * 1e-6 / 20);
        }
        System.out.printf(Locale.ROOT, "empty job, 1 partition: median %.2f ms (%s; 7 x 100 jobs)%n", median(perJob),
                range(perJob));
        System.out.printf(Locale.ROOT, "empty job over %d partitions of cached integers: median %.2f ms (%s; 7 x 20 jobs)%n",
                data.partitions(), median(perPlainJob), range(perPlainJob));
        System.out.printf(Locale.ROOT, "empty job over the %d cached partitions of row blocks: median %.2f ms (%s; 7 x 20 jobs)%n",
                data.partitions(), median(perBlockJob), range(perBlockJob));
    }

    record Timed(List<Double> ms, SweepState end) {}

    static Timed sweep(Backend backend, Backend.Workspace ws, SweepState from, RngKey key, Priors priors, int experts,
                       int count) {
        List<Double> ms = new ArrayList<>();
        SweepState state = from;
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            state = GibbsSweep.step(GateMethod.MALA, experts - 1, backend, ws, state, key, priors).state();
            ms.add((System.nanoTime() - t0) * 1e-6);
        }
        return new Timed(ms, state);
    }

    static boolean same(Params a, Params b) {
        if (!Arrays.equals(a.s2(), b.s2())) {
            return false;
        }
        for (int k = 0; k < a.experts(); k++) {
            if (!Arrays.equals(a.beta()[k], b.beta()[k]) || (k < a.experts() - 1 && !Arrays.equals(a.w()[k], b.w()[k]))) {
                return false;
            }
        }
        return true;
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : 0.5 * (a[a.length / 2 - 1] + a[a.length / 2]);
    }

    static String range(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return String.format(Locale.ROOT, "%.1f-%.1f, %d", a[0], a[a.length - 1], a.length);
    }

    static String fmt(List<Double> v) {
        StringBuilder b = new StringBuilder();
        for (double x : v) {
            b.append(b.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f", x));
        }
        return b.toString();
    }
}
