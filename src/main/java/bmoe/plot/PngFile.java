package bmoe.plot;

import bmoe.io.UserError;
import bmoe.io.AtomicFiles;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.title.TextTitle;

/**
 * Renders a chart to a PNG, with its title and labels as text chunks ({@link #text}), and writes it through
 * {@link AtomicFiles}: a temporary name beside the target, renamed into place when complete.
 */
final class PngFile {
    static final String TITLE = "Title";
    static final String DESCRIPTION = "Description";
    static final String HORIZONTAL = "horizontal axis: ";
    static final String VERTICAL = "vertical axis: ";
    static final String LEGEND = "legend: ";
    private static final String PNG_METADATA = "javax_imageio_png_1.0";

    private PngFile() {}

    /** Writes {@code chart} as a {@code width} x {@code height} PNG at {@code target}, replacing any file there. */
    static void write(Path target, JFreeChart chart, int width, int height) {
        // Fails with a one-line UserError before the rendering work if the folder is missing or read-only.
        AtomicFiles.checkWritable(target);
        BufferedImage image;
        try {
            image = render(chart, width, height);
        } catch (RuntimeException | Error e) {
            if (noFonts(e)) {
                throw new UserError("cannot draw " + target + ": Java finds no fonts on this machine"
                        + " (on Debian/Ubuntu: apt-get install fonts-dejavu-core)", e);
            }
            throw e;
        }
        // A memory-cached image stream: ImageIO's default file cache would put a second temporary file in
        // java.io.tmpdir. Closing it flushes into AtomicFiles' stream without closing that.
        Map<String, String> text = text(chart);
        AtomicFiles.writeBytes(target, out -> {
            Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("png");
            if (!writers.hasNext()) {
                throw new IllegalStateException("this JDK has no PNG writer");
            }
            ImageWriter writer = writers.next();
            try (ImageOutputStream imageOut = new MemoryCacheImageOutputStream(out)) {
                writer.setOutput(imageOut);
                ImageWriteParam param = writer.getDefaultWriteParam();
                IIOMetadata metadata = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image),
                        param);
                metadata.mergeTree(PNG_METADATA, textNodes(text));
                writer.write(null, new IIOImage(image, null, metadata), param);
            } finally {
                writer.dispose();
            }
        });
    }

    /**
     * The chart in words, stored in the PNG as text chunks: "Title", and "Description" with one line per axis
     * label, subtitle and the legend's entries. Image viewers and search tools show them, and a test can check
     * what a plot says without reading pixels.
     */
    static Map<String, String> text(JFreeChart chart) {
        Map<String, String> text = new LinkedHashMap<>();
        text.put(TITLE, chart.getTitle() == null ? "" : chart.getTitle().getText());
        List<String> lines = new ArrayList<>();
        LegendItemCollection items;
        if (chart.getPlot() instanceof CategoryPlot bars) {
            lines.add(HORIZONTAL + bars.getDomainAxis().getLabel());
            lines.add(VERTICAL + bars.getRangeAxis().getLabel());
            items = bars.getLegendItems();
        } else {
            XYPlot plot = chart.getXYPlot();
            lines.add(HORIZONTAL + plot.getDomainAxis().getLabel());
            lines.add(VERTICAL + plot.getRangeAxis().getLabel());
            items = plot.getLegendItems();
        }
        for (int i = 0; i < chart.getSubtitleCount(); i++) {
            if (chart.getSubtitle(i) instanceof TextTitle subtitle) {
                lines.add("subtitle: " + subtitle.getText());
            }
        }
        List<String> legend = new ArrayList<>();
        for (int i = 0; i < items.getItemCount(); i++) {
            legend.add(items.get(i).getLabel());
        }
        lines.add(LEGEND + String.join("; ", legend));
        text.put(DESCRIPTION, String.join("\n", lines));
        text.put("Software", "bmoe");
        return text;
    }

    /** iTXt chunks (UTF-8, so column names in any script survive), uncompressed. */
    private static IIOMetadataNode textNodes(Map<String, String> text) {
        IIOMetadataNode chunk = new IIOMetadataNode("iTXt");
        text.forEach((keyword, value) -> {
            IIOMetadataNode entry = new IIOMetadataNode("iTXtEntry");
            entry.setAttribute("keyword", keyword);
            entry.setAttribute("compressionFlag", "FALSE");
            entry.setAttribute("compressionMethod", "0");
            entry.setAttribute("languageTag", "");
            entry.setAttribute("translatedKeyword", "");
            entry.setAttribute("text", value);
            chunk.appendChild(entry);
        });
        IIOMetadataNode root = new IIOMetadataNode(PNG_METADATA);
        root.appendChild(chunk);
        return root;
    }

    /** On an opaque white canvas: PNG viewers show transparent pixels in many ways, not all of them white. */
    static BufferedImage render(JFreeChart chart, int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g2 = image.createGraphics();
        try {
            g2.setColor(Color.WHITE);
            g2.fillRect(0, 0, width, height);
            chart.draw(g2, new Rectangle2D.Double(0, 0, width, height));
        } finally {
            g2.dispose();
        }
        return image;
    }

    /**
     * A JDK with no font to measure text fails on first use: "Fontconfig head is null" (JDK 17 wraps it in
     * an InternalError, JDK 25 does not), or "No fonts found" on older runtimes. Nothing else is caught.
     */
    private static boolean noFonts(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("Fontconfig head is null") || m.contains("No fonts found"))) {
                return true;
            }
        }
        return false;
    }
}
