package bmoe.io;

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
 * {@code chain,iteration,log_lik,nonempty,w.k.j...,beta.k.j...,sigma2.k...}, one row per kept draw on the
 * original scale. {@code log_lik} is the data log-likelihood entering the kept sweep and {@code nonempty} the
 * number of non-empty experts in it: both label invariant, so they can be compared across chains as they
 * stand. Numbers are written with Java's shortest round-trip representation, so reading gives the same doubles.
 *
 * <p>When K is a parameter (a {@code # experts_prior = ...} line; {@code # experts = } is then KMAX) a column
 * {@code experts} after {@code nonempty} gives each draw's K, the parameter columns are those of KMAX experts, and a
 * draw's columns past its K (and its reference expert's gate w.K.j) are empty cells, which R's read.csv reads as
 * NA and Python's csv module as ''.
 */
public final class DrawsFile {
    public static final String NAME = "draws.csv";
    /** The columns before the parameters. */
    static final List<String> LEADING = List.of("chain", "iteration", "log_lik", "nonempty");
    /** The configuration key that marks a run whose K is a parameter, and the column of each draw's K. */
    public static final String EXPERTS_PRIOR = "experts_prior";
    static final String EXPERTS_COLUMN = "experts";

    private DrawsFile() {}

    /**
     * What a reader needs back: the configuration comments, K, the x and y names, and the rows.
     *
     * @param logLik each row's data log-likelihood (original scale)
     * @param nonEmpty each row's number of non-empty experts
     * @param draws each row's parameters in {@link DrawColumns} order
     */
    public record Contents(Map<String, String> config, int experts, List<String> xNames, String yName,
                           int[] chain, int[] iteration, double[] logLik, int[] nonEmpty, double[][] draws) {
        /** Whether K is a parameter of the run ({@link #experts} is then KMAX). */
        public boolean variableExperts() {
            return config.containsKey(EXPERTS_PRIOR);
        }

        /** Row r's number of experts. */
        public int expertsAt(int r) {
            return DrawColumns.expertsIn(draws[r], experts, xNames.size());
        }
    }

    /** The header's columns for K experts and p covariates (a part file's rows, and draws.csv when K is fixed). */
    public static List<String> columns(int experts, int p) {
        return columns(experts, p, false);
    }

    /** The header's columns, with the experts column when K is a parameter (then {@code experts} is KMAX). */
    public static List<String> columns(int experts, int p, boolean variable) {
        List<String> columns = new ArrayList<>(LEADING);
        if (variable) {
            columns.add(EXPERTS_COLUMN);
        }
        columns.addAll(DrawColumns.names(experts, p));
        return columns;
    }

    /** One row of draws.csv, newline included, for chain {@code chain} (0-based; written 1-based). */
    public static String row(int chain, Chain.Draw draw) {
        return row(chain, draw.iteration(), draw.logLikelihood(), draw.nonEmpty(), draw.values());
    }

    private static String row(int chain, int iteration, double logLik, int nonEmpty, int experts, double[] values) {
        StringBuilder line = new StringBuilder(24 * (values.length + 4));
        line.append(chain + 1).append(',').append(iteration).append(',').append(logLik).append(',').append(nonEmpty);
        if (experts > 0) {
            line.append(',').append(experts);
        }
        for (double v : values) {
            line.append(',');
            if (!Double.isNaN(v)) { // NaN only where a draw with K < KMAX has no expert: an empty cell
                line.append(v);
            }
        }
        return line.append('\n').toString();
    }

    private static String row(int chain, int iteration, double logLik, int nonEmpty, double[] values) {
        return row(chain, iteration, logLik, nonEmpty, 0, values);
    }

    /**
     * The content of draws.csv, for {@link AtomicFiles#writeAll}; a run whose K is a parameter has an
     * {@link #EXPERTS_PRIOR} line in {@code config}, and {@code experts} is then KMAX.
     */
    public static AtomicFiles.Body body(Map<String, String> config, int experts, int p, List<Chain.Result> chains) {
        boolean variable = config.containsKey(EXPERTS_PRIOR);
        List<String> columns = columns(experts, p, variable);
        return out -> {
            for (Map.Entry<String, String> e : config.entrySet()) {
                out.write("# " + e.getKey() + " = " + e.getValue() + "\n");
            }
            out.write(String.join(",", columns));
            out.write('\n');
            for (Chain.Result c : chains) {
                for (int r = 0; r < c.draws().length; r++) {
                    out.write(row(c.chain(), c.iterations()[r], c.logLikelihood()[r], c.nonEmpty()[r],
                            variable ? DrawColumns.expertsIn(c.draws()[r], experts, p) : 0, c.draws()[r]));
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
                    rows.add(parseRow(line, header.size(), file, lineNo, config.containsKey(EXPERTS_PRIOR)));
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
        boolean variable = config.containsKey(EXPERTS_PRIOR);
        if (!header.equals(columns(experts, xNames.size(), variable))) {
            throw new UserError(file + ": header does not match K = " + experts + " and x columns " + xNames
                    + " (files from before the log_lik and nonempty columns need a new fit)");
        }
        int[] chain = new int[rows.size()];
        int[] iteration = new int[rows.size()];
        double[] logLik = new double[rows.size()];
        int[] nonEmpty = new int[rows.size()];
        double[][] draws = new double[rows.size()][];
        int lead = LEADING.size() + (variable ? 1 : 0);
        for (int r = 0; r < rows.size(); r++) {
            double[] row = rows.get(r);
            chain[r] = (int) row[0];
            iteration[r] = (int) row[1];
            logLik[r] = row[2];
            nonEmpty[r] = (int) row[3];
            draws[r] = Arrays.copyOfRange(row, lead, row.length);
            int k = experts;
            if (variable) {
                try {
                    k = DrawColumns.expertsIn(draws[r], experts, xNames.size());
                } catch (IllegalArgumentException e) {
                    throw new UserError(file + ": draw " + (r + 1) + " has no sigma2 value");
                }
            }
            if (variable && row[LEADING.size()] != k) {
                throw new UserError(file + ": draw " + (r + 1) + " says K = " + row[LEADING.size()] + " but fills " + k
                        + " experts");
            }
        }
        return new Contents(config, experts, xNames, yName, chain, iteration, logLik, nonEmpty, draws);
    }

    /** One data row's cells as numbers, or a one-line error naming the file and line. */
    static double[] parseRow(String line, int columns, Path file, long lineNo) {
        return parseRow(line, columns, file, lineNo, false);
    }

    /** The same, reading an empty cell as NaN when {@code empty} (a run whose K is a parameter). */
    static double[] parseRow(String line, int columns, Path file, long lineNo, boolean empty) {
        String[] cells = line.split(",", -1);
        if (cells.length != columns) {
            throw new UserError(file + ": line " + lineNo + " has " + cells.length + " fields, header has " + columns);
        }
        double[] row = new double[cells.length];
        for (int j = 0; j < cells.length; j++) {
            if (empty && cells[j].isEmpty()) {
                row[j] = Double.NaN; // no such expert in this draw (K a parameter)
                continue;
            }
            try {
                row[j] = Double.parseDouble(cells[j]);
            } catch (NumberFormatException e) {
                throw new UserError(file + ": line " + lineNo + ": not a number: '" + cells[j] + "'");
            }
        }
        return row;
    }

    private static String require(Map<String, String> config, String key, Path file) {
        String v = config.get(key);
        if (v == null) {
            throw new UserError(file + ": missing '# " + key + " = ...' line; not a bmoe draws file?");
        }
        return v;
    }
}
