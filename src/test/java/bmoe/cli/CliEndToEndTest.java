package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** simulate, fit, predict and demo through the real entry point {@link Main#run}, on tiny problems. */
class CliEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DRAWS_HEADER =
            "chain,iteration,log_lik,nonempty,w.1.0,w.1.1,beta.1.0,beta.1.1,beta.2.0,beta.2.1,sigma2.1,sigma2.2";

    /** One simulated neurips23 data set (n = 300, seed 7) shared by the tests that only read it. */
    @TempDir
    static Path shared;

    private static Path data;

    @TempDir
    Path dir;

    @BeforeAll
    static void simulateOnce() {
        data = shared.resolve("data.csv");
        ok("simulate", "--preset", "neurips23", "--n", "300", "--seed", "7", "--out", data.toString());
    }

    // ------------------------------------------------------------------ simulate

    @Test
    void simulateNeurips23WritesDataAndTruth() throws IOException {
        List<String> lines = Files.readAllLines(data);
        assertEquals("x1,y", lines.get(0));
        assertEquals(301, lines.size(), "header + 300 rows");
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",");
            assertEquals(2, cells.length, line);
            double x = Double.parseDouble(cells[0]);
            assertTrue(x >= 0 && x <= 1, "x1 ~ U[0,1]: " + line);
            assertTrue(Double.isFinite(Double.parseDouble(cells[1])), line);
        }
        Path truthFile = shared.resolve("data.truth.json");
        assertTrue(Files.isRegularFile(truthFile));
        JsonNode truth = JSON.readTree(truthFile.toFile());
        assertEquals(2, truth.get("K").asInt());
        assertEquals(300, truth.get("n").asInt());
        assertEquals(7, truth.get("seed").asLong());
        assertEquals("neurips23", truth.get("preset").asText());
        assertEquals(JSON.readTree("[[-8.0,25.0]]"), truth.get("w"));
        assertEquals(JSON.readTree("[[15.0,-20.0],[-5.0,20.0]]"), truth.get("beta"));
        assertEquals(JSON.readTree("[0.3,0.4]"), truth.get("sigma2"));
        assertNoTemporaries(shared);
    }

    @Test
    void simulateIsReproducibleAndSeedSensitive() throws IOException {
        Path a = dir.resolve("a.csv");
        Path b = dir.resolve("b.csv");
        Path c = dir.resolve("c.csv");
        ok("simulate", "--preset", "neurips23", "--n", "300", "--seed", "7", "--out", a.toString());
        ok("simulate", "--preset", "neurips23", "--n", "300", "--seed", "7", "--out", b.toString());
        ok("simulate", "--preset", "neurips23", "--n", "300", "--seed", "8", "--out", c.toString());
        assertArrayEquals(Files.readAllBytes(data), Files.readAllBytes(a), "same seed, same bytes");
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        assertFalse(Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(c)), "another seed, other data");
    }

    @Test
    void simulatePlanes3HasTwoCovariates() throws IOException {
        Path out = dir.resolve("planes.csv");
        ok("simulate", "--preset", "planes3", "--n", "50", "--seed", "3", "--out", out.toString());
        List<String> lines = Files.readAllLines(out);
        assertEquals("x1,x2,y", lines.get(0));
        assertEquals(51, lines.size());
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",");
            assertEquals(3, cells.length, line);
            for (int j = 0; j < 2; j++) {
                double x = Double.parseDouble(cells[j]);
                assertTrue(x >= -1 && x <= 1, "x ~ U[-1,1]: " + line);
            }
        }
        JsonNode truth = JSON.readTree(dir.resolve("planes.truth.json").toFile());
        assertEquals(3, truth.get("K").asInt());
        assertEquals(2, truth.get("p").asInt());
        assertEquals(JSON.readTree("[\"x1\",\"x2\"]"), truth.get("x_columns"));
    }

    // ------------------------------------------------------------------ fit

    @Test
    void fitWritesStanStyleDrawsAndSummary() throws IOException {
        Path run = dir.resolve("run");
        CliRun r = ok(fitArgs(run, "2", "--thin", "2"));
        assertTrue(r.out().contains("draws.csv"), "fit reports where it wrote: " + r.out());

        List<String> lines = Files.readAllLines(run.resolve("draws.csv"));
        int h = 0;
        while (h < lines.size() && lines.get(h).startsWith("#")) {
            h++;
        }
        assertTrue(h > 0, "configuration comment lines come first");
        assertTrue(lines.subList(0, h).stream().allMatch(l -> l.matches("# [a-z_0-9]+ = .*")), "'# key = value'");
        assertTrue(lines.contains("# seed = 1"), "the seed is recorded");
        assertTrue(lines.contains("# experts = 2"));
        assertTrue(lines.contains("# x_columns = x1"));
        assertTrue(lines.contains("# y_column = y"));
        assertTrue(lines.contains("# gates = mala"), "the default gate method is recorded");
        assertEquals(DRAWS_HEADER, lines.get(h));
        List<String> rows = lines.subList(h + 1, lines.size());
        int chains = 2;
        int draws = 20;
        int thin = 2;
        assertEquals(chains * draws / thin, rows.size());
        int[] perChain = new int[chains + 1];
        List<Integer> expectedIterations = new ArrayList<>();
        for (int it = thin; it <= draws; it += thin) {
            expectedIterations.add(it);
        }
        List<List<Integer>> iterations = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (String row : rows) {
            assertFalse(row.startsWith("#"), "no comments after the header");
            String[] cells = row.split(",");
            assertEquals(12, cells.length, row);
            int chain = Integer.parseInt(cells[0]);
            assertTrue(chain == 1 || chain == 2, "chain values are 1-based: " + row);
            perChain[chain]++;
            iterations.get(chain).add(Integer.parseInt(cells[1]));
            int nonEmpty = Integer.parseInt(cells[3]);
            assertTrue(nonEmpty >= 1 && nonEmpty <= 2, "nonempty is a count of experts: " + row);
            for (int j = 2; j < cells.length; j++) {
                assertTrue(Double.isFinite(Double.parseDouble(cells[j])), row);
            }
            assertTrue(Double.parseDouble(cells[10]) > 0, "sigma2.1 > 0: " + row);
            assertTrue(Double.parseDouble(cells[11]) > 0, "sigma2.2 > 0: " + row);
        }
        assertEquals(draws / thin, perChain[1]);
        assertEquals(draws / thin, perChain[2]);
        assertEquals(expectedIterations, iterations.get(1), "post-warmup sweep numbers of kept draws");
        assertEquals(expectedIterations, iterations.get(2));

        JsonNode summary = JSON.readTree(run.resolve("summary.json").toFile());
        JsonNode config = summary.get("config");
        assertTrue(config != null && config.isObject(), "summary.json has config");
        assertEquals("1", config.get("seed").asText());
        assertEquals("2", config.get("chains").asText());
        assertEquals("2", config.get("experts").asText());
        assertEquals("300", config.get("n").asText());
        JsonNode params = summary.get("parameters");
        assertTrue(params != null && params.isObject(), "summary.json has parameters");
        List<String> names = new ArrayList<>();
        params.fieldNames().forEachRemaining(names::add);
        assertEquals(Arrays.asList(DRAWS_HEADER.split(",")).subList(4, 12), names);
        for (JsonNode p : params) {
            assertTrue(p.get("q5").asDouble() <= p.get("q50").asDouble(), p.toString());
            assertTrue(p.get("q50").asDouble() <= p.get("q95").asDouble(), p.toString());
            assertTrue(p.get("sd").asDouble() >= 0, p.toString());
        }
        assertEquals(chains, summary.get("chains").size());
        assertNoTemporaries(run);
        try (Stream<Path> files = Files.list(run)) {
            assertEquals(List.of("draws.csv", "run.json", "summary.json"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "part files and checkpoints removed");
        }
    }

    @Test
    void runJsonRecordsWhatAResumeNeeds() throws IOException, NoSuchAlgorithmException {
        Path run = dir.resolve("run");
        ok(fitArgs(run, "2", "--thin", "2", "--x", "x1", "--prior-gate-sd", "0.1", "--checkpoint-every", "7"));
        JsonNode spec = JSON.readTree(run.resolve("run.json").toFile());
        assertEquals(data.toAbsolutePath().toString(), spec.get("data").get("path").asText());
        assertEquals(data.toString(), spec.get("data").get("as_given").asText());
        assertEquals(Files.size(data), spec.get("data").get("size").asLong());
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(data)));
        assertEquals(sha, spec.get("data").get("sha256").asText());
        assertEquals(JSON.readTree("[\"x1\"]"), spec.get("x"));
        assertEquals("y", spec.get("y").asText());
        assertTrue(spec.get("standardize").asBoolean());
        for (String[] kv : new String[][] {{"experts", "2"}, {"chains", "2"}, {"warmup", "20"}, {"draws", "20"},
            {"thin", "2"}, {"seed", "1"}, {"prior_gate_sd", "0.1"}, {"prior_expert_sd", "5.0"},
            {"prior_sigma_shape", "2.0"}, {"prior_scale_shape", "0.2"}, {"backend", "cpu"}, {"block_size", "16384"},
            {"checkpoint_every", "7"}, {"gates", "mala"}, {"init_starts", "8"}, {"init_sweeps", "50"}}) {
            assertEquals(kv[1], spec.get(kv[0]).asText(), kv[0]);
        }
        // b0 ~ Gamma(0.2, 10 / R^2) by default, R the range of the standardised y; it starts at its mean
        double rate = spec.get("prior_scale_rate").asDouble();
        assertTrue(rate > 0 && rate < 10, "rate " + rate);
        assertEquals(0.2 / rate, spec.get("prior_sigma_scale").asDouble(), 1e-12);
        assertFalse(spec.has("threads"), "the thread count does not define a run");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mala", "pg"})
    void summaryPrintsWhatFitPrinted(String gates) throws IOException {
        Path run = dir.resolve("run");
        CliRun fit = ok(fitArgs(run, "2", "--gates", gates));
        String printed = fit.out();
        assertTrue(printed.lines().findFirst().orElseThrow().endsWith(", seed 1, gates " + gates
                + (gates.equals("mala") ? " (frozen metric, 1 move)" : "")), printed);
        // fit's report from its first chain line up to where it says what it wrote
        String report = printed.substring(printed.indexOf("chain 1:"), printed.indexOf("wrote "));
        CliRun summary = ok("summary", "--run", run.toString());
        assertEquals(report, summary.out(), "summary prints what fit printed");

        JsonNode json = JSON.readTree(run.resolve("summary.json").toFile());
        assertEquals(gates, json.get("config").get("gates").asText());
        // 40 draws cannot reach the ESS of 400, so the warnings come with what to try for this run: pg has no
        // joint move; mala has the auto one (16384 / 300 = 54 steps), whose trajectories can be longer
        String advice = gates.equals("pg")
                ? "add the joint move of gates and experts (--gates mala --joint-steps 64"
                : "lengthen the joint move's trajectories (--joint-steps 108), or run longer chains (--draws 80)";
        List<String> adviceLines = printed.lines().filter(l -> l.startsWith("to mix better: ")).toList();
        assertEquals(1, adviceLines.size(), printed);
        assertTrue(adviceLines.get(0).startsWith("to mix better: " + advice), adviceLines.get(0));
        assertEquals(adviceLines.get(0).substring("to mix better: ".length()),
                json.get("diagnostics").get("advice").asText());
        assertEquals(gates, JSON.readTree(run.resolve("run.json").toFile()).get("gates").asText());
        assertTrue(Files.readAllLines(run.resolve("draws.csv")).contains("# gates = " + gates));
        for (JsonNode chain : json.get("chains")) {
            String line = printed.lines().filter(l -> l.startsWith("chain " + chain.get("chain").asInt() + ":"))
                    .findFirst().orElseThrow();
            if (gates.equals("pg")) {
                assertFalse(chain.has("gate_move"), "pg proposes nothing: " + chain);
                assertFalse(line.contains("gate"), line);
                continue;
            }
            JsonNode g = chain.get("gate_move");
            long proposed = g.get("proposed").asLong();
            long accepted = g.get("accepted").asLong();
            assertEquals(20, proposed, "one move per post-warm-up sweep");
            assertTrue(accepted >= 0 && accepted <= proposed, g.toString());
            assertEquals((double) accepted / proposed, g.get("acceptance_rate").asDouble(), 0.0);
            double meanProb = g.get("mean_accept_prob").asDouble();
            assertTrue(meanProb >= 0 && meanProb <= 1, g.toString());
            double step = g.get("step_size").asDouble();
            assertTrue(step > 0 && Double.isFinite(step), g.toString());
            String gateEnd = String.format(java.util.Locale.ROOT, ", gate step %.2g, acceptance %.2f", step,
                    (double) accepted / proposed);
            JsonNode j = chain.get("joint_move");
            assertTrue(j != null, "the joint move is on by default at this n: " + chain);
            assertEquals(20, j.get("proposed").asLong(), "one joint move per post-warm-up sweep");
            String jointEnd = String.format(java.util.Locale.ROOT, ", joint step %.2g, acceptance %.2f",
                    j.get("step_size").asDouble(), j.get("acceptance_rate").asDouble());
            assertTrue(line.endsWith(gateEnd + jointEnd), line);
        }
    }

    @Test
    void progressCanBeForcedOnForLogs() {
        Path run = dir.resolve("run");
        CliRun r = CliRun.of(fitArgs(run, "2", "--progress", "--quiet"));
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.out());
        // no terminal here: plain lines (every 10 s), and always the final one
        List<String> lines = r.err().lines().toList();
        String last = lines.get(lines.size() - 1);
        assertTrue(last.matches("sweep 80/80 \\(sampling\\), [0-9.]+ sweeps/s, ETA 0:00, backend cpu \\(2 threads\\)"),
                r.err());
        assertFalse(r.err().contains("\r"));
    }

    @Test
    void fitWithTheSameSeedIsByteIdentical() throws IOException {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Path c = dir.resolve("c");
        ok(fitArgs(a, "2"));
        ok(fitArgs(b, "2"));
        ok(fitArgs(c, "2", "--seed", "2"));
        byte[] drawsA = Files.readAllBytes(a.resolve("draws.csv"));
        assertArrayEquals(drawsA, Files.readAllBytes(b.resolve("draws.csv")), "same seed, same draws.csv");
        assertFalse(Arrays.equals(body(a), body(c)), "another seed gives other draws");
    }

    @Test
    void fitIsInvariantToTheThreadCount() throws IOException {
        Path one = dir.resolve("one");
        Path two = dir.resolve("two");
        ok(fitArgs(one, "1", "--block-size", "64"));
        ok(fitArgs(two, "2", "--block-size", "64"));
        // The whole file, comments included: the thread count is not part of a run's definition.
        assertArrayEquals(Files.readAllBytes(one.resolve("draws.csv")), Files.readAllBytes(two.resolve("draws.csv")),
                "draws.csv depends on --threads");
        assertArrayEquals(body(one), body(two));
    }

    // ------------------------------------------------------------------ predict

    @Test
    void predictWithResponseGivesIntervalsAndDensities() throws IOException {
        Path run = dir.resolve("run");
        ok(fitArgs(run, "2"));
        Path points = dir.resolve("points.csv");
        Files.writeString(points, "x1,y\n0.05,-4\n0.3,4\n0.5,5\n0.9,-3\n");
        Path out = dir.resolve("pred.csv");
        CliRun r = ok("predict", "--run", run.toString(), "--points", points.toString(), "--out", out.toString());
        assertEquals("", r.out());
        List<String> lines = Files.readAllLines(out);
        assertEquals("x1,y,mean,sd,q5,q95,density,log_density,y_var,y_q5,y_q50,y_q95", lines.get(0));
        assertEquals(5, lines.size());
        double[][] expectedXy = {{0.05, -4}, {0.3, 4}, {0.5, 5}, {0.9, -3}};
        for (int i = 1; i < lines.size(); i++) {
            double[] v = Arrays.stream(lines.get(i).split(",")).mapToDouble(Double::parseDouble).toArray();
            assertEquals(12, v.length, lines.get(i));
            assertEquals(expectedXy[i - 1][0], v[0], "x1 echoed");
            assertEquals(expectedXy[i - 1][1], v[1], "y echoed");
            double mean = v[2];
            double sd = v[3];
            double q5 = v[4];
            double q95 = v[5];
            double density = v[6];
            double logDensity = v[7];
            assertTrue(q5 <= mean && mean <= q95, "q5 <= mean <= q95: " + lines.get(i));
            assertTrue(sd >= 0, lines.get(i));
            assertTrue(density > 0 && Double.isFinite(density), "density > 0: " + lines.get(i));
            assertEquals(Math.log(density), logDensity, 1e-9 * Math.abs(logDensity), "log_density = log(density)");
        }
        // E[y|x] follows the truth's shape: about -4 at x = 0.05 (expert 2), 5 at 0.5 and -3 at 0.9 (expert 1).
        double m05 = Double.parseDouble(lines.get(1).split(",")[2]);
        double m50 = Double.parseDouble(lines.get(3).split(",")[2]);
        double m90 = Double.parseDouble(lines.get(4).split(",")[2]);
        assertTrue(m50 > m05 + 3 && m50 > m90 + 3, "E[y|x] should peak in the middle: " + lines);
    }

    @Test
    void predictWithoutResponseLeavesOutTheDensity() throws IOException {
        Path run = dir.resolve("run");
        ok(fitArgs(run, "2"));
        Path points = dir.resolve("grid.csv");
        Files.writeString(points, "x1\n0.1\n0.2\n0.7\n");
        Path out = dir.resolve("grid.pred.csv");
        ok("predict", "--run", run.toString(), "--points", points.toString(), "--out", out.toString());
        List<String> lines = Files.readAllLines(out);
        assertEquals("x1,mean,sd,q5,q95,y_var,y_q5,y_q50,y_q95", lines.get(0));
        assertEquals(4, lines.size());
        for (String line : lines.subList(1, lines.size())) {
            double[] v = Arrays.stream(line.split(",")).mapToDouble(Double::parseDouble).toArray();
            assertEquals(9, v.length, line);
            assertTrue(v[3] <= v[1] && v[1] <= v[4], "q5 <= mean <= q95: " + line);
            // the predictive of y is wider than the posterior of E[y|x], and its quantiles are ordered
            assertTrue(v[5] > v[2] * v[2] && v[6] < v[7] && v[7] < v[8] && v[6] < v[3] && v[8] > v[4], line);
        }
        assertNoTemporaries(dir);
    }

    // ------------------------------------------------------------------ demo

    @Test
    void demoRunsAndReportsCoverage() {
        long t0 = System.nanoTime();
        CliRun r = ok("demo", "--n", "400", "--threads", "1", "--backend", "cpu");
        double seconds = (System.nanoTime() - t0) * 1e-9;
        assertTrue(r.out().contains("true values inside the 90% intervals"), r.out());
        assertTrue(r.out().contains("chain 2: mean log-likelihood"), r.out());
        // fit's default at n = 400 makes the joint move (16384 / 400 = 40 steps), and so does the demo
        assertTrue(r.out().lines().filter(l -> l.startsWith("chain ")).allMatch(l -> l.contains(", joint step ")),
                r.out());
        assertTrue(seconds < 60, "demo took " + seconds + " s");
    }

    // ------------------------------------------------------------------ helpers

    /** fit on the shared data: K = 2, 2 chains, 20 + 20 sweeps, seed 1, the given thread count. */
    private static String[] fitArgs(Path run, String threads, String... extra) {
        List<String> args = new ArrayList<>(List.of("fit", "--data", data.toString(), "-K", "2", "--chains", "2",
                "--warmup", "20", "--draws", "20", "--threads", threads, "--backend", "cpu", "--out", run.toString()));
        if (!Arrays.asList(extra).contains("--seed")) {
            args.addAll(List.of("--seed", "1"));
        }
        args.addAll(Arrays.asList(extra));
        return args.toArray(String[]::new);
    }

    /** draws.csv without its comment lines. */
    private static byte[] body(Path run) throws IOException {
        return Files.readAllLines(run.resolve("draws.csv")).stream().filter(l -> !l.startsWith("#"))
                .reduce("", (x, y) -> x + y + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static void assertNoTemporaries(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            List<String> hidden = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
            assertEquals(List.of(), hidden, "temporary files left in " + folder);
        }
    }

    /** Every command's help prints cleanly: picocli's format warnings go to System.err, so watch it too. */
    @ParameterizedTest
    @ValueSource(strings = {"", "simulate", "fit", "predict", "demo"})
    void helpIsCleanForEveryCommand(String command) {
        PrintStream systemErr = System.err;
        ByteArrayOutputStream stray = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(stray, true, StandardCharsets.UTF_8));
            CliRun r = command.isEmpty() ? ok("--help") : ok(command, "--help");
            assertTrue(r.out().startsWith("Usage: bmoe"), r.out());
        } finally {
            System.setErr(systemErr);
        }
        assertEquals("", stray.toString(StandardCharsets.UTF_8));
    }

    @Test
    void versionNamesTheTool() {
        assertTrue(ok("--version").out().startsWith("bmoe "));
    }

    /** Runs the CLI and requires success with nothing on stderr. */
    private static CliRun ok(String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(0, r.code(), () -> String.join(" ", args) + " failed: " + r.err());
        assertEquals("", r.err(), () -> String.join(" ", args) + " wrote to stderr");
        return r;
    }
}
