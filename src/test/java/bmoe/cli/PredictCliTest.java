package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.io.DrawsFile;
import bmoe.model.Params;
import bmoe.sampler.DrawColumns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * predict's posterior predictive of y (variance, exact quantiles, draws) through {@link Main#run}, on one fit of
 * the neurips23 preset (n = 2000, 2 chains of 200 draws after 200 warm-up sweeps: S = 400).
 */
class PredictCliTest {
    @TempDir
    static Path shared;

    private static Path run;

    @TempDir
    Path dir;

    @BeforeAll
    static void fitOnce() {
        Path data = shared.resolve("data.csv");
        run = shared.resolve("run");
        ok("simulate", "--preset", "neurips23", "--n", "2000", "--seed", "11", "--out", data.toString());
        ok("fit", "--data", data.toString(), "-K", "2", "--chains", "2", "--warmup", "200", "--draws", "200",
                "--seed", "5", "--threads", "2", "--backend", "cpu", "--out", run.toString(), "--quiet");
    }

    private static CliRun ok(String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(0, r.code(), () -> String.join(" ", args) + ": " + r.err());
        assertEquals("", r.err(), String.join(" ", args));
        return r;
    }

    /** The run's draws as parameters, in draws.csv's order. */
    private static List<Params> posterior() {
        DrawsFile.Contents fit = DrawsFile.read(run);
        List<Params> out = new ArrayList<>();
        for (double[] row : fit.draws()) {
            out.add(DrawColumns.unflatten(row, fit.experts(), 1));
        }
        return out;
    }

    /** One output row per point, as numbers. */
    private static List<double[]> rows(Path csv) throws IOException {
        return Files.readAllLines(csv).stream().skip(1)
                .map(l -> Arrays.stream(l.split(",")).mapToDouble(Double::parseDouble).toArray()).toList();
    }

    /**
     * y_var and the y_q columns against the predictive computed here from draws.csv: F(q) = (1/S) sum_s sum_k
     * pi_k(x; w^s) Phi((q - m_sk) / s_sk) with commons-math3's normal must equal p (to 1e-9), and y_var must be
     * E_s[Var(y | x, theta_s)] + Var_s[E(y | x, theta_s)] (divisor S: the mixture's own variance).
     */
    @Test
    void predictiveVarianceAndQuantilesMatchTheMixtureOfTheDraws() throws IOException {
        Path points = dir.resolve("grid.csv");
        Files.writeString(points, "x1\n0.05\n0.3\n0.32\n0.9\n");
        Path out = dir.resolve("grid.pred.csv");
        CliRun r = ok("predict", "--run", run.toString(), "--points", points.toString(), "--out", out.toString(),
                "--quantiles", "0.025,0.5,0.975,0.001");
        assertEquals("", r.out());
        assertEquals("x1,mean,sd,q5,q95,y_var,y_q2.5,y_q50,y_q97.5,y_q0.1", Files.readAllLines(out).get(0));
        List<Params> draws = posterior();
        double[] probabilities = {0.025, 0.5, 0.975, 0.001};
        for (double[] v : rows(out)) {
            double x = v[0];
            List<double[]> components = new ArrayList<>(); // weight, mean, sd
            double meanOfMeans = 0;
            double meanOfVariances = 0;
            double[] regression = new double[draws.size()];
            for (int s = 0; s < draws.size(); s++) {
                Params theta = draws.get(s);
                double pi1 = 1 / (1 + Math.exp(-(theta.w()[0][0] + theta.w()[0][1] * x)));
                double f = 0;
                double second = 0;
                for (int k = 0; k < 2; k++) {
                    double weight = k == 0 ? pi1 : 1 - pi1;
                    double m = theta.beta()[k][0] + theta.beta()[k][1] * x;
                    components.add(new double[] {weight / draws.size(), m, Math.sqrt(theta.s2()[k])});
                    f += weight * m;
                    second += weight * (theta.s2()[k] + m * m);
                }
                regression[s] = f;
                meanOfMeans += f / draws.size();
                meanOfVariances += (second - f * f) / draws.size();
            }
            double spread = 0;
            for (double f : regression) {
                spread += (f - meanOfMeans) * (f - meanOfMeans) / draws.size();
            }
            assertEquals(meanOfMeans, v[1], 1e-9 * Math.max(1, Math.abs(meanOfMeans)), "mean at x = " + x);
            assertEquals(meanOfVariances + spread, v[5], 1e-9 * (meanOfVariances + spread), "y_var at x = " + x);
            for (int j = 0; j < probabilities.length; j++) {
                double q = v[6 + j];
                double cdf = 0;
                for (double[] c : components) {
                    cdf += c[0] * new NormalDistribution(c[1], c[2]).cumulativeProbability(q);
                }
                double p = probabilities[j];
                assertEquals(p, cdf, 1e-9 * Math.min(p, 1 - p), "F(y_q) at x = " + x + ", p = " + p);
            }
            assertTrue(v[9] < v[6] && v[6] < v[7] && v[7] < v[8], Arrays.toString(v));
        }
        // the default quantiles, after the response's density columns
        Path withY = dir.resolve("xy.csv");
        Files.writeString(withY, "x1,y\n0.05,-4\n0.5,5\n");
        Path out2 = dir.resolve("xy.pred.csv");
        ok("predict", "--run", run.toString(), "--points", withY.toString(), "--out", out2.toString());
        assertEquals("x1,y,mean,sd,q5,q95,density,log_density,y_var,y_q5,y_q50,y_q95", Files.readAllLines(out2).get(0));
        assertFalse(Files.exists(dir.resolve("xy.pred.draws.csv")), "no draws without --draws");
    }

    /**
     * --draws N: pred.draws.csv next to --out, long format, from the run's seed by default; the same command
     * gives the same bytes, another seed other draws. Then a Monte Carlo check of the stated quantiles: the N =
     * 4000 draws at a point are independent draws of the predictive, so the share at or below y_q_p is
     * Binomial(N, p) / N with sd sqrt(p (1 - p) / N) (0.0034 to 0.0079 here). Tolerance 4 sd, 9 checks: a false
     * alarm rate below 6e-4 under normality.
     */
    @Tag("statistical")
    @Test
    void drawsAreReproducibleAndHaveTheStatedQuantiles() throws IOException {
        Path points = dir.resolve("pts.csv");
        Files.writeString(points, "x1\n0.1\n0.32\n0.8\n");
        Path out = dir.resolve("pred.csv");
        int n = 4000;
        String[] args = {"predict", "--run", run.toString(), "--points", points.toString(), "--out", out.toString(),
            "--draws", String.valueOf(n)};
        ok(args);
        Path drawsFile = dir.resolve("pred.draws.csv");
        List<String> lines = Files.readAllLines(drawsFile);
        assertEquals("point,draw,x1,y_rep", lines.get(0));
        assertEquals(1 + 3 * n, lines.size());
        assertTrue(lines.get(1).startsWith("1,1,0.1,"), lines.get(1));
        assertTrue(lines.get(3 * n).startsWith("3," + n + ",0.8,"), lines.get(3 * n));
        byte[] first = Files.readAllBytes(drawsFile);
        byte[] firstPred = Files.readAllBytes(out);
        ok(args);
        assertArrayEquals(first, Files.readAllBytes(drawsFile), "the same command, the same draws");
        assertArrayEquals(firstPred, Files.readAllBytes(out));
        Path seeded = dir.resolve("seeded.csv");
        ok("predict", "--run", run.toString(), "--points", points.toString(), "--out", out.toString(), "--draws",
                String.valueOf(n), "--seed", "5", "--draws-out", seeded.toString(), "--threads", "1");
        assertArrayEquals(first, Files.readAllBytes(seeded), "the default seed is the run's (5)");
        ok("predict", "--run", run.toString(), "--points", points.toString(), "--out", out.toString(), "--draws",
                String.valueOf(n), "--seed", "6", "--draws-out", seeded.toString());
        assertFalse(Arrays.equals(first, Files.readAllBytes(seeded)), "another seed, other draws");

        List<double[]> pred = rows(out);
        double[][] y = new double[3][n];
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",");
            y[Integer.parseInt(cells[0]) - 1][Integer.parseInt(cells[1]) - 1] = Double.parseDouble(cells[3]);
        }
        double[] probabilities = {0.05, 0.5, 0.95};
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double q = pred.get(i)[6 + j]; // after x1, mean, sd, q5, q95, y_var
                double p = probabilities[j];
                long below = Arrays.stream(y[i]).filter(v -> v <= q).count();
                assertEquals(p, below / (double) n, 4 * Math.sqrt(p * (1 - p) / n), "point " + (i + 1) + ", p = " + p);
            }
        }
    }

    /**
     * Coverage on fresh data from the true model (the same preset, another seed): the 90% predictive intervals
     * [y_q5, y_q95] of a well-specified fit cover about 90% of fresh y. With m = 4000 independent fresh points the
     * coverage is Binomial(m, 0.9) / m if the intervals are calibrated, sd sqrt(0.9 * 0.1 / m) = 0.0047;
     * tolerance 4 sd. The fit's own error (n = 2000, 7 parameters) moves the expected coverage by O(1 / n),
     * well inside that.
     */
    @Tag("statistical")
    @Test
    void ninetyPercentPredictiveIntervalsCoverNinetyPercentOfFreshData() throws IOException {
        Path fresh = dir.resolve("fresh.csv");
        int m = 4000;
        ok("simulate", "--preset", "neurips23", "--n", String.valueOf(m), "--seed", "12", "--out", fresh.toString());
        Path out = dir.resolve("fresh.pred.csv");
        ok("predict", "--run", run.toString(), "--points", fresh.toString(), "--out", out.toString(), "--quantiles",
                "0.05,0.95");
        assertEquals("x1,y,mean,sd,q5,q95,density,log_density,y_var,y_q5,y_q95", Files.readAllLines(out).get(0));
        List<double[]> rows = rows(out);
        assertEquals(m, rows.size());
        long covered = rows.stream().filter(v -> v[9] <= v[1] && v[1] <= v[10]).count();
        double coverage = covered / (double) m;
        assertEquals(0.90, coverage, 4 * Math.sqrt(0.9 * 0.1 / m), "coverage of the 90% predictive intervals");
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of(new String[] {"--quantiles", "0,0.5"}, "--quantiles: 0 is not strictly between 0 and 1"),
                Arguments.of(new String[] {"--quantiles", "0.5,1"}, "--quantiles: 1 is not strictly between 0 and 1"),
                Arguments.of(new String[] {"--quantiles", "0.1,abc"}, "--quantiles: 'abc' is not a probability"),
                Arguments.of(new String[] {"--quantiles", "0.5,0.50"}, "--quantiles lists 0.50 twice"),
                Arguments.of(new String[] {"--draws", "-1"}, "--draws must be >= 0"),
                Arguments.of(new String[] {"--draws-out", "DIR/d.csv"}, "--draws-out needs --draws N"),
                Arguments.of(new String[] {"--seed", "3"}, "--seed is for the predictive draws"),
                Arguments.of(new String[] {"--draws", "5", "--seed", "-1"}, "--seed must be in [0, 4294967295]"),
                Arguments.of(new String[] {"--threads", "0"}, "--threads must be >= 1"),
                Arguments.of(new String[] {"--out", "POINTS"}, "--out is the same file as --points"),
                Arguments.of(new String[] {"--draws", "5", "--draws-out", "POINTS"},
                        "--draws-out is the same file as --points"),
                Arguments.of(new String[] {"--draws", "5", "--draws-out", "DIR/p.csv"}, "--draws-out is the same file as --out"),
                Arguments.of(new String[] {"--out", "DIR/p", "--points", "DIR/p.draws.csv", "--draws", "5"},
                        "the draws file"));
    }

    /** One line on stderr naming the problem, exit 2, nothing written, the points file untouched. */
    @ParameterizedTest
    @MethodSource("badInputs")
    void badInputGivesOneClearLineAndWritesNothing(String[] extra, String mentions) throws IOException {
        Path points = dir.resolve("p.draws.csv");
        Files.writeString(points, "x1\n0.5\n");
        List<String> given = Arrays.asList(extra);
        List<String> args = new ArrayList<>(List.of("predict", "--run", run.toString()));
        if (!given.contains("--points")) {
            args.addAll(List.of("--points", points.toString()));
        }
        if (!given.contains("--out")) {
            args.addAll(List.of("--out", dir.resolve("p.csv").toString()));
        }
        for (String e : extra) {
            args.add(e.replace("DIR", dir.toString()).replace("POINTS", points.toString()));
        }
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(mentions), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertEquals("", r.out());
        assertEquals("x1\n0.5\n", Files.readString(points), "the points file is untouched");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(points), files.toList(), "nothing written");
        }
    }
}
