package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.sampler.Chain;
import bmoe.sampler.ChainState;
import bmoe.sampler.GateMethod;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import picocli.CommandLine;

/**
 * fit --resume after a fit stopped in-process at a chosen sweep (a listener throws there, as a crash would stop
 * it): the resumed draws.csv must equal, byte for byte, the one of a fit that never stopped. The fits are tiny
 * (n = 300, 2 chains of 20 warm-up + 30 sweeps, thin 4, checkpoints every 5 sweeps), so each stop lands between
 * checkpoints and after kept draws that the resume has to cut off and make again.
 *
 * <p>The tests whose stop lands in what a checkpoint carries run for both gate methods: with mala a stop during
 * warm-up lands mid-adaptation of the step size, one during sampling amid the acceptance counts, and summary.json's
 * per-chain gate_move must come out as the uninterrupted fit's too.
 */
class ResumeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WARMUP = 20;
    private static final int DRAWS = 30;
    private static final int SWEEPS = WARMUP + DRAWS;
    private static final int THIN = 4;

    @TempDir
    static Path shared;

    private static Path data;
    /** draws.csv of the uninterrupted fit per gate method (without checkpoints: they must not change the draws). */
    private static final Map<GateMethod, byte[]> REFERENCE = new EnumMap<>(GateMethod.class);
    /** summary.json's "chains" of the uninterrupted fit (step size and acceptance for mala). */
    private static final Map<GateMethod, JsonNode> REFERENCE_CHAINS = new EnumMap<>(GateMethod.class);

    @TempDir
    Path dir;

    @BeforeAll
    static void referenceFit() throws IOException {
        data = shared.resolve("data.csv");
        CliRun sim = CliRun.of("simulate", "--preset", "neurips23", "--n", "300", "--seed", "7", "--out", data.toString());
        assertEquals(0, sim.code(), sim.err());
        for (GateMethod gates : GateMethod.values()) {
            Path run = shared.resolve("reference-" + gates.cliName());
            CliRun r = CliRun.of(args(gates, run, "2", "--checkpoint-every", "0"));
            assertEquals(0, r.code(), r.err());
            REFERENCE.put(gates, Files.readAllBytes(run.resolve("draws.csv")));
            REFERENCE_CHAINS.put(gates, JSON.readTree(run.resolve("summary.json").toFile()).get("chains"));
        }
        assertFalse(Arrays.equals(REFERENCE.get(GateMethod.MALA), REFERENCE.get(GateMethod.PG)),
                "the gate methods make different draws");
        for (JsonNode chain : REFERENCE_CHAINS.get(GateMethod.MALA)) {
            assertEquals(DRAWS, chain.get("gate_move").get("proposed").asInt(), "one move per post-warm-up sweep");
        }
        for (JsonNode chain : REFERENCE_CHAINS.get(GateMethod.PG)) {
            assertFalse(chain.has("gate_move"), "a pg run proposes nothing");
        }
    }

    /** The fit's arguments for the default gate method (mala). */
    private static String[] args(Path run, String threads, String... extra) {
        return args(GateMethod.MALA, run, threads, extra);
    }

    /** The fit's arguments, with the given gates and threads and more options (seed 11 unless they give one). */
    private static String[] args(GateMethod gates, Path run, String threads, String... extra) {
        List<String> a = new ArrayList<>(List.of("fit", "--data", data.toString(), "-K", "2", "--chains", "2",
                "--warmup", "" + WARMUP, "--draws", "" + DRAWS, "--thin", "" + THIN, "--gates", gates.cliName(),
                "--threads", threads, "--out", run.toString(), "--quiet",
                // one start per chain: the stops below rely on two chains reaching a sweep at about the same time,
                // and a start search (unreported sweeps) lets one chain get far ahead of the other
                "--init-starts", "1", "--init-sweeps", "0"));
        if (!Arrays.asList(extra).contains("--seed")) {
            a.addAll(List.of("--seed", "11"));
        }
        if (gates == GateMethod.MALA) {
            // the default frozen metric, fixed at sweep WARMUP / 2 = 10: stops before it (sweep 8, from the
            // checkpoint at 6, where the chain still uses the Fisher metric) and after it are both resumed here
            a.addAll(List.of("--gate-metric", "frozen"));
        }
        a.addAll(Arrays.asList(extra));
        return a.toArray(String[]::new);
    }

    /** The stand-in for a crash. */
    static final class Stop extends RuntimeException {
        Stop(int chain, int sweep) {
            super("stopped chain " + (chain + 1) + " after sweep " + sweep);
        }
    }

    /** Throws after the given sweep of the given chain (0-based); counts every chain's sweeps. */
    static final class StopAt implements Chain.Listener {
        final int chain;
        final int sweep;
        final AtomicIntegerArray sweeps = new AtomicIntegerArray(2);

        StopAt(int chain, int sweep) {
            this.chain = chain;
            this.sweep = sweep;
        }

        @Override
        public void sweepDone(int c, ChainState state) {
            sweeps.incrementAndGet(c);
            if (c == chain && state.sweep() == sweep) {
                throw new Stop(c, sweep);
            }
        }
    }

    /** Runs "fit ARGS" through FitCommand with a listener; returns what it threw (null: it finished). */
    static Throwable fit(Chain.Listener listener, String... argv) {
        FitCommand command = new FitCommand();
        command.testListener = listener;
        Throwable[] thrown = new Throwable[1];
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            thrown[0] = ex;
            return Main.EXIT_FAILURE;
        });
        int code = cl.execute(Arrays.copyOfRange(argv, 1, argv.length));
        assertEquals(thrown[0] == null ? 0 : Main.EXIT_FAILURE, code, err::toString);
        return thrown[0];
    }

    /** Stops a fit as listed, checks the folder looks incomplete, resumes it and compares with the reference. */
    private StopAt stopThenResume(GateMethod gates, String threads, StopAt stop, String... extra) throws IOException {
        Path run = dir.resolve("run");
        assertInstanceOf(Stop.class, fit(stop, args(gates, run, threads, extra)));
        assertIncomplete(run);
        StopAt counter = new StopAt(-1, -1);
        assertNull(fit(counter, "fit", "--resume", run.toString(), "--threads", threads, "--quiet"));
        assertComplete(gates, run);
        return counter;
    }

    private static void assertIncomplete(Path run) {
        assertFalse(Files.exists(run.resolve("summary.json")), "a stopped fit must not look complete");
        assertFalse(Files.exists(run.resolve("draws.csv")), "a stopped fit has no draws.csv");
        assertTrue(Files.isRegularFile(run.resolve("run.json")));
        assertTrue(Files.isRegularFile(run.resolve("chain-1.part.csv")));
    }

    private static void assertComplete(Path run) throws IOException {
        assertComplete(GateMethod.MALA, run);
    }

    private static void assertComplete(GateMethod gates, Path run) throws IOException {
        assertArrayEquals(REFERENCE.get(gates), Files.readAllBytes(run.resolve("draws.csv")),
                () -> "resumed draws.csv differs from the uninterrupted one:\n" + diff(gates, run));
        assertTrue(Files.isRegularFile(run.resolve("summary.json")));
        // per chain: mean log-likelihood, clamps and (mala) the step size and acceptance counts, exactly
        assertEquals(REFERENCE_CHAINS.get(gates), JSON.readTree(run.resolve("summary.json").toFile()).get("chains"),
                "summary.json's chains differ from the uninterrupted fit's");
        try (Stream<Path> s = Files.list(run)) {
            assertEquals(List.of("draws.csv", "run.json", "summary.json"),
                    s.map(p -> p.getFileName().toString()).sorted().toList(), "part files and checkpoints are gone");
        }
    }

    private static String diff(GateMethod gates, Path run) {
        try {
            List<String> a = new String(REFERENCE.get(gates), StandardCharsets.UTF_8).lines().toList();
            List<String> b = Files.readAllLines(run.resolve("draws.csv"));
            for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
                if (!a.get(i).equals(b.get(i))) {
                    return "line " + (i + 1) + ":\n  " + a.get(i) + "\n  " + b.get(i);
                }
            }
            return a.size() + " lines vs " + b.size();
        } catch (IOException e) {
            return e.toString();
        }
    }

    @ParameterizedTest
    @EnumSource(GateMethod.class)
    void stoppedDuringWarmupResumesToTheSameDraws(GateMethod gates) throws IOException {
        // chain 1 stops at sweep 12 (last checkpoint 10, mid-adaptation); chain 2, beside it, wherever it is
        stopThenResume(gates, "2", new StopAt(0, 12), "--checkpoint-every", "5");
    }

    /**
     * The joint move (on by default at this n) collects the chain's draws over sweeps 6 to 10 and fixes its mass
     * matrix at sweep 10: a checkpoint at sweep 8 holds a half-collected window, which the resume must continue.
     */
    @Test
    void stoppedInsideTheJointMovesWindowResumesToTheSameDraws() throws IOException {
        Path run = dir.resolve("run");
        assertInstanceOf(Stop.class, fit(new StopAt(0, 9), args(GateMethod.MALA, run, "2", "--checkpoint-every", "4")));
        JsonNode joint = JSON.readTree(run.resolve("checkpoint/chain-1.json").toFile()).get("joint_move");
        assertEquals(3, joint.get("window_draws").asInt()); // sweeps 6, 7 and 8
        assertTrue(joint.get("inverse_mass").isNull());
        assertNull(fit(new StopAt(-1, -1), "fit", "--resume", run.toString(), "--threads", "2", "--quiet"));
        assertComplete(run);
        JsonNode chain = JSON.readTree(run.resolve("summary.json").toFile()).get("chains").get(0).get("joint_move");
        assertEquals(DRAWS, chain.get("proposed").asInt());
    }

    @ParameterizedTest
    @EnumSource(GateMethod.class)
    void stoppedDuringSamplingResumesToTheSameDraws(GateMethod gates) throws IOException {
        Path run = dir.resolve("run");
        // sweep 37: kept draws at sweeps 24, 28, 32 and 36 are on disk, the checkpoint (sweep 35) counts three
        assertInstanceOf(Stop.class, fit(new StopAt(1, 37), args(gates, run, "2", "--checkpoint-every", "5")));
        JsonNode cp = JSON.readTree(run.resolve("checkpoint/chain-2.json").toFile());
        assertEquals(35, cp.get("sweep").asInt());
        assertEquals(3, cp.get("kept_draws").asInt());
        JsonNode gate = cp.get("gate_move");
        assertEquals(gates == GateMethod.MALA ? 35 - WARMUP : 0, gate.get("proposed").asInt(),
                "the checkpoint counts the post-warm-up moves so far");
        assertEquals(gates == GateMethod.MALA, gate.get("frozen").asBoolean(), "mala's step size is frozen after warm-up");
        assertEquals(4, Files.readAllLines(run.resolve("chain-2.part.csv")).size(), "draws after the checkpoint");
        assertTrue(cp.get("part_bytes").asLong() < Files.size(run.resolve("chain-2.part.csv")));
        StopAt counter = new StopAt(-1, -1);
        assertNull(fit(counter, "fit", "--resume", run.toString(), "--threads", "1", "--quiet"));
        assertEquals(SWEEPS - 35, counter.sweeps.get(1), "chain 2 goes on from its checkpoint");
        assertComplete(gates, run);
    }

    @ParameterizedTest
    @EnumSource(GateMethod.class)
    void aFinishedChainIsNotRerun(GateMethod gates) throws IOException {
        // one thread runs the chains one after the other: chain 1 finishes, chain 2 stops at sweep 30; chain 1's
        // step size and acceptance then come from its last checkpoint alone
        StopAt resumed = stopThenResume(gates, "1", new StopAt(1, 30), "--checkpoint-every", "5");
        assertEquals(0, resumed.sweeps.get(0), "chain 1 had finished");
        assertEquals(SWEEPS - 30, resumed.sweeps.get(1), "chain 2 goes on from sweep 30");
    }

    @Test
    void withoutCheckpointsResumeRerunsEveryChain() throws IOException {
        StopAt resumed = stopThenResume(GateMethod.MALA, "2", new StopAt(0, 33), "--checkpoint-every", "0");
        assertEquals(SWEEPS, resumed.sweeps.get(0));
        assertEquals(SWEEPS, resumed.sweeps.get(1));
    }

    /**
     * With the default start search: a chain stopped after its search (sweep 12, checkpoint at 10) resumes from its
     * checkpoint, the other reruns its search from its own keys; the draws are those of the uninterrupted fit.
     */
    @Test
    void aFitWithTheStartSearchResumesToTheSameDraws() throws IOException {
        String[] common = {"--data", data.toString(), "-K", "2", "--chains", "2", "--warmup", "" + WARMUP, "--draws",
            "" + DRAWS, "--thin", "" + THIN, "--seed", "5", "--threads", "1", "--quiet", "--init-starts", "3",
            "--init-sweeps", "4", "--checkpoint-every", "5"};
        Path whole = dir.resolve("whole");
        assertNull(fit(null, concat(new String[] {"fit", "--out", whole.toString()}, common)));
        Path run = dir.resolve("stopped");
        assertInstanceOf(Stop.class, fit(new StopAt(0, 12), concat(new String[] {"fit", "--out", run.toString()}, common)));
        assertIncomplete(run);
        assertNull(fit(null, "fit", "--resume", run.toString(), "--threads", "1", "--quiet"));
        assertArrayEquals(Files.readAllBytes(whole.resolve("draws.csv")), Files.readAllBytes(run.resolve("draws.csv")));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @ParameterizedTest
    @EnumSource(GateMethod.class)
    void aResumeThatStopsCanBeResumedAgain(GateMethod gates) throws IOException {
        Path run = dir.resolve("run");
        assertInstanceOf(Stop.class, fit(new StopAt(0, 8), args(gates, run, "2", "--checkpoint-every", "3")));
        assertInstanceOf(Stop.class, fit(new StopAt(1, 41), "fit", "--resume", run.toString(), "--threads", "2"));
        assertIncomplete(run);
        assertNull(fit(null, "fit", "--resume", run.toString(), "--threads", "2", "--quiet"));
        assertComplete(gates, run);
    }

    @Test
    void aNewFitIntoAStoppedRunsFolderStartsAfreshWithForce() throws IOException {
        Path run = dir.resolve("run");
        assertInstanceOf(Stop.class, fit(new StopAt(0, 30), args(run, "2", "--seed", "3")));
        CliRun refused = CliRun.of(args(run, "2"));
        assertEquals(2, refused.code(), refused.err());
        assertTrue(refused.err().startsWith("bmoe: " + run + " holds an unfinished run (run.json, "), refused.err());
        assertTrue(refused.err().contains("finish it with 'bmoe fit --resume " + run + "'"), refused.err());
        assertIncomplete(run);
        // the same folder, the reference's settings: nothing of the stopped fit may leak in
        CliRun r = CliRun.of(args(run, "2", "--force"));
        assertEquals(0, r.code(), r.err());
        assertComplete(run);
    }

    @Test
    void resumeReportsWhereEachChainGoesOn() throws IOException {
        Path run = dir.resolve("run");
        assertInstanceOf(Stop.class, fit(new StopAt(1, 30), args(run, "1", "--checkpoint-every", "5")));
        CliRun r = CliRun.of("fit", "--resume", run.toString(), "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        assertTrue(r.out().startsWith("resuming " + run + ": chain 1 at sweep 50, chain 2 at sweep 30 of 50"),
                r.out());
        assertComplete(run);
    }
}
