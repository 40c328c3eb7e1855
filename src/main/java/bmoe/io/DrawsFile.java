package bmoe.io;

import bmoe.cli.UserError;
import bmoe.sampler.Chain;
import bmoe.sampler.DrawColumns;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * draws.csv, Stan-CSV style: '#' lines "key = value" with the configuration, a header
 * {@code chain,iteration,w.k.j...,beta.k.j...,sigma2.k...}, one row per kept draw on the original scale.
 * Numbers are written with Java's shortest round-trip representation, so reading gives the same doubles.
 */
public final class DrawsFile {
    public static final String NAME = "draws.csv";

    private DrawsFile() {}

    /** What a reader needs back: the configuration comments, K, the x and y names, and the rows. */
    public record Contents(Map<String, String> config, int experts, List<String> xNames, String yName,
                           int[] chain, int[] iteration, double[][] draws) {}

    /** The content of draws.csv, for {@link AtomicFiles#writeAll}. */
    public static AtomicFiles.Body body(Map<String, String> config, int experts, int p, List<Chain.Result> chains) {
        List<String> columns = new ArrayList<>(List.of("chain", "iteration"));
        columns.addAll(DrawColumns.names(experts, p));
        return out -> {
            for (Map.Entry<String, String> e : config.entrySet()) {
                out.write("# " + e.getKey() + " = " + e.getValue() + "\n");
            }
            out.write(String.join(",", columns));
            out.write('\n');
            StringBuilder line = new StringBuilder();
            for (Chain.Result c : chains) {
                for (int r = 0; r < c.draws().length; r++) {
                    line.setLength(0);
                    line.append(c.chain() + 1).append(',').append(c.iterations()[r]);
                    for (double v : c.draws()[r]) {
                        line.append(',').append(v);
                    }
                    line.append('\n');
                    out.write(line.toString());
                }
            }
        };
    }

    public static Contents read(Path run) {
        Path file = run.resolve(NAME);
        if (!Files.isRegularFile(file)) {
            throw new UserError("no " + NAME + " in run folder " + run);
        }
        Map<String, String> config = new LinkedHashMap<>();
        List<String> header = null;
        List<double[]> rows = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.startsWith("#")) {
                    int eq = line.indexOf(" = ");
                    if (eq > 0) {
                        config.put(line.substring(1, eq).trim(), line.substring(eq + 3).trim());
                    }
                } else if (line.isBlank()) {
                    continue;
                } else if (header == null) {
                    header = Arrays.asList(line.split(","));
                } else {
                    String[] cells = line.split(",");
                    if (cells.length != header.size()) {
                        throw new UserError(file + ": line " + lineNo + " has " + cells.length + " fields, header has "
                                + header.size());
                    }
                    double[] row = new double[cells.length];
                    for (int j = 0; j < cells.length; j++) {
                        try {
                            row[j] = Double.parseDouble(cells[j]);
                        } catch (NumberFormatException e) {
                            throw new UserError(file + ": line " + lineNo + ": not a number: '" + cells[j] + "'");
                        }
                    }
                    rows.add(row);
                }
            }
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage());
        }
        if (header == null || rows.isEmpty()) {
            throw new UserError(file + " holds no draws");
        }
        String xs = require(config, "x_columns", file);
        String yName = require(config, "y_column", file);
        int experts;
        try {
            experts = Integer.parseInt(require(config, "experts", file));
        } catch (NumberFormatException e) {
            throw new UserError(file + ": bad 'experts' line");
        }
        List<String> xNames = xs.isEmpty() ? List.of() : Arrays.asList(xs.split(","));
        List<String> expected = new ArrayList<>(List.of("chain", "iteration"));
        expected.addAll(DrawColumns.names(experts, xNames.size()));
        if (!header.equals(expected)) {
            throw new UserError(file + ": header does not match K = " + experts + " and x columns " + xNames);
        }
        int[] chain = new int[rows.size()];
        int[] iteration = new int[rows.size()];
        double[][] draws = new double[rows.size()][];
        for (int r = 0; r < rows.size(); r++) {
            double[] row = rows.get(r);
            chain[r] = (int) row[0];
            iteration[r] = (int) row[1];
            draws[r] = Arrays.copyOfRange(row, 2, row.length);
        }
        return new Contents(config, experts, xNames, yName, chain, iteration, draws);
    }

    private static String require(Map<String, String> config, String key, Path file) {
        String v = config.get(key);
        if (v == null) {
            throw new UserError(file + ": missing '# " + key + " = ...' line; not a bmoe draws file?");
        }
        return v;
    }
}
