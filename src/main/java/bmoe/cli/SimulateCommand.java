package bmoe.cli;

import bmoe.io.UserError;
import bmoe.io.AtomicFiles;
import bmoe.io.Json;
import bmoe.model.Params;
import bmoe.sim.Preset;
import bmoe.sim.Simulator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
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

    @Option(names = "--out", required = true, description = "CSV file to write (header x1..xp,y).")
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
        Simulator.Sample sample = Simulator.simulate(model.truth(), model.lower(), model.upper(), n, seed);
        Map<Path, AtomicFiles.Body> files = new LinkedHashMap<>();
        files.put(out, w -> {
            w.write(String.join(",", model.xNames()) + ",y\n");
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < n; i++) {
                line.setLength(0);
                for (double[] col : sample.xColumns()) {
                    line.append(col[i]).append(',');
                }
                line.append(sample.y()[i]).append('\n');
                w.write(line.toString());
            }
        });
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
        files.put(truthFile, Json.body(truth));
        AtomicFiles.writeAll(files);
        return Main.EXIT_OK;
    }

    /** data.csv -> data.truth.json beside it. */
    static Path truthPath(Path data) {
        String name = data.getFileName().toString();
        String stem = name.endsWith(".csv") ? name.substring(0, name.length() - 4) : name;
        return data.resolveSibling(stem + ".truth.json");
    }

    static final class PresetNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(Preset.values()).map(Preset::id).iterator();
        }
    }
}
