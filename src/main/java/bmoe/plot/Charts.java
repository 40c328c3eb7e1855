package bmoe.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.StandardChartTheme;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.chart.renderer.AbstractRenderer;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.SamplingXYLineRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.xy.DefaultIntervalXYDataset;
import org.jfree.data.xy.DefaultXYDataset;

/**
 * Builds the JFreeChart objects behind {@link Plots}; arguments are already checked there. Datasets wrap the
 * caller's arrays without copying (nothing is modified) and live only as long as one rendering.
 */
final class Charts {
    /**
     * Series colours: matplotlib's "tab10", the familiar default of scientific plots, all distinct on white.
     * Beyond ten series, hues step by the golden angle, so that consecutive series never look alike.
     */
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf),
    };
    /** Opacity of the shaded bands: light enough that data points and gridlines show through. */
    private static final float BAND_ALPHA = 0.3f;
    /**
     * Data points: mid grey and translucent, so that where many overlap the cloud reads darker, yet a narrow
     * band over a dense cloud still shows.
     */
    private static final Color DATA_POINT = new Color(0x80, 0x80, 0x80, 0x50);
    private static final Color GRIDLINE = new Color(0xdd, 0xdd, 0xdd);

    private static final String FONT = Font.SANS_SERIF;
    private static final BasicStroke TRACE_STROKE = new BasicStroke(1.0f);
    private static final BasicStroke MEAN_STROKE = new BasicStroke(2.0f);
    /** Legend samples thicker than the 1 px trace lines, whose colour would not read at legend size. */
    private static final BasicStroke LEGEND_STROKE = new BasicStroke(3.0f);
    private static final Shape DATA_SHAPE = new Ellipse2D.Double(-2.0, -2.0, 4.0, 4.0);
    private static final Shape LEGEND_LINE = new Line2D.Double(-12.0, 0.0, 12.0, 0.0);
    private static final Shape LEGEND_DOT = new Ellipse2D.Double(-4.0, -4.0, 8.0, 8.0);
    private static final Shape LEGEND_BOX = new Rectangle2D.Double(-8.0, -5.0, 16.0, 10.0);

    private Charts() {}

    /** Colour of series {@code i} (0-based) in every plot. */
    static Color seriesColour(int i) {
        if (i < PALETTE.length) {
            return PALETTE[i];
        }
        double goldenTurn = 0.6180339887498949;
        return Color.getHSBColor((float) ((i * goldenTurn) % 1.0), 0.7f, 0.75f);
    }

    /** {@code colour} at {@link #BAND_ALPHA}, as the band is painted. */
    static Color bandColour(Color colour) {
        return new Color(colour.getRed(), colour.getGreen(), colour.getBlue(), Math.round(BAND_ALPHA * 255));
    }

    static JFreeChart trace(String title, String yLabel, double[][] chains) {
        int draws = chains[0].length;
        double[] iteration = new double[draws];
        for (int t = 0; t < draws; t++) {
            iteration[t] = t + 1;
        }
        DefaultXYDataset dataset = new DefaultXYDataset();
        // Draws one vertical min-max segment per pixel column where draws are denser than pixels, so long
        // chains cost a pass over the data rather than a million anti-aliased segments.
        SamplingXYLineRenderer renderer = new SamplingXYLineRenderer();
        fixedStyle(renderer);
        LegendItemCollection legend = new LegendItemCollection();
        for (int c = 0; c < chains.length; c++) {
            String name = "chain " + (c + 1);
            dataset.addSeries(name, new double[][] {iteration, chains[c]});
            renderer.setSeriesPaint(c, seriesColour(c));
            renderer.setSeriesStroke(c, TRACE_STROKE);
            legend.add(new LegendItem(name, null, null, null, LEGEND_LINE, LEGEND_STROKE, seriesColour(c)));
        }
        NumberAxis x = axis("iteration");
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        x.setLowerMargin(0.0);
        x.setUpperMargin(0.0);
        XYPlot plot = new XYPlot(dataset, x, axis(yLabel), renderer);
        plot.setFixedLegendItems(legend);
        return styled(title, plot, null);
    }

    static JFreeChart counts(String title, String xLabel, double[] posterior, double[] prior) {
        DefaultCategoryDataset dataset = new DefaultCategoryDataset();
        for (int k = 0; k < posterior.length; k++) {
            dataset.addValue(posterior[k], "posterior", Integer.toString(k + 1));
            dataset.addValue(prior[k], "prior", Integer.toString(k + 1));
        }
        BarRenderer renderer = new BarRenderer();
        fixedStyle(renderer);
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setSeriesPaint(0, seriesColour(0));
        renderer.setSeriesPaint(1, Color.LIGHT_GRAY);
        NumberAxis probability = axis("probability");
        probability.setAutoRangeIncludesZero(true);
        probability.setRange(0.0, 1.0);
        CategoryPlot plot = new CategoryPlot(dataset, new CategoryAxis(xLabel), probability, renderer);
        plot.setRangeGridlinesVisible(true);
        return styled(title, plot, null);
    }

    static JFreeChart regressionBand(String title, double[] xData, double[] yData, int stride, double[] grid,
            double[] mean, double[] lo, double[] hi, String xLabel, String yLabel) {
        int n = xData.length;
        int shown = (n - 1) / stride + 1;
        double[] xs = new double[shown];
        double[] ys = new double[shown];
        for (int j = 0; j < shown; j++) {
            xs[j] = xData[j * stride];
            ys[j] = yData[j * stride];
        }
        DefaultXYDataset points = new DefaultXYDataset();
        points.addSeries("data", new double[][] {xs, ys});
        XYLineAndShapeRenderer pointRenderer = new XYLineAndShapeRenderer(false, true);
        fixedStyle(pointRenderer);
        pointRenderer.setSeriesShape(0, DATA_SHAPE);
        pointRenderer.setSeriesPaint(0, DATA_POINT);

        Color colour = seriesColour(0);
        DefaultIntervalXYDataset band = new DefaultIntervalXYDataset();
        String meanName = "posterior mean of E[" + yLabel + " | " + xLabel + "]";
        band.addSeries(meanName, new double[][] {grid, grid, grid, mean, lo, hi});
        DeviationRenderer bandRenderer = bandRenderer();
        bandRenderer.setSeriesPaint(0, colour);
        bandRenderer.setSeriesFillPaint(0, colour);

        // Index 0 is drawn last (the default reverse order), so the curve and band sit on top of the data.
        XYPlot plot = new XYPlot(band, axis(xLabel), axis(yLabel), bandRenderer);
        plot.setDataset(1, points);
        plot.setRenderer(1, pointRenderer);

        LegendItemCollection legend = new LegendItemCollection();
        legend.add(new LegendItem("data", null, null, null, LEGEND_DOT, DATA_POINT));
        legend.add(new LegendItem(meanName, null, null, null, LEGEND_LINE, LEGEND_STROKE, colour));
        legend.add(new LegendItem("90% band", null, null, null, LEGEND_BOX, bandColour(colour)));
        plot.setFixedLegendItems(legend);

        String thinned = stride == 1 ? null
                : String.format(Locale.ROOT, "data: 1 in every %,d of %,d points shown", stride, n);
        return styled(title, plot, thinned);
    }

    static JFreeChart densities(String title, double[] yGrid, List<String> labels, List<double[]> mean,
            List<double[]> lo, List<double[]> hi, String responseLabel, String densityLabel) {
        DefaultIntervalXYDataset dataset = new DefaultIntervalXYDataset();
        DeviationRenderer renderer = bandRenderer();
        for (int k = 0; k < labels.size(); k++) {
            dataset.addSeries(labels.get(k), new double[][] {yGrid, yGrid, yGrid, mean.get(k), lo.get(k), hi.get(k)});
            renderer.setSeriesPaint(k, seriesColour(k));
            renderer.setSeriesFillPaint(k, seriesColour(k));
            renderer.setSeriesStroke(k, MEAN_STROKE);
        }
        NumberAxis density = axis(densityLabel);
        density.setAutoRangeIncludesZero(true);
        XYPlot plot = new XYPlot(dataset, axis(responseLabel), density, renderer);
        return styled(title, plot, "lines: posterior mean; shaded: 90% band");
    }

    private static DeviationRenderer bandRenderer() {
        DeviationRenderer renderer = new DeviationRenderer(true, false);
        fixedStyle(renderer);
        renderer.setAlpha(BAND_ALPHA);
        renderer.setSeriesStroke(0, MEAN_STROKE);
        return renderer;
    }

    /** Our colours and strokes, set per series, must survive {@link StandardChartTheme#apply}, which clears
     * auto-populated ones. */
    private static void fixedStyle(AbstractRenderer renderer) {
        renderer.setAutoPopulateSeriesPaint(false);
        renderer.setAutoPopulateSeriesFillPaint(false);
        renderer.setAutoPopulateSeriesStroke(false);
        renderer.setAutoPopulateSeriesShape(false);
    }

    private static NumberAxis axis(String label) {
        NumberAxis axis = new NumberAxis(label);
        axis.setAutoRangeIncludesZero(false);
        return axis;
    }

    /**
     * White everywhere (no JFreeChart grey plot area), light grey gridlines, large sans-serif text.
     *
     * @param subtitle a line under the title, or null for none
     */
    private static JFreeChart styled(String title, Plot plot, String subtitle) {
        JFreeChart chart = new JFreeChart(title, plot);
        if (subtitle != null) {
            chart.addSubtitle(new TextTitle(subtitle));
        }
        // After the subtitle, so that the theme sets its font too.
        theme().apply(chart);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        chart.getLegend().setFrame(BlockBorder.NONE);
        // Room on the right for the last tick label, which is centred on the plot's edge.
        chart.setPadding(new RectangleInsets(4.0, 4.0, 4.0, 16.0));
        return chart;
    }

    /** A fresh theme per chart: JFreeChart's global theme is shared mutable state, so it is never set. */
    private static StandardChartTheme theme() {
        StandardChartTheme theme = new StandardChartTheme("bmoe");
        theme.setExtraLargeFont(new Font(FONT, Font.BOLD, 20));
        theme.setLargeFont(new Font(FONT, Font.PLAIN, 16));
        theme.setRegularFont(new Font(FONT, Font.PLAIN, 14));
        theme.setSmallFont(new Font(FONT, Font.PLAIN, 12));
        theme.setChartBackgroundPaint(Color.WHITE);
        theme.setPlotBackgroundPaint(Color.WHITE);
        theme.setLegendBackgroundPaint(Color.WHITE);
        theme.setPlotOutlinePaint(Color.GRAY);
        theme.setDomainGridlinePaint(GRIDLINE);
        theme.setRangeGridlinePaint(GRIDLINE);
        return theme;
    }
}
