package bmoe.cli;

import bmoe.io.UserError;
import bmoe.io.AtomicFiles;
import bmoe.io.Json;
import bmoe.io.ParquetColumnsWriter;
import bmoe.model.Params;
import bmoe.sim.Preset;
import bmoe.sim.Simulator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Simulate a data set from a built-in true model; writes OUT and OUT's .truth.json.")
final class SimulateCommand implements Callable<Integer> {
    @Option(names = "--preset", required = true, description = "True model: ${COMPLETION-CANDIDATES}.",
            completionCandidates = PresetNames.class)
    String preset;

    @Option(names = "--n", required = true, description = "Number of observations.")
    int n;

    @Option(names = "--seed", defaultValue = "1", description = "Seed in [0, 4294967295] (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true,
            description = "File to write, columns x1..xp,y: Parquet when its name ends in .parquet, else CSV.")
    Path out;

    @Override
    public Integer call() {
        Preset model;
        try {
            model = Preset.byId(preset);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (n < 1) {
            throw new UserError("--n must be >= 1, got " + n);
        }
        if (seed < 0 || seed > 0xFFFFFFFFL) {
            throw new UserError("--seed must be in [0, 4294967295], got " + seed);
        }
        Path truthFile = truthPath(out);
        AtomicFiles.checkWritable(out);
        Map<Path, AtomicFiles.BinaryBody> files = new LinkedHashMap<>();
        files.put(out, ParquetColumnsWriter.isParquetName(out) ? parquetBody(model) : csvBody(model));
        ObjectNode truth = Json.MAPPER.createObjectNode();
        truth.put("preset", model.id());
        truth.put("n", n);
        truth.put("seed", seed);
        truth.put("K", model.truth().experts());
        truth.put("p", model.p());
        truth.putPOJO("x_columns", model.xNames());
        truth.put("y_column", "y");
        truth.put("x_distribution", "independent U[" + model.lower() + ", " + model.upper() + "] per column");
        truth.put("x_lower", model.lower());
        truth.put("x_upper", model.upper());
        Params t = model.truth();
        truth.put("parametrisation", "pi_k(x) = softmax_k(w_k' (1,x)) with w_K = 0; y | k ~ N(beta_k' (1,x), sigma2_k)");
        truth.putPOJO("w", t.w());
        truth.putPOJO("beta", t.beta());
        truth.putPOJO("sigma2", t.s2());
        files.put(truthFile, stream -> {
            Writer w = new OutputStreamWriter(stream, StandardCharsets.UTF_8);
            Json.body(truth).write(w);
            w.flush();
        });
        AtomicFiles.writeAllBytes(files);
        return Main.EXIT_OK;
    }

    /**
     * Rows per block: each block is drawn (and, for CSV, formatted) on its own thread, then written in order;
     * the rows are the same as one sequential pass draws, as each row has its own random stream.
     */
    private static final int BLOCK_ROWS = 1 << 16;

    /** Blocks of rows [b * BLOCK_ROWS, ...) for b in [first, first + count), drawn in parallel. */
    private Simulator.Sample[] drawBlocks(Preset model, int first, int count) {
        Simulator.Sample[] samples = new Simulator.Sample[count];
        IntStream.range(0, count).parallel().forEach(b -> {
            int from = (first + b) * BLOCK_ROWS;
            samples[b] = Simulator.simulateRows(model.truth(), model.lower(), model.upper(), from,
                    Math.min(BLOCK_ROWS, n - from), seed);
        });
        return samples;
    }

    private int blocks() {
        return (int) ((n + (long) BLOCK_ROWS - 1) / BLOCK_ROWS);
    }

    private int batch() {
        return 4 * Runtime.getRuntime().availableProcessors();
    }

    /** Header x1..xp,y; each value in Java's shortest round-trip form, so reading it back gives the same double. */
    private AtomicFiles.BinaryBody csvBody(Preset model) {
        return stream -> {
            stream.write((String.join(",", model.xNames()) + ",y\n").getBytes(StandardCharsets.UTF_8));
            for (int first = 0; first < blocks(); first += batch()) {
                Simulator.Sample[] samples = drawBlocks(model, first, Math.min(batch(), blocks() - first));
                byte[][] text = new byte[samples.length][];
                IntStream.range(0, samples.length).parallel().forEach(b -> {
                    Simulator.Sample s = samples[b];
                    StringBuilder sb = new StringBuilder(s.y().length * 20 * (s.xColumns().length + 1));
                    for (int i = 0; i < s.y().length; i++) {
                        for (double[] col : s.xColumns()) {
                            sb.append(col[i]).append(',');
                        }
                        sb.append(s.y()[i]).append('\n');
                    }
                    text[b] = sb.toString().getBytes(StandardCharsets.UTF_8);
                });
                for (byte[] t : text) {
                    stream.write(t);
                }
            }
        };
    }

    /** Double columns x1..xp, y, snappy-compressed, in row groups of about 128 MiB. */
    private AtomicFiles.BinaryBody parquetBody(Preset model) {
        return stream -> {
            List<ParquetColumnsWriter.Column> columns = new ArrayList<>();
            for (String name : model.xNames()) {
                columns.add(new ParquetColumnsWriter.Column(name, PrimitiveTypeName.DOUBLE, false));
            }
            columns.add(new ParquetColumnsWriter.Column("y", PrimitiveTypeName.DOUBLE, false));
            try (ParquetColumnsWriter writer = new ParquetColumnsWriter(out, stream, columns)) {
                for (int first = 0; first < blocks(); first += batch()) {
                    for (Simulator.Sample s : drawBlocks(model, first, Math.min(batch(), blocks() - first))) {
                        double[][] values = Arrays.copyOf(s.xColumns(), s.xColumns().length + 1);
                        values[values.length - 1] = s.y();
                        writer.write(values, s.y().length);
                    }
                }
            }
        };
    }

    /** data.csv (or data.parquet) -> data.truth.json beside it. */
    static Path truthPath(Path data) {
        String name = data.getFileName().toString();
        String stem = name.endsWith(".csv") ? name.substring(0, name.length() - 4)
                : name.endsWith(".parquet") ? name.substring(0, name.length() - 8) : name;
        return data.resolveSibling(stem + ".truth.json");
    }

    static final class PresetNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(Preset.values()).map(Preset::id).iterator();
        }
    }
}
