package bmoe.cli;

import bmoe.io.UserError;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.sampler.DrawColumns;
import bmoe.sampler.GateMethod;
import bmoe.sampler.GateMetric;
import bmoe.rng.RngKey;
import bmoe.sampler.RunConfig;
import bmoe.io.Stats;
import bmoe.sim.Preset;
import bmoe.sim.Simulator;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Simulate the neurips23 example, fit it with K = 2 and compare E[y|x] with the truth.")
final class DemoCommand implements Callable<Integer>, Main.LoadsOpenCl {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--n", defaultValue = "5000", description = "Observations (default ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--seed", defaultValue = "2023", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @CommandLine.Mixin
    BackendOptions backendOptions = new BackendOptions();

    @Override
    public boolean mayLoadOpenCl() {
        return backendOptions.mayLoadOpenCl();
    }

    @Override
    public Integer call() {
        Preset preset = Preset.NEURIPS23;
        if (n < 4) {
            throw new UserError("--n must be >= 4, got " + n);
        }
        if (seed < 0 || seed > RngKey.MAX_SEED) {
            // checked before simulating: the data come first, as the default noise prior depends on them
            throw new UserError("--seed must be in [0, " + RngKey.MAX_SEED + "], got " + seed);
        }
        backendOptions.validate();
        PrintWriter out = spec.commandLine().getOut();
        Simulator.Sample s = Simulator.simulate(preset.truth(), preset.lower(), preset.upper(), n, seed);
        Dataset data = Dataset.fromColumns(s.xColumns(), s.y(), preset.xNames(), "y", true);
        RunConfig cfg = FitCommand.config(2, 2, 500, 500, 1, seed, new PriorOptions().priors(data),
                GateMethod.MALA,
                GateMetric.FROZEN, RunConfig.AUTO_MOVES,
                FitCommand.initPlan(FitCommand.DEFAULT_INIT_STARTS, FitCommand.DEFAULT_INIT_SWEEPS,
                        FitCommand.DEFAULT_INIT_ROWS), null,
                FitCommand.jointSteps("auto", n)); // fit's default: the joint move up to n = 1024
        out.printf(Locale.ROOT, "simulated %d observations from preset %s (K = 2, x ~ U[0,1]), seed %d%n", n,
                preset.id(), seed);
        FitRun run = FitRun.fit(backendOptions.open(false, spec.commandLine().getErr()), data, cfg,
                backendOptions.threads());
        out.printf(Locale.ROOT, "fitted K = 2, 2 chains x (500 warm-up + 500 draws) in %.1f s on %s%n",
                run.seconds(), run.backend());
        out.println("E[y|x]: posterior mean and 90% interval against the truth");
        out.printf(Locale.ROOT, "  %6s %10s %10s %22s %8s%n", "x", "truth", "mean", "90% interval", "covered");
        List<Params> draws = run.chains().stream().flatMap(c -> java.util.Arrays.stream(c.draws()))
                .map(r -> DrawColumns.unflatten(r, 2, 1)).toList();
        int covered = 0;
        int points = 0;
        for (double x = 0.05; x < 1.0; x += 0.1, points++) {
            double[] row = {1.0, x};
            double truth = preset.truth().regression(row);
            double[] f = draws.stream().mapToDouble(p -> p.regression(row)).toArray();
            Stats st = Stats.of(f);
            boolean in = st.q5() <= truth && truth <= st.q95();
            covered += in ? 1 : 0;
            out.printf(Locale.ROOT, "  %6.2f %10.3f %10.3f   [%8.3f, %8.3f] %8s%n", x, truth, st.mean(), st.q5(),
                    st.q95(), in ? "yes" : "no");
        }
        out.printf(Locale.ROOT, "%d of %d true values inside the 90%% intervals%n", covered, points);
        List<ChainReport> chains = run.chainReports();
        for (ChainReport c : chains) {
            out.printf(Locale.ROOT, "chain %d: mean log-likelihood %.1f%s%n", c.chain(), c.meanLogLik(),
                    (c.gateMove() == null ? "" : ", " + ChainReport.gateLine(c.gateMove()))
                            + (c.jointMove() == null ? "" : ", " + ChainReport.jointLine(c.jointMove())));
        }
        ChainReport.lowAcceptanceWarning(chains).ifPresent(w -> out.println("warning: " + w));
        out.flush();
        return Main.EXIT_OK;
    }
}
