package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.io.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** 'bmoe select' end to end: fits per K, the loo_compare table, select.json, and bad input. */
class SelectCliTest {
    @TempDir
    static Path shared;

    private static Path data;

    @TempDir
    Path dir;

    /** Small fits: 2 chains of 150 + 150 sweeps from one k-means++ start each (about a second per K). */
    private static final List<String> FIT_OPTIONS = List.of("--chains", "2", "--warmup", "150", "--draws", "150",
            "--init-starts", "1", "--init-sweeps", "0", "--threads", "2", "--backend", "cpu");

    @BeforeAll
    static void simulate() {
        data = shared.resolve("data.csv");
        CliRun r = CliRun.of("simulate", "--preset", "neurips23", "--n", "600", "--seed", "21", "--out",
                data.toString());
        assertEquals(0, r.code(), r.err());
    }

    private static String[] select(Path out, String experts, String... more) {
        List<String> args = new ArrayList<>(List.of("select", "--data", data.toString(), "--experts", experts,
                "--out", out.toString()));
        args.addAll(FIT_OPTIONS);
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private static void refused(CliRun r, String expected) {
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    /**
     * Two experts with gates far apart: K = 1 fits one line through both, K = 2 the truth, so K = 2 wins by
     * hundreds of log-density units. Error budget: with this seed elpd_diff(K = 1) is about -1070 with se_diff
     * about 21 (-50 se; similar for data seeds 1 and 21); the bound of 10 se fails only if select compared
     * something else than the two fits' pointwise elpd. select's elpd_loo of each run must equal 'bmoe criteria'
     * on that run (same draws, same PSIS), and the table lists the best first.
     */
    @Test
    @Tag("statistical")
    void twoExpertsBeatOneByManyStandardErrors() throws IOException {
        Path out = dir.resolve("select");
        CliRun r = CliRun.of(select(out, "1..2", "--seed", "5"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("best: K = 2"), r.out());
        String table = r.out().substring(r.out().indexOf("ranked by PSIS-LOO"));
        assertTrue(table.indexOf("\n    2 ") < table.indexOf("\n    1 "), "best first: " + r.out());

        JsonNode s = Json.MAPPER.readTree(Files.readString(out.resolve(SelectCommand.FILE)));
        assertEquals(2, s.path("best").asInt(), s.toPrettyString());
        assertEquals(5, s.path("seed").asLong());
        assertEquals(600, s.path("n").asInt());
        JsonNode models = s.path("models");
        assertEquals(2, models.size());
        JsonNode best = models.get(0);
        JsonNode one = models.get(1);
        assertEquals(2, best.path("K").asInt());
        assertEquals(0.0, best.path("elpd_diff").asDouble());
        assertEquals(0.0, best.path("se_diff").asDouble());
        assertEquals(1, one.path("K").asInt());
        double diff = one.path("elpd_diff").asDouble();
        double se = one.path("se_diff").asDouble();
        assertEquals(one.path("elpd_loo").path("estimate").asDouble() - best.path("elpd_loo").path("estimate").asDouble(),
                diff, 1e-9 * Math.abs(diff));
        assertTrue(se > 0 && diff < -10 * se, "elpd_diff " + diff + ", se_diff " + se);
        assertTrue(one.path("elpd_waic_diff").asDouble() < -10 * one.path("se_waic_diff").asDouble(), one.toString());

        for (JsonNode m : models) {
            Path run = out.resolve(m.path("run").asText());
            assertTrue(Files.isRegularFile(run.resolve("summary.json")), run.toString());
            Path criteria = dir.resolve("criteria-" + m.path("K").asInt() + ".json");
            CliRun c = CliRun.of("criteria", "--run", run.toString(), "--out", criteria.toString());
            assertEquals(0, c.code(), c.err());
            JsonNode cj = Json.MAPPER.readTree(Files.readString(criteria));
            double expected = cj.path("elpd_loo").path("estimate").asDouble();
            assertEquals(expected, m.path("elpd_loo").path("estimate").asDouble(), 1e-9 * Math.abs(expected));
            assertEquals(cj.path("elpd_loo").path("se").asDouble(), m.path("elpd_loo").path("se").asDouble(), 1e-6);
            assertEquals(cj.path("elpd_waic").path("estimate").asDouble(),
                    m.path("elpd_waic").path("estimate").asDouble(), 1e-9 * Math.abs(expected));
        }
        // every K was fitted with the same seed, and the fit options as given
        for (String k : new String[] {"K1", "K2"}) {
            JsonNode spec = Json.MAPPER.readTree(Files.readString(out.resolve(k).resolve(RunSpec.FILE)));
            assertEquals(5, spec.path("seed").asLong());
            assertEquals(2, spec.path("chains").asInt());
            assertEquals(150, spec.path("warmup").asInt());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1..1", "3..2", "0..2", "2", "1,x", "1,1", "1,,2", "", "1..", "a..b"})
    void aBadExpertsValueIsRefusedBeforeAnyFit(String experts) {
        Path out = dir.resolve("select");
        refused(CliRun.of(select(out, experts)), "--experts must be a range such as 1..6 or a list such as 1,2,4");
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void aFolderThatIsNotEmptyIsRefusedAndLeftAsItWas() throws IOException {
        Path out = Files.createDirectories(dir.resolve("results"));
        Files.writeString(out.resolve("mine.txt"), "keep me\n");
        refused(CliRun.of(select(out, "1,2")), "is not empty (it holds mine.txt)");
        assertEquals(List.of(out.resolve("mine.txt")), Files.list(out).toList());
        assertEquals("keep me\n", Files.readString(out.resolve("mine.txt")));
    }

    @Test
    void fitOptionsThatSelectSetsOrThatFitDoesNotKnowAreRefused() {
        Path out = dir.resolve("select");
        refused(CliRun.of(select(out, "1,2", "--resume", "x")), "remove --resume");
        refused(CliRun.of(select(out, "1,2", "--force")), "remove --force");
        refused(CliRun.of(select(out, "1,2", "--no-such-option", "3")), "Unknown option");
        // a bad fit value ends select with the fit's own line, before a folder exists
        refused(CliRun.of(select(out, "1,2", "--thin", "0")), "--thin");
        assertFalse(Files.exists(out), "nothing written");
        refused(CliRun.of("select", "--data", dir.resolve("missing.csv").toString(), "--experts", "1,2", "--out",
                out.toString()), "missing.csv");
        assertFalse(Files.exists(out), "nothing written");
    }
}
