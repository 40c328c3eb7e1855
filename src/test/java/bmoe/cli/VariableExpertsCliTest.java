package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.io.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A run whose K is a parameter (fit --experts-prior), end to end through the CLI: draws.csv's layout, every command
 * on it, a resume that gives the same draws, and bad input.
 */
class VariableExpertsCliTest {
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
        ok("simulate", "--preset", "neurips23", "--n", "600", "--seed", "11", "--out", data.toString());
        run = shared.resolve("run");
        ok(args(run).toArray(String[]::new));
    }

    /** poisson:1 on 1..4, 2 chains (starting at K = 1 and 4) of 150 + 200 sweeps, one k-means++ start each. */
    private static List<String> args(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("fit", "--data", data.toString(), "--experts-prior", "poisson:1",
                "--max-experts", "4", "--chains", "2", "--warmup", "150", "--draws", "200", "--seed", "5",
                "--init-starts", "1", "--init-sweeps", "0", "--threads", "2", "--backend", "cpu", "--quiet", "--out",
                out.toString()));
        a.addAll(Arrays.asList(extra));
        return a;
    }

    private static CliRun ok(String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(0, r.code(), () -> String.join(" ", args) + ": " + r.err());
        return r;
    }

    /**
     * draws.csv as R's read.csv and Python's csv read it: the experts column after nonempty, every row as many
     * fields as the header, a draw's cells past its K empty and the rest numbers.
     */
    @Test
    void drawsHaveAnExpertsColumnAndEmptyCellsPastEachDrawsK() throws IOException {
        List<String> lines = Files.readAllLines(run.resolve("draws.csv")).stream().filter(l -> !l.startsWith("#"))
                .toList();
        List<String> header = Arrays.asList(lines.get(0).split(","));
        assertEquals(List.of("chain", "iteration", "log_lik", "nonempty", "experts"), header.subList(0, 5));
        assertTrue(header.contains("sigma2.4") && header.contains("w.3.1"), header.toString());
        assertEquals(400, lines.size() - 1);
        int[] seen = new int[5];
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            assertEquals(header.size(), cells.length, line);
            int k = Integer.parseInt(cells[4]);
            seen[k]++;
            for (int e = 1; e <= 4; e++) {
                String s2 = cells[header.indexOf("sigma2." + e)];
                assertEquals(e > k, s2.isEmpty(), line);
                if (e < 4) {
                    assertEquals(e >= k, cells[header.indexOf("w." + e + ".0")].isEmpty(), line);
                }
            }
            assertTrue(Integer.parseInt(cells[3]) <= k, "K+ <= K: " + line);
        }
        assertTrue(seen[2] > 0, Arrays.toString(seen));
    }

    /**
     * experts on the run: method prior, shares summing to 1, K = 2 the mode. Error budget: with 2 x 200 draws and
     * the truth's two well-separated experts, K = 1 has posterior 0 (its log-likelihood is hundreds of units lower)
     * and 2 held 0.59, 0.92, 0.96 and 0.73 at seeds 5 to 8 (3 at most 0.28; the chain that starts at K = 4 is the one
     * slow to come down in chains this short); the mode fails only if births of empty experts were accepted far too
     * often, which the Geweke test of the move rules out in law, or if deaths stopped.
     */
    @Test
    @Tag("statistical")
    void expertsGivesThePosteriorOfKWithModeTwo() throws IOException {
        Path target = dir.resolve("experts.json");
        CliRun r = ok("experts", "--run", run.toString(), "--out", target.toString());
        assertTrue(r.out().contains("P(K|y)") && r.out().contains("mode: K = 2"), r.out());
        JsonNode e = Json.MAPPER.readTree(Files.readString(target));
        assertEquals("prior", e.path("method").asText());
        assertEquals(2, e.path("mode").asInt());
        assertEquals(2, e.path("mode_nonempty").asInt());
        double sum = 0;
        double sumNonEmpty = 0;
        for (int k = 1; k <= 4; k++) {
            sum += e.path("posterior").path("" + k).asDouble();
            sumNonEmpty += e.path("posterior_nonempty").path("" + k).asDouble();
        }
        assertEquals(1.0, sum, 1e-12);
        assertEquals(1.0, sumNonEmpty, 1e-12);
        assertEquals(0.0, e.path("posterior").path("1").asDouble());
        assertEquals(1.0 / (1 + 1 + 0.5 + 1.0 / 6), e.path("prior").path("2").asDouble(), 1e-12);
    }

    @Test
    void everyCommandWorksOnTheRun() throws IOException {
        CliRun summary = ok("summary", "--run", run.toString());
        assertTrue(summary.out().contains("experts (K)") && summary.out().contains("posterior of K:"), summary.out());
        Path predictions = dir.resolve("pred.csv");
        ok("predict", "--run", run.toString(), "--points", data.toString(), "--out", predictions.toString(),
                "--quantiles", "0.05,0.95", "--draws", "2");
        assertEquals(601, Files.readAllLines(predictions).size());
        CliRun criteria = ok("criteria", "--run", run.toString(), "--out", dir.resolve("criteria.json").toString());
        assertTrue(criteria.out().contains("elpd_loo"), criteria.out());
        CliRun evaluate = ok("evaluate", "--run", run.toString(), "--truth", truth.toString());
        assertTrue(evaluate.out().contains("D1 (K<=K*)") && evaluate.out().contains("(a parameter)"), evaluate.out());
        Path plots = dir.resolve("plots");
        ok("plot", "--run", run.toString(), "--out", plots.toString());
        assertTrue(Files.isRegularFile(plots.resolve("experts.png")));
        assertTrue(Files.isRegularFile(plots.resolve("trace-experts.png")));
    }

    /** summary.json's chains and summary's chain lines report both moves of K, each with its counts. */
    @Test
    void bothMovesOfKAreReported() throws IOException {
        for (JsonNode c : Json.MAPPER.readTree(run.resolve("summary.json").toFile()).get("chains")) {
            for (String move : List.of("expert_count_move", "split_merge_move")) {
                JsonNode m = c.path(move);
                // one of each per post-warm-up sweep (at K = 2 here both are mostly rejected: the data have 2)
                assertEquals(200, m.path("proposed").asLong(), move + ": " + c);
                assertTrue(m.path("accepted").asLong() >= 0 && m.path("mean_accept_prob").isNumber(), move + ": " + c);
            }
        }
        CliRun summary = ok("summary", "--run", run.toString());
        assertTrue(summary.out().contains("K move acceptance") && summary.out().contains("split/merge acceptance"),
                summary.out());
    }

    /** A fit stopped after sweep 170 (checkpoints every 40) and resumed gives the uninterrupted fit's draws. */
    @Test
    void aStoppedRunResumesToTheSameDraws() throws IOException {
        Path stopped = dir.resolve("stopped");
        assertInstanceOf(ResumeTest.Stop.class, ResumeTest.fit(new ResumeTest.StopAt(1, 170),
                args(stopped, "--checkpoint-every", "40").toArray(String[]::new)));
        assertFalse(Files.exists(stopped.resolve("draws.csv")));
        assertNull(ResumeTest.fit(null, "fit", "--resume", stopped.toString(), "--quiet"));
        assertArrayEquals(Files.readAllBytes(run.resolve("draws.csv")), Files.readAllBytes(stopped.resolve("draws.csv")));
        assertEquals(Json.MAPPER.readTree(run.resolve("summary.json").toFile()).get("chains"),
                Json.MAPPER.readTree(stopped.resolve("summary.json").toFile()).get("chains"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--experts-prior poisson:1 -K 3|either --experts (K fixed) or --experts-prior",
        "--max-experts 4 -K 3|--max-experts needs --experts-prior",
        "--experts-prior dirichlet:2|--experts-prior must be poisson:L, geometric:q or uniform",
        "--experts-prior poisson:-1|--experts-prior poisson:L needs L > 0",
        "--experts-prior geometric:1.5|--experts-prior geometric:q needs 0 < q <= 1",
        "--experts-prior poisson:x|--experts-prior: not a number",
        "--experts-prior uniform --max-experts 0|--max-experts must be in [1, 127]",
        "--experts-prior uniform --gate-metric frozen|--gate-metric frozen cannot be used with --experts-prior"})
    void badInputGetsOneLine(String options, String expected) {
        List<String> a = new ArrayList<>(List.of("fit", "--data", data.toString(), "--out",
                dir.resolve("bad").toString()));
        a.addAll(Arrays.asList(options.split(" ")));
        CliRun r = CliRun.of(a.toArray(String[]::new));
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertFalse(Files.exists(dir.resolve("bad")), "no folder for a refused fit");
    }
}
