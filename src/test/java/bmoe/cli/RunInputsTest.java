package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.io.DrawsFile;
import bmoe.io.UserError;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where criteria and plot find the fit's data: --data if given, else the absolute path in run.json, else (a run
 * without run.json) the path draws.csv records as the fit was given it.
 */
class RunInputsTest {
    @TempDir
    Path dir;

    /** A draws.csv's contents that record {@code data} as the fit was given it; the rest is not read. */
    private static DrawsFile.Contents recording(String data) {
        return new DrawsFile.Contents(Map.of("data", data), 2, List.of("x1"), "y", new int[0], new int[0], null, null,
                new double[0][]);
    }

    private Path runWithSpec(Path data) throws IOException {
        Path run = Files.createDirectories(dir.resolve("run"));
        Files.writeString(run.resolve(RunSpec.FILE), "{\"format\": \"bmoe run 1\", \"data\": {\"path\": \""
                + data.toString().replace("\\", "\\\\") + "\", \"as_given\": \"data/d.csv\"}}\n");
        return run;
    }

    @Test
    void runJsonsAbsolutePathWinsOverTheRelativeOneInDrawsCsv() throws IOException {
        Path data = Files.writeString(dir.resolve("d.csv"), "x1,y\n1,2\n");
        Path run = runWithSpec(data);
        // "data/d.csv" does not resolve from this JVM's working folder: only run.json's path can be found
        assertEquals(data, RunInputs.dataFile(recording("data/d.csv"), run, null));
    }

    @Test
    void dataGivenOverridesTheRecordedOne() throws IOException {
        Path run = runWithSpec(Files.writeString(dir.resolve("d.csv"), "x1,y\n1,2\n"));
        Path other = dir.resolve("other.csv");
        assertEquals(other, RunInputs.dataFile(recording("data/d.csv"), run, other));
    }

    @Test
    void aMissingDataFileIsNamedAbsolutelyWithTheWayOut() throws IOException {
        Path gone = dir.resolve("gone.csv").toAbsolutePath();
        Path run = runWithSpec(gone);
        UserError e = assertThrows(UserError.class, () -> RunInputs.dataFile(recording("data/gone.csv"), run, null));
        assertEquals("the fit's data file " + gone + " is not there; give it with --data", e.getMessage());
    }

    @Test
    void withoutRunJsonTheRecordedPathIsUsed() throws IOException {
        Path data = Files.writeString(dir.resolve("d.csv"), "x1,y\n1,2\n");
        Path run = Files.createDirectories(dir.resolve("old-run"));
        assertEquals(data, RunInputs.dataFile(recording(data.toString()), run, null));
        UserError e = assertThrows(UserError.class, () -> RunInputs.dataFile(recording("data/d.csv"), run, null));
        assertTrue(e.getMessage().startsWith("the fit's data file 'data/d.csv' is not there ("
                + Path.of("data/d.csv").toAbsolutePath()), e.getMessage());
        assertTrue(e.getMessage().endsWith("; give it with --data"), e.getMessage());
    }

    /** Runs bmoe in a child JVM whose working folder is {@code cwd}; returns its exit code, output in {@code log}. */
    private static int bmoe(Path cwd, Path log, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), "bmoe.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "bmoe " + String.join(" ", args) + " hangs");
        return p.exitValue();
    }

    /**
     * End to end, with real working folders: fit in "project" with relative --data and --out, then criteria and
     * plot from a sibling folder, naming the run relative to there.
     */
    @Test
    void analysesFromAnotherWorkingFolderFindTheData() throws Exception {
        Path project = Files.createDirectories(dir.resolve("project"));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Files.createDirectories(project.resolve("data"));
        BadInputTest.writeGood(project.resolve("data/d.csv"), 200);
        Path log = dir.resolve("log.txt");
        assertEquals(0, bmoe(project, log, "fit", "--data", "data/d.csv", "-K", "2", "--chains", "1", "--warmup",
                "20", "--draws", "20", "--seed", "1", "--threads", "1", "--backend", "cpu", "--out", "runs/m",
                "--quiet"), () -> read(log));
        assertTrue(Files.readAllLines(project.resolve("runs/m/draws.csv")).contains("# data = data/d.csv"),
                "draws.csv records the path as it was given");

        String run = ".." + File.separator + "project" + File.separator + "runs" + File.separator + "m";
        assertEquals(0, bmoe(elsewhere, log, "criteria", "--run", run), () -> read(log));
        String out = read(log);
        assertTrue(out.startsWith("200 observations of " + project.resolve("data/d.csv").toRealPath()), out);
        assertEquals(0, bmoe(elsewhere, log, "plot", "--run", run, "--out", "plots"), () -> read(log));
        assertTrue(Files.isRegularFile(elsewhere.resolve("plots/regression.png")), read(log));
    }

    private static String read(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }
}
