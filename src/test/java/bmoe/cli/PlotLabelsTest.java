package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.plot.PngText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * plot names the data's columns wherever its charts speak of x and y: a fit of "response" on "dose", plotted
 * through the real entry point, and every PNG's title and labels read back from its text chunks.
 */
class PlotLabelsTest {
    /** A lone x or y, as in "E[y|x]" or "x = (0.5)": none may be left. */
    private static final Pattern BARE_XY = Pattern.compile("(?<![A-Za-z0-9_])[xy](?![A-Za-z0-9_])");

    @TempDir
    Path dir;

    @Test
    void chartsUseTheColumnNames() throws IOException {
        Path data = dir.resolve("dose.csv");
        BadInputTest.writeGood(data, 200);
        List<String> lines = Files.readAllLines(data);
        assertEquals("x1,y", lines.get(0));
        Files.write(data, java.util.stream.Stream.concat(java.util.stream.Stream.of("dose,response"),
                lines.stream().skip(1)).toList());
        Path run = dir.resolve("run");
        CliRun fit = CliRun.of("fit", "--data", data.toString(), "--y", "response", "-K", "2", "--chains", "2",
                "--warmup", "20", "--draws", "20", "--seed", "1", "--threads", "1", "--backend", "cpu", "--out",
                run.toString(), "--quiet");
        assertEquals(0, fit.code(), fit.err());
        CliRun plot = CliRun.of("plot", "--run", run.toString(), "--at", "0.2;0.8");
        assertEquals(0, plot.code(), plot.err());
        Path plots = run.resolve("plots");

        Path regression = plots.resolve("regression.png");
        assertEquals("E[response | dose]: posterior mean and 90% band (K = 2)", PngText.title(regression));
        assertEquals("dose", PngText.line(regression, "horizontal axis: "));
        assertEquals("response", PngText.line(regression, "vertical axis: "));
        assertEquals("data; posterior mean of E[response | dose]; 90% band", PngText.line(regression, "legend: "));

        Path density = plots.resolve("density.png");
        assertEquals("p(response | dose): posterior mean and 90% band", PngText.title(density));
        assertEquals("response", PngText.line(density, "horizontal axis: "));
        assertEquals("p(response | dose)", PngText.line(density, "vertical axis: "));
        assertEquals("dose = 0.200; dose = 0.800", PngText.line(density, "legend: "));

        Path trace = plots.resolve("trace-regression-1.png");
        assertTrue(PngText.title(trace).matches("E\\[response \\| dose = [-0-9.e]+\\]"), PngText.title(trace));
        assertEquals("iteration", PngText.line(trace, "horizontal axis: "));
        assertEquals("E[response | dose]", PngText.line(trace, "vertical axis: "));
        assertEquals("chain 1; chain 2", PngText.line(trace, "legend: "));

        try (var pngs = Files.list(plots)) {
            List<Path> all = pngs.toList();
            assertEquals(7, all.size(), all.toString()); // 2 traces, 3 tracked points, regression, density
            for (Path png : all) {
                Map<String, String> text = PngText.read(png);
                String words = text.get("Title") + "\n" + text.get("Description");
                assertFalse(BARE_XY.matcher(words).find(), png.getFileName() + ": " + words);
                assertFalse(words.contains("x1"), png.getFileName() + ": " + words);
            }
        }
    }

    @Test
    void manyCovariatesConditionAxesOnX() {
        assertEquals("dose, weight", PlotCommand.given(List.of("dose", "weight")));
        assertEquals("x", PlotCommand.given(List.of("a_rather_long_name", "another_long_name", "third")));
        assertEquals("dose = 0.500, weight = 1.00e+03", PlotCommand.at(List.of("dose", "weight"),
                new double[] {0.5, 1000}));
    }
}
