package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.io.DrawsFile;
import bmoe.io.Json;
import bmoe.model.Params;
import bmoe.sampler.DrawColumns;
import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** summary, criteria, evaluate and plot on a small fit, end to end through {@link Main#run}. */
class AnalysisCliTest {
    @TempDir
    static Path shared;

    private static Path data;
    private static Path truth;
    private static Path run;

    @TempDir
    Path dir;

    @BeforeAll
    static void fitOnce() {
        data = shared.resolve("data.csv");
        truth = shared.resolve("data.truth.json");
        run = shared.resolve("run");
        ok("simulate", "--preset", "neurips23", "--n", "400", "--seed", "7", "--out", data.toString());
        ok("fit", "--data", data.toString(), "-K", "2", "--chains", "2", "--warmup", "150", "--draws", "150",
                "--seed", "3", "--threads", "1", "--backend", "cpu", "--out", run.toString(), "--quiet");
    }

    private static CliRun ok(String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(0, r.code(), () -> String.join(" ", args) + ": " + r.err());
        assertEquals("", r.err(), String.join(" ", args));
        return r;
    }

    @Test
    void fitStoresDiagnosticsAndRelabelledParametersInSummaryJson() throws IOException {
        JsonNode root = Json.MAPPER.readTree(Files.readString(run.resolve("summary.json")));
        JsonNode quantities = root.path("diagnostics").path("quantities");
        assertTrue(quantities.isArray() && quantities.size() >= 3, root.toPrettyString());
        boolean sawLogLik = false;
        for (JsonNode q : quantities) {
            if (q.path("name").asText().equals("log_lik")) {
                sawLogLik = true;
                assertTrue(q.path("rhat").asDouble() > 0.9 && q.path("rhat").asDouble() < 1.2, q.toString());
                assertTrue(q.path("ess_bulk").asDouble() > 10, q.toString());
            }
        }
        assertTrue(sawLogLik, quantities.toString());
        assertTrue(root.path("relabelling").has("ambiguous_fraction"), root.toPrettyString());
        assertTrue(root.path("parameters").has("beta.1.1"), root.toPrettyString());
        assertTrue(root.path("parameters").path("beta.1.1").has("rhat"), root.toPrettyString());
    }

    @Test
    void summaryPrintsTheDiagnosticsTable() {
        CliRun r = ok("summary", "--run", run.toString());
        assertTrue(r.out().contains("R-hat"), r.out());
        assertTrue(r.out().contains("E[y|x=("), r.out());
        assertTrue(r.out().contains("log_lik"), r.out());
        assertTrue(r.out().contains("nonempty"), r.out());
        assertTrue(r.out().contains("parameters, relabelled"), r.out());
    }

    /**
     * The command's lppd against the definition computed here from draws.csv and the data: sum_i log of the
     * mean over draws of p(y_i | x_i, theta_s). PSIS-LOO and WAIC must then be close to each other and a bit
     * below it (both subtract an effective number of parameters, about 2 + 2 + 2 + 1 here).
     */
    @Test
    void criteriaMatchTheirDefinitionOnTheFitsData() throws IOException {
        Path json = dir.resolve("criteria.json");
        CliRun r = ok("criteria", "--run", run.toString(), "--out", json.toString());
        assertTrue(r.out().contains("elpd_loo"), r.out());
        JsonNode c = Json.MAPPER.readTree(Files.readString(json));
        DrawsFile.Contents fit = DrawsFile.read(run);
        List<double[]> rows = Files.readAllLines(data).stream().skip(1).map(l -> Stream.of(l.split(","))
                .mapToDouble(Double::parseDouble).toArray()).toList();
        double lppd = 0;
        for (double[] row : rows) {
            double[] design = {1.0, row[0]};
            double[] logDens = new double[fit.draws().length];
            for (int s = 0; s < logDens.length; s++) {
                Params theta = DrawColumns.unflatten(fit.draws()[s], 2, 1);
                logDens[s] = theta.logDensity(design, row[1]);
            }
            lppd += Params.logSumExp(logDens, logDens.length) - Math.log(logDens.length);
        }
        assertEquals(400, c.path("n").asInt());
        assertEquals(lppd, c.path("lppd").asDouble(), 1e-8 * Math.abs(lppd));
        double loo = c.path("elpd_loo").path("estimate").asDouble();
        double waic = c.path("elpd_waic").path("estimate").asDouble();
        assertTrue(loo < lppd && lppd - loo < 20, "elpd_loo " + loo + " vs lppd " + lppd);
        assertEquals(loo, waic, 1.0, "PSIS-LOO and WAIC on a well-specified fit");
        assertTrue(c.path("pareto_k").path("good").asInt() >= 395, c.toPrettyString());
        // r_eff from the 2 chains of 150 draws, as loo's relative_eff
        JsonNode reff = c.path("r_eff");
        assertEquals("chains", reff.path("source").asText(), c.toPrettyString());
        assertEquals(2, reff.path("chains").asInt());
        assertEquals(150, reff.path("draws_per_chain").asInt());
        double min = reff.path("min").asDouble();
        double median = reff.path("median").asDouble();
        assertTrue(min > 0 && min <= median && median <= reff.path("max").asDouble(), reff.toString());
        assertTrue(c.path("mcse_elpd_loo").isNull() || c.path("mcse_elpd_loo").asDouble() > 0, c.toPrettyString());
        assertTrue(r.out().contains("r_eff (relative efficiency of each row's likelihood draws) from 2 chains x 150"
                + " draws: min "), r.out());
    }

    /**
     * Draws that cannot give r_eff (one chain of 5 draws; --max-draws leaving 5 per chain) are taken as
     * independent, and criteria says so, in the JSON and on stdout.
     */
    @Test
    void criteriaSaysWhenDrawsAreTakenAsIndependent() throws IOException {
        Path tiny = dir.resolve("tiny");
        ok("fit", "--data", data.toString(), "-K", "2", "--chains", "1", "--warmup", "20", "--draws", "5",
                "--seed", "5", "--threads", "1", "--backend", "cpu", "--out", tiny.toString(), "--quiet");
        Path json = dir.resolve("tiny.json");
        CliRun r = ok("criteria", "--run", tiny.toString(), "--out", json.toString());
        JsonNode reff = Json.MAPPER.readTree(Files.readString(json)).path("r_eff");
        assertEquals("independent", reff.path("source").asText(), reff.toString());
        assertEquals(1, reff.path("value").asInt());
        assertEquals("one chain of 5 draws; r_eff needs at least 6 draws per chain", reff.path("reason").asText());
        assertTrue(r.out().contains("r_eff = 1, draws taken as independent (one chain of 5 draws"), r.out());

        Path few = dir.resolve("few.json");
        ok("criteria", "--run", run.toString(), "--max-draws", "10", "--out", few.toString());
        JsonNode c = Json.MAPPER.readTree(Files.readString(few));
        assertEquals(10, c.path("draws").asInt());
        assertEquals("independent", c.path("r_eff").path("source").asText());
        assertEquals("2 chains of 5 draws; r_eff needs at least 6 draws per chain", c.path("r_eff").path("reason").asText());

        Path twelve = dir.resolve("twelve.json");
        ok("criteria", "--run", run.toString(), "--max-draws", "12", "--out", twelve.toString());
        JsonNode t = Json.MAPPER.readTree(Files.readString(twelve));
        assertEquals(12, t.path("draws").asInt());
        assertEquals("chains", t.path("r_eff").path("source").asText());
        assertEquals(6, t.path("r_eff").path("draws_per_chain").asInt());
    }

    @Test
    void evaluateReportsSmallLossesForAFitOfTheTrueModel() throws IOException {
        Path json = dir.resolve("evaluation.json");
        CliRun r = ok("evaluate", "--run", run.toString(), "--truth", truth.toString(), "--x-samples", "50",
                "--max-draws", "100", "--out", json.toString());
        assertTrue(r.out().contains("D1"), r.out());
        JsonNode e = Json.MAPPER.readTree(Files.readString(json));
        assertEquals("D1", e.path("loss").asText());
        double d1 = e.path("voronoi").path("mean").asDouble();
        double h = e.path("hellinger").path("mean").asDouble();
        // n = 400 of a well-separated K = 2 model: the posterior sits near the truth but not on it
        assertTrue(d1 > 0 && d1 < 3, "D1 = " + d1);
        assertTrue(h > 0 && h < 0.3, "Hellinger = " + h);
    }

    @Test
    void evaluateUsesD2ForAnOverfittedModel() throws IOException {
        Path run3 = dir.resolve("run3");
        ok("fit", "--data", data.toString(), "-K", "3", "--chains", "1", "--warmup", "50", "--draws", "20",
                "--seed", "4", "--threads", "1", "--backend", "cpu", "--out", run3.toString(), "--quiet");
        Path json = dir.resolve("e3.json");
        ok("evaluate", "--run", run3.toString(), "--truth", truth.toString(), "--x-samples", "20", "--out",
                json.toString());
        assertEquals("D2", Json.MAPPER.readTree(Files.readString(json)).path("loss").asText());
    }

    @Test
    void plotWritesReadablePngs() throws IOException {
        Path out = dir.resolve("plots");
        CliRun r = ok("plot", "--run", run.toString(), "--out", out.toString(), "--at", "0.2;0.8");
        for (String name : List.of("regression.png", "density.png", "trace-log_lik.png", "trace-nonempty.png",
                "trace-regression-1.png")) {
            Path png = out.resolve(name);
            assertTrue(r.out().contains(png.toString()), r.out());
            BufferedImage image = ImageIO.read(png.toFile());
            assertTrue(image != null && image.getWidth() > 100 && image.getHeight() > 100, name);
        }
        try (Stream<Path> files = Files.list(out)) {
            assertFalse(files.anyMatch(f -> !f.toString().endsWith(".png")), "temporary files left behind");
        }
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of((Object) new String[] {"summary", "--run", "/nonexistent/run"}, "draws.csv"),
                Arguments.of((Object) new String[] {"criteria", "--run", "RUN", "--max-draws", "1"}, "--max-draws"),
                Arguments.of((Object) new String[] {"criteria", "--run", "RUN", "--data", "/nonexistent.csv"},
                        "nonexistent.csv"),
                Arguments.of((Object) new String[] {"evaluate", "--run", "RUN", "--truth", "DATA"}, "data.csv"),
                Arguments.of((Object) new String[] {"evaluate", "--run", "RUN", "--truth", "TRUTH", "--x-samples",
                    "0"}, "--x-samples"),
                Arguments.of((Object) new String[] {"plot", "--run", "RUN", "--at", "0.1,0.2"}, "--at"),
                Arguments.of((Object) new String[] {"plot", "--run", "RUN", "--at", "abc"}, "abc"),
                Arguments.of((Object) new String[] {"plot", "--run", "RUN", "--at", "0.5;0.5"}, "twice"),
                Arguments.of((Object) new String[] {"plot", "--run", "RUN", "--at", "0.5;0.50001"}, "twice"));
    }

    /** One line on stderr naming the problem, exit 2, nothing on stdout, no stack trace. */
    @ParameterizedTest
    @MethodSource("badInputs")
    void badInputGivesOneClearLine(String[] template, String mentions) {
        String[] args = template.clone();
        for (int i = 0; i < args.length; i++) {
            args[i] = args[i].replace("RUN", run.toString()).replace("TRUTH", truth.toString())
                    .replace("DATA", data.toString());
        }
        CliRun r = CliRun.of(args);
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(mentions), r.err());
        assertEquals("", r.out());
        assertFalse(r.err().contains("Exception"), r.err());
    }
}
