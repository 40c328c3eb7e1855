package bmoe.plot;

import bmoe.cli.UserError;
import bmoe.io.AtomicFiles;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.jfree.chart.JFreeChart;

/**
 * Renders a chart to a PNG under a temporary name beside the target, then renames it into place: the same
 * contract and temporary naming as {@link AtomicFiles}, whose writer is for text and cannot carry bytes.
 */
final class PngFile {
    private static final AtomicLong TEMP_COUNTER = new AtomicLong();

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
        Path tmp = target.toAbsolutePath().getParent().resolve("." + target.getFileName() + "."
                + ProcessHandle.current().pid() + "." + TEMP_COUNTER.incrementAndGet() + ".part");
        try {
            // CREATE_NEW as in AtomicFiles: honours the umask, unlike Files.createTempFile's owner-only mode.
            // A memory-cached image stream: ImageIO's default file cache would put a second temporary file in
            // java.io.tmpdir.
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
                    ImageOutputStream imageOut = new MemoryCacheImageOutputStream(out)) {
                if (!ImageIO.write(image, "png", imageOut)) {
                    throw new IllegalStateException("this JDK has no PNG writer");
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UserError("cannot write " + target + ": " + reason(e));
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: the temporary name never looks like the real output
            }
        }
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

    /** The reason in words, without exception class names (those read as a crash). */
    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "a folder of that name is in the way";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null || e.getMessage().isBlank() ? "input/output error" : e.getMessage();
    }
}
