package bmoe.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import bmoe.io.UserError;
import java.awt.Color;
import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each plot is read back as a PNG and checked for what it must show: the requested size, real content, the
 * colour of every series (and none for series that do not exist), a shaded band exactly where the band is
 * wide. Bad input is a catalogue: each case must be an IllegalArgumentException naming the plot and the
 * problem, and must leave the output folder empty; valid boundary cases must be drawn, so the checks cannot
 * pass by rejecting everything.
 */
class PlotsTest {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    /** Per-channel slack when looking for a blended colour: alpha compositing rounds each channel once. */
    private static final int BLEND_TOLERANCE = 2;
    /** The legend swatch of each series is at least this many pixels of its exact colour. */
    private static final int MIN_SWATCH_PIXELS = 20;

    @TempDir
    Path dir;

    @Test
    void traceShowsOneColourPerChainAndNoOther() throws IOException {
        Path png = dir.resolve("trace.png");
        Plots.trace(png, "beta[1][0]", "value", wiggles(3, 500));

        BufferedImage image = readPng(png);
        assertContent(image);
        for (int c = 0; c < 3; c++) {
            int pixels = countNear(image, Charts.seriesColour(c), 0);
            assertTrue(pixels >= MIN_SWATCH_PIXELS, "chain " + (c + 1) + " colour: " + pixels + " pixels");
        }
        assertEquals(0, countNear(image, Charts.seriesColour(3), 0), "a fourth chain's colour is drawn");
        assertOnlyFile(png);
    }

    @Test
    void chainColoursAreDistinct() {
        Set<Integer> rgb = new HashSet<>();
        for (int c = 0; c < 64; c++) {
            rgb.add(Charts.seriesColour(c).getRGB());
        }
        assertEquals(64, rgb.size());
    }

    @Test
    void sameInputGivesTheSameBytes() throws IOException {
        double[][] chains = wiggles(2, 300);
        Path first = dir.resolve("a.png");
        Path second = dir.resolve("b.png");
        Plots.trace(first, "t", "y", chains);
        Plots.trace(second, "t", "y", chains);
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second));
    }

    @Test
    void regressionBandShadesTheBandOnlyWhereItIsWide() throws IOException {
        int n = 400;
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i / (double) n;
            y[i] = Math.sin(6 * x[i]) + 0.3 * (frac(i * 0.7548776662466927) - 0.5);
        }
        double[] grid = linspace(0, 1, 101);
        double[] mean = new double[grid.length];
        double[] lo = new double[grid.length];
        double[] hi = new double[grid.length];
        for (int g = 0; g < grid.length; g++) {
            mean[g] = Math.sin(6 * grid[g]);
            lo[g] = mean[g] - 0.5;
            hi[g] = mean[g] + 0.5;
        }
        Path wide = dir.resolve("wide.png");
        Path none = dir.resolve("none.png");
        Plots.regressionBand(wide, "fit", x, y, grid, mean, lo, hi, "x1", "y");
        Plots.regressionBand(none, "fit", x, y, grid, mean, mean, mean, "x1", "y");

        Color tint = overWhite(Charts.bandColour(Charts.seriesColour(0)));
        BufferedImage wideImage = readPng(wide);
        BufferedImage noneImage = readPng(none);
        assertContent(wideImage);
        assertContent(noneImage);
        // The band spans ~1/3 of a ~750x450 plot area (>100,000 pixels), minus points and gridlines on it;
        // with lo = hi only the legend swatch (16x10) and a few anti-aliased edge pixels carry the tint.
        int wideTint = countNear(wideImage, tint, BLEND_TOLERANCE);
        int noneTint = countNear(noneImage, tint, BLEND_TOLERANCE);
        assertTrue(wideTint > 30_000, "band pixels: " + wideTint);
        assertTrue(noneTint < 1_000, "band pixels without a band: " + noneTint);
        assertTrue(countNear(wideImage, Charts.seriesColour(0), 0) >= MIN_SWATCH_PIXELS, "mean line colour");
    }

    /**
     * Each PNG carries its chart's words as text chunks: the title, both axis labels and the legend, in UTF-8
     * (a column name outside Latin-1 survives).
     */
    @Test
    void pngsCarryTheirTitleAndLabelsAsText() throws IOException {
        double[] grid = linspace(0, 1, 5);
        Path band = dir.resolve("band.png");
        Plots.regressionBand(band, "E[Ертөнц | dose]", new double[] {0.5}, new double[] {1}, grid, grid, grid, grid,
                "dose", "Ертөнц");
        assertEquals("E[Ертөнц | dose]", PngText.title(band));
        assertEquals("dose", PngText.line(band, "horizontal axis: "));
        assertEquals("Ертөнц", PngText.line(band, "vertical axis: "));
        assertEquals("data; posterior mean of E[Ертөнц | dose]; 90% band", PngText.line(band, "legend: "));

        Path density = dir.resolve("density.png");
        Plots.densities(density, "p", grid, List.of("dose = 1", "dose = 2"), List.of(grid, grid), List.of(grid, grid),
                List.of(grid, grid), "response", "p(response | dose)");
        assertEquals("response", PngText.line(density, "horizontal axis: "));
        assertEquals("p(response | dose)", PngText.line(density, "vertical axis: "));
        assertEquals("dose = 1; dose = 2", PngText.line(density, "legend: "));
        assertEquals("lines: posterior mean; shaded: 90% band", PngText.line(density, "subtitle: "));

        Path trace = dir.resolve("trace.png");
        Plots.trace(trace, "log-likelihood", "log p", wiggles(2, 10));
        assertEquals("iteration", PngText.line(trace, "horizontal axis: "));
        assertEquals("log p", PngText.line(trace, "vertical axis: "));
        assertEquals("chain 1; chain 2", PngText.line(trace, "legend: "));
    }

    @Test
    void regressionBandThinsAMillionPoints() throws IOException {
        int n = 1_000_000;
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = frac(i * 0.6180339887498949);
            y[i] = 2 * x[i] + frac(i * 0.7548776662466927);
        }
        double[] grid = linspace(0, 1, 50);
        double[] mean = new double[grid.length];
        double[] lo = new double[grid.length];
        double[] hi = new double[grid.length];
        for (int g = 0; g < grid.length; g++) {
            mean[g] = 2 * grid[g] + 0.5;
            lo[g] = mean[g] - 0.1;
            hi[g] = mean[g] + 0.1;
        }
        Path png = dir.resolve("big.png");
        Plots.regressionBand(png, "n = 1e6", x, y, grid, mean, lo, hi, "x1", "y");
        assertContent(readPng(png));
        assertOnlyFile(png);
    }

    @Test
    void scatterStrideIsTheSmallestThatKeepsAtMostTheLimit() {
        int limit = Plots.MAX_SCATTER_POINTS;
        int[] sizes = {1, 2, limit - 1, limit, limit + 1, 2 * limit, 2 * limit + 1, 1_000_000, 10_000_000,
            Integer.MAX_VALUE};
        for (int n : sizes) {
            int m = Plots.scatterStride(n);
            long shown = (n - 1L) / m + 1;
            assertTrue(shown <= limit, "n = " + n + ": " + shown + " points");
            if (m > 1) {
                long withSmallerStride = (n - 1L) / (m - 1) + 1;
                assertTrue(withSmallerStride > limit, "n = " + n + ": stride " + m + " is not the smallest");
            }
        }
        // by hand: ceil(1e7 / 5000) = 2000; ceil((2^31 - 1) / 5000) = 429,497
        assertEquals(1, Plots.scatterStride(limit));
        assertEquals(2_000, Plots.scatterStride(10_000_000));
        assertEquals(429_497, Plots.scatterStride(Integer.MAX_VALUE));
    }

    @Test
    void densitiesDrawEachCurveInItsColourWithItsBand() throws IOException {
        double[] yGrid = linspace(-4, 6, 201);
        List<String> labels = List.of("x = -1", "x = 0", "x = 1");
        List<double[]> mean = new ArrayList<>();
        List<double[]> lo = new ArrayList<>();
        List<double[]> hi = new ArrayList<>();
        for (int k = 0; k < labels.size(); k++) {
            double centre = 1.5 * k;
            double[] m = new double[yGrid.length];
            double[] l = new double[yGrid.length];
            double[] h = new double[yGrid.length];
            for (int g = 0; g < yGrid.length; g++) {
                m[g] = Math.exp(-0.5 * (yGrid[g] - centre) * (yGrid[g] - centre)) / Math.sqrt(2 * Math.PI);
                l[g] = 0.8 * m[g];
                h[g] = 1.2 * m[g];
            }
            mean.add(m);
            lo.add(l);
            hi.add(h);
        }
        Path png = dir.resolve("densities.png");
        Plots.densities(png, "p(y | x)", yGrid, labels, mean, lo, hi, "y", "p(y | x)");

        BufferedImage image = readPng(png);
        assertContent(image);
        for (int k = 0; k < labels.size(); k++) {
            Color colour = Charts.seriesColour(k);
            assertTrue(countNear(image, colour, 0) >= MIN_SWATCH_PIXELS, "curve " + k + " colour");
            // Each band is ~0.4 of the peak height over a few hundred pixels of width; overlaps blend colours.
            int band = countNear(image, overWhite(Charts.bandColour(colour)), BLEND_TOLERANCE);
            assertTrue(band > 1_000, "curve " + k + " band pixels: " + band);
        }
        assertEquals(0, countNear(image, Charts.seriesColour(3), 0), "a fourth curve's colour is drawn");
        assertOnlyFile(png);
    }

    @Test
    void replacesAnExistingFile() throws IOException {
        Path png = dir.resolve("trace.png");
        Files.writeString(png, "old");
        Plots.trace(png, "t", "y", wiggles(1, 10));
        assertContent(readPng(png));
        assertOnlyFile(png);
    }

    @Test
    void failedWriteLeavesNoTemporaryFile() throws IOException {
        Path blocked = dir.resolve("trace.png");
        Files.createDirectories(blocked.resolve("inside"));
        UserError e = assertThrows(UserError.class, () -> Plots.trace(blocked, "t", "y", wiggles(1, 10)));
        assertTrue(e.getMessage().startsWith("cannot write " + blocked), e.getMessage());
        assertOnlyFile(blocked);
    }

    @Test
    void missingFolderIsAUserError() {
        Path png = dir.resolve("no-such-folder").resolve("trace.png");
        UserError e = assertThrows(UserError.class, () -> Plots.trace(png, "t", "y", wiggles(1, 10)));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    /**
     * A machine without fonts (a bare container) must get one line that names the fix, not an InternalError
     * from deep in AWT. Run in a child JVM: fontconfig sees an empty configuration, and a fresh user.home
     * keeps the JDK from using its cached font list.
     */
    @Test
    void missingFontsAreAUserErrorThatNamesThePackage() throws IOException, InterruptedException {
        Path conf = dir.resolve("fonts.conf");
        Files.writeString(conf, "<?xml version=\"1.0\"?>\n<fontconfig><cachedir>" + dir.resolve("fc-cache")
                + "</cachedir></fontconfig>\n");
        Path out = Files.createDirectories(dir.resolve("out"));
        Path png = out.resolve("trace.png");
        ProcessBuilder child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + dir.resolve("home"), "-cp", System.getProperty("java.class.path"),
                NoFontsChild.class.getName(), png.toString());
        child.environment().put("FONTCONFIG_FILE", conf.toString());
        child.redirectErrorStream(true);
        Process process = child.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(2, TimeUnit.MINUTES), "child JVM hangs");
        assumeFalse(process.exitValue() == 0, "this JDK finds fonts without fontconfig; nothing to test");
        assertEquals(NoFontsChild.USER_ERROR, process.exitValue(), output);
        assertTrue(output.startsWith("cannot draw " + png + ": Java finds no fonts"), output);
        assertTrue(output.contains("apt-get install fonts-dejavu-core"), output);
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of(), files.toList());
        }
    }

    /** Draws one trace; a UserError becomes its message on stderr and exit code {@value #USER_ERROR}. */
    static final class NoFontsChild {
        static final int USER_ERROR = 2;

        public static void main(String[] args) {
            try {
                Plots.trace(Path.of(args[0]), "t", "y", wiggles(1, 10));
            } catch (UserError e) {
                System.err.println(e.getMessage());
                System.exit(USER_ERROR);
            }
        }
    }

    @Test
    void rendersHeadless() {
        Plots.scatterStride(1); // loads and initialises Plots
        assertNotNull(System.getProperty("java.awt.headless"));
        assertTrue(GraphicsEnvironment.isHeadless());
    }

    @TestFactory
    Stream<DynamicTest> badInputIsRejectedBeforeAnythingIsWritten() {
        Path png = dir.resolve("bad.png");
        double[][] ok = wiggles(2, 5);
        double[] g = {0, 1, 2};
        double[] m = {1, 2, 3};
        double[] l = {0, 1, 2};
        double[] h = {2, 3, 4};
        List<double[]> one = List.of(m);
        List<String> label = List.of("x = 0");
        return Stream.of(
                bad("trace: png is null", () -> Plots.trace(null, "t", "y", ok)),
                bad("trace: title is null", () -> Plots.trace(png, null, "y", ok)),
                bad("trace: yLabel is null", () -> Plots.trace(png, "t", null, ok)),
                bad("trace: chains is null", () -> Plots.trace(png, "t", "y", null)),
                bad("trace: chains is empty", () -> Plots.trace(png, "t", "y", new double[0][])),
                bad("trace: chain 1 is null", () -> Plots.trace(png, "t", "y", new double[][] {null})),
                bad("trace: chain 1 has 0 values", () -> Plots.trace(png, "t", "y", new double[][] {{}})),
                bad("trace: chain 1 has 1 values", () -> Plots.trace(png, "t", "y", new double[][] {{1}})),
                bad("trace: chain 2 has 2 values but chain 1 has 3",
                        () -> Plots.trace(png, "t", "y", new double[][] {{1, 2, 3}, {1, 2}})),
                bad("trace: chain 2 is null", () -> Plots.trace(png, "t", "y", new double[][] {{1, 2}, null})),
                bad("trace: chain 2[1] is NaN",
                        () -> Plots.trace(png, "t", "y", new double[][] {{1, 2}, {1, Double.NaN}})),
                bad("trace: chain 1[0] is Infinity",
                        () -> Plots.trace(png, "t", "y", new double[][] {{Double.POSITIVE_INFINITY, 2}})),
                bad("trace: values on the vertical axis run from -1.0E308 to 1.0E308",
                        () -> Plots.trace(png, "t", "y", new double[][] {{-1e308, 1e308}})),

                bad("regressionBand: xData is null", () -> band(png, null, m, g, m, l, h)),
                bad("regressionBand: xData has 0 values", () -> band(png, new double[0], new double[0], g, m, l, h)),
                bad("regressionBand: yData has 2 values but xData has 3", () -> band(png, m, new double[2], g, m, l, h)),
                bad("regressionBand: xData[1] is NaN", () -> band(png, new double[] {0, Double.NaN, 1}, m, g, m, l, h)),
                bad("regressionBand: yData[2] is -Infinity",
                        () -> band(png, m, new double[] {0, 1, Double.NEGATIVE_INFINITY}, g, m, l, h)),
                bad("regressionBand: grid has 1 values", () -> band(png, m, m, new double[] {0}, new double[] {0},
                        new double[] {0}, new double[] {0})),
                bad("regressionBand: grid must be strictly increasing", () -> band(png, m, m, new double[] {0, 2, 2},
                        m, l, h)),
                bad("regressionBand: grid[0] is NaN", () -> band(png, m, m, new double[] {Double.NaN, 1, 2}, m, l, h)),
                bad("regressionBand: mean has 2 values but grid has 3", () -> band(png, m, m, g, new double[2], l, h)),
                bad("regressionBand: lo is null", () -> band(png, m, m, g, m, null, h)),
                bad("regressionBand: hi[2] is NaN", () -> band(png, m, m, g, m, l, new double[] {2, 3, Double.NaN})),
                bad("regressionBand: lo[1] = 1.0 is above hi[1] = 0.5",
                        () -> band(png, m, m, g, m, l, new double[] {2, 0.5, 4})),
                bad("regressionBand: values on the horizontal axis run from -1.0E308 to 2.0",
                        () -> band(png, new double[] {-1e308, 0, 1}, m, g, m, l, h)),
                bad("regressionBand: values on the vertical axis run from 0.0 to 1.0E308",
                        () -> band(png, m, m, g, m, l, new double[] {2, 3, 1e308})),
                bad("regressionBand: xLabel is null",
                        () -> Plots.regressionBand(png, "t", m, m, g, m, l, h, null, "y")),

                bad("densities: responseLabel is null", () -> Plots.densities(png, "t", g, label, one, one, one, null,
                        "p")),
                bad("densities: densityLabel is null", () -> Plots.densities(png, "t", g, label, one, one, one, "y",
                        null)),
                bad("densities: labels is empty", () -> Plots.densities(png, "t", g, List.of(), one, one, one, "y", "p(y | x)")),
                bad("densities: mean has 2 curves but labels has 1",
                        () -> Plots.densities(png, "t", g, label, List.of(m, m), one, one, "y", "p(y | x)")),
                bad("densities: hi has 0 curves but labels has 1",
                        () -> Plots.densities(png, "t", g, label, one, one, List.of(), "y", "p(y | x)")),
                bad("densities: label \"a\" appears twice",
                        () -> Plots.densities(png, "t", g, List.of("a", "a"), List.of(m, m), List.of(l, l),
                                List.of(h, h), "y", "p(y | x)")),
                bad("densities: labels[0] is null", () -> Plots.densities(png, "t", g,
                        Arrays.asList((String) null), one, one, one, "y", "p(y | x)")),
                bad("densities: yGrid is null", () -> Plots.densities(png, "t", null, label, one, one, one, "y", "p(y | x)")),
                bad("densities: yGrid must be strictly increasing",
                        () -> Plots.densities(png, "t", new double[] {2, 1, 0}, label, one, one, one, "y", "p(y | x)")),
                bad("densities: lo[0] has 2 values but yGrid has 3",
                        () -> Plots.densities(png, "t", g, label, one, List.of(new double[2]), one, "y", "p(y | x)")),
                bad("densities: mean[0][1] is NaN", () -> Plots.densities(png, "t", g, label,
                        List.of(new double[] {1, Double.NaN, 3}), one, one, "y", "p(y | x)")),
                bad("densities: lo[0][0] = 2.0 is above hi[0][0] = 0.0", () -> Plots.densities(png, "t", g, label,
                        one, List.of(h), List.of(new double[] {0, 3, 4}), "y", "p(y | x)")),
                bad("densities: values on the horizontal axis run from -1.0E308 to 1.0E308",
                        () -> Plots.densities(png, "t", new double[] {-1e308, 0, 1e308}, label, List.of(g),
                                List.of(g), List.of(g), "y", "p(y | x)")),
                bad("densities: values on the vertical axis run from -1.0E308 to 3.0", () -> Plots.densities(png,
                        "t", g, label, one, List.of(new double[] {-1e308, 1, 2}), one, "y", "p(y | x)")));
    }

    @TestFactory
    Stream<DynamicTest> boundaryInputIsDrawn() {
        double[] g = {0, 1};
        // Just inside PlotInput.MAX_SPAN (~4.49e307) once 0 is added to the density axis.
        double[] m = {-2.2e307, 2.2e307};
        return Stream.of(
                good("trace: one chain of two draws", p -> Plots.trace(p, "", "", new double[][] {{0, 1}})),
                good("trace: constant chains", p -> Plots.trace(p, "t", "y", new double[][] {{5, 5, 5}, {5, 5, 5}})),
                good("trace: twelve chains", p -> Plots.trace(p, "t", "y", wiggles(12, 50))),
                good("trace: values near the widest span",
                        p -> Plots.trace(p, "t", "y", new double[][] {m, {0, 0}})),
                good("regressionBand: one point, lo = hi, huge values",
                        p -> Plots.regressionBand(p, "t", new double[] {0.5}, new double[] {0}, g, m, m, m, "x", "y")),
                good("densities: one curve with lo = hi",
                        p -> Plots.densities(p, "t", g, List.of("x"), List.of(g), List.of(g), List.of(g), "y", "p(y | x)")),
                good("densities: huge values", p -> Plots.densities(p, "t", m, List.of("x"), List.of(m), List.of(m),
                        List.of(m), "y", "p(y | x)")));
    }

    private static void band(Path png, double[] x, double[] y, double[] grid, double[] mean, double[] lo,
            double[] hi) {
        Plots.regressionBand(png, "t", x, y, grid, mean, lo, hi, "x", "y");
    }

    private DynamicTest bad(String expectedMessage, Executable call) {
        return DynamicTest.dynamicTest(expectedMessage, () -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
            assertTrue(e.getMessage().startsWith(expectedMessage), e.getMessage());
            assertTrue(e.getMessage().indexOf('\n') < 0, "one line: " + e.getMessage());
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(), files.toList());
            }
        });
    }

    private interface PlotCall {
        void to(Path png) throws IOException;
    }

    private DynamicTest good(String name, PlotCall call) {
        return DynamicTest.dynamicTest(name, () -> {
            Path png = dir.resolve(name.replaceAll("[^a-z0-9]+", "_") + ".png");
            call.to(png);
            assertContent(readPng(png));
        });
    }

    /** Chains of distinct smooth wiggles, one level apart; deterministic, no RNG needed. */
    private static double[][] wiggles(int chains, int draws) {
        double[][] out = new double[chains][draws];
        for (int c = 0; c < chains; c++) {
            for (int t = 0; t < draws; t++) {
                out[c][t] = c + Math.sin(0.05 * t * (c + 1));
            }
        }
        return out;
    }

    private static double[] linspace(double from, double to, int points) {
        double[] out = new double[points];
        for (int i = 0; i < points; i++) {
            out[i] = from + (to - from) * i / (points - 1);
        }
        return out;
    }

    private static double frac(double v) {
        return v - Math.floor(v);
    }

    /** A translucent colour painted once on white, as the band appears where nothing lies beneath it. */
    private static Color overWhite(Color c) {
        double a = c.getAlpha() / 255.0;
        return new Color((int) Math.round(255 + (c.getRed() - 255) * a),
                (int) Math.round(255 + (c.getGreen() - 255) * a), (int) Math.round(255 + (c.getBlue() - 255) * a));
    }

    private static BufferedImage readPng(Path png) throws IOException {
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > PNG_SIGNATURE.length, "file too short");
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(bytes, PNG_SIGNATURE.length), "PNG signature");
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "not readable as an image");
        assertEquals(Plots.WIDTH, image.getWidth());
        assertEquals(Plots.HEIGHT, image.getHeight());
        return image;
    }

    /**
     * Real content on a white ground: corners white (no grey JFreeChart background), some ink (text, axes,
     * lines), many colours (anti-aliasing and series), yet mostly white.
     */
    private static void assertContent(BufferedImage image) {
        int white = 0xffffff;
        int w = image.getWidth();
        int h = image.getHeight();
        assertEquals(white, image.getRGB(0, 0) & white, "top-left corner");
        assertEquals(white, image.getRGB(w - 1, h - 1) & white, "bottom-right corner");
        Set<Integer> colours = new HashSet<>();
        int ink = 0;
        for (int pixel : pixels(image)) {
            int rgb = pixel & white;
            colours.add(rgb);
            if (rgb != white) {
                ink++;
            }
        }
        assertTrue(ink > w * h / 100, "non-white pixels: " + ink);
        assertTrue(ink < w * h * 9 / 10, "non-white pixels: " + ink);
        assertTrue(colours.size() > 20, "distinct colours: " + colours.size());
    }

    private static int countNear(BufferedImage image, Color target, int tolerance) {
        int count = 0;
        for (int rgb : pixels(image)) {
            if (Math.abs(((rgb >> 16) & 0xff) - target.getRed()) <= tolerance
                    && Math.abs(((rgb >> 8) & 0xff) - target.getGreen()) <= tolerance
                    && Math.abs((rgb & 0xff) - target.getBlue()) <= tolerance) {
                count++;
            }
        }
        return count;
    }

    private static int[] pixels(BufferedImage image) {
        int w = image.getWidth();
        return image.getRGB(0, 0, w, image.getHeight(), null, 0, w);
    }

    private void assertOnlyFile(Path expected) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(expected.getFileName().toString()),
                    files.map(p -> p.getFileName().toString()).toList());
        }
    }
}
