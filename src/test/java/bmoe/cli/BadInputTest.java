package bmoe.cli;

import bmoe.io.UserError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bad-input catalogue, driven through the real entry point {@link Main#run}: every invalid value must end
 * as exit code 2, exactly one line on stderr naming the problem, nothing on stdout, no stack trace and no
 * output that looks complete (in fact: no change at all to the output folder). A matching table of valid
 * boundary values must be accepted, so the checks cannot pass by rejecting everything.
 */
class BadInputTest {
    /** A fully qualified JVM class name, e.g. java.lang.NumberFormatException or bmoe.io.UserError. */
    private static final Pattern CLASS_NAME =
            Pattern.compile("\\b(java|javax|jdk|sun|picocli|bmoe|org\\.apache|com\\.fasterxml)\\.[a-z]+[.\\w]*");

    @TempDir
    static Path shared;

    /** A finished tiny fit (x1, y; K = 2) for the predict cases. */
    private static Path fittedRun;

    @TempDir
    Path dir;

    @BeforeAll
    static void fitOnce() throws IOException {
        Path data = writeGood(shared.resolve("train.csv"), 200);
        fittedRun = shared.resolve("run");
        CliRun r = CliRun.of(new String[] {"fit", "--data", data.toString(), "-K", "2", "--chains", "1",
            "--warmup", "20", "--draws", "20", "--seed", "1", "--threads", "1", "--out", fittedRun.toString(),
            "--quiet"});
        assertEquals(0, r.code(), () -> "fixture fit failed: " + r.err());
        assertTrue(Files.isRegularFile(fittedRun.resolve("draws.csv")));
    }

    // ------------------------------------------------------------------ fixtures

    /** x1 on [0, 1], y a noisy two-piece line: enough for a K = 2 fit. */
    static Path writeGood(Path file, int n) throws IOException {
        Random rnd = new Random(42);
        StringBuilder sb = new StringBuilder("x1,y\n");
        for (int i = 0; i < n; i++) {
            double x = (i + 0.5) / n;
            double y = (x < 0.35 ? 15 - 20 * x : -5 + 20 * x) + 0.5 * rnd.nextGaussian();
            sb.append(x).append(',').append(y).append('\n');
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
        return file;
    }

    /** What a case sees: its own folder with a good data.csv, helpers for more inputs, and the output path. */
    static final class Fx {
        final Path dir;
        final Kind kind;

        Fx(Path dir, Kind kind) {
            this.dir = dir;
            this.kind = kind;
        }

        String data() {
            return dir.resolve("data.csv").toString();
        }

        /** Writes a file into the case's folder (as input, before the snapshot). */
        String file(String name, String content) {
            try {
                Path f = dir.resolve(name);
                Files.createDirectories(f.getParent());
                Files.writeString(f, content, StandardCharsets.UTF_8);
                return f.toString();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** n rows of x1 and y, with the given header and one cell replaced (row r, column c; 0-based). */
        String table(String name, String header, int n, int badRow, int badCol, String badCell) {
            StringBuilder sb = new StringBuilder(header).append('\n');
            int cols = header.split(",").length;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < cols; j++) {
                    String cell = (i == badRow && j == badCol) ? badCell
                            : Double.toString(j == cols - 1 ? Math.sin(i) * 3 + i * 0.01 : (i + 0.5) / n + j * Math.cos(i));
                    sb.append(j > 0 ? "," : "").append(cell);
                }
                sb.append('\n');
            }
            return file(name, sb.toString());
        }

        String out() {
            return dir.resolve(kind.outName).toString();
        }

        String run() {
            return fittedRun.toString();
        }

        /**
         * An unfinished run's folder, "half": the shared fit's run.json with its data path pointed at
         * {@code dataPath} (the case's data.csv has the shared fit's bytes, so pointing there changes nothing).
         */
        String halfRun(String dataPath) {
            return halfRun(dataPath, false);
        }

        /**
         * The fitted run's run.json for a run folder "half" on dataPath; without the joint move (which the shared
         * fit makes) unless {@code joint}, so that CHECKPOINT_AT_25, which has none, fits it.
         */
        String halfRun(String dataPath, boolean joint) {
            try {
                ObjectNode spec = (ObjectNode) JSON.readTree(fittedRun.resolve("run.json").toFile());
                ((ObjectNode) spec.get("data")).put("path", dataPath);
                if (!joint) {
                    spec.put("joint_steps", 0);
                }
                return Path.of(file("half/run.json", JSON.writeValueAsString(spec))).getParent().toString();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The shared data with one digit changed: the same length, other content. */
        String editedData() {
            try {
                String text = Files.readString(fittedRun.resolveSibling("train.csv"));
                int at = text.indexOf('7', text.indexOf('\n'));
                return file("edited.csv", text.substring(0, at) + '8' + text.substring(at + 1));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A well-formed checkpoint for chain 1 at sweep 25 (5 kept draws) of the shared fit's settings. */
    static final String CHECKPOINT_AT_25 = "{\"format\": \"bmoe checkpoint 2\", \"chain\": 1, \"sweep\": 25, "
            + "\"kept_draws\": 5, \"part_bytes\": 500, \"clamped_residuals\": 0, \"params\": {"
            + "\"w\": [[\"0x1.0p0\", \"0x0.0p0\"]], \"beta\": [[\"0x1.0p0\", \"0x1.0p0\"], [\"-0x1.0p0\", \"0x1.0p0\"]], "
            + "\"s2\": [\"0x1.0p-2\", \"0x1.0p-2\"], \"sigma_scale\": \"0x1.0p-3\", \"gate_sd\": \"0x1.4p2\"}, \"gate_move\": {\"log_step\": \"-0x1.0p-1\", "
            + "\"log_step_bar\": \"-0x1.0p-1\", \"h_bar\": \"0x0.0p0\", \"adaptations\": 20, \"frozen\": true, "
            + "\"proposed\": 5, \"accepted\": 4, \"sum_accept_prob\": \"0x1.8p1\"}}";

    enum Kind {
        FIT("run"), PREDICT("pred.csv"), SIMULATE("sim.csv"), DEMO("none");

        final String outName;

        Kind(String outName) {
            this.outName = outName;
        }
    }

    /** fit with tiny defaults; overrides are (option, value) pairs, value null removes the option. */
    static String[] fit(Fx f, String... overrides) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("--data", f.data());
        o.put("-K", "2");
        o.put("--chains", "1");
        o.put("--warmup", "20");
        o.put("--draws", "20");
        o.put("--seed", "1");
        o.put("--threads", "1");
        o.put("--backend", "cpu"); // auto would add a notice line on a machine without a GPU
        o.put("--out", f.out());
        return command("fit", o, overrides);
    }

    /** fit --resume RUN with more arguments. */
    static String[] resume(String run, String... more) {
        List<String> args = new ArrayList<>(List.of("fit", "--resume", run));
        args.addAll(Arrays.asList(more));
        return args.toArray(String[]::new);
    }

    static String[] predict(Fx f, String... overrides) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("--run", f.run());
        o.put("--points", f.file("points.csv", "x1,y\n0.2,3.0\n0.8,10.0\n"));
        o.put("--out", f.out());
        return command("predict", o, overrides);
    }

    static String[] simulate(Fx f, String... overrides) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("--preset", "neurips23");
        o.put("--n", "50");
        o.put("--seed", "1");
        o.put("--out", f.out());
        return command("simulate", o, overrides);
    }

    private static String[] command(String name, Map<String, String> options, String... overrides) {
        if (overrides.length % 2 != 0) {
            throw new IllegalArgumentException("overrides come in pairs");
        }
        for (int i = 0; i < overrides.length; i += 2) {
            if (overrides[i + 1] == null) {
                options.remove(overrides[i]);
            } else {
                options.put(overrides[i], overrides[i + 1]);
            }
        }
        List<String> args = new ArrayList<>(List.of(name));
        options.forEach((k, v) -> {
            args.add(k);
            if (!v.isEmpty()) {
                args.add(v);
            }
        });
        return args.toArray(String[]::new);
    }

    static Arguments bad(String name, Kind kind, Function<Fx, String[]> args, String... mustMention) {
        return Arguments.of(name, kind, args, List.of(mustMention));
    }

    // ------------------------------------------------------------------ invalid values

    static Stream<Arguments> invalidValues() {
        return Stream.of(
            // data file and columns
            bad("missing data file", Kind.FIT, f -> fit(f, "--data", f.dir.resolve("nope.csv").toString()),
                "nope.csv", "not found"),
            bad("data on a cluster file system, without the spark engine", Kind.FIT,
                f -> fit(f, "--data", "hdfs://namenode:8020/data/planes.parquet"), "hdfs://", "spark engine"),
            bad("data path is a folder", Kind.FIT, f -> fit(f, "--data", f.dir.toString()), "data file"),
            bad("missing --y column", Kind.FIT, f -> fit(f, "--y", "target"), "data.csv", "'target'"),
            bad("--x column not in the file", Kind.FIT, f -> fit(f, "--x", "x1,zz"), "data.csv", "'zz'"),
            bad("duplicate column in the header", Kind.FIT,
                f -> fit(f, "--data", f.table("dup.csv", "x1,x1,y", 20, -1, -1, "")), "dup.csv", "duplicate", "x1"),
            bad("same column twice in --x", Kind.FIT,
                f -> fit(f, "--data", f.table("two.csv", "x1,x2,y", 20, -1, -1, ""), "--x", "x1,x1"), "--x", "x1", "twice"),
            bad("y also listed in --x", Kind.FIT, f -> fit(f, "--x", "x1,y"), "'y'", "response"),
            bad("non-numeric cell", Kind.FIT,
                f -> fit(f, "--data", f.table("text.csv", "x1,y", 20, 4, 0, "abc")), "text.csv", "data row 5 (line 6)", "'x1'", "abc"),
            bad("a text column used as a covariate by default", Kind.FIT,
                f -> fit(f, "--data", f.file("labelled.csv", "id,x1,y\na,0.1,1.0\nb,0.2,2.0\nc,0.3,3.5\nd,0.4,3.0\n")),
                "labelled.csv", "'id'", "not a number"),
            bad("empty cell", Kind.FIT,
                f -> fit(f, "--data", f.table("hole.csv", "x1,y", 20, 2, 1, "")), "hole.csv", "1 row has a missing value", "data row 3 (line 4)", "'y'", "--missing drop"),
            bad("cell with a Java type suffix", Kind.FIT,
                f -> fit(f, "--data", f.table("suffix.csv", "x1,y", 20, 3, 1, "2.5d")), "suffix.csv", "'y'", "2.5d"),
            bad("hexadecimal cell", Kind.FIT,
                f -> fit(f, "--data", f.table("hex.csv", "x1,y", 20, 3, 0, "0x1p-1")), "hex.csv", "'x1'", "0x1p-1"),
            bad("NaN cell", Kind.FIT,
                f -> fit(f, "--data", f.table("nan.csv", "x1,y", 20, 7, 1, "NaN")), "nan.csv", "'y'", "NaN"),
            bad("Inf cell", Kind.FIT,
                f -> fit(f, "--data", f.table("inf.csv", "x1,y", 20, 7, 0, "Inf")), "inf.csv", "'x1'", "Inf"),
            bad("Infinity cell", Kind.FIT,
                f -> fit(f, "--data", f.table("infinity.csv", "x1,y", 20, 7, 0, "Infinity")), "infinity.csv", "Infinity"),
            bad("-Infinity cell", Kind.FIT,
                f -> fit(f, "--data", f.table("minf.csv", "x1,y", 20, 0, 1, "-Infinity")), "minf.csv", "-Infinity"),
            bad("overflowing cell", Kind.FIT,
                f -> fit(f, "--data", f.table("huge.csv", "x1,y", 20, 0, 1, "1e400")), "huge.csv", "1e400"),
            bad("ragged row", Kind.FIT,
                f -> fit(f, "--data", f.file("ragged.csv", "x1,y\n0.1,1\n0.2\n0.3,2\n")), "ragged.csv", "data row 2 (line 3)", "1 field", "header has 2"),
            bad("empty data file (no header)", Kind.FIT, f -> fit(f, "--data", f.file("empty.csv", "")),
                "empty.csv", "header"),
            bad("header-only data file", Kind.FIT, f -> fit(f, "--data", f.file("head.csv", "x1,y\n")),
                "head.csv", "rows"),
            bad("fewer rows than 2K", Kind.FIT,
                f -> fit(f, "--data", f.table("five.csv", "x1,y", 5, -1, -1, ""), "-K", "3"), "five.csv", "2K"),
            bad("zero-variance x column", Kind.FIT,
                f -> fit(f, "--data", f.file("flat.csv", "x1,x2,y\n0.1,1,3\n0.2,1,4\n0.3,1,2\n0.4,1,8\n0.5,1,1\n")),
                "flat.csv", "x2", "constant"),
            bad("zero-variance y column", Kind.FIT,
                f -> fit(f, "--data", f.file("flaty.csv", "x1,y\n0.1,3\n0.2,3\n0.3,3\n0.4,3\n0.5,3\n")),
                "flaty.csv", "y", "constant"),
            // model and sampler options
            bad("--experts 0", Kind.FIT, f -> fit(f, "-K", null, "--experts", "0"), "--experts"),
            bad("--experts negative", Kind.FIT, f -> fit(f, "-K", "-2"), "--experts"),
            bad("--prior-gate-sd 0", Kind.FIT, f -> fit(f, "--prior-gate-sd", "0"), "--prior-gate-sd"),
            bad("--prior-gate-sd NaN", Kind.FIT, f -> fit(f, "--prior-gate-sd", "NaN"), "--prior-gate-sd"),
            bad("--prior-expert-sd -1", Kind.FIT, f -> fit(f, "--prior-expert-sd", "-1"), "--prior-expert-sd"),
            bad("--prior-expert-sd Infinity", Kind.FIT, f -> fit(f, "--prior-expert-sd", "Infinity"), "--prior-expert-sd"),
            bad("--prior-sigma-shape 0", Kind.FIT, f -> fit(f, "--prior-sigma-shape", "0"), "--prior-sigma-shape"),
            bad("--prior-sigma-scale -2", Kind.FIT, f -> fit(f, "--prior-sigma-scale", "-2"), "--prior-sigma-scale"),
            bad("--prior-sigma-scale not a number", Kind.FIT, f -> fit(f, "--prior-sigma-scale", "big"),
                "--prior-sigma-scale", "big"),
            bad("--prior-scale-shape 0", Kind.FIT, f -> fit(f, "--prior-scale-shape", "0"), "--prior-scale-shape"),
            bad("--prior-scale-rate -1", Kind.FIT, f -> fit(f, "--prior-scale-rate", "-1"), "--prior-scale-rate"),
            bad("--prior-scale-rate with a fixed b0", Kind.FIT,
                f -> fit(f, "--prior-sigma-scale", "1", "--prior-scale-rate", "2"), "--prior-scale-rate", "fixes b0"),
            bad("--init-starts 0", Kind.FIT, f -> fit(f, "--init-starts", "0"), "--init-starts"),
            bad("--init-starts 200", Kind.FIT, f -> fit(f, "--init-starts", "200"), "--init-starts"),
            bad("--init-sweeps -1", Kind.FIT, f -> fit(f, "--init-sweeps", "-1"), "--init-sweeps"),
            bad("--init-rows 10", Kind.FIT, f -> fit(f, "--init-rows", "10"), "--init-rows"),
            bad("--init-sweeps 0 with several starts", Kind.FIT, f -> fit(f, "--init-starts", "4", "--init-sweeps", "0"),
                "--init-sweeps"),
            bad("--chains 0", Kind.FIT, f -> fit(f, "--chains", "0"), "--chains"),
            bad("--warmup -1", Kind.FIT, f -> fit(f, "--warmup", "-1"), "--warmup"),
            bad("--draws 0", Kind.FIT, f -> fit(f, "--draws", "0"), "--draws"),
            bad("--thin 0", Kind.FIT, f -> fit(f, "--thin", "0"), "--thin"),
            bad("--thin above --draws", Kind.FIT, f -> fit(f, "--thin", "21"), "--thin"),
            bad("--seed -1", Kind.FIT, f -> fit(f, "--seed", "-1"), "--seed"),
            bad("--seed 2^32", Kind.FIT, f -> fit(f, "--seed", "4294967296"), "--seed"),
            bad("--seed not a number", Kind.FIT, f -> fit(f, "--seed", "abc"), "--seed", "abc"),
            bad("--threads 0", Kind.FIT, f -> fit(f, "--threads", "0"), "--threads"),
            bad("--block-size 0", Kind.FIT, f -> fit(f, "--block-size", "0"), "--block-size"),
            bad("--backend unknown", Kind.FIT, f -> fit(f, "--backend", "cuda"), "--backend", "cuda"),
            bad("--device negative", Kind.FIT, f -> fit(f, "--device", "-1"), "--device"),
            bad("--device with --backend cpu", Kind.FIT, f -> fit(f, "--backend", "cpu", "--device", "0"),
                "--device", "cpu"),
            bad("--backend opencl on a device that is not there", Kind.FIT,
                f -> fit(f, "--backend", "opencl", "--device", "99"), "--backend opencl"),
            bad("--chains not an integer", Kind.FIT, f -> fit(f, "--chains", "1.5"), "--chains", "1.5"),
            bad("--checkpoint-every -1", Kind.FIT, f -> fit(f, "--checkpoint-every", "-1"), "--checkpoint-every"),
            bad("--gates unknown", Kind.FIT, f -> fit(f, "--gates", "foo"), "--gates must be mala or pg, got 'foo'"),
            bad("--gates in capitals", Kind.FIT, f -> fit(f, "--gates", "PG"), "--gates must be mala or pg, got 'PG'"),
            bad("--gate-metric unknown", Kind.FIT, f -> fit(f, "--gate-metric", "euclid"),
                "--gate-metric must be frozen or fisher, got 'euclid'"),
            // resume
            bad("resume a missing run folder", Kind.FIT,
                f -> resume(f.dir.resolve("norun").toString()), "norun", "no run folder"),
            bad("resume a folder that is not a run", Kind.FIT, f -> resume(f.dir.toString()), "run.json"),
            bad("resume a file, not a folder", Kind.FIT, f -> resume(f.data()), "data.csv", "not a run folder"),
            bad("resume a complete run", Kind.FIT, f -> resume(f.run()), "already complete"),
            bad("resume with data of another size", Kind.FIT,
                f -> resume(f.halfRun(f.table("other.csv", "x1,y", 30, -1, -1, ""))), "other.csv", "changed"),
            bad("resume with data of the same size, other content", Kind.FIT,
                f -> resume(f.halfRun(f.editedData())), "edited.csv", "changed", "other content"),
            bad("resume with the data file gone", Kind.FIT,
                f -> resume(f.halfRun(f.dir.resolve("gone.csv").toString())), "gone.csv", "missing"),
            bad("resume with --seed", Kind.FIT, f -> resume(f.halfRun(f.data()), "--seed", "2"), "--resume", "--seed"),
            bad("resume with --out", Kind.FIT, f -> resume(f.halfRun(f.data()), "--out", f.out()), "--resume", "--out"),
            bad("resume with --experts", Kind.FIT, f -> resume(f.halfRun(f.data()), "-K", "3"), "--experts"),
            bad("resume with --gates", Kind.FIT, f -> resume(f.halfRun(f.data()), "--gates", "pg"), "--resume", "--gates"),
            bad("resume with --gates equal to the recorded one", Kind.FIT,
                f -> resume(f.halfRun(f.data()), "--gates", "mala"), "--resume", "--gates"),
            bad("resume with a run.json naming unknown gates", Kind.FIT, f -> {
                String half = f.halfRun(f.data());
                try {
                    Path spec = Path.of(half, "run.json");
                    ObjectNode root = (ObjectNode) JSON.readTree(spec.toFile());
                    root.put("gates", "foo");
                    Files.writeString(spec, JSON.writeValueAsString(root), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return resume(half);
            }, "run.json", "gates must be mala or pg, got 'foo'"),
            bad("resume with a checkpoint of the format before the gate move", Kind.FIT, f -> {
                String half = f.halfRun(f.data());
                f.file("half/checkpoint/chain-1.json", CHECKPOINT_AT_25.replace("checkpoint 2", "checkpoint 1"));
                return resume(half);
            }, "chain-1.json", "not a bmoe checkpoint", "delete it"),
            bad("resume with a checkpoint without its gate move", Kind.FIT, f -> {
                String half = f.halfRun(f.data());
                f.file("half/checkpoint/chain-1.json",
                    CHECKPOINT_AT_25.substring(0, CHECKPOINT_AT_25.indexOf(", \"gate_move\"")) + "}");
                return resume(half);
            }, "chain-1.json", "gate_move", "delete it"),
            bad("resume with a checkpoint without the joint move the run makes by then", Kind.FIT, f -> {
                String half = f.halfRun(f.data(), true);
                f.file("half/checkpoint/chain-1.json", CHECKPOINT_AT_25);
                return resume(half);
            }, "chain-1.json", "no joint_move", "delete it"),
            bad("resume with a damaged run.json", Kind.FIT, f -> {
                f.file("half/run.json", "{ not json");
                return resume(f.dir.resolve("half").toString());
            }, "run.json", "not valid JSON"),
            bad("resume with a run.json that lacks a setting", Kind.FIT, f -> {
                f.file("half/run.json", "{\"format\": \"bmoe run 1\", \"experts\": 2}");
                return resume(f.dir.resolve("half").toString());
            }, "run.json", "prior_gate_sd"),
            bad("resume with a damaged checkpoint", Kind.FIT, f -> {
                String half = f.halfRun(f.data());
                f.file("half/checkpoint/chain-1.json", "{\"format\": \"bmoe checkpoint 2\", \"chain\": 1, \"sweep\": 9999}");
                return resume(half);
            }, "chain-1.json", "sweep 9999", "delete it"),
            bad("resume with a checkpoint past the end of its part file", Kind.FIT, f -> {
                String half = f.halfRun(f.data());
                f.file("half/checkpoint/chain-1.json", CHECKPOINT_AT_25);
                f.file("half/chain-1.part.csv", "1,1,-300.5,2,1,1,1,1,1,1,1,1\n");
                return resume(half);
            }, "chain-1.part.csv", "500", "chain-1.json"),
            // output
            bad("fit --out under a regular file", Kind.FIT,
                f -> fit(f, "--out", f.file("blocker", "not a folder\n") + "/run"), "blocker"),
            bad("fit --out is a regular file", Kind.FIT,
                f -> fit(f, "--out", f.file("runfile", "not a folder\n")), "runfile", "not a folder"),
            bad("fit --out in a read-only folder", Kind.FIT, f -> fit(f, "--out", readOnlyFolder(f) + "/run"),
                "ro/run"),
            bad("fit --out a folder with a file bmoe did not write", Kind.FIT, f -> {
                f.file("run/notes.txt", "mine\n");
                return fit(f);
            }, "run is not empty", "files bmoe did not write (notes.txt)", "--force"),
            // in "old", not "run": the harness checks that "run" gets no draws.csv or summary.json
            bad("fit --out a folder with another run", Kind.FIT, f -> {
                f.file("old/summary.json", "{}\n");
                f.file("old/draws.csv", "# bmoe\n");
                f.file("old/plots/density.png", "png\n");
                return fit(f, "--out", f.dir.resolve("old").toString());
            }, "old holds another run's files (summary.json, draws.csv, plots/density.png)", "--force"),
            bad("fit --out a folder with another run and other files", Kind.FIT, f -> {
                f.file("old/summary.json", "{}\n");
                f.file("old/plots/mine.png", "png\n");
                return fit(f, "--out", f.dir.resolve("old").toString());
            }, "another run's files (summary.json)", "files bmoe did not write (plots/mine.png)",
                "the other files are kept"),
            bad("resume with --force", Kind.FIT, f -> resume(f.halfRun(f.data()), "--force"), "--resume",
                "--force"),
            // usage
            bad("unknown option", Kind.FIT, f -> fit(f, "--bogus", "1"), "--bogus"),
            bad("missing required --data", Kind.FIT, f -> fit(f, "--data", null), "--data"),
            bad("missing required --experts", Kind.FIT, f -> fit(f, "-K", null), "--experts"),
            bad("missing required --out", Kind.FIT, f -> fit(f, "--out", null), "--out"),
            bad("unknown subcommand", Kind.FIT, f -> new String[] {"fitt", "--data", f.data()}, "fitt"),
            // simulate
            bad("simulate unknown preset", Kind.SIMULATE, f -> simulate(f, "--preset", "nope"), "nope", "preset"),
            bad("simulate --n 0", Kind.SIMULATE, f -> simulate(f, "--n", "0"), "--n"),
            bad("demo --seed -1", Kind.DEMO, f -> new String[] {"demo", "--seed", "-1"}, "--seed"),
            bad("demo --seed 2^32", Kind.DEMO, f -> new String[] {"demo", "--seed", "4294967296"}, "--seed"),
            bad("demo --n 2", Kind.DEMO, f -> new String[] {"demo", "--n", "2"}, "--n"),
            bad("demo --threads 0", Kind.DEMO, f -> new String[] {"demo", "--threads", "0"}, "--threads"),
            bad("demo --backend unknown", Kind.DEMO, f -> new String[] {"demo", "--backend", "gpu"}, "--backend"),
            bad("simulate --n negative", Kind.SIMULATE, f -> simulate(f, "--n", "-5"), "--n"),
            bad("simulate --seed -1", Kind.SIMULATE, f -> simulate(f, "--seed", "-1"), "--seed"),
            bad("simulate --out under a regular file", Kind.SIMULATE,
                f -> simulate(f, "--out", f.file("blocker", "x\n") + "/sim.csv"), "blocker"),
            bad("simulate missing --preset", Kind.SIMULATE, f -> simulate(f, "--preset", null), "--preset"),
            // predict
            bad("predict missing run folder", Kind.PREDICT,
                f -> predict(f, "--run", f.dir.resolve("norun").toString()), "norun", "draws.csv"),
            bad("predict run folder without draws.csv", Kind.PREDICT,
                f -> predict(f, "--run", f.dir.toString()), "draws.csv"),
            bad("predict points missing an x column", Kind.PREDICT,
                f -> predict(f, "--points", f.file("pts.csv", "x2,y\n0.1,1\n")), "pts.csv", "'x1'"),
            bad("predict missing points file", Kind.PREDICT,
                f -> predict(f, "--points", f.dir.resolve("nopts.csv").toString()), "nopts.csv"),
            bad("predict points with a NaN", Kind.PREDICT,
                f -> predict(f, "--points", f.file("pts.csv", "x1\n0.1\nNaN\n")), "pts.csv", "NaN"),
            bad("predict --out under a regular file", Kind.PREDICT,
                f -> predict(f, "--out", f.file("blocker", "x\n") + "/pred.csv"), "blocker"),
            bad("predict missing --run", Kind.PREDICT, f -> predict(f, "--run", null), "--run"));
    }

    /** A folder without write permission; skips the case where permission bits do not stop writes (root). */
    static String readOnlyFolder(Fx f) {
        try {
            Path ro = Files.createDirectories(f.dir.resolve("ro"));
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
            boolean writable;
            try {
                Files.delete(Files.createTempFile(ro, "probe", ".tmp"));
                writable = true;
            } catch (IOException e) {
                writable = false;
            }
            if (writable) {
                Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            assumeFalse(writable, "permission bits do not stop writes here (running as root?)");
            return ro.toString();
        } catch (UnsupportedOperationException e) {
            assumeFalse(true, "no POSIX permissions on this file system");
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidValues")
    void invalidValueIsOneLineExitTwoAndNoOutput(String name, Kind kind, Function<Fx, String[]> args,
                                                 List<String> mustMention) throws IOException {
        writeGood(dir.resolve("data.csv"), 200);
        Fx f = new Fx(dir, kind);
        String[] argv = args.apply(f);
        // The predict cases read the shared run: snapshot it too, it must not change either.
        Set2 before = new Set2(tree(dir), tree(shared));
        try {
            CliRun r = CliRun.of(argv);
            String where = name + " " + Arrays.toString(argv) + "\nstderr: " + r.err() + "\nstdout: " + r.out();

            assertEquals(Main.EXIT_USAGE, r.code(), () -> "exit code for " + where);
            assertEquals("", r.out(), () -> "stdout for " + where);
            List<String> lines = r.err().lines().toList();
            assertEquals(1, lines.size(), () -> "stderr must be one line for " + where);
            String line = lines.get(0);
            assertFalse(line.isBlank(), () -> "blank stderr for " + where);
            assertTrue(r.err().endsWith(System.lineSeparator()), () -> "stderr line not terminated for " + where);
            assertTrue(line.startsWith("bmoe: "), () -> "stderr should start with 'bmoe: ' for " + where);
            for (String word : mustMention) {
                assertTrue(line.contains(word), () -> "stderr should mention \"" + word + "\" for " + where);
            }
            assertFalse(line.contains("\tat ") || line.contains("Caused by"), () -> "stack trace in " + where);
            assertFalse(line.contains("Exception"), () -> "exception class name in " + where);
            assertFalse(line.contains("internal error"), () -> "reported as an internal error: " + where);
            assertFalse(CLASS_NAME.matcher(line).find(), () -> "JVM class name in " + where);

            Path out = dir.resolve(kind.outName);
            if (kind == Kind.FIT) {
                assertFalse(Files.exists(out.resolve("draws.csv")), () -> "draws.csv written for " + where);
                assertFalse(Files.exists(out.resolve("summary.json")), () -> "summary.json written for " + where);
            } else {
                assertFalse(Files.isRegularFile(out), () -> "--out written for " + where);
            }
            // Nothing at all may appear or change: no output folder, no temporary or partial files.
            Set2 after = new Set2(tree(dir), tree(shared));
            assertEquals(before.a, after.a, () -> "files changed in the case's folder for " + where);
            assertEquals(before.b, after.b, () -> "files changed in the shared run folder for " + where);
        } finally {
            Path ro = dir.resolve("ro");
            if (Files.isDirectory(ro)) {
                Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
    }

    private record Set2(TreeSet<String> a, TreeSet<String> b) {}

    /** Every path under root (relative) with its size and modification time. */
    static TreeSet<String> tree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.map(p -> {
                try {
                    return root.relativize(p) + (Files.isRegularFile(p)
                            ? " " + Files.size(p) + " " + Files.getLastModifiedTime(p).toMillis() : "/");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    // ------------------------------------------------------------------ valid values

    static Stream<Arguments> validValues() {
        return Stream.of(
            Arguments.of("--seed 0", (Function<Fx, String[]>) f -> fit(f, "--seed", "0")),
            Arguments.of("--seed 4294967295", (Function<Fx, String[]>) f -> fit(f, "--seed", "4294967295")),
            Arguments.of("--experts 1", (Function<Fx, String[]>) f -> fit(f, "-K", "1")),
            Arguments.of("--experts 3 on 6 rows", (Function<Fx, String[]>) f ->
                fit(f, "--data", f.table("six.csv", "x1,y", 6, -1, -1, ""), "-K", "3")),
            Arguments.of("--warmup 0", (Function<Fx, String[]>) f -> fit(f, "--warmup", "0")),
            Arguments.of("--thin equal to --draws", (Function<Fx, String[]>) f -> fit(f, "--thin", "20")),
            Arguments.of("--draws 1", (Function<Fx, String[]>) f -> fit(f, "--draws", "1")),
            Arguments.of("small positive priors", (Function<Fx, String[]>) f -> fit(f, "--prior-gate-sd", "1e-3",
                "--prior-expert-sd", "0.01", "--prior-sigma-shape", "0.5", "--prior-sigma-scale", "1e-4")),
            Arguments.of("--no-standardize", (Function<Fx, String[]>) f -> fit(f, "--no-standardize", "")),
            Arguments.of("--block-size 1", (Function<Fx, String[]>) f -> fit(f, "--block-size", "1")),
            Arguments.of("--backend cpu", (Function<Fx, String[]>) f -> fit(f, "--backend", "cpu")),
            Arguments.of("--checkpoint-every 1", (Function<Fx, String[]>) f -> fit(f, "--checkpoint-every", "1")),
            Arguments.of("--checkpoint-every 0", (Function<Fx, String[]>) f -> fit(f, "--checkpoint-every", "0")),
            Arguments.of("--gates mala", (Function<Fx, String[]>) f -> fit(f, "--gates", "mala")),
            Arguments.of("--gates pg", (Function<Fx, String[]>) f -> fit(f, "--gates", "pg")),
            Arguments.of("--gate-metric fisher", (Function<Fx, String[]>) f -> fit(f, "--gate-metric", "fisher")),
            Arguments.of("--gate-metric frozen --warmup 1",
                (Function<Fx, String[]>) f -> fit(f, "--gate-metric", "frozen", "--warmup", "1")),
            Arguments.of("--gates pg --warmup 0", (Function<Fx, String[]>) f -> fit(f, "--gates", "pg", "--warmup", "0")),
            Arguments.of("--gates pg with one expert (no gates)", (Function<Fx, String[]>) f ->
                fit(f, "--gates", "pg", "-K", "1")),
            Arguments.of("--x explicit, with spaces around names", (Function<Fx, String[]>) f ->
                fit(f, "--data", f.table("two.csv", "x1,x2,y", 30, -1, -1, ""), "--x", "x2, x1")),
            Arguments.of("comments, blank-padded cells, exponent notation", (Function<Fx, String[]>) f ->
                fit(f, "--data", f.file("fancy.csv",
                    "# a comment\nx1 , y\n 1e-1 , 2.5E0\n0.2,-3\n0.3,+4\n.4,5.\n# more\n0.5,1\n"))),
            Arguments.of("a text column beside the numbers, left out by --x", (Function<Fx, String[]>) f ->
                fit(f, "--data", f.file("labelled.csv",
                    "id,x1,y\na,0.1,1.0\nb,0.2,2.0\nc,0.3,3.5\nd,0.4,3.0\ne,0.5,6.0\n"), "--x", "x1")),
            Arguments.of("--out folder exists and is empty", (Function<Fx, String[]>) f -> {
                try {
                    Files.createDirectories(f.dir.resolve("run"));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return fit(f);
            }),
            Arguments.of("--force into a folder with a file bmoe did not write", (Function<Fx, String[]>) f -> {
                f.file("run/keep.txt", "x\n");
                return fit(f, "--force", "");
            }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validValues")
    void validValueFits(String name, Function<Fx, String[]> args) throws IOException {
        writeGood(dir.resolve("data.csv"), 200);
        Fx f = new Fx(dir, Kind.FIT);
        String[] argv = args.apply(f);
        CliRun r = CliRun.of(argv);
        assertEquals(0, r.code(), () -> name + " " + Arrays.toString(argv) + ": " + r.err());
        assertEquals("", r.err(), name);
        Path run = dir.resolve("run");
        assertTrue(Files.isRegularFile(run.resolve("draws.csv")), name);
        assertTrue(Files.isRegularFile(run.resolve("summary.json")), name);
        List<String> leftovers;
        try (Stream<Path> s = Files.list(run)) {
            leftovers = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(".") || n.endsWith(".part.csv") || n.equals("checkpoint")).toList();
        }
        assertEquals(List.of(), leftovers, "temporary, part or checkpoint files left in the run folder");
    }
}
