package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real crash: fit runs in a child JVM, which is killed with SIGKILL (Process.destroyForcibly on Linux) once
 * it has written checkpoints and kept draws. The folder must then hold no draws.csv or summary.json, every
 * complete line of the part files must be a whole draw row, and the checkpoints must point at row boundaries
 * within them; fit --resume must then give the draws.csv of a fit that was never killed, byte for byte.
 *
 * <p>A kill can land inside a write that spans a page boundary and leave a last row without its newline (rare,
 * so it is added by hand below): that fragment lies after the last checkpoint, which the resume cuts back to.
 */
class KillResumeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int THIN = 10;
    private static final int COLUMNS = 12; // chain, iteration, log_lik, nonempty and 8 parameters (K = 2, p = 1)
    /** Long enough (2 x 1010 sweeps, about half a second) that the child is killed well before it ends. */
    private static final List<String> FIT = List.of("-K", "2", "--chains", "2", "--warmup", "10", "--draws", "1000",
            "--thin", "" + THIN, "--seed", "5", "--threads", "2", "--quiet");

    @TempDir
    Path dir;

    @Test
    void killedFitResumesToTheSameDraws() throws Exception {
        Path data = dir.resolve("data.csv");
        assertEquals(0, CliRun.of("simulate", "--preset", "neurips23", "--n", "300", "--seed", "7", "--out",
                data.toString()).code());
        Path run = dir.resolve("run");
        Process child = startFit(data, run);
        try {
            awaitCheckpointsAndDraws(child, run);
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }

        assertFalse(Files.exists(run.resolve("summary.json")), "a killed fit must not look complete");
        assertFalse(Files.exists(run.resolve("draws.csv")));
        for (int chain = 1; chain <= 2; chain++) {
            checkPartFile(run, chain);
        }
        // the rare torn last row, by hand: resume must cut it off with everything after the checkpoint
        Files.writeString(run.resolve("chain-1.part.csv"), "1,999,-31", StandardOpenOption.APPEND);

        CliRun resumed = CliRun.of("fit", "--resume", run.toString(), "--quiet");
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals("", resumed.err());

        Path reference = dir.resolve("reference");
        List<String> args = new ArrayList<>(List.of("fit", "--data", data.toString(), "--out", reference.toString()));
        args.addAll(FIT);
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(Files.readAllBytes(reference.resolve("draws.csv")), Files.readAllBytes(run.resolve("draws.csv")),
                "resumed draws.csv differs from the uninterrupted one");
        // the default gates (mala): the step size and acceptance counts come back from the checkpoints exactly
        JsonNode chains = JSON.readTree(run.resolve("summary.json").toFile()).get("chains");
        assertEquals(JSON.readTree(reference.resolve("summary.json").toFile()).get("chains"), chains,
                "summary.json's chains differ from the uninterrupted fit's");
        for (JsonNode chain : chains) {
            assertEquals(1000, chain.get("gate_move").get("proposed").asInt(), chain.toString());
        }
    }

    private Process startFit(Path data, Path run) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "bmoe.cli.Main", "fit", "--data", data.toString(),
                "--out", run.toString(), "--checkpoint-every", "5"));
        cmd.addAll(FIT);
        return new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(dir.resolve("child.err").toFile()).start();
    }

    /** Polls until both chains have a checkpoint and a kept draw on disk. */
    private void awaitCheckpointsAndDraws(Process child, Path run) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!child.isAlive()) {
                fail("the fit ended (exit " + child.exitValue() + ") before it could be killed: "
                        + Files.readString(dir.resolve("child.err")));
            }
            if (ready(run, 1) && ready(run, 2)) {
                return;
            }
            Thread.sleep(2);
        }
        fail("no checkpoints and draws within two minutes");
    }

    private static boolean ready(Path run, int chain) throws IOException {
        Path part = run.resolve("chain-" + chain + ".part.csv");
        return Files.exists(run.resolve("checkpoint/chain-" + chain + ".json")) && Files.exists(part)
                && Files.size(part) > 0;
    }

    /**
     * Every newline-ended line is a whole draw row of this chain, in order; a last fragment without a newline
     * is allowed; the checkpoint's byte count ends exactly its kept_draws-th row.
     */
    private static void checkPartFile(Path run, int chain) throws IOException {
        byte[] bytes = Files.readAllBytes(run.resolve("chain-" + chain + ".part.csv"));
        String text = new String(bytes, StandardCharsets.US_ASCII);
        List<String> complete = Arrays.asList(text.substring(0, text.lastIndexOf('\n') + 1).split("\n", -1));
        complete = complete.subList(0, complete.size() - 1); // the empty string after the last newline
        long[] ends = new long[complete.size() + 1];
        for (int r = 0; r < complete.size(); r++) {
            String[] cells = complete.get(r).split(",", -1);
            assertEquals(COLUMNS, cells.length, "row " + (r + 1) + " of chain " + chain + ": " + complete.get(r));
            assertEquals(chain, Integer.parseInt(cells[0]));
            assertEquals((r + 1) * THIN, Integer.parseInt(cells[1]), "iterations in order");
            for (String cell : cells) {
                assertTrue(Double.isFinite(Double.parseDouble(cell)), complete.get(r));
            }
            ends[r + 1] = ends[r] + complete.get(r).length() + 1;
        }
        JsonNode cp = JSON.readTree(run.resolve("checkpoint/chain-" + chain + ".json").toFile());
        int kept = cp.get("kept_draws").asInt();
        assertTrue(complete.size() >= kept, "chain " + chain + ": " + complete.size() + " rows, checkpoint counts " + kept);
        assertEquals(ends[kept], cp.get("part_bytes").asLong(), "the checkpoint ends at a row boundary");
    }
}
