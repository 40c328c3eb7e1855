package bmoe.plot;

import bmoe.io.UserError;
import bmoe.io.AtomicFiles;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.jfree.chart.JFreeChart;

/**
 * Renders a chart to a PNG and writes it through {@link AtomicFiles}: a temporary name beside the target,
 * renamed into place when complete.
 */
final class PngFile {
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
        AtomicFiles.writeBytes(target, out -> {
            try (ImageOutputStream imageOut = new MemoryCacheImageOutputStream(out)) {
                if (!ImageIO.write(image, "png", imageOut)) {
                    throw new IllegalStateException("this JDK has no PNG writer");
                }
            }
        });
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
