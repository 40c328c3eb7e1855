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
            // criteria's PSIS terms, with those of the observations refitted out replaced by their exact ones
            double expected = cj.path("elpd_loo").path("estimate").asDouble();
            for (JsonNode f : m.path("refits")) {
                expected += f.path("elpd_loo").asDouble() - f.path("psis_elpd_loo").asDouble();
            }
            assertEquals(expected, m.path("elpd_loo").path("estimate").asDouble(), 1e-9 * Math.abs(expected));
            if (m.path("refits").isEmpty()) {
                assertEquals(cj.path("elpd_loo").path("se").asDouble(), m.path("elpd_loo").path("se").asDouble(), 1e-6);
            }
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

    /**
     * A gross outlier at the end of a small straight-line data set: PSIS cannot estimate its leave-one-out density
     * (k-hat well above 0.7) and is optimistic for it, so select refits each K without it, as loo's reloo. The
     * refit is the same model (here every prior is given and the scale is the original one, so nothing depends on
     * the data) on the other rows with the same seed: its draws are those of 'bmoe fit' on the file without the
     * last row (the rows before it keep their RNG streams), and its term is what 'predict' gives for that row on
     * that fit, the log of the posterior mean density, to rounding. Deterministic: it fails if the refit kept the
     * row (its term would be the in-sample one, tens of nats higher) or changed the model. With --reloo-max 0 the
     * PSIS terms are kept and select warns.
     */
    @Test
    void anObservationPsisCannotEstimateIsRefittedOutExactly() throws IOException {
        java.util.Random random = new java.util.Random(7);
        StringBuilder csv = new StringBuilder("x,y\n");
        StringBuilder withoutLast = new StringBuilder("x,y\n");
        String last = null;
        for (int i = 0; i < 40; i++) {
            double x = -1 + 2.0 * i / 39;
            double y = 1 + 2 * x + 0.3 * random.nextGaussian() + (i == 39 ? 4 : 0); // 13 noise sds off the line
            String row = x + "," + y + "\n";
            csv.append(row);
            if (i < 39) {
                withoutLast.append(row);
            } else {
                last = row;
            }
        }
        Path file = Files.writeString(dir.resolve("line.csv"), csv);
        Path fileWithout = Files.writeString(dir.resolve("line-without-last.csv"), withoutLast);
        Path point = Files.writeString(dir.resolve("last.csv"), "x,y\n" + last);
        List<String> model = List.of("--no-standardize", "--prior-gate-sd", "3", "--prior-sigma-scale", "0.5",
                "--seed", "3");
        List<String> args = new ArrayList<>(List.of("select", "--data", file.toString(), "--experts", "1,2", "--out",
                dir.resolve("sel").toString()));
        args.addAll(FIT_OPTIONS);
        args.addAll(model);
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("refitted out"), r.out());
        assertFalse(r.out().contains("warning: 1 fit has observations with Pareto k"), r.out());
        JsonNode one = model(dir.resolve("sel"), 1);
        JsonNode refits = one.path("refits");
        assertEquals(1, refits.size(), one.toPrettyString());
        JsonNode f = refits.get(0);
        assertEquals(40, f.path("observation").asInt());
        assertTrue(f.path("pareto_k").asDouble() > 0.7, f.toString());
        assertEquals(0, one.path("unreliable_not_refitted").asInt());

        List<String> fit = new ArrayList<>(List.of("fit", "--data", fileWithout.toString(), "-K", "1", "--quiet",
                "--out", dir.resolve("fit-without").toString()));
        fit.addAll(FIT_OPTIONS);
        fit.addAll(model);
        CliRun direct = CliRun.of(fit.toArray(String[]::new));
        assertEquals(0, direct.code(), direct.err());
        Path predicted = dir.resolve("last-predicted.csv");
        CliRun pr = CliRun.of("predict", "--run", dir.resolve("fit-without").toString(), "--points", point.toString(),
                "--out", predicted.toString());
        assertEquals(0, pr.code(), pr.err());
        List<String> lines = Files.readAllLines(predicted);
        int column = List.of(lines.get(0).split(",")).indexOf("log_density");
        double heldOut = Double.parseDouble(lines.get(1).split(",")[column]);
        double exact = f.path("elpd_loo").asDouble();
        assertEquals(heldOut, exact, 1e-9 * Math.abs(heldOut));
        assertTrue(f.path("psis_elpd_loo").asDouble() > exact + 5, "PSIS is optimistic here: " + f);

        args.set(args.indexOf(dir.resolve("sel").toString()), dir.resolve("sel0").toString());
        args.addAll(List.of("--reloo-max", "0"));
        CliRun off = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, off.code(), off.err());
        assertTrue(off.out().contains("that were not refitted"), off.out());
        JsonNode kept = model(dir.resolve("sel0"), 1);
        assertEquals(0, kept.path("refits").size());
        assertEquals(1, kept.path("unreliable_not_refitted").asInt());
        assertEquals(one.path("elpd_loo").path("estimate").asDouble() - exact + f.path("psis_elpd_loo").asDouble(),
                kept.path("elpd_loo").path("estimate").asDouble(), 1e-9);
        refused(CliRun.of(select(dir.resolve("sel1"), "1,2", "--reloo-max", "-1")), "--reloo-max must be >= 0");
    }

    private static JsonNode model(Path out, int k) throws IOException {
        for (JsonNode m : Json.MAPPER.readTree(Files.readString(out.resolve(SelectCommand.FILE))).path("models")) {
            if (m.path("K").asInt() == k) {
                return m;
            }
        }
        throw new AssertionError("no K = " + k + " in " + out);
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
