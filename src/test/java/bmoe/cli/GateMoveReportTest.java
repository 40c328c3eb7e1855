package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.sampler.Acceptance;
import bmoe.sampler.Chain;
import bmoe.sampler.ChainState;
import bmoe.sampler.GateMethod;
import bmoe.sampler.GateMetric;
import bmoe.sampler.RunConfig;
import bmoe.sampler.StepSize;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How fit, summary.json and summary report the collapsed gate move, on a fit made up here (draws and acceptance
 * counts chosen, no sampling): a real fit's acceptance cannot be steered below {@link Acceptance#WARN_BELOW}, so
 * this is where the low-acceptance warning is seen end to end, from fit's printout through summary.json to
 * {@code bmoe summary}.
 */
class GateMoveReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KEPT = 50;
    private static final String WARNING_CHAIN_2 = "gate move: chain 2 accepted only 6.0% of its post-warm-up "
            + "proposals (under 20%): the gates barely move, so the draws of the gates and of E[y|x] near the gates' "
            + "transitions are unreliable; refit with a longer --warmup (the step size adapts there) or with "
            + "--gates pg";

    @TempDir
    Path dir;

    /** Two chains of K = 2, p = 1 with the given gate method; chain 1 accepts 80%, chain 2 only 6%. */
    private static FitRun madeUp(GateMethod gates) {
        Random rnd = new Random(3);
        int n = 50;
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = (i + 0.5) / n;
            y[i] = (x[i] < 0.35 ? 15 - 20 * x[i] : -5 + 20 * x[i]) + 0.5 * rnd.nextGaussian();
        }
        Dataset data = Dataset.fromColumns(new double[][] {x}, y, List.of("x1"), "y", true);
        RunConfig cfg = new RunConfig(2, 2, 10, KEPT, 1, 9, Priors.DEFAULT, gates, GateMetric.FROZEN, RunConfig.AUTO_MOVES);
        // one move per post-warm-up sweep, KEPT of them (thin 1)
        Acceptance[] acc = {new Acceptance(KEPT, 40, 38.2), new Acceptance(KEPT, 3, 4.1)};
        List<Chain.Result> chains = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            double[][] draws = new double[KEPT][];
            int[] iterations = new int[KEPT];
            double[] logLik = new double[KEPT];
            int[] nonEmpty = new int[KEPT];
            for (int t = 0; t < KEPT; t++) {
                draws[t] = new double[] {-8 + rnd.nextGaussian(), 25 + rnd.nextGaussian(), 15 + 0.1 * rnd.nextGaussian(),
                    -20 + 0.1 * rnd.nextGaussian(), -5 + 0.1 * rnd.nextGaussian(), 20 + 0.1 * rnd.nextGaussian(),
                    0.3 + 0.01 * rnd.nextDouble(), 0.4 + 0.01 * rnd.nextDouble()};
                iterations[t] = t + 1;
                logLik[t] = -60 + rnd.nextGaussian();
                nonEmpty[t] = 2;
            }
            StepSize step = gates == GateMethod.MALA ? StepSize.fixed(c == 0 ? 0.83 : 0.5) : StepSize.initial();
            ChainState last = new ChainState(new Params(new double[1][2], new double[2][2], new double[] {1, 1}),
                    cfg.sweepsPerChain(), 0, step, gates == GateMethod.MALA ? acc[c] : Acceptance.NONE, null);
            chains.add(new Chain.Result(c, draws, iterations, logLik, nonEmpty, last));
        }
        return new FitRun(data, cfg, "cpu (made up)", "cpu", 16384, 1, chains, 1.0, 100);
    }

    /** Writes the made-up fit as fit does and returns what fit printed, from the first chain line on. */
    private String writeAndPrint(FitRun fit, Path run) throws IOException {
        Files.createDirectories(run);
        PosteriorReport report = fit.report();
        fit.write(run, "made-up.csv", report);
        StringWriter out = new StringWriter();
        fit.printSummary(new PrintWriter(out), report);
        String printed = out.toString();
        return printed.substring(printed.indexOf("chain 1:"));
    }

    @Test
    void malaReportsStepSizeAcceptanceAndALowAcceptanceWarningEverywhere() throws IOException {
        Path run = dir.resolve("run");
        String printed = writeAndPrint(madeUp(GateMethod.MALA), run);
        List<String> lines = printed.lines().toList();
        assertTrue(lines.get(0).matches("chain 1: mean log-likelihood -?[0-9.]+, mean non-empty experts 2\\.00, "
                + "gate step 0\\.83, acceptance 0\\.80"), lines.get(0));
        assertTrue(lines.get(1).matches("chain 2: mean log-likelihood -?[0-9.]+, mean non-empty experts 2\\.00, "
                + "gate step 0\\.50, acceptance 0\\.06"), lines.get(1));
        assertTrue(lines.contains("warning: " + WARNING_CHAIN_2), printed);
        assertFalse(printed.contains("no warnings"), printed);

        JsonNode summary = JSON.readTree(run.resolve("summary.json").toFile());
        assertEquals("mala", summary.get("config").get("gates").asText());
        JsonNode g = summary.get("chains").get(1).get("gate_move");
        assertEquals(0.5, g.get("step_size").asDouble(), 1e-15);
        assertEquals(0.06, g.get("acceptance_rate").asDouble(), 0.0);
        assertEquals(4.1 / 50, g.get("mean_accept_prob").asDouble(), 0.0);
        assertEquals(50, g.get("proposed").asLong());
        assertEquals(3, g.get("accepted").asLong());
        assertEquals(List.of("step_size", "acceptance_rate", "mean_accept_prob", "proposed", "accepted"),
                fieldNames(g));
        JsonNode warnings = summary.get("diagnostics").get("warnings");
        assertEquals(WARNING_CHAIN_2, warnings.get(0).asText(), "the sampler's warning comes first");
        assertTrue(Files.readAllLines(run.resolve("draws.csv")).contains("# gates = mala"));

        // bmoe summary prints what fit printed: the chain lines from summary.json, the rest from draws.csv
        CliRun s = CliRun.of("summary", "--run", run.toString());
        assertEquals(0, s.code(), s.err());
        assertEquals(printed, s.out());
    }

    @Test
    void pgReportsNoGateMove() throws IOException {
        Path run = dir.resolve("run");
        String printed = writeAndPrint(madeUp(GateMethod.PG), run);
        assertFalse(printed.contains("gate step"), printed);
        assertFalse(printed.contains("gate move"), printed);
        JsonNode summary = JSON.readTree(run.resolve("summary.json").toFile());
        assertEquals("pg", summary.get("config").get("gates").asText());
        for (JsonNode chain : summary.get("chains")) {
            assertFalse(chain.has("gate_move"), chain.toString());
        }
        CliRun s = CliRun.of("summary", "--run", run.toString());
        assertEquals(0, s.code(), s.err());
        assertEquals(printed, s.out());
    }

    @Test
    void summaryWithoutSummaryJsonPrintsTheDiagnosticsAlone() throws IOException {
        Path run = dir.resolve("run");
        writeAndPrint(madeUp(GateMethod.MALA), run);
        Files.delete(run.resolve("summary.json"));
        CliRun s = CliRun.of("summary", "--run", run.toString());
        assertEquals(0, s.code(), s.err());
        assertFalse(s.out().contains("chain 1:"), s.out());
        assertFalse(s.out().contains("gate move"), "no record of the gate move, no warning about it");
        assertTrue(s.out().startsWith("convergence of label-invariant quantities"), s.out());
    }

    @Test
    void theWarningNamesEveryLowChain() {
        ChainReport.GateMove ok = new ChainReport.GateMove(0.9, 0.7, 0.68, 100, 70);
        ChainReport.GateMove low = new ChainReport.GateMove(0.1, 0.125, 0.13, 80, 10);
        ChainReport.GateMove lower = new ChainReport.GateMove(0.1, 0.05, 0.06, 80, 4);
        ChainReport.GateMove edge = new ChainReport.GateMove(0.1, Acceptance.WARN_BELOW, 0.2, 100, 20);
        List<ChainReport> chains = List.of(chain(1, low), chain(2, ok), chain(3, lower), chain(4, edge),
                chain(5, null));
        assertEquals(Optional.of("gate move: chains 1 and 3 accepted only 12.5% and 5.0% of their post-warm-up "
                + "proposals (under 20%): the gates barely move, so the draws of the gates and of E[y|x] near the "
                + "gates' transitions are unreliable; refit with a longer --warmup (the step size adapts there) or "
                + "with --gates pg"), ChainReport.lowAcceptanceWarning(chains));
        assertEquals(Optional.empty(), ChainReport.lowAcceptanceWarning(List.of(chain(1, ok), chain(2, edge))),
                "a rate of exactly " + Acceptance.WARN_BELOW + " is not below it");
        assertEquals(Optional.empty(), ChainReport.lowAcceptanceWarning(List.of(chain(1,
                new ChainReport.GateMove(1.0, Double.NaN, Double.NaN, 0, 0)))), "nothing proposed: no rate to judge");
        assertEquals("gate step 0.012, acceptance 0.71",
                ChainReport.gateLine(new ChainReport.GateMove(0.0123, 0.7123, 0.7, 1000, 712)));
    }

    private static ChainReport chain(int chain, ChainReport.GateMove gm) {
        return new ChainReport(chain, 10, -1.0, 2.0, 0, gm);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
