package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.io.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 'bmoe experts' end to end: an over-fitted run of the neurips23 example, its output file, bad input. */
class ExpertsCliTest {
    @TempDir
    static Path shared;

    private static Path data;

    @TempDir
    Path dir;

    @BeforeAll
    static void simulate() {
        data = shared.resolve("data.csv");
        ok("simulate", "--preset", "neurips23", "--n", "600", "--seed", "11", "--out", data.toString());
    }

    /** A K = 3 fit of data with K* = 2: 2 chains of 200 + 200 sweeps from one k-means++ start each (about 2 s). */
    private static Path fitThree(Path run) {
        ok("fit", "--data", data.toString(), "-K", "3", "--chains", "2", "--warmup", "200", "--draws", "200",
                "--seed", "11", "--init-starts", "1", "--init-sweeps", "0", "--threads", "2", "--backend", "cpu",
                "--quiet", "--out", run.toString());
        return run;
    }

    private static CliRun ok(String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(0, r.code(), () -> String.join(" ", args) + ": " + r.err());
        assertEquals("", r.err(), String.join(" ", args));
        return r;
    }

    private static void refused(CliRun r, String expected) {
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    /**
     * K = 3 on data from two experts: the third atom is empty (gate weight about 1e-4, dropped) or a copy of a true
     * expert (merged), so the count's mode is 2. Error budget: with this seed the share of 2 is 1.00 (0.97 to 1.00
     * over data and chain seeds 11 to 14, 400 draws each); the bound 0.8 fails when copies stop merging or empty
     * atoms stop being dropped in a fifth of the draws, far outside that spread. The negative control keeps every
     * atom (no merging, no truncation): then the mode is the fitted K, so the 2 above is merge-truncate-merge's work.
     */
    @Test
    @Tag("statistical")
    void anOverFittedRunOfTwoExpertsHasModeTwo() throws IOException {
        Path run = fitThree(dir.resolve("run"));
        CliRun r = ok("experts", "--run", run.toString());
        assertTrue(r.out().contains("mode: 2 experts"), r.out());
        JsonNode e = Json.MAPPER.readTree(Files.readString(run.resolve(ExpertsCommand.FILE)));
        assertEquals("mtm", e.path("method").asText());
        assertEquals(2, e.path("mode").asInt());
        assertEquals(3, e.path("experts_fitted").asInt());
        assertEquals(400, e.path("draws").asInt());
        double sum = 0;
        for (String k : new String[] {"1", "2", "3"}) {
            assertTrue(e.path("posterior").has(k), e.toPrettyString());
            sum += e.path("posterior").path(k).asDouble();
        }
        assertEquals(1.0, sum, 1e-12);
        assertTrue(e.path("posterior").path("2").asDouble() >= 0.8, e.toPrettyString());
        assertEquals(Math.sqrt(Math.log(600) / 600), e.path("thresholds").path("weight_threshold").asDouble(), 1e-15);

        Path control = dir.resolve("control.json");
        ok("experts", "--run", run.toString(), "--merge-distance", "1e-9", "--min-weight", "0", "--out",
                control.toString());
        JsonNode c = Json.MAPPER.readTree(Files.readString(control));
        assertEquals(3, c.path("mode").asInt(), c.toPrettyString());
        assertEquals(1.0, c.path("posterior").path("3").asDouble(), 1e-12, c.toPrettyString());
    }

    /** An earlier result is kept unless --force; --force replaces it; fit --force clears it with the run. */
    @Test
    void anExistingResultIsKeptUnlessForced() throws IOException {
        Path run = fitThree(dir.resolve("run"));
        Path file = run.resolve(ExpertsCommand.FILE);
        ok("experts", "--run", run.toString(), "--max-draws", "50");
        assertEquals(50, Json.MAPPER.readTree(Files.readString(file)).path("draws").asInt());

        refused(CliRun.of("experts", "--run", run.toString(), "--max-draws", "60"), "give --force to replace it");
        assertEquals(50, Json.MAPPER.readTree(Files.readString(file)).path("draws").asInt(), "kept as it was");

        ok("experts", "--run", run.toString(), "--max-draws", "60", "--force");
        assertEquals(60, Json.MAPPER.readTree(Files.readString(file)).path("draws").asInt());

        // experts.json is bmoe's: a new fit refuses the folder naming the run, and --force deletes it
        CliRun again = CliRun.of("fit", "--data", data.toString(), "-K", "2", "--chains", "1", "--warmup", "5",
                "--draws", "5", "--seed", "1", "--init-starts", "1", "--init-sweeps", "0", "--backend", "cpu",
                "--quiet", "--out", run.toString());
        refused(again, "another run's files");
        ok("fit", "--data", data.toString(), "-K", "2", "--chains", "1", "--warmup", "5", "--draws", "5", "--seed",
                "1", "--init-starts", "1", "--init-sweeps", "0", "--backend", "cpu", "--quiet", "--force", "--out",
                run.toString());
        assertFalse(Files.exists(file), "fit --force clears experts.json with the run it came from");
    }

    @Test
    void aFolderThatIsNotARunIsRefusedInOneLine() throws IOException {
        Path notARun = Files.createDirectories(dir.resolve("not-a-run"));
        Files.writeString(notARun.resolve("notes.txt"), "hello\n");
        refused(CliRun.of("experts", "--run", notARun.toString()), "no draws.csv in run folder");
        assertFalse(Files.exists(notARun.resolve(ExpertsCommand.FILE)));
        refused(CliRun.of("experts", "--run", dir.resolve("missing").toString()), "no draws.csv");
    }

    @Test
    void badThresholdsAreRefusedBeforeAnythingIsRead() {
        Path missing = dir.resolve("missing");
        refused(CliRun.of("experts", "--run", missing.toString(), "--merge-distance", "0"), "--merge-distance");
        refused(CliRun.of("experts", "--run", missing.toString(), "--min-weight", "-1"), "--min-weight");
        refused(CliRun.of("experts", "--run", missing.toString(), "--max-draws", "0"), "--max-draws");
    }
}
