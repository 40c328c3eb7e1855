package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import bmoe.io.FolderLock;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fit's run folder, through the real entry point: it refuses a folder that holds a run or other files unless
 * --force, --force replaces bmoe's files (an old run's plots and analysis outputs included) and keeps the others,
 * and a fit holds its folder until it ends, so that a second fit or resume there refuses while a lock left by a
 * dead process is taken over.
 */
class RunFolderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path shared;

    private static Path data;

    @TempDir
    Path dir;

    @BeforeAll
    static void simulate() {
        data = shared.resolve("data.csv");
        ok("simulate", "--preset", "neurips23", "--n", "200", "--seed", "7", "--out", data.toString());
    }

    private static CliRun ok(String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(0, r.code(), () -> String.join(" ", args) + ": " + r.err());
        assertEquals("", r.err(), String.join(" ", args));
        return r;
    }

    /** A tiny fit into {@code run} with the given seed and more options. */
    private static String[] fit(Path run, int seed, String... more) {
        List<String> args = new ArrayList<>(List.of("fit", "--data", data.toString(), "-K", "2", "--chains", "1",
                "--warmup", "20", "--draws", "20", "--seed", "" + seed, "--threads", "1", "--backend", "cpu",
                "--out", run.toString(), "--quiet"));
        args.addAll(Arrays.asList(more));
        return args.toArray(String[]::new);
    }

    /** Exit 2, one line on stderr that starts with "bmoe: " + {@code start}, nothing on stdout. */
    private static String refused(CliRun r, String start) {
        assertEquals(2, r.code(), r.err());
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("bmoe: " + start), r.err());
        return r.err().strip();
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFolderWithAPreviousRunIsRefusedAndLeftAsItWas() throws IOException {
        Path run = dir.resolve("run");
        ok(fit(run, 1));
        byte[] draws = Files.readAllBytes(run.resolve("draws.csv"));
        String line = refused(CliRun.of(fit(run, 2)), run + " holds another run's files (summary.json, draws.csv, "
                + "run.json)");
        assertTrue(line.endsWith("give --force to replace it, or choose another --out"), line);
        assertArrayEquals(draws, Files.readAllBytes(run.resolve("draws.csv")));
        assertEquals(List.of("draws.csv", "run.json", "summary.json"), names(run));
    }

    @Test
    void aFolderWithFilesBmoeDidNotWriteIsRefused() throws IOException {
        Path run = Files.createDirectories(dir.resolve("run"));
        for (String name : List.of("a.txt", "b.txt", "c.txt", "d.txt")) {
            Files.writeString(run.resolve(name), name);
        }
        Files.createDirectories(run.resolve("sub"));
        refused(CliRun.of(fit(run, 1)), run + " is not empty: it holds files bmoe did not write (a.txt, b.txt, c.txt "
                + "and 2 more); choose a new or empty folder with --out, or give --force to write the run beside them");
        assertEquals(List.of("a.txt", "b.txt", "c.txt", "d.txt", "sub"), names(run));
    }

    /**
     * An old run with everything bmoe writes beside it (plots in RUN/plots and, under a name given with --out,
     * in RUN/figures; criteria and predict output in RUN) and files of the user's: --force deletes bmoe's files
     * and the folders they leave empty, keeps the user's, and writes the new run.
     */
    @Test
    void forceReplacesTheRunWithItsPlotsAndOutputsAndKeepsTheUsersFiles() throws IOException {
        Path run = dir.resolve("run");
        ok(fit(run, 1));
        ok("plot", "--run", run.toString());
        ok("plot", "--run", run.toString(), "--out", run.resolve("figures").toString());
        ok("criteria", "--run", run.toString(), "--out", run.resolve("criteria.json").toString());
        Path points = Files.writeString(dir.resolve("points.csv"), "x1\n0.5\n");
        ok("predict", "--run", run.toString(), "--points", points.toString(), "--out", run.resolve("pred.csv").toString());
        assertTrue(Files.isRegularFile(run.resolve("plots/density.png")));
        assertTrue(Files.isRegularFile(run.resolve("figures/density.png")));
        assertTrue(Files.readString(run.resolve(RunFiles.OUTPUTS)).contains("\ncriteria.json\n"));
        Files.writeString(run.resolve("notes.txt"), "mine");
        Files.writeString(run.resolve("figures/mine.png"), "mine");

        refused(CliRun.of(fit(run, 2)), run + " holds another run's files (summary.json, draws.csv, run.json and ");
        ok(fit(run, 2, "--force"));

        assertEquals(List.of("draws.csv", "figures", "notes.txt", "run.json", "summary.json"), names(run));
        assertEquals(List.of("mine.png"), names(run.resolve("figures")));
        assertEquals("mine", Files.readString(run.resolve("notes.txt")));
        assertTrue(Files.readAllLines(run.resolve("draws.csv")).contains("# seed = 2"), "the new run's draws");
    }

    /** A fit's record in its lock file once it has written one; null before. */
    private static JsonNode lockRecord(Path run) {
        try {
            JsonNode root = JSON.readTree(run.resolve(FolderLock.NAME).toFile());
            return root != null && root.has("pid") ? root : null;
        } catch (IOException e) {
            return null; // not there yet, or being written
        }
    }

    /**
     * A long fit in a child JVM holds its folder: a second fit (even with --force, which must not clear anything
     * first) and a resume refuse, naming the child's process. Killed, the child leaves its lock file behind, whose
     * lock died with it: the next fit takes it over and removes it at the end.
     */
    @Test
    void aRunningFitHoldsItsFolderAndItsLockDiesWithIt() throws Exception {
        Path run = dir.resolve("run");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "bmoe.cli.Main"));
        // 1e8 sweeps: runs until it is killed
        cmd.addAll(List.of("fit", "--data", data.toString(), "-K", "2", "--chains", "1", "--warmup", "10", "--draws",
                "100000000", "--thin", "1000000", "--seed", "1", "--threads", "1", "--backend", "cpu",
                "--checkpoint-every", "0", "--out", run.toString(), "--quiet"));
        Process child = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(dir.resolve("child.err").toFile()).start();
        try {
            long deadline = System.nanoTime() + 120_000_000_000L;
            JsonNode record;
            while ((record = lockRecord(run)) == null || !Files.exists(run.resolve("run.json"))) {
                if (!child.isAlive()) {
                    fail("the child fit ended (exit " + child.exitValue() + "): " + Files.readString(dir.resolve("child.err")));
                }
                if (System.nanoTime() > deadline) {
                    fail("the child fit took no lock within two minutes");
                }
                Thread.sleep(10);
            }
            assertEquals(child.pid(), record.get("pid").asLong());
            assertEquals("bmoe fit", record.get("command").asText());
            String holder = "bmoe: " + run + " is in use by bmoe fit, process " + child.pid() + " on host "
                    + record.get("host").asText() + "; wait for it or stop it";
            byte[] spec = Files.readAllBytes(run.resolve("run.json"));

            assertEquals(holder, refused(CliRun.of(fit(run, 2, "--force")), run + " is in use"));
            assertArrayEquals(spec, Files.readAllBytes(run.resolve("run.json")), "--force cleared a folder in use");
            assertEquals(holder, refused(CliRun.of("fit", "--resume", run.toString()), run + " is in use"));
            assertTrue(child.isAlive(), "the child fit was disturbed");
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
        assertTrue(Files.exists(run.resolve(FolderLock.NAME)), "a killed fit cannot remove its lock file");

        ok(fit(run, 2, "--force"));
        assertEquals(List.of("draws.csv", "run.json", "summary.json"), names(run), "the lock file is gone");
    }

    /**
     * A lock file whose process has ended is stale: it does not make the folder look used or non-empty, and a fit
     * takes it over. The process here is a real one that has exited.
     */
    @Test
    void aStaleLockFileIsTakenOver() throws Exception {
        Process gone = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-version").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        gone.waitFor();
        Path run = Files.createDirectories(dir.resolve("run"));
        Files.writeString(run.resolve(FolderLock.NAME), "{\"command\": \"bmoe fit\", \"pid\": " + gone.pid()
                + ", \"host\": \"here\", \"token\": \"t\"}\n");
        ok(fit(run, 1));
        assertEquals(List.of("draws.csv", "run.json", "summary.json"), names(run));
    }
}
